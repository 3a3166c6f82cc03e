"""Real threads for the concurrency tests, each on its own database connection.

Tests that use them need ``django_db(transaction=True)``: a plain test transaction
hides its rows from other threads' connections (and would make every thread's lock
a no-op savepoint of one shared transaction). And PostgreSQL: SQLite serializes
whole transactions, so such a test would prove nothing there.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

# Generous: only a hung or deadlocked thread gets anywhere near it.
JOIN_TIMEOUT = 30.0


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.fail(f"Concurrency tests need PostgreSQL, not {connection.vendor} (DATABASE_URL).")


class Worker(threading.Thread):
    """Runs ``fn`` on its own database connection and keeps its result or error
    for the main thread, which re-raises it in ``finish``."""

    def __init__(self, fn: Callable, *args) -> None:
        super().__init__(daemon=True)
        self.fn, self.args = fn, args
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:  # handed to the main thread, which re-raises it
            self.error = exc
        finally:
            connection.close()


def start(fn: Callable, *args) -> Worker:
    worker = Worker(fn, *args)
    worker.start()
    return worker


def finish(*workers: Worker) -> list:
    for worker in workers:
        worker.join(JOIN_TIMEOUT)
        assert not worker.is_alive(), "a thread hung (deadlock or lock never released?)"
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return [worker.result for worker in workers]
