"""Delivery of the notification outbox (``tokens.Notification``): SMS and portal webhooks.

Above ``tokens`` (README, "Architecture"): it reads the outbox the engine writes and
never changes a token. docs/notifications.md says what is sent, when and how.
"""
