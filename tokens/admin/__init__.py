"""The tokens app's part of the Django admin.

- ``tokens.admin.tokens``: tokens, their events and patients, read-only (every
  change goes through the engine: desk, API, commands).
- ``tokens.admin.schedule``: doctor-days and slots. They are scheduling's models,
  but their seats (capacity, closing, delay, cancelling the day) change only
  through the engine, so their admin lives here: ``scheduling`` imports nothing
  from ``tokens``.
"""

from tokens.admin import schedule, tokens

__all__ = ["schedule", "tokens"]
