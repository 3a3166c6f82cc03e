"""scripts/test-prerequisites.sh, which ``make test`` runs first. Here it runs as if
it were an ordinary user without sudo (a stub ``id``, no ``sudo`` on PATH), so that it
can look but never install, create or start anything: where something is missing it
must say what to do, and exit 1, without a traceback."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "test-prerequisites.sh"
DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
ID = """#!/bin/sh
case "$1" in -u) echo 1000 ;; -un) echo tester ;; *) echo "uid=1000(tester)" ;; esac
"""


def bin_without(tmp_path: Path, *hidden: str) -> Path:
    """A PATH directory with every command of this machine but ``hidden`` and sudo,
    and an ``id`` that says "not root"."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for directory in DIRS:
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            target = fake / entry.name
            if entry.name in (*hidden, "sudo", "id") or target.exists() or target.is_symlink():
                continue
            target.symlink_to(entry.path)
    (fake / "id").write_text(ID)
    (fake / "id").chmod(0o755)
    return fake


def run(path: Path, database_url: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(path), "DATABASE_URL": database_url, "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(settings) -> str:
    """host:port of the test run's PostgreSQL."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):  # Django's, or ours (opd_project.postgresql)
        pytest.skip("needs the PostgreSQL of DATABASE_URL")
    return f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


@pytest.fixture
def database_url(settings, server) -> str:
    """The test run's own login; the script checks the postgres database with it."""
    db = settings.DATABASES["default"]
    login = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{server}/opd"


def test_with_everything_in_place_it_only_looks(tmp_path, database_url):
    started = time.monotonic()
    done = run(bin_without(tmp_path), database_url)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert time.monotonic() - started < 10


def test_a_missing_chromium_without_root_says_what_to_install(tmp_path, database_url):
    done = run(bin_without(tmp_path, "chromium"), database_url)
    assert done.returncode == 1
    assert "missing: chromium" in done.stderr
    assert "apt-get install -y chromium" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_no_server_on_the_local_port_is_explained(tmp_path):
    port = unused_port()
    done = run(bin_without(tmp_path), f"postgres://postgres@127.0.0.1:{port}/opd")
    assert done.returncode == 1
    # Here: no cluster serves the port (elsewhere, maybe: no server installed at all).
    assert f"port {port}" in done.stderr or "missing: postgresql" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_server_elsewhere_is_only_checked(tmp_path):
    # 192.0.2.0/24 is TEST-NET-1: nothing answers there.
    done = run(bin_without(tmp_path), "postgres://opd@192.0.2.1:5432/opd")
    assert done.returncode == 1
    assert "PostgreSQL at 192.0.2.1:5432 (DATABASE_URL) does not answer" in done.stderr


def test_a_user_the_server_refuses_is_named(tmp_path, server):
    done = run(bin_without(tmp_path), f"postgres://no_such_role_x@{server}/opd")
    assert done.returncode == 1
    assert "answers, but not to no_such_role_x" in done.stderr
