"""Paging: how many rows one answer may hold and which page of them. One rule for every listing,
so no request can ask for everything at once (a limit of 0 or -1) or for a page past any end."""

from __future__ import annotations

from pressroom.errors import InputError

MAX_LIMIT = 500  # rows on one page at most
MAX_PAGE = 1_000_000


def checked(limit: int | None, page: int = 1, *, default: int | None = None) -> int | None:
    """``limit`` (``default`` when None) if it is 1..MAX_LIMIT and ``page`` 1..MAX_PAGE."""
    limit = default if limit is None else limit
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1 to {MAX_LIMIT} (got {limit})", field="limit")
    if not 1 <= page <= MAX_PAGE:
        raise InputError(f"page must be 1 to {MAX_PAGE} (got {page})", field="page")
    return limit
