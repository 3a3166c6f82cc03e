"""The task queue: django-tasks-db's backend, with a cheaper ``enqueue``.

Every change that owes a message enqueues one delivery task in its own transaction
(``notifications.tasks``) — every booking of the portal's 8 a.m. rush among them.
The stock backend writes the task's row through the ORM's ``create`` (a model
instance, the insert compiler's walk over fifteen fields, ``pre_save``) and builds
the task's result twice: about a sixth of a booking's CPU (README, "Performance").

This one writes the same row with one INSERT whose text is built once from
django-tasks-db's own model (its table, its columns, its fields' defaults and
database preparation), so the row follows the library's schema; it sets what the
library's ``pre_save`` receiver sets (a task to run at once runs "after" the far
future's sentinel date), and builds the result once. Everything else — the worker
(``manage.py db_worker``), results, the admin — is django-tasks-db's, unchanged;
``tests/notifications/test_backend.py`` holds the rows of both backends equal.
"""

from functools import cache
from typing import Any

from django.db import connections, router
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend as StockDatabaseBackend
from django_tasks_db.backend import TaskResult
from django_tasks_db.compat import TaskResultStatus, normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

# The columns ``enqueue`` fills; every other column takes its field's default.
_SET = (
    "id", "status", "enqueued_at", "args_kwargs", "priority", "task_path", "queue_name",
    "backend_name", "run_after",
)  # fmt: skip


@cache
def _insert_sql(alias: str) -> str:
    fields = DBTaskResult._meta.concrete_fields
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {DBTaskResult._meta.db_table} ({columns}) VALUES ({placeholders})"


@cache
def _defaults(alias: str) -> dict[str, Any]:
    """Per column not in ``_SET``: its field's default, prepared for the database."""
    connection = connections[alias]
    return {
        field.attname: field.get_db_prep_save(field.get_default(), connection)
        for field in DBTaskResult._meta.concrete_fields
        if field.attname not in _SET
    }


class DatabaseBackend(StockDatabaseBackend):
    def enqueue(self, task, args, kwargs) -> TaskResult:
        """Write the task's row in the caller's transaction; its result, as the
        stock backend's (and the same ``task_enqueued`` signal)."""
        self.validate_task(task)
        values: dict[str, Any] = {
            "id": self._get_id(),
            "status": TaskResultStatus.READY,
            "enqueued_at": timezone.now(),
            "args_kwargs": normalize_json({"args": args, "kwargs": kwargs}),
            "priority": task.priority,
            "task_path": task.module_path,
            "queue_name": task.queue_name,
            "backend_name": self.alias,
            "run_after": task.run_after or get_date_max(),
        }
        alias = router.db_for_write(DBTaskResult)
        connection, defaults = connections[alias], _defaults(alias)
        fields = DBTaskResult._meta.concrete_fields
        params = [
            defaults[field.attname]
            if field.attname in defaults
            else field.get_db_prep_save(values[field.attname], connection)
            for field in fields
        ]
        # Prepared where the engine can (opd_project.postgresql): every booking sends it.
        prepared = getattr(connection, "prepared_cursor", connection.cursor)
        with prepared() as cursor:
            cursor.execute(_insert_sql(alias), params)
        row = DBTaskResult.from_db(
            alias,
            [f.attname for f in fields],
            [values[f.attname] if f.attname in values else f.get_default() for f in fields],
        )
        result = row.task_result
        task_enqueued.send(type(self), task_result=result)
        return result
