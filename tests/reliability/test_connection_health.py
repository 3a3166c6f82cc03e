"""The kept connection's health check (opd_project.postgresql): free while the server
has said nothing, and still a replaced connection, not a failed request, when the
server ended it (``test_database_unavailable`` holds the same through gunicorn).

Transactional tests: the health check runs between requests, outside any transaction.
"""

import select
import time

import psycopg
import pytest
from django.db import connection, connections

from opd_project.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def asked(monkeypatch) -> list[int]:
    """Every ``SELECT 1`` Django's own check sends (``is_usable``)."""
    calls: list[int] = []
    usable = DatabaseWrapper.is_usable

    def spy(self):
        calls.append(1)
        return usable(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", spy)
    return calls


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request() -> None:
    """What Django does when a request starts and ends (``close_old_connections``)."""
    connection.close_if_unusable_or_obsolete()


def test_the_engine_is_ours():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.health_check_enabled


def test_a_healthy_connection_is_checked_without_asking_the_server(asked):
    pid = backend_pid()
    for _ in range(3):
        next_request()
        assert backend_pid() == pid  # kept
    assert asked == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(asked):
    pid = backend_pid()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's goodbye reaches our socket asynchronously.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if select.select([connection.connection.fileno()], [], [], 0.05)[0]:
            break
    next_request()
    assert backend_pid() != pid  # a new connection, and no error
    assert asked == [1]  # the server was asked once, as Django would have
