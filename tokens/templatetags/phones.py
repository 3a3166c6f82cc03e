"""``{{ phone|masked_phone }}``: a patient's phone as the desk's lists show it.

Lists on a reception screen are read over the receptionist's shoulder, so they
show only the last four digits (enough to tell two patients apart, and search by
digits still finds the full number). Full numbers appear only where staff must
dial or type them: the issue form and the list of patients to phone when a
doctor's day is cancelled. Never on the hall display or the slip.
"""

from django import template

register = template.Library()

VISIBLE_DIGITS = 4
# Always six dots, whatever the length: the mask says nothing about the number.
MASK = "••••••"


def mask_phone(phone: str) -> str:
    """``+919812345678`` → ``••••••5678``."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return MASK + digits[-VISIBLE_DIGITS:] if len(digits) > VISIBLE_DIGITS else MASK


register.filter("masked_phone", mask_phone)
