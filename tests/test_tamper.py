"""Issue 13, class 4: the ledger shows tampering.

Edits a person could make by accident (a stray UPDATE) are refused by the ledger's triggers;
edits an insider makes on purpose (triggers dropped or disabled, rows and links rewritten,
deleted, reordered, rows written around pressroom) are found by `pressroom audit`, and approval
and release are refused until the director accepts the break. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import multiprocessing

import pytest
from playbook import locked, people
from sqlalchemy.exc import IntegrityError
from test_release import ALT, approve, released
from test_reviews import every

from pressroom.errors import Forbidden, Refused

pytestmark = pytest.mark.ledger_contract("the audit and the hash chain: what is written around pressroom is found")

FOUND = 6  # the audit's exit status when it finds anything


def sql(studio, *statements):
    """Run SQL straight on the ledger, as someone with the database file or a login would."""
    with studio.session() as session:
        connection = session.connection()
        for statement in statements:
            connection.exec_driver_sql(statement)


def drop_trigger(studio, name, table):
    sql(studio, f"DROP TRIGGER {name}" + ("" if dialect(studio) == "sqlite" else f" ON {table}"))


def dialect(studio) -> str:
    with studio.session() as session:
        return session.bind.dialect.name


def audited(cli) -> dict:
    result = cli("audit", "--json")
    report = json.loads(result.out)
    assert result.code == (0 if report["intact"] else FOUND), result.err
    return report


def found(cli) -> list[str]:
    return [f["finding"] for f in audited(cli)["findings"]]


def test_an_untouched_ledger_is_intact_and_people_changes_are_in_the_log(cli, studio):
    people(cli)
    assert cli("user", "add", "omar", "--role", "reviewer", "--as", "dana").code == 0
    assert cli("user", "add", "omar", "--role", "reviewer").code == 0  # nothing new: nothing logged
    assert cli("user", "rename", "rita", "rita-k").code == 0
    report = audited(cli)
    assert report["intact"] and report["findings"] == [] and report["links"] >= 8
    log = json.loads(cli("log", "--json").out)
    actions = [(e["action"], e["detail"]) for e in log]
    assert ("user.roles", {"name": "omar", "added": ["reviewer"], "roles": ["operator", "reviewer"]}) in actions
    assert [a for a, _ in actions].count("user.roles") == 1
    assert next(e for e in log if e["action"] == "user.roles")["actor"] == "dana"  # who gave it, when named
    assert ("user.rename", {"old": "rita", "new": "rita-k"}) in actions
    plain = cli("audit")
    assert plain.code == 0 and "ledger intact" in plain.out


def test_an_accidental_update_of_a_maker_a_locked_recipe_or_the_chain_is_refused(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    for statement, rule in (
        (f"UPDATE generations SET maker_id = NULL WHERE id = {lock['hero']}", "who made an image"),
        (f"UPDATE recipes SET status = 'failed' WHERE id = {lock['recipe']}", "stays locked"),
        ("UPDATE chain SET facts = '{}' WHERE seq = 1", "hash chain is append-only"),
        ("DELETE FROM chain WHERE seq = 1", "hash chain is append-only"),
        ("DELETE FROM events WHERE id = 1", "append-only"),
    ):
        with pytest.raises(IntegrityError, match=rule):
            sql(studio, statement)
    assert audited(cli)["intact"]


def test_a_changed_maker_blocks_approval_and_release_until_the_director_accepts(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    approve(cli, hero)  # rita approves with alt text: ready to release
    assert cli("user", "add", "omar", "--role", "reviewer").code == 0
    # omar made the hero; to approve his own work he makes dana its maker, around the trigger
    drop_trigger(studio, "generations_maker_fixed", "generations")
    sql(studio, f"UPDATE generations SET maker_id = (SELECT id FROM users WHERE name = 'dana') WHERE id = {hero}")
    findings = found(cli)
    assert any(f"generation {hero} was changed: maker_id" in f for f in findings), findings
    assert any("generations_maker_fixed" in f and "is gone" in f for f in findings), findings
    assert any("review decision" in f and "maker_id" in f for f in findings), findings  # the decision recorded him

    own = cli("review", hero, "--decision", "approved", *every(), "--alt-text", ALT, "--as", "omar")
    assert own.code == Refused.exit_code and "ledger shows tampering" in own.err
    assert "pressroom audit accept" in own.err and len(own.err.strip().splitlines()) == 1
    blocked = cli("release", brief, "--as", "kim")
    assert blocked.code == Refused.exit_code and "cannot release" in blocked.err and "pressroom audit" in blocked.err
    # sending back never waits for the audit
    assert (
        cli("review", hero, "--decision", "changes-required", *every(hands="fail:six fingers"), "--as", "rita").code
        == 0
    )

    assert cli("audit", "accept", "--reason", "found", "--as", "omar").code == Forbidden.exit_code
    assert cli("audit", "accept", "--reason", " ", "--as", "dana").code == 2
    accepted = cli("audit", "accept", "--reason", "omar changed the maker; he is off reviews", "--as", "dana", "--json")
    assert accepted.code == 0, accepted.err
    assert any("maker_id" in f["finding"] for f in json.loads(accepted.out)["accepted"])
    assert audited(cli)["intact"]
    again = cli("audit", "accept", "--reason", "again", "--as", "dana")
    assert again.code == Refused.exit_code and "whole" in again.err
    with pytest.raises(IntegrityError, match="who made an image"):  # the director's accept put the rule back
        sql(studio, f"UPDATE generations SET maker_id = NULL WHERE id = {hero}")
    log = json.loads(cli("log", "--json").out)
    assert log[-1]["action"] == "audit.accept" and log[-1]["actor"] == "dana"
    approve(cli, hero)
    assert released(cli, brief)


def test_a_reopened_locked_recipe_is_found(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    drop_trigger(studio, "recipes_status_fixed", "recipes")
    sql(
        studio,
        f"UPDATE recipes SET status = 'failed' WHERE id = {lock['recipe']}",
        f"UPDATE recipes SET slot = 'anything' WHERE id = {lock['recipe']}",
    )
    findings = found(cli)
    assert any(f"recipe {lock['recipe']} was changed: " in f and "slot" in f and "status" in f for f in findings)
    assert any("recipes_status_fixed" in f for f in findings)


EVENT_EDITS = {
    "altered": (["UPDATE events SET detail = '{}' WHERE id = 1"], "event 1 was changed: detail"),
    "deleted": (["DELETE FROM events WHERE id = 2"], "event 2 was deleted"),
    "reordered": (
        [
            "UPDATE events SET id = -1 WHERE id = 1",
            "UPDATE events SET id = 1 WHERE id = 2",
            "UPDATE events SET id = 2 WHERE id = -1",
        ],
        "event 1 was changed",
    ),
    "written around pressroom": (
        [
            "INSERT INTO events (at, actor, channel, action, objects, detail) "
            "VALUES ('2026-01-01 00:00:00', 'dana', 'cli', 'user.add', '{}', '{}')"
        ],
        "is not in the chain",
    ),
}


@pytest.mark.parametrize("edit", EVENT_EDITS)
def test_an_altered_deleted_reordered_or_forged_event_is_found(cli, studio, edit):
    people(cli)
    assert audited(cli)["intact"]
    statements, expected = EVENT_EDITS[edit]
    for name in ("events_no_update", "events_no_delete"):
        drop_trigger(studio, name, "events")
    sql(studio, *statements)
    findings = found(cli)
    assert any(expected in f for f in findings), findings
    assert any("events_no_update" in f for f in findings) and any("events_no_delete" in f for f in findings)


LINK_EDITS = {
    "a link deleted": (["DELETE FROM chain WHERE seq = 3"], "does not follow the link before it"),
    "a link rewritten": (
        ["UPDATE chain SET facts = replace(facts, 'operator', 'director') WHERE kind = 'user' AND ref = 2"],
        "was rewritten",
    ),
    "two links swapped": (
        [
            "UPDATE chain SET seq = -1 WHERE seq = 2",
            "UPDATE chain SET seq = 2 WHERE seq = 3",
            "UPDATE chain SET seq = 3 WHERE seq = -1",
        ],
        "does not follow the link before it",
    ),
}


@pytest.mark.parametrize("edit", LINK_EDITS)
def test_a_deleted_rewritten_or_reordered_link_is_found_and_accepting_resets_the_check(cli, studio, edit):
    people(cli)
    statements, expected = LINK_EDITS[edit]
    for name in ("chain_no_update", "chain_no_delete"):
        drop_trigger(studio, name, "chain")
    sql(studio, *statements)
    findings = found(cli)
    assert any(expected in f for f in findings), findings
    assert cli("audit", "accept", "--reason", "restored from the nightly dump", "--as", "dana").code == 0
    assert audited(cli)["intact"]
    # the accepted links are vouched for as they stood: changing one of them again is found
    drop_trigger(studio, "chain_no_update", "chain")
    sql(studio, "UPDATE chain SET facts = facts || ' ' WHERE seq = 1")
    assert any("were changed since it was accepted" in f for f in found(cli))


def test_a_role_granted_in_sql_is_found(cli, studio):
    people(cli)
    sql(studio, "INSERT INTO user_roles (user_id, role) SELECT id, 'director' FROM users WHERE name = 'rita'")
    findings = found(cli)
    assert any("roles" in f and '"director", "reviewer"' in f for f in findings), findings


def test_power_changed_in_sql_is_found_and_blocks_approval_until_accepted(cli, studio, tmp_path):
    """An admin flag set, a password hash copied, a token or session written or un-revoked, an invite
    reopened: each outside pressroom is an audit finding, and approval waits for a director."""
    from pressroom.context import Actor, Context
    from pressroom.plays import accounts, invites

    brief, lock = locked(cli, tmp_path)
    ctx = Context(studio, Actor.unknown("cli"))
    accounts.add_account(ctx, "rita", ["reviewer"], password="rita-correct-horse")
    accounts.add_account(ctx, "omar", ["operator"], password="omar-correct-horse")
    made = accounts.create_token(ctx, "omar", "laptop")
    accounts.revoke_token(ctx, made["id"])
    accounts.sign_out(ctx, accounts.sign_in(ctx, "omar", "omar-correct-horse").secret)
    invites.invite(ctx, "rita", "https://press.example")
    assert audited(cli)["intact"]  # all of that went through pressroom: chained as it was written
    edits = {
        "admin": (
            "UPDATE users SET admin = true WHERE name = 'omar'",
            "account {omar} was changed: admin false -> true",
        ),
        "password": (
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = 'rita') WHERE name = 'omar'",
            "account {omar} was changed: password",
        ),
        "token": ("UPDATE api_tokens SET revoked_at = NULL", "token {token} was changed: revoked_at"),
        "session": ("UPDATE auth_sessions SET revoked_at = NULL", "session 1 was changed: revoked_at"),
        "invite": ("UPDATE invites SET expires_at = '2999-01-01 00:00:00'", "invite 1 was changed: expires_at"),
        "forged token": (
            "INSERT INTO api_tokens (user_id, label, secret_sha256, created_at) "
            "SELECT id, 'x', 'ab', '2026-01-01 00:00:00' FROM users WHERE name = 'omar'",
            "token {next} is not in the chain: it was written around pressroom",
        ),
    }
    omar = [p["id"] for p in json.loads(cli("user", "list", "--json").out) if p["name"] == "omar"]
    ids = {"omar": omar[0], "token": made["id"], "next": made["id"] + 1}
    for what, (statement, expected) in edits.items():
        sql(studio, statement)
        findings = found(cli)
        assert any(
            f.startswith(expected.format(**ids).split(": ")[0]) and expected.split(": ")[1] in f for f in findings
        ), (
            what,
            findings,
        )
    own = cli("review", lock["hero"], "--decision", "approved", *every(), "--alt-text", ALT, "--as", "rita")
    assert own.code == Refused.exit_code and "ledger shows tampering" in own.err
    assert cli("audit", "accept", "--reason", "omar was made admin in SQL; revoked", "--as", "dana").code == 0
    assert audited(cli)["intact"]
    approve(cli, lock["hero"])


def test_a_disabled_or_hollowed_trigger_is_found(cli, studio):
    people(cli)
    if dialect(studio) == "postgresql":
        sql(
            studio,
            "ALTER TABLE events DISABLE TRIGGER events_no_delete",
            "CREATE OR REPLACE FUNCTION pressroom_refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$",
        )
        findings = found(cli)
        assert any("events_no_delete" in f and "is disabled" in f for f in findings), findings
        assert any("reviews_no_update" in f and "was changed" in f for f in findings), findings
    else:  # SQLite has no disabled trigger: one of the same name that lets everything through
        drop_trigger(studio, "events_no_delete", "events")
        sql(studio, "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END")
        assert any("events_no_delete" in f and "was changed" in f for f in found(cli))
    assert cli("audit", "accept", "--reason", "trigger put back", "--as", "dana").code == 0
    assert audited(cli)["intact"]
    with pytest.raises(IntegrityError, match="append-only"):
        sql(studio, "DELETE FROM events WHERE id = 1")


def _add_people(root: str, prefix: str, count: int) -> None:
    from pressroom.context import Context
    from pressroom.plays import people as people_
    from pressroom.store.studio import Studio

    studio = Studio(__import__("pathlib").Path(root))
    ctx = Context(studio)
    for i in range(count):
        people_.add_person(ctx, f"{prefix}{i}", ["operator"])
    studio.close()


def test_two_writers_at_once_never_fork_the_chain(studio):
    before = len(_links(studio))
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_add_people, args=(str(studio.root), prefix, 12)) for prefix in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    links = _links(studio)
    assert len(links) == before + 2 * 12 * 3  # a person, their account (admin, password) and an event each
    assert [seq for seq, _, _ in links] == list(range(1, len(links) + 1))
    assert all(prev == links[i - 1][2] for i, (_, prev, _) in enumerate(links) if i)
    from pressroom.context import Context
    from pressroom.plays import audit

    assert audit.audit(Context(studio))["intact"]


def _links(studio) -> list[tuple]:
    with studio.session() as session:
        return [
            tuple(r)
            for r in session.connection().exec_driver_sql("SELECT seq, prev, hash FROM chain ORDER BY seq").all()
        ]


def test_an_older_ledger_gets_its_chain_when_upgraded(tmp_path, new_ledger):
    from alembic import command

    from pressroom.ledger import db
    from pressroom.plays import audit

    url = db.parse_url(new_ledger() or "sqlite:///ledger.sqlite", relative_to=tmp_path)
    engine = db.connect(url)
    try:
        command.upgrade(db._alembic_config(engine), "0007")
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (id, name, created_at) VALUES (1, 'dana', '2026-01-01 00:00:00')"
            )
            connection.exec_driver_sql("INSERT INTO user_roles (user_id, role) VALUES (1, 'director')")
            for action in ("user.add", "brief.new"):
                connection.exec_driver_sql(
                    "INSERT INTO events (at, actor, actor_id, channel, action, objects, detail) VALUES "
                    f"('2026-01-01 00:00:00', 'dana', 1, 'cli', '{action}', '{{}}', '{{}}')"
                )
        command.upgrade(db._alembic_config(engine), "head")
        with engine.begin() as connection:
            kinds = [k for (k,) in connection.exec_driver_sql("SELECT kind FROM chain ORDER BY seq")]
            assert kinds == ["user", "event", "event", "account"]  # revision 0019 chains the account
            assert audit.findings(connection) == []
            connection.exec_driver_sql(
                "DROP TRIGGER events_no_update" + ("" if url.get_backend_name() == "sqlite" else " ON events")
            )
            connection.exec_driver_sql("UPDATE events SET actor = 'omar' WHERE id = 2")
            assert [f.text for f in audit.findings(connection) if f.what == "row"] == [
                'event 2 was changed: actor "dana" -> "omar"'
            ]
    finally:
        engine.dispose()


# -- an approval checks from the last verified link: an edit made after a check is still caught -------------
def put_back(studio, *names):
    """Recreate dropped triggers exactly as pressroom made them (so no trigger finding gives the edit away)."""
    from pressroom.ledger import triggers

    rules = {rule.name: rule for rule in triggers.RULES}
    sql(studio, *(statement for name in names for statement in triggers.statements(rules[name], dialect(studio))))


def _maker_changed(studio, hero):
    drop_trigger(studio, "generations_maker_fixed", "generations")
    sql(studio, f"UPDATE generations SET maker_id = (SELECT id FROM users WHERE name = 'dana') WHERE id = {hero}")
    put_back(studio, "generations_maker_fixed")
    return f"generation {hero} was changed: maker_id"


def _maker_and_link_changed(studio, hero):
    """The row and its latest link's facts changed to agree (the link's hash left as it was)."""
    import sqlalchemy as sa

    from pressroom.ledger import chain

    drop_trigger(studio, "generations_maker_fixed", "generations")
    drop_trigger(studio, "chain_no_update", "chain")
    with studio.session() as session:
        connection = session.connection()
        connection.exec_driver_sql(
            f"UPDATE generations SET maker_id = (SELECT id FROM users WHERE name = 'dana') WHERE id = {hero}"
        )
        connection.execute(
            sa.text(
                "UPDATE chain SET facts = :facts WHERE seq = (SELECT max(seq) FROM chain WHERE "
                "kind = 'generation' AND ref = :hero)"
            ),
            {"facts": chain.facts(connection, "generation", [hero])[hero], "hero": hero},
        )
    put_back(studio, "generations_maker_fixed", "chain_no_update")
    return "was rewritten: its hash does not match what it records"


def _event_written_around(studio, hero):
    sql(
        studio,
        "INSERT INTO events (at, actor, channel, action, objects, detail) "
        "VALUES ('2026-01-01 00:00:00', 'rita', 'cli', 'review.decide', '{}', '{}')",
    )
    return "is not in the chain: it was written around pressroom"


def _old_link_deleted(studio, hero):
    drop_trigger(studio, "chain_no_delete", "chain")
    sql(studio, "DELETE FROM chain WHERE seq = 3")
    put_back(studio, "chain_no_delete")
    return "does not follow the link before it"


def _old_link_rewritten(studio, hero):
    drop_trigger(studio, "chain_no_update", "chain")
    sql(studio, "UPDATE chain SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 2")
    put_back(studio, "chain_no_update")
    return "was rewritten: its hash does not match what it records"


def _link_forged(studio, hero):
    """A link appended around pressroom that restates event 1 as it is: only the link itself is wrong."""
    sql(
        studio,
        "INSERT INTO chain (seq, kind, ref, facts, prev, hash, at) SELECT (SELECT max(seq) FROM chain) + 1, "
        "kind, ref, facts, '0', '0', at FROM chain WHERE kind = 'event' AND ref = 1",
    )
    return "does not follow the link before it"


def _role_granted(studio, hero):
    sql(studio, "INSERT INTO user_roles (user_id, role) SELECT id, 'director' FROM users WHERE name = 'rita'")
    return '"director", "reviewer"'


def _check_changed(studio, hero):
    drop_trigger(studio, "review_checks_no_update", "review_checks")
    sql(studio, "UPDATE review_checks SET reason = 'looked fine' WHERE id = (SELECT min(id) FROM review_checks)")
    put_back(studio, "review_checks_no_update")
    return "was changed: checks"


EDITS_AFTER_A_CHECK = {
    "a maker changed": _maker_changed,
    "a maker and its link changed alike": _maker_and_link_changed,
    "an event written around pressroom": _event_written_around,
    "a link before the verified one deleted": _old_link_deleted,
    "a link before the verified one rewritten": _old_link_rewritten,
    "a link forged after the verified one": _link_forged,
    "a role granted in SQL": _role_granted,
    "a decision's check changed": _check_changed,
}


@pytest.mark.parametrize("edit", EDITS_AFTER_A_CHECK)
def test_an_edit_made_after_a_verified_approval_is_caught_at_the_next(cli, studio, tmp_path, monkeypatch, edit):
    from pressroom.plays import audit

    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    approve(cli, hero)  # the whole audit, from the first link; this process remembers what it found whole

    def whole_audit(_connection):
        raise AssertionError("audited from the first link")

    with monkeypatch.context() as patched:  # nothing changed since: judged from the last verified link alone
        patched.setattr(audit, "findings", whole_audit)
        approve(cli, hero)
        assert released(cli, brief)

    expected = EDITS_AFTER_A_CHECK[edit](studio, hero)
    again = cli("review", hero, "--decision", "approved", *every(), "--alt-text", ALT, "--as", "rita")
    assert again.code == Refused.exit_code and "ledger shows tampering" in again.err, again.err
    refused = cli("release", brief, "--as", "kim")
    assert refused.code == Refused.exit_code and "cannot release" in refused.err
    assert any(expected in f for f in found(cli)), found(cli)
