"""The docs keep up with the code: every command, option and pressroom.toml setting is documented.

One test per item, so a failure names the command, option or setting that is missing (the way
datasette tests its documentation). The commands come from the Typer app itself, through
``scripts/cli_reference.py``; the settings from reading the source under ``src/pressroom/`` with
``ast``, wherever the modules live. Nothing here opens a studio or loads a model.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
SOURCE = ROOT / "src" / "pressroom"
CLI_MD = DOCS / "cli.md"
CONFIGURATION_MD = DOCS / "configuration.md"
README_MAX_LINES = 200

# Counted by hand in src/pressroom/ when this test was written: [studio] name, default_model, user; [ledger] url;
# [team] sign_in, session_hours, invite_hours; [server] url, max_body_mb; [jobs] lease_seconds,
# max_attempts; [gate.STAKES] items, reviewers; [checks] artists, brands; [signing] chain, key,
# trust_anchors; [channels.NAME] width, height, dpi. The scanner must find at least these many,
# so a change in how the config is read cannot make the settings tests pass on an empty list.
SETTINGS_AT_LEAST = 21


def _load_reference():
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _load_reference()
COMMANDS = reference.commands()


def _title(path: tuple[str, ...]) -> str:
    return " ".join((reference.PROG, *path))


COMMAND_PATHS = [path for path, _command, _context in COMMANDS if path]
OPTIONS = [
    (path, option)
    for path, command, _context in COMMANDS
    for param in command.params
    if getattr(param, "param_type_name", "") == "option" and not getattr(param, "hidden", False)
    for option in (*param.opts, *param.secondary_opts)
]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _hand_written() -> str:
    pages = [README, *sorted(p for p in DOCS.glob("*.md") if p != CLI_MD)]
    return "\n".join(_text(p) for p in pages if p.is_file())


def _sections(markdown: str) -> dict[str, str]:
    """cli.md cut at its ``## `` headings: heading -> the text under it."""
    found, current = {}, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


@pytest.fixture(scope="module")
def cli_sections() -> dict[str, str]:
    return _sections(_text(CLI_MD))


@pytest.fixture(scope="module")
def hand_written() -> str:
    return _hand_written()


# -- commands and options ------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(p) for p in COMMAND_PATHS])
def test_command_is_documented(path, cli_sections, hand_written):
    title = _title(path)
    assert title in cli_sections, f"`{title}` has no section in docs/cli.md: run `python scripts/cli_reference.py`"
    assert re.search(re.escape(title) + r"(?![\w-])", hand_written), (
        f"`{title}` is not mentioned in README.md or any hand-written page under docs/"
    )


@pytest.mark.parametrize("path,option", OPTIONS, ids=[f"{' '.join(p)} {o}".strip() for p, o in OPTIONS])
def test_option_is_in_cli_reference(path, option, cli_sections):
    title = _title(path)
    section = cli_sections.get(title, "")
    assert re.search(re.escape(option) + r"(?![\w-])", section), (
        f"`{title}` {option} is missing from docs/cli.md: run `python scripts/cli_reference.py`"
    )


def test_commands_were_found():
    assert len(COMMAND_PATHS) >= 50 and len(OPTIONS) >= 200, (len(COMMAND_PATHS), len(OPTIONS))


def test_cli_reference_is_up_to_date():
    assert _text(CLI_MD) == reference.render(), "docs/cli.md is out of date: run `python scripts/cli_reference.py`"


# -- pressroom.toml settings ---------------------------------------------------------------------


def _is_root(node: ast.AST) -> bool:
    """The whole studio config: ``<anything>.config`` or a variable named ``config``."""
    return (isinstance(node, ast.Attribute) and node.attr == "config") or (
        isinstance(node, ast.Name) and node.id == "config"
    )


def _access(node: ast.AST):
    """``(receiver, key, default)`` for ``x.get(KEY[, default])`` and ``x[KEY]``; key None when not a literal."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and 1 <= len(node.args) <= 2
        and not node.keywords
    ):
        key = (
            node.args[0].value
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            else None
        )
        return node.func.value, key, node.args[1] if len(node.args) == 2 else None
    if isinstance(node, ast.Subscript) and not isinstance(node.ctx, (ast.Store, ast.Del)):
        key = node.slice.value if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) else None
        return node.value, key, None
    return None


class _Reads(ast.NodeVisitor):
    """The config reads of one module.

    A table is the config itself (``studio.config``, ``config``) or anything read from a table
    and used as one: ``.get("section", {})``, ``["section"]``, chained, kept in a variable, or
    iterated (``for name, spec in config.get("channels", {}).items()``: ``spec`` is
    ``channels.*``). A read whose key is not a literal (``.get(stakes, {})``) is the table's
    ``*``. A plain value read straight from the config through an attribute that a call was
    given a section under (``Context(config=studio.config.get("checks", {}))``, then
    ``context.config.get("artists", ...)``) is a key of that section.
    """

    def __init__(self, bound: dict[str, tuple[str, ...]]):
        self.bound = bound  # attribute or keyword name -> the section it was given
        self.gives: dict[str, tuple[str, ...]] = {}  # keywords given a section in this module
        self.reads: set[tuple[str, ...]] = set()
        self.scopes: list[dict[str, tuple[str, ...]]] = [{}]
        self.parents: dict[ast.AST, ast.AST] = {}

    def table(self, node: ast.AST) -> tuple[str, ...] | None:
        if isinstance(node, ast.Name) and node.id in self.scopes[-1]:
            return self.scopes[-1][node.id]
        if _is_root(node):
            return ()
        found = _access(node)
        if found is None:
            return None
        receiver, key, _default = found
        inner = self.table(receiver)
        if inner is None:
            return None
        return (*inner, key if key is not None else "*")

    def _used_as_table(self, node: ast.AST) -> bool:
        parent = self.parents.get(node)
        if parent is None:
            return False
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return True  # read from again: x[...]
        if isinstance(parent, ast.Attribute) and parent.attr in ("get", "items", "values", "keys"):
            return True  # read from again (x.get(...)) or walked
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.keyword)):
            return True  # kept, or handed on, as a table
        return isinstance(parent, ast.Compare) and node in parent.comparators

    def visit_FunctionDef(self, node):
        self.scopes.append(dict(self.scopes[-1]))
        self._bind_names(node)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _bind_names(self, function: ast.AST) -> None:
        """Variables holding a table, in this function (to a fixed point, so order does not matter)."""
        scope = self.scopes[-1]
        for _ in range(5):
            before = dict(scope)
            for node in ast.walk(function):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                    path = self.table(node.value)
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if path is not None and isinstance(target, ast.Name) and path:
                            scope[target.id] = path
                if isinstance(node, (ast.For, ast.comprehension)):
                    iterated = node.iter
                    if (
                        isinstance(iterated, ast.Call)
                        and isinstance(iterated.func, ast.Attribute)
                        and iterated.func.attr in ("items", "values")
                    ):
                        path = self.table(iterated.func.value)
                        if path:
                            value = node.target
                            if iterated.func.attr == "items" and isinstance(value, ast.Tuple) and len(value.elts) == 2:
                                value = value.elts[1]
                            if isinstance(value, ast.Name):
                                scope[value.id] = (*path, "*")
            if scope == before:
                break

    def visit_Call(self, node):
        for keyword in node.keywords:
            path = self.table(keyword.value)
            if keyword.arg and path:
                self.gives[keyword.arg] = path
        self._read(node)
        self.generic_visit(node)

    def visit_Subscript(self, node):
        self._read(node)
        self.generic_visit(node)

    def visit_Compare(self, node):
        if (
            isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        ):
            for table in node.comparators:
                path = self.table(table)
                if path:
                    self.reads.add((*path, node.left.value))
        self.generic_visit(node)

    def _read(self, node: ast.AST) -> None:
        found = _access(node)
        if found is None:
            return
        receiver, key, default = found
        if key is None:
            return
        path = self.table(receiver)
        if path is None:
            return
        if path == ():  # straight from the config: a section, or a key of a section handed on
            is_section = isinstance(default, ast.Dict) or self._used_as_table(node)
            name = receiver.attr if isinstance(receiver, ast.Attribute) else None
            if not is_section and name in self.bound:
                self.reads.add((*self.bound[name], key))
            return
        self.reads.add((*path, key))


def config_settings(source: Path = SOURCE) -> list[str]:
    """Every pressroom.toml setting the code reads, as ``section.key`` (``gate.*.items``: any stakes)."""
    trees = [ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in sorted(source.rglob("*.py"))]
    bound: dict[str, tuple[str, ...]] = {}
    for _round in range(2):  # first learn which keywords carry a section, then read with that
        reads: set[tuple[str, ...]] = set()
        for tree in trees:
            visitor = _Reads(bound)
            for parent in ast.walk(tree):
                for child in ast.iter_child_nodes(parent):
                    visitor.parents[child] = parent
            visitor.visit(tree)
            bound = {**bound, **visitor.gives}
            reads |= visitor.reads
    # a table read from again is a section (or a named sub-table), not a setting
    settings = {r for r in reads if len(r) >= 2 and not any(len(o) > len(r) and o[: len(r)] == r for o in reads)}
    return sorted(".".join(r) for r in settings)


SETTINGS = config_settings()


def test_settings_were_found():
    assert len(SETTINGS) >= SETTINGS_AT_LEAST, (
        f"the scanner found {len(SETTINGS)} pressroom.toml settings, fewer than the {SETTINGS_AT_LEAST} counted "
        f"by hand ({', '.join(SETTINGS) or 'none'}): teach config_settings() the new way the config is read"
    )


SAMPLE = """
def reads(studio, config, ctx, stakes):
    studio.config.get("alpha", {}).get("one", 1)          # chained
    config["beta"]["two"]                                   # subscripts
    section = studio.config.get("gamma", {})                # kept in a variable
    section.get("three", 3), section["four"]
    if "five" in section:
        pass
    for name, spec in config.get("chan", {}).items():      # a table per name
        spec["width"], spec.get("dpi", 72)
    custom = studio.config.get("gate", {}).get(stakes, {})  # a table per stakes
    custom.get("items", ())
    Context(config=studio.config.get("checks", {}))         # handed on under a keyword
    ctx.studio.config["epsilon"].get("six")
    body = {}
    body.get("scheduler", {}).get("config")                 # not the studio config
    config.get("_class_name", "")                           # a plain value, no section


def check(context):
    return context.config.get("artists", [])                # read where it was handed on
"""


def test_settings_scanner_reads_every_pattern(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "sample.py").write_text(SAMPLE, encoding="utf-8")
    assert config_settings(tmp_path) == [
        "alpha.one",
        "beta.two",
        "chan.*.dpi",
        "chan.*.width",
        "checks.artists",
        "epsilon.six",
        "gamma.five",
        "gamma.four",
        "gamma.three",
        "gate.*.items",
    ]


def _setting_row(setting: str) -> re.Pattern:
    *section, key = setting.split(".")
    name = r"\.".join(r"[A-Za-z][\w-]*" if part == "*" else re.escape(part) for part in section)
    return re.compile(r"^\|\s*`\[" + name + r"\]`\s*\|\s*`" + re.escape(key) + r"`\s*\|", re.MULTILINE)


@pytest.mark.parametrize("setting", SETTINGS)
def test_setting_is_documented(setting):
    *section, key = setting.split(".")
    assert _setting_row(setting).search(_text(CONFIGURATION_MD)), (
        f"docs/configuration.md has no row for `{key}` under `[{'.'.join(section)}]` "
        f"(a table row: | `[{'.'.join(section)}]` | `{key}` | meaning | default |)"
    )


# -- the README and the links --------------------------------------------------------------------


def test_readme_is_a_front_page():
    lines = _text(README).count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md is {lines} lines; keep it to {README_MAX_LINES} and move the rest to docs/"
    )


def _without_code_blocks(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def _without_code(markdown: str) -> str:
    return re.sub(r"`[^`\n]*`", "", _without_code_blocks(markdown))


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    found, seen = set(), {}
    for line in _without_code_blocks(markdown).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _links():
    pages = [README, *sorted(DOCS.glob("*.md"))]
    for page in pages:
        text = _without_code(_text(page))
        targets = re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
        targets += re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", text)
        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # https:, mailto: ...
            yield page, target


LINKS = list(_links())


@pytest.mark.parametrize("page,target", LINKS, ids=[f"{p.relative_to(ROOT)} -> {t}" for p, t in LINKS])
def test_relative_link_resolves(page, target):
    where, _, anchor = target.partition("#")
    path = (page.parent / where).resolve() if where else page
    assert path.exists(), f"{page.relative_to(ROOT)} links to {target}, which does not exist"
    if anchor and path.suffix == ".md":
        assert anchor in _anchors(_text(path)), f"{page.relative_to(ROOT)} links to {target}: no such heading"


def test_links_were_found():
    assert any(page == README for page, _ in LINKS), "README.md links to nothing under docs/"
