"""Django's PostgreSQL backend, whose connection health check costs no round trip.

With ``CONN_HEALTH_CHECKS`` (settings: kept connections, checked) Django asks the
server ``SELECT 1`` before a request's first query, on every request: a round trip
that every booking and every screen's poll paid on top of its own statements (an
unchanged desk poll is three). Its purpose is a connection the server has ended
— a restart, a failover, ``pg_terminate_backend`` — which would otherwise fail the
request. Such a server says so before it closes (a FATAL message, then the end of
the stream), so an idle connection with nothing to read is one the server has not
ended; only when the socket has something to read, or libpq already knows the
connection is broken, is the server asked, as Django does. What this cannot see —
a silent network partition — ``SELECT 1`` would only have waited on too.
(docs/production.md, "Database connections".)

It also hands out prepared cursors (``prepared_cursor``) for the few statements
every booking and every screen's poll sends (``tokens.statements``): PostgreSQL
parses and plans each of them once per connection instead of on every request.
"""

import select

from django.conf import settings
from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import errors
from psycopg.pq import Format


class PreparedCursor(base.ServerBindingCursor):
    """Server-side binding, each statement prepared on its first execution on the
    connection (psycopg keeps the names, and forgets them at a rollback)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # What the query log shows (tests count and read it): a prepared statement's
        # text with its values, as Django spells a server-side bound query.
        if isinstance(cursor, PreparedCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        # Only PreparedCursor prepares — Django's own cursors bind on the client and
        # never do — and it asks on every statement; psycopg needs a threshold to
        # allow it at all (Django's default, None, turns preparing off).
        if params.get("prepare_threshold") is None and settings.OPD_DB_PREPARE:
            params["prepare_threshold"] = 5
        return params

    def prepared_cursor(self):
        """A cursor like ``cursor()`` whose statements are prepared once per
        connection; a plain cursor when ``OPD_DB_PREPARE`` is off (a pooler in
        transaction mode that cannot keep prepared statements)."""
        if not settings.OPD_DB_PREPARE:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = PreparedCursor(self.connection)
            # As Django's create_cursor: moments read in the connection's zone.
            loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)

    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if not (self._nothing_said() or self.is_usable()):
            self.close()
        self.health_check_done = True

    def _nothing_said(self) -> bool:
        """True when the connection is open, idle, and the server has sent nothing
        since its last answer (no message, no end of stream) — no round trip."""
        connection = self.connection
        if connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
