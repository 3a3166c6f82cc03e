#!/bin/sh
# make ... PYTHON=python3.12: is the venv made by that Python? If not, remove it, so
# that make creates it again with PYTHON. The Makefile calls this only when PYTHON is
# given on make's command line; otherwise any existing venv is kept.
#
#   scripts/venv-python.sh PYTHON VENV
#
# Exit 1 (and the venv untouched) when PYTHON does not run.
set -eu
python=$1
venv=$2
# Same implementation, version and installation (sys.base_prefix: /usr, a pyenv dir…).
probe='import platform, sys; print(platform.python_implementation(), platform.python_version(), "at", sys.base_prefix)'

if ! want=$("$python" -c "$probe" 2>/dev/null); then
    echo "make: PYTHON=$python does not run: install it, or choose another (make run PYTHON=python3.12)." >&2
    exit 1
fi
[ -e "$venv" ] || exit 0
have=$("$venv/bin/python" -c "$probe" 2>/dev/null) || have="a Python that no longer runs"
[ "$have" = "$want" ] && exit 0
echo "make: $venv was made by $have; PYTHON=$python is $want: removing $venv to create it again." >&2
rm -rf "$venv"
