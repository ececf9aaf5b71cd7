"""Reading a page form's values the way the service layer wants them: a blank field is "not
given", a wrong one a one-line refusal naming the field."""

from __future__ import annotations

from pressroom.errors import InputError


def whole(text: str, name: str) -> int | None:
    """A whole number from a field, or None when it was left blank."""
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InputError(f"{name} must be a whole number (got {text!r})", field=name)
    return int(text)


def fraction(text: str, name: str) -> float | None:
    """A number from a field, or None when it was left blank."""
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{name} must be a number like 0.35 (got {text!r})", field=name) from None
