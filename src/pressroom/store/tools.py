"""The tools images come from besides pressroom, and their licence terms as the studio records them.

A tool is named by what a file's metadata says (the parser's tool: ``a1111``, ``comfyui`` ...; a
C2PA claim generator: "Adobe Firefly") or by the person who imported it (``--tool Midjourney``).
Its licence terms come from ``[tools.NAME]`` in pressroom.toml, the way a model's come from its
manifest::

    [tools."Midjourney"]
    license = "Midjourney Terms of Service (paid plan)"
    commercial = true

A table's name matches a tool's whatever its case, by the tool's own name or the parser's short
name (``[tools.a1111]`` and ``[tools.AUTOMATIC1111]`` are the same tool).
"""

from __future__ import annotations

from dataclasses import dataclass

from pressroom.errors import InputError

# the parsers' short names, and the tool each names, as people call it
NAMES = {
    "a1111": "AUTOMATIC1111",
    "comfyui": "ComfyUI",
    "invokeai": "InvokeAI",
    "fooocus": "Fooocus",
    "novelai": "NovelAI",
}
MADE_HERE = "pressroom"  # the tool of an image pressroom drew
LONGEST = 100  # characters of a tool's name


@dataclass(frozen=True)
class Terms:
    """A tool and its licence terms (``known`` False: the studio records none)."""

    name: str
    license: str
    commercial: bool | None
    known: bool


def shown(tool: str) -> str:
    """A tool's name as people call it ("" for no tool)."""
    return NAMES.get(tool, tool)


def named(text: str, *, field: str = "tool") -> str:
    """A tool's name as a person typed it, checked: one line of printable text, not too long."""
    name = " ".join(text.split())
    if not name:
        raise InputError("the tool's name is empty; name the tool that made the images, e.g. Midjourney", field=field)
    if len(name) > LONGEST or not name.isprintable():
        raise InputError(
            f"the tool's name must be printable text of at most {LONGEST} characters (got {len(name)})", field=field
        )
    return name


def _keys(tool: str) -> set[str]:
    return {tool.casefold(), shown(tool).casefold()}


def terms(config: dict, tool: str) -> Terms:
    """The licence terms ``[tools.NAME]`` records for ``tool``."""
    wanted = _keys(tool)
    for name, spec in config.get("tools", {}).items():
        if not isinstance(spec, dict) or str(name).casefold() not in wanted:
            continue
        commercial = spec.get("commercial")
        return Terms(
            shown(tool),
            str(spec.get("license") or "no licence named"),
            commercial if isinstance(commercial, bool) else None,
            True,
        )
    return Terms(shown(tool), "unknown", None, False)
