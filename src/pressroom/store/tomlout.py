"""Writing TOML documents that people read: tables in a given order, each with a comment.

The standard library reads TOML (``tomllib``) but does not write it. This writer covers the
values pressroom stores — strings, numbers, booleans, lists and nested tables — and refuses
anything else. ``None`` has no TOML form: callers leave such keys out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key(name: str) -> str:
    return name if BARE_KEY.match(name) else string(name)


def string(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x7f", "\\u007f")


def value(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        return repr(item)
    if isinstance(item, str):
        return string(item)
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, Mapping):
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    raise TypeError(f"cannot write {type(item).__name__} as TOML")


def _comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.strip().splitlines())


def dumps(doc: Mapping[str, Any], comments: Mapping[str, str] | None = None, header: str = "") -> str:
    """Render ``doc``; ``comments`` maps a dotted table path (or a top-level key) to a comment."""
    comments = comments or {}
    out: list[str] = [_comment(header)] if header else []

    def table(path: list[str], body: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not isinstance(v, Mapping) and v is not None}
        tables = {k: v for k, v in body.items() if isinstance(v, Mapping)}
        dotted = ".".join(path)
        if path:
            out.append("\n")
            if dotted in comments:
                out.append(_comment(comments[dotted]))
            out.append(f"[{'.'.join(key(p) for p in path)}]\n")
        for name, item in scalars.items():
            full = ".".join([*path, name])
            if full in comments:
                out.append(_comment(comments[full]))
            out.append(f"{key(name)} = {value(item)}\n")
        for name, sub in tables.items():
            table([*path, name], sub)

    table([], doc)
    return "".join(out)
