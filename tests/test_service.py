"""The service layer's seams: adapters stay at the edge, people are ids, errors have kinds."""

import ast
import json
from pathlib import Path

import pytest
from playbook import people

import pressroom
from pressroom import errors
from pressroom.errors import Forbidden

SOURCE = Path(pressroom.__file__).parent
CLI = SOURCE / "cli"


def _calls(path: Path) -> list[tuple[str, int]]:
    """(dotted name, line) of every attribute call and name read in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute):
            found.append((node.attr, node.lineno))
        elif isinstance(node, ast.Name):
            found.append((node.id, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.value, node.lineno))
    return found


@pytest.mark.parametrize("module", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_no_cli_command_opens_a_ledger_session(module):
    opened = [(name, line) for name, line in _calls(module) if name in ("session", "unit", "sessionmaker", "Session")]
    assert opened == [], f"{module.name} opens the ledger itself at {opened}; call a play instead"


@pytest.mark.parametrize("module", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_only_the_cli_edge_reads_the_environment(module):
    reads = [line for name, line in _calls(module) if name in ("environ", "getenv")]
    if module.name == "common.py":  # the edge: the acting person from $PRESSROOM_USER
        assert reads, "common.py should be where the acting person is read from the environment"
    else:
        assert reads == [], f"{module.name} reads the environment at lines {reads}"


@pytest.mark.parametrize(
    "module", sorted(p for p in SOURCE.rglob("*.py") if CLI not in p.parents), ids=lambda p: str(p.relative_to(SOURCE))
)
def test_no_module_outside_the_cli_reads_the_acting_person(module):
    names = {name for name, _ in _calls(module)}
    assert "PRESSROOM_USER" not in names, f"{module} reads the acting person from the environment"
    text = module.read_text()
    assert 'get("user"' not in text, f"{module} reads the acting person from the config"


def test_each_kind_of_error_has_its_own_exit_code_and_http_status():
    kinds = [errors.InputError, errors.NotFound, errors.Forbidden, errors.Conflict, errors.Refused, errors.Unavailable]
    assert len({k.exit_code for k in kinds}) == len(kinds)
    assert len({k.http_status for k in kinds}) == len(kinds)
    assert [k.http_status for k in kinds] == [400, 404, 403, 409, 422, 503]
    for name in dir(errors):
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, errors.PressroomError) and value is not errors.PressroomError:
            assert any(issubclass(value, k) for k in kinds), f"{name} is of no kind"
    assert issubclass(errors.LockRefused, errors.Refused) and issubclass(errors.CardError, errors.InputError)


def _image(cli, *who):
    result = cli("generate", "--prompt", "a boot", "--steps", "1", "--width", "64", "--height", "64", *who, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)[0]


def _every(result="pass"):
    from pressroom.domain.gate import CHECKLIST

    return [part for item in CHECKLIST for part in ("--check", f"{item}={result}")]


def test_a_renamed_reviewer_still_may_not_review_their_own_work(cli):
    people(cli)
    cli("user", "add", "omar", "--role", "reviewer")
    made = _image(cli, "--as", "omar")
    renamed = cli("user", "rename", "omar", "omar-k", "--json")
    assert renamed.code == 0, renamed.err
    assert json.loads(renamed.out)["name"] == "omar-k"
    refused = cli("review", made["id"], "--decision", "approved", *_every(), "--alt-text", "A boot", "--as", "omar-k")
    assert refused.code == Forbidden.exit_code
    assert "omar-k made generation" in refused.err and "may not review it" in refused.err
    taken = cli("user", "rename", "dana", "rita")
    assert taken.code == errors.Conflict.exit_code and "the name 'rita' is taken" in taken.err


def test_work_with_no_known_maker_can_be_sent_back_but_never_approved(cli, monkeypatch):
    people(cli)
    monkeypatch.delenv("PRESSROOM_USER", raising=False)
    made = _image(cli)  # nobody named: the maker is unknown
    assert made["operator"] == ""
    approved = cli("review", made["id"], "--decision", "approved", *_every(), "--alt-text", "A boot", "--as", "rita")
    assert approved.code == Forbidden.exit_code and "has no recorded maker" in approved.err
    sent_back = cli("review", made["id"], "--decision", "changes-required", *_every(), "--as", "rita", "--json")
    assert sent_back.code == 0, sent_back.err
    assert json.loads(sent_back.out)["result"] == "changes-required"


def test_the_log_records_who_by_id_and_through_which_channel(cli):
    people(cli)
    _image(cli, "--as", "omar")
    cli("user", "rename", "omar", "omar-k")
    log = json.loads(cli("log", "--json").out)
    users = {u["name"]: u["id"] for u in json.loads(cli("user", "list", "--json").out)}
    renames = [e for e in log if e["action"] == "user.rename"]
    assert renames and renames[0]["objects"] == {"user": users["omar-k"]}
    assert {e["channel"] for e in log} == {"cli"}


def test_an_unknown_acting_person_is_one_line_naming_the_fix(cli):
    result = cli("concept", "1", "--style", "a", "--style", "b", "--style", "c", "--as", "nobody")
    assert result.code == errors.NotFound.exit_code
    assert result.err.startswith("error: no user 'nobody'") and len(result.err.strip().splitlines()) == 1
