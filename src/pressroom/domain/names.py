"""Names people give things (models, styles, templates, channels, people, slots, tags), checked where they enter.

Every name is checked once, by ``check``, at the place it comes in (a command's argument, a
config table, a file): no control or format characters, so a name shown in a listing cannot
carry terminal escapes or turn text around; a length limit; and, for a name that becomes part of
a file name (``file=True``: models, channels), only letters, digits, ``.``, ``_`` and ``-``,
starting with a letter or digit, so no ``/``, ``..`` or hidden file can come of it.
Where a path is then made from such a name, ``Studio.inside`` checks that it lies in the studio.
"""

from __future__ import annotations

import re
import unicodedata

from pressroom.errors import InputError

FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
FILE_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit"
# Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private use, Cn unassigned,
# Zl/Zp line and paragraph separators
REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def check(name: object, what: str, *, field: str | None = None, file: bool = False, limit: int = 100) -> str:
    """``name`` if it may be used as the name of ``what``; else an InputError saying what to change."""
    if not isinstance(name, str):
        raise InputError(f"{what} must be text, not {type(name).__name__}", field=field)
    if not name.strip():
        raise InputError(f"{what} is empty; give it a name", field=field)
    bad = next((c for c in name if unicodedata.category(c) in REFUSED), None)
    if bad is not None:
        raise InputError(
            f"{what} {ascii(name)} holds the control character U+{ord(bad):04X}; use printable characters only",
            field=field,
        )
    if name != name.strip():
        raise InputError(f"{what} {name!r} starts or ends with a space; remove it", field=field)
    if file and (not FILE_NAME.fullmatch(name) or ".." in name):  # before the length: a path is the mistake
        shown = name if len(name) <= limit else name[:limit] + "..."
        raise InputError(
            f"{what} {shown!r} is not allowed: it names a file, so use {FILE_RULE} (no '/' and no '..')", field=field
        )
    if len(name) > limit:
        raise InputError(f"{what} is {len(name)} characters long; keep it to {limit}", field=field)
    return name
