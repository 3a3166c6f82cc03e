"""The outbox's tests: a tiny HTTP gateway on a free local port, the worker, the logs."""

import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from opd_project.log import JsonFormatter
from tokens.models import Notification, TokenEvent


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, as HTTP headers are (urllib sends "X-opd-signature")
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Gateway:
    """An HTTP server in a thread that records every POST and answers ``status``
    after ``delay`` seconds (a delay beyond the client's timeout is a hung gateway)."""

    status: int = 200
    delay: float = 0.0
    answer: bytes = b""  # the body of the answer; by default {"ok": true|false}
    received: list[Received] = field(default_factory=list)

    def start(self) -> "Gateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append(Received(self.path, self.headers, body))
                if gateway.delay:
                    time.sleep(gateway.delay)
                try:
                    self.send_response(gateway.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    ok = b"true" if gateway.status < 300 else b"false"
                    self.wfile.write(gateway.answer or b'{"ok": %s}' % ok)
                except OSError:
                    pass  # the client gave up (timeout) and closed the connection

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PUBLIC_URL = "https://opd.hospital.example"


@pytest.fixture(autouse=True)
def _public_url(settings):
    """The site's public address, for the live status links in the messages."""
    settings.OPD_PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway().start()
    yield server
    server.stop()


@pytest.fixture
def http_sms(settings, gateway):
    """SMS through the HTTP gateway backend to the local ``gateway``."""
    settings.OPD_SMS_BACKEND = "notifications.channels.HttpSMSBackend"
    settings.OPD_SMS_GATEWAY_URL = gateway.url
    settings.OPD_SMS_GATEWAY_AUTH_HEADER = "Authorization: Bearer gw-secret"
    settings.OPD_SMS_GATEWAY_TIMEOUT = 2
    return gateway


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict]]]:
    """What the configured console handler (with its phone masking) writes, as JSON lines."""
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream, formatter = io.StringIO(), handler.formatter
    old_stream = handler.setStream(stream)
    handler.setFormatter(JsonFormatter())
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(formatter)


def run_worker() -> None:
    """``manage.py db_worker --batch``: run every task that is due, then return.

    Needs ``django_db(transaction=True)``: the worker commits, and closes
    connections it finds outside their default autocommit. Its signal handlers
    are put back afterwards so that Ctrl+C still stops pytest."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


ROOT = Path(__file__).resolve().parents[2]


def worker_process(*args: str, **env: str) -> subprocess.Popen:
    """A real ``manage.py db_worker`` process on the test database; ``env`` adds
    settings (``OPD_SMS_GATEWAY_URL=…``). Needs ``django_db(transaction=True)``."""
    db = connection.settings_dict
    login = (db["USER"] or "postgres") + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    environ = {**os.environ, "DATABASE_URL": url, "OPD_LOG_FORMAT": "json", **env}
    environ.pop("DJANGO_DEBUG", None)
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*command, "--interval", "0.2", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def http_sms_env(gateway: "Gateway", timeout: int) -> dict[str, str]:
    return {
        "OPD_SMS_BACKEND": "notifications.channels.HttpSMSBackend",
        "OPD_SMS_GATEWAY_URL": gateway.url,
        "OPD_SMS_GATEWAY_TIMEOUT": str(timeout),
    }


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


class Events:
    """The events the engine wrote since the last call, in order: the list it hands
    to ``notices_for_events`` (one booking's events, or one ``_record``'s event)."""

    def __init__(self) -> None:
        self.last = TokenEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[TokenEvent]:
        events = list(TokenEvent.objects.filter(id__gt=self.last).order_by("id"))
        if events:
            self.last = events[-1].id
        return events


@pytest.fixture
def events(db) -> Events:
    return Events()


class Outbox:
    """The notifications the engine recorded since the last call, in the order it
    wrote them (the engine records a change's notices itself, in its transaction)."""

    def __init__(self) -> None:
        self.last = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def new(self) -> list[Notification]:
        notices = list(Notification.objects.filter(id__gt=self.last).order_by("id"))
        if notices:
            self.last = notices[-1].id
        return notices


@pytest.fixture
def outbox(db) -> Outbox:
    return Outbox()


DELIVER = "notifications.tasks.deliver"  # one message: a retry's
DELIVER_EACH = "notifications.tasks.deliver_each"  # by id: the sweep's, "Retry now"
DELIVER_CHANGE = "notifications.tasks.deliver_change"  # by delivery id: a change's


def delivery_tasks(*paths: str) -> list:
    """The first argument of each task of ``paths`` in the queue, oldest first: the
    id of a ``deliver``; the notification ids of the others (by default both tasks
    that deliver many: a change's ``deliver_change``, whose delivery ids are read
    back as notification ids, and ``deliver_each``)."""
    rows = DBTaskResult.objects.filter(
        task_path__in=paths or (DELIVER_EACH, DELIVER_CHANGE)
    ).order_by("enqueued_at", "id")
    pks = dict(Notification.objects.values_list("delivery_id", "pk"))
    return [
        [pks[uuid.UUID(key)] for key in args_kwargs["args"][0]]
        if path == DELIVER_CHANGE
        else args_kwargs["args"][0]
        for path, args_kwargs in rows.values_list("task_path", "args_kwargs")
    ]
