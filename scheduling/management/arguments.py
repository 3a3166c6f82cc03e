"""Argument parsing shared by the management commands."""

import datetime as dt

from django.core.management.base import CommandError


def date_argument(value: str) -> dt.date:
    """A YYYY-MM-DD command-line date; a clear CommandError otherwise."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD).") from None
