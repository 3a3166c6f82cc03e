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
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
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
