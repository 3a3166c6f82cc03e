"""The scripts behind ``make run``: a busy port stops it before anything is migrated
(scripts/check_port.py), and ``PYTHON=…`` replaces a venv of another Python
(scripts/venv-python.sh)."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check_port(port: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/check_port.py", port],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def test_a_free_port_passes():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = check_port(str(port))
    assert (done.returncode, done.stderr) == (0, "")


def test_a_busy_port_is_named_with_how_to_choose_another():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        done = check_port(str(port))
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "make run PORT=" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_that_is_no_number_is_refused():
    done = check_port("eighty")
    assert done.returncode == 1
    assert "PORT='eighty' is not a port number" in done.stderr


def venv_python(python: str, venv: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "scripts/venv-python.sh", python, str(venv)],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def fake_venv(path: Path, prints: str) -> Path:
    """A venv whose python prints ``prints`` whatever it is asked."""
    (path / "bin").mkdir(parents=True)
    python = path / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho '{prints}'\n")
    python.chmod(0o755)
    return path


def test_a_venv_of_the_same_python_is_kept(tmp_path):
    real = subprocess.run(
        [sys.executable, "-c", "import platform, sys; print(platform.python_implementation(),"
         " platform.python_version(), 'at', sys.base_prefix)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    venv = fake_venv(tmp_path / "venv", real)
    done = venv_python(sys.executable, venv)
    assert (done.returncode, done.stderr) == (0, "")
    assert venv.exists()


def test_a_venv_of_another_python_is_removed_to_be_made_again(tmp_path):
    venv = fake_venv(tmp_path / "venv", "CPython 3.9.2 at /usr")
    done = venv_python(sys.executable, venv)
    assert done.returncode == 0
    assert "was made by CPython 3.9.2 at /usr" in done.stderr
    assert "removing" in done.stderr
    assert not venv.exists()


def test_a_python_that_does_not_run_leaves_the_venv_alone(tmp_path):
    venv = fake_venv(tmp_path / "venv", "CPython 3.9.2 at /usr")
    done = venv_python("python3.99-not-there", venv)
    assert done.returncode == 1
    assert "PYTHON=python3.99-not-there does not run" in done.stderr
    assert venv.exists()


def test_no_venv_yet_is_fine(tmp_path):
    done = venv_python(sys.executable, tmp_path / "none")
    assert (done.returncode, done.stderr) == (0, "")
