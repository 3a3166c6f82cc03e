"""The task queue: django-tasks-db's backend, with a cheaper ``enqueue``.

Every change that owes a message enqueues one delivery task in its own transaction
(``notifications.tasks``) — every booking of the portal's 8 a.m. rush among them.
The stock backend writes the task's row through the ORM's ``create`` (a model
instance, the insert compiler's walk over fifteen fields, ``pre_save``) and builds
the task's result twice: about a sixth of a booking's CPU (README, "Performance").

This one writes the same row with one INSERT built from django-tasks-db's own model
(its table, its columns, its fields' defaults and database preparation:
``tokens.statements.insert_row``, where the project's hand-written SQL lives), so
the row follows the library's schema; it sets what the library's ``pre_save``
receiver sets (a task to run at once runs "after" the far future's sentinel date),
and builds the result once. ``task_row`` and ``enqueued`` are its two halves, for a
booking's write, which carries the row in its own statement (``notifications.tasks``).
Everything else — the worker (``manage.py db_worker``), results, the admin — is
django-tasks-db's, unchanged; ``tests/notifications/test_backend.py`` holds the rows
of both backends equal.
"""

from typing import Any

from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend as StockDatabaseBackend
from django_tasks_db.backend import TaskResult
from django_tasks_db.compat import TaskResultStatus, normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from tokens.statements import insert_row, row_instance


class DatabaseBackend(StockDatabaseBackend):
    def enqueue(self, task, args, kwargs) -> TaskResult:
        """Write the task's row in the caller's transaction; its result, as the
        stock backend's (and the same ``task_enqueued`` signal)."""
        values = self.task_row(task, args, kwargs)
        insert_row(DBTaskResult, values)
        return self.enqueued(values)

    def task_row(self, task, args, kwargs) -> dict[str, Any]:
        """The values of the row that enqueues ``task`` with these arguments, for
        ``enqueue`` or for a statement of the engine's own to write (a booking's:
        ``tokens.notices.delivery_row``), which then calls ``enqueued``."""
        self.validate_task(task)
        return {
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

    def enqueued(self, values: dict[str, Any]) -> TaskResult:
        """The result of the task whose row (``task_row``) was just written."""
        result = row_instance(DBTaskResult, values).task_result
        task_enqueued.send(type(self), task_result=result)
        return result
