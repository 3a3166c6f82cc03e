"""A real gunicorn on the test database, for faults a test client cannot stage:
killed workers, dropped connections, a database that restarts under the server.

The server is a separate process with its own connections, so every test that
uses it needs ``django_db(transaction=True)``: rows of a plain test transaction
would be invisible to it.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token as ApiToken

from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
BOOT_SECONDS = 30


def _server() -> tuple[str, str, str, str]:
    settings = connection.settings_dict
    return (
        settings["USER"] or "postgres",
        settings["PASSWORD"] or "",
        settings["HOST"] or "127.0.0.1",
        str(settings["PORT"] or 5432),
    )


def database_url(name: str) -> str:
    """The DATABASE_URL of database ``name`` on the test run's PostgreSQL server."""
    user, password, host, port = _server()
    login = f"{user}:{password}" if password else user
    return f"postgres://{login}@{host}:{port}/{name}"


def pg_options() -> list[str]:
    """Connection options for pg_dump, pg_restore, createdb and dropdb."""
    user, _, host, port = _server()
    return ["-h", host, "-p", port, "-U", user]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: Any  # parsed JSON, or the raw bytes when the body is not JSON


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Reply:
    """One HTTP request on a fresh connection (gunicorn's sync workers close it anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw
        return Reply(response.status, response.headers, parsed)
    finally:
        conn.close()


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        return call(self.port, method, path, **kwargs)

    def workers(self) -> set[int]:
        """The pids of the master's worker processes right now."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return {int(pid) for pid in found.stdout.split()}

    def wait_for_workers(self, count: int, *, not_in: set[int] = frozenset()) -> set[int]:
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            pids = self.workers()
            if len(pids) == count and not pids & not_in:
                return pids
            time.sleep(0.1)
        raise AssertionError(f"gunicorn has workers {self.workers()}\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{server.log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if server.call("GET", "/healthz", timeout=2).status == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer /healthz:\n{server.log_tail()}")


@contextlib.contextmanager
def gunicorn(database: str, log: Path, *, workers: int = 2) -> Iterator[Server]:
    """gunicorn with the production config on ``database``, on a free loopback port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback, and one client booking as fast as it can.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "OPD_PORTAL_BOOKING_RATE": "off",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    env.pop("DJANGO_DEBUG", None)
    command = [
        str(GUNICORN), "opd_project.wsgi", "-c", "python:opd_project.gunicorn_conf",
        "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--graceful-timeout", "1", "--timeout", "30",
        "--no-control-socket",  # another gunicorn on this machine (a benchmark) owns the default
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture
def server(transactional_db, tmp_path) -> Iterator[Server]:
    """gunicorn with two workers on this test's database."""
    with gunicorn(connection.settings_dict["NAME"], tmp_path / "gunicorn.log") as running:
        yield running


@pytest.fixture
def portal_key(transactional_db) -> str:
    """The API token of a portal client, for ``Authorization: Token …``."""
    return ApiToken.objects.create(user=make_user("portal", "portal")).key
