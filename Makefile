# OPD Token — the two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/opd

.PHONY: run test test-prerequisites check-port lint fmt install install-dev bench

# `make run PYTHON=python3.12`: a venv made by another Python is removed and created
# again (checked before any target). Without PYTHON on the command line the venv is
# kept, whichever Python made it.
ifeq ($(origin PYTHON),command line)
ifneq ($(shell sh scripts/venv-python.sh '$(PYTHON)' '$(VENV)' >&2; echo $$?),0)
$(error PYTHON=$(PYTHON) cannot create the venv)
endif
endif

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "make: OPD Token needs Python 3.11 or later; $(PYTHON) is $$($(PYTHON) -V 2>&1)." \
	       "Choose another: make run PYTHON=python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: $(PY) requirements.txt
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The app on SQLite with demo data at http://127.0.0.1:$(PORT) (make run PORT=8001);
# prints the demo logins (load_demo's token events are not logged, so nothing scrolls
# them away). A busy port stops it before anything is migrated. The notification
# worker runs beside the server and stops with it (scripts/run-dev.sh).
run: check-port install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 DJANGO_LOG_LEVEL=WARNING $(PY) manage.py load_demo --port $(PORT)
	DJANGO_DEBUG=1 sh scripts/run-dev.sh '$(PY)' '$(PORT)'

check-port:
	@$(PYTHON) scripts/check_port.py '$(PORT)'

# The whole test suite on PostgreSQL (pytest-django creates and drops test_opd).
# First installs and starts what it needs and is missing: Debian's chromium for the
# browser tests, a PostgreSQL server at DATABASE_URL (scripts/test-prerequisites.sh).
test: test-prerequisites install-dev
	DATABASE_URL='$(DATABASE_URL)' $(PY) -m pytest

test-prerequisites:
	@DATABASE_URL='$(DATABASE_URL)' bash scripts/test-prerequisites.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

fmt: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Speed and memory (README, "Performance") on a throw-away PostgreSQL database opd_bench.
bench: install-dev
	$(PY) bench/benchmark.py $(ARGS)
