"""Who is told what, and how they chose to be: per kind of notice the inbox, e-mail, both or off, a
daily digest instead of single mails, reminders of due dates written once, an invite mailed with
its link, and the delivery log. Against the service layer on the fake engine, with the real SMTP
server (aiosmtpd) and HTTP receiver of ``test_notices``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_notices import mailbox, receiver, wired  # noqa: F401 (fixtures)
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, InputError, NotFound
from pressroom.ledger.tables import Brief, Outgoing, Reminder
from pressroom.plays import accounts, assignments, culls, invites, marks, notices, outbox, reminders, reviews, volume
from pressroom.server.app import create_app
from pressroom.store.studio import Studio

pytestmark = pytest.mark.ledger_contract("notice preferences, digests and reminders kept in the ledger")


def _mails(box, to: str) -> list:
    return [mail for rcpt, mail in box if rcpt == [to]]


def _kinds(ctx) -> list[str]:
    return [n["kind"] for n in notices.inbox(ctx)["notices"]]


def test_off_tells_nobody_and_email_only_leaves_the_inbox_out(wired):
    room, box, got, _ = wired
    chosen = notices.choose(room["omar"], {"review.changes_requested": "off", "direction.approved": "email"})
    assert {r["kind"]: r["channel"] for r in chosen["kinds"]}["review.changes_requested"] == "off"
    brief, lock = _locked(room)  # dana approves the direction omar's concepts made
    reviews.decide(room["rita"], lock["hero"], "changes-required", _checks(hands="fail:six fingers"))
    assert _kinds(room["omar"]) == []  # neither in his inbox
    waiting = [(r["kind"], r["channel"], r["target"]) for r in outbox.listing(room["dana"])]
    assert sorted(waiting) == [
        ("direction.approved", "email", "omar@example.com"),  # e-mail only
        ("review.changes_requested", "webhook", "team"),  # a webhook is the studio's, not omar's
    ]
    assert outbox.deliver(room["dana"].studio)["sent"] == 2
    [mail] = _mails(box.messages, "omar@example.com")
    assert "approved the direction" in mail["Subject"] and len(got) == 1
    again = notices.choose(room["omar"], {"review.changes_requested": "both"})  # and back
    assert {r["kind"]: r["channel"] for r in again["kinds"]}["review.changes_requested"] == "both"
    assert notices.preferences(room["omar"]) == again


def test_a_person_without_an_address_is_told_in_the_inbox_and_a_wrong_choice_is_one_line(wired):
    room, box, _, _ = wired
    for choices, digest, field in [
        ({"review.sent": "inbox"}, None, "kind"),
        ({"review.requested": "pigeon"}, None, "channel"),
        ({"review.requested": "email"}, None, "channel"),  # ravi has no address
        ({}, True, "digest"),
    ]:
        with pytest.raises(InputError) as bad:
            notices.choose(room["ravi"], {"mark.mention": "off", **choices}, digest=digest)
        assert bad.value.field == field and "\n" not in str(bad.value)
    settings = notices.preferences(room["ravi"])  # all or nothing: the mention is still "both"
    assert {r["channel"] for r in settings["kinds"]} == {"both"} and settings["digest"] is False
    with pytest.raises(NotFound) as nobody:
        notices.preferences(Context(room["dana"].studio, Actor.unknown("python")))
    assert nobody.value.field == "actor"
    marks.place(room["rita"], _locked(room)[1]["hero"], 0.5, 0.5, "@ravi look at the laces")
    assert _kinds(room["ravi"]) == ["mark.mention"]  # both, without an address: the inbox
    assert not [r for r in outbox.listing(room["dana"]) if r["kind"] == "mark.mention"]


def test_a_digest_holds_the_mails_and_sends_one_a_day(wired):
    room, box, _, _ = wired
    studio = room["dana"].studio
    assert notices.choose(room["omar"], {}, digest=True)["digest"] is True
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "changes-required", _checks(hands="fail:six fingers"))
    held = outbox.listing(room["dana"], "held")
    assert sorted(r["kind"] for r in held) == ["direction.approved", "review.changes_requested"]
    assert _kinds(room["omar"]) == ["review.changes_requested", "direction.approved"]  # the inbox is not held
    outbox.deliver(studio)
    assert _mails(box.messages, "omar@example.com") == []
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert outbox.digests(studio, now=today + timedelta(hours=outbox.DIGEST_HOUR - 1)) == 0  # not before the hour
    assert outbox.digests(studio, now=today + timedelta(hours=outbox.DIGEST_HOUR)) == 1
    assert outbox.deliver(studio)["sent"] == 1
    [mail] = _mails(box.messages, "omar@example.com")
    assert mail["Subject"] == "pressroom: your daily digest, 2 notices"
    plain = mail.get_body(("plain",)).get_content()
    assert "rita sent image" in plain and "approved the direction" in plain
    assert f"https://press.example.com/images/{lock['hero']}" in plain
    assert {r["state"] for r in outbox.listing(room["dana"], "digested")} == {"digested"}
    # a mention later that day waits for tomorrow's digest; switched off, it goes at once
    marks.place(room["rita"], lock["hero"], 0.5, 0.5, "@omar the thumb")
    assert outbox.digests(studio, now=today + timedelta(hours=23)) == 0
    assert outbox.digests(Studio(studio.root), now=today + timedelta(hours=23)) == 0  # nor after a restart
    assert [r["kind"] for r in outbox.listing(room["dana"], "held")] == ["mark.mention"]
    notices.choose(room["omar"], {}, digest=False)
    assert outbox.listing(room["dana"], "held") == []
    assert outbox.deliver(studio)["sent"] == 1
    assert "mentioned you" in _mails(box.messages, "omar@example.com")[-1]["Subject"]


def test_a_worker_process_sends_the_digest_and_the_reminders_once(wired):
    """The chores as a team runs them: `pressroom worker --until-idle`, started three times."""
    room, box, _, _ = wired
    root = room["dana"].studio.root
    config = root / "pressroom.toml"
    config.write_text(config.read_text().replace("starttls = false\n", "starttls = false\ndigest_hour = 0\n", 1))
    accounts.add_account(room["dana"], "dana", [], email="dana@example.com")
    notices.choose(room["omar"], {}, digest=True)
    brief, lock = _locked(room)  # omar is told the direction was approved: held for his digest
    _due(room, brief, datetime.now(UTC).date())  # due by the end of today: its director is reminded
    for _ in range(3):
        ran = subprocess.run(
            [sys.executable, "-m", "pressroom.cli", "worker", "--until-idle"],
            env={**os.environ, "PRESSROOM_STUDIO": str(root)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == 0, ran.stderr
    [digest] = _mails(box.messages, "omar@example.com")
    assert digest["Subject"] == "pressroom: your daily digest, 1 notice"
    reminded = [m["Subject"] for m in _mails(box.messages, "dana@example.com") if " is due " in m["Subject"]]
    assert reminded == [f"pressroom: brief {brief} (Spring trail shoe launch) is due {datetime.now(UTC).date()}"]
    with room["dana"].unit() as session:
        assert session.execute(select(Reminder.kind)).scalars().all() == ["due.soon"]


def _due(room, brief: int, due: date) -> None:
    with room["dana"].unit() as session:
        row = session.get(Brief, brief)
        row.spec = {**row.spec, "due": due.isoformat()}


def _at(ctx: Context, when: datetime) -> Context:
    return replace(ctx, clock=lambda: when)


def test_due_reminders_reach_whom_the_work_waits_on_once(room):
    brief, lock = _locked(room)
    run = volume.run(room["omar"], lock["recipe"], [("subject", "a red boot")], 2)
    culls.cull(room["omar"], [row.id for row in run.made], keep=True, reason="")
    day = date(2027, 3, 10)
    _due(room, brief, day)
    assignments.assign(room["dana"], brief, "ravi", (day - timedelta(days=1)).isoformat())
    checker = Context(room["dana"].studio, reminders.CHECKER)

    early = _at(checker, datetime(2027, 3, 8, 12, tzinfo=UTC))  # more than a day before either ends
    assert reminders.check(early) == 0
    eve = _at(checker, datetime(2027, 3, 9, 6, tzinfo=UTC))  # ravi's review is due by the end of the 9th
    assert reminders.check(eve) == 1
    assert reminders.check(eve) == 0  # once
    assert reminders.check(replace(eve, studio=Studio(room["dana"].studio.root))) == 0  # and after a restart
    [told] = [n for n in notices.inbox(room["ravi"])["notices"] if n["kind"].startswith("due.")]
    assert told["kind"] == "due.soon" and told["link"] == f"/briefs/{brief}"
    assert told["text"] == f"your review of brief {brief} (Spring trail shoe launch) is due 2027-03-09"
    assert "due.soon" not in _kinds(room["rita"])  # not assigned: not hers

    late = _at(checker, datetime(2027, 3, 10, 9, tzinfo=UTC))  # ravi's date passed; the brief is due today
    assert reminders.check(late) == 2
    assert reminders.check(late) == 0
    assert _kinds(room["ravi"])[0] == "due.overdue"
    assert "was due 2027-03-09 and is overdue" in notices.inbox(room["ravi"])["notices"][0]["text"]
    [soon] = [n for n in notices.inbox(room["dana"])["notices"] if n["kind"] == "due.soon"]
    assert soon["text"] == f"brief {brief} (Spring trail shoe launch) is due 2027-03-10"  # its director
    with room["dana"].unit() as session:
        written = session.execute(select(Reminder.kind, Reminder.due)).all()
    assert sorted((k, d.isoformat()) for k, d in written) == [
        ("due.overdue", "2027-03-09"),
        ("due.soon", "2027-03-09"),
        ("due.soon", "2027-03-10"),
    ]
    with pytest.raises(InputError) as bad:
        reminders.soon_hours({"notices": {"due_soon_hours": 0}})
    assert bad.value.field == "due_soon_hours"
    assert reminders.standing(day, datetime(2027, 3, 9, 12, tzinfo=UTC), 48.0) == "due.soon"  # a longer "soon"


def test_an_invite_is_mailed_with_a_link_that_works_and_the_outbox_forgets_it(wired):
    room, box, _, _ = wired
    dana = room["dana"]
    accounts.add_account(dana, "pia", ["reviewer"])
    with pytest.raises(InputError) as bad:
        invites.invite(dana, "pia", "https://press.example.com", email="pia at example")
    assert bad.value.field == "email"
    made = invites.invite(dana, "pia", "https://press.example.com", email="pia@example.com")
    assert made["mailed"] == "pia@example.com"
    assert [r["kind"] for r in outbox.listing(dana) if r["channel"] == "email"] == ["invite"]
    assert outbox.deliver(dana.studio)["sent"] == 1
    [mail] = _mails(box.messages, "pia@example.com")
    plain = mail.get_body(("plain",)).get_content()
    link = re.search(r"https://press\.example\.com/invite\?code=\S+", plain).group(0)
    assert link == made["link"] and "as pia" in plain
    anyone = Context(dana.studio, Actor.unknown("web"))
    code = link.split("code=", 1)[1]
    assert invites.about(anyone, code)["person"] == "pia"
    assert invites.accept(anyone, code, "pia-correct-horse-battery")["name"] == "pia"
    with dana.unit() as session:
        [body] = session.scalars(select(Outgoing.body).where(Outgoing.kind == "invite")).all()
    assert code not in json.dumps(body) and body["link"] == outbox.UNKEPT


def test_an_invite_by_mail_needs_mail_set_up(room):
    room["dana"].studio.config.pop("mail", None)
    with pytest.raises(InputError, match=r"\[mail\] host is not set") as bad:
        invites.invite(room["dana"], "ravi", "https://press.example.com", email="ravi@example.com")
    assert bad.value.field == "email"


def test_the_delivery_log_is_for_admins_through_the_server(wired):
    room, _, _, answer = wired
    answer["status"] = 500
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "changes-required", _checks(hands="fail:six fingers"))
    outbox.deliver(room["dana"].studio)
    log = outbox.delivery_log(room["dana"])  # from the command line: anyone with the studio folder
    said = {(r["channel"], r["what"]): r["said"] for r in log}
    assert said[("email", "review changes requested")] == "sent"
    assert said[("webhook", "review changes requested")] == "waiting to be sent"
    assert [r["error"] for r in log if r["channel"] == "webhook"] == ["RuntimeError: the receiver answered 500"]
    web = room["rita"].acting_as(replace(room["rita"].actor, channel="web"))
    with pytest.raises(Forbidden, match="only an admin"):
        outbox.delivery_log(web)


def test_the_preferences_through_the_api(wired):
    room, _, _, _ = wired
    studio = room["dana"].studio
    token = accounts.create_token(Context(studio, Actor.unknown("cli")), "omar", "tests")["token"]
    with TestClient(create_app(studio), headers={"Authorization": f"Bearer {token}"}) as client:
        shown = client.get("/api/notifications/preferences").json()
        assert shown["person"] == "omar" and shown["email"] == "omar@example.com"
        assert [r["kind"] for r in shown["kinds"]] == list(notices.KINDS)
        put = client.put("/api/notifications/preferences", json={"kinds": {"due.soon": "inbox"}, "digest": True})
        assert put.status_code == 200, put.text
        assert put.json()["digest"] is True
        assert {r["kind"]: r["channel"] for r in put.json()["kinds"]}["due.soon"] == "inbox"
        for body, field in [({"kinds": {"due.later": "inbox"}}, "kind"), ({"kinds": {"due.soon": "fax"}}, "channel")]:
            bad = client.put("/api/notifications/preferences", json=body)
            assert bad.status_code == 400 and bad.json()["field"] == field, bad.text
        assert client.put("/api/notifications/preferences", json={"digets": True}).json()["field"] == "digets"
        assert client.get("/api/notifications/preferences").json() == put.json()
    accounts.add_account(room["dana"], "dana", [], admin=True)
    dana = accounts.create_token(Context(studio, Actor.unknown("cli")), "dana", "tests")["token"]
    with TestClient(create_app(studio), headers={"Authorization": f"Bearer {dana}"}) as client:
        accounts.add_account(room["dana"], "pia", ["reviewer"])
        plain = client.post("/api/people/pia/invite")  # no body: a link only
        assert plain.status_code == 201 and plain.json()["mailed"] is None, plain.text
        mailed = client.post("/api/people/pia/invite", json={"email": "pia@example.com"})
        assert mailed.status_code == 201 and mailed.json()["mailed"] == "pia@example.com", mailed.text
        bad = client.post("/api/people/pia/invite", json={"email": "pia at example"})
        assert bad.status_code == 400 and bad.json()["field"] == "email"


def test_the_commands_set_and_show_preferences_and_mail_an_invite(wired, cli):
    room, box, _, _ = wired
    root = str(room["dana"].studio.root)
    done = cli("notify", "set", "review.approved", "inbox", "--as", "omar", "--json", "--studio", root)
    assert done.code == 0, done.err
    assert {r["kind"]: r["channel"] for r in json.loads(done.out)["kinds"]}["review.approved"] == "inbox"
    assert cli("notify", "digest", "on", "--as", "omar", "--studio", root).code == 0
    shown = cli("notify", "show", "--as", "omar", "--studio", root)
    assert "daily digest: on" in shown.out and "review.approved" in shown.out
    bad = cli("notify", "set", "review.approved", "pigeon", "--as", "omar", "--studio", root)
    assert bad.code != 0 and "unknown channel 'pigeon'" in bad.err and "\n" not in bad.err.strip()
    bad = cli("notify", "digest", "sometimes", "--as", "omar", "--studio", root)
    assert bad.code != 0 and "on or off" in bad.err
    accounts.add_account(room["dana"], "pia", ["reviewer"])
    sent = cli("user", "invite", "pia", "--email", "pia@example.com", "--json", "--studio", root)
    assert sent.code == 0, sent.err
    made = json.loads(sent.out)
    assert made["mailed"] == "pia@example.com"
    outbox.deliver(room["dana"].studio)
    [mail] = _mails(box.messages, "pia@example.com")
    assert made["link"] in mail.get_body(("plain",)).get_content()
