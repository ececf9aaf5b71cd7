"""Notices, against the service layer on the fake engine, with a real SMTP server (aiosmtpd) and a
real HTTP receiver: a decision that sends an image back reaches its maker's inbox, their mailbox
and a signed webhook, each once, whatever stops and starts in between."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import tomllib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from mailing import mail_settings, smtp_server
from sqlalchemy import update
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.errors import InputError
from pressroom.ledger.tables import Outgoing
from pressroom.plays import accounts, marks, notices, outbox, people, reviews
from pressroom.store.studio import Studio

pytestmark = pytest.mark.ledger_contract("notices written with their events; the outbox sent once")
SECRET_VAR = "PRESSROOM_TEST_HOOK_SECRET"
SECRET = "a shared secret"


@pytest.fixture
def mailbox():
    with smtp_server() as running:
        yield running


@pytest.fixture
def receiver():
    got: list[tuple[dict, bytes]] = []
    answer = {"status": 200}

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(answer["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield got, f"http://127.0.0.1:{server.server_port}/hook", answer
    server.shutdown()


@pytest.fixture
def wired(room, mailbox, receiver, monkeypatch):
    """The room with mail and a webhook set up, omar (the maker) and a keeper with addresses."""
    box, port = mailbox
    got, url, answer = receiver
    studio = room["dana"].studio
    settings = (  # in pressroom.toml, where a worker started later reads them too
        mail_settings(port) + f'\n[server]\nurl = "https://press.example.com"\n'
        f'\n[webhooks.team]\nurl = "{url}"\nevents = ["review.changes_requested"]\nsecret_env = "{SECRET_VAR}"\n'
    )
    (studio.root / "pressroom.toml").write_text((studio.root / "pressroom.toml").read_text() + settings)
    studio.config.update(tomllib.loads((studio.root / "pressroom.toml").read_text()))
    monkeypatch.setenv(SECRET_VAR, SECRET)
    accounts.add_account(room["dana"], "omar", [], email="omar@example.com")
    people.add_person(room["dana"], "kim", ["keeper"])
    accounts.add_account(room["dana"], "kim", [], email="kim@example.com")
    return room, box, got, answer


def test_changes_required_reaches_the_makers_inbox_mailbox_and_the_webhook_once(wired):
    room, box, got, _ = wired
    brief, lock = _locked(room)
    hero = lock["hero"]
    reviews.decide(room["rita"], hero, "changes-required", _checks(hands="fail:six fingers"), note="redo the hand")
    told = notices.inbox(room["omar"])["notices"]
    assert [n["kind"] for n in told] == ["review.changes_requested", "direction.approved"]  # newest first
    notice = told[0]
    assert notice["link"] == f"/images/{hero}"
    assert "rita sent image" in notice["text"] and "hands" in notice["text"]
    assert notices.inbox(room["rita"])["notices"] == []  # nobody is told of their own action
    pending = [r for r in outbox.listing(room["dana"]) if r["kind"] == "review.changes_requested"]
    assert sorted((r["channel"], r["target"], r["state"]) for r in pending) == [
        ("email", "omar@example.com", "pending"),
        ("webhook", "team", "pending"),
    ]
    assert outbox.deliver(room["dana"].studio) == {"sent": 3, "retry": 0, "failed": 0}  # and the direction's mail
    assert outbox.deliver(room["dana"].studio) == {"sent": 0, "retry": 0, "failed": 0}  # never twice
    [(to, mail)] = [m for m in box.messages if "sent image" in m[1]["Subject"]]
    assert to == ["omar@example.com"] and "sent image" in mail["Subject"]
    plain = mail.get_body(("plain",)).get_content()
    assert f"https://press.example.com/images/{hero}" in plain
    assert mail.get_body(("html",)) is not None
    [(headers, body)] = got
    expected = hmac.new(SECRET.encode(), f"{headers['x-pressroom-timestamp']}.".encode() + body, hashlib.sha256)
    assert headers["x-pressroom-signature"] == "sha256=" + expected.hexdigest()
    payload = json.loads(body)
    assert payload["event"] == "review.changes_requested" and payload["link"].endswith(f"/images/{hero}")
    assert outbox.listing(room["dana"], "sent") and outbox.listing(room["dana"]) == []


def test_an_approval_tells_the_maker_and_the_keeper_and_only_the_hook_that_asks(wired):
    room, box, got, _ = wired
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "approved", _checks(), alt_text="A red shoe on moss")
    outbox.deliver(room["dana"].studio)
    approved = [to[0] for to, mail in box.messages if "approved image" in mail["Subject"]]
    assert sorted(approved) == ["kim@example.com", "omar@example.com"]
    assert got == []  # the webhook asked for changes requested only
    kim = room["dana"].acting_as(people.actor(room["dana"], "kim", "python"))
    assert [n["kind"] for n in notices.inbox(kim)["notices"]] == ["review.approved"]


def test_a_row_written_but_not_sent_before_a_stop_is_sent_once_after(wired):
    room, box, _, _ = wired
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "rejected", _checks(hands="fail:beyond repair"))
    studio = room["dana"].studio
    with studio.session() as session:  # a worker took the mail and stopped before it was sent
        session.execute(
            update(Outgoing)
            .where(Outgoing.channel == "email")
            .values(state="sending", claimed_at=datetime.now(UTC) - timedelta(seconds=outbox.CLAIM_S + 1))
        )
    again = Studio(studio.root)  # another worker, started after the stop
    try:
        assert outbox.deliver(again)["sent"] == 3  # the mail the stopped worker held, the direction's, the post
        assert outbox.deliver(again)["sent"] == 0
    finally:
        again.close()
    assert sorted(mail["Subject"].split(" ", 2)[2][:12] for _, mail in box.messages) == [
        "approved the",
        "sent image #",
    ]


def test_a_failing_receiver_is_tried_again_later_and_its_error_kept(wired):
    room, box, got, answer = wired
    answer["status"] = 500
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "changes-required", _checks(hands="fail:six fingers"))
    assert outbox.deliver(room["dana"].studio) == {"sent": 2, "retry": 1, "failed": 0}  # the two mails, not the post
    [row] = outbox.listing(room["dana"], "pending")
    assert row["channel"] == "webhook" and row["attempts"] == 1 and "answered 500" in row["error"]
    assert outbox.deliver(room["dana"].studio)["retry"] == 0  # not due again yet: it waits its backoff
    assert len(got) == 1
    with pytest.raises(InputError) as bad:
        outbox.listing(room["dana"], "lost")
    assert bad.value.field == "state"


def test_a_mention_in_a_mark_tells_the_person_named(wired):
    room, _, _, _ = wired
    brief, lock = _locked(room)
    marks.place(room["rita"], lock["hero"], 0.5, 0.5, "@omar the thumb bends backwards; @nobody")
    notice = notices.inbox(room["omar"])["notices"][0]
    assert notice["kind"] == "mark.mention" and "the thumb bends backwards" in notice["text"]
    assert notices.unread(room["omar"]) == 2  # and the direction he was told of before
    assert notices.mark_read(room["omar"], notice["id"]) == 1 and notices.unread(room["omar"]) == 1
    assert notices.mark_read(room["omar"]) == 1 and notices.unread(room["omar"]) == 0


def test_an_email_address_is_checked_and_can_be_cleared(room):
    with pytest.raises(InputError) as bad:
        accounts.add_account(room["dana"], "omar", [], email="omar at example")
    assert bad.value.field == "email"
    assert accounts.add_account(room["dana"], "omar", [], email="omar@example.com")["email"] == "omar@example.com"
    assert accounts.add_account(room["dana"], "omar", [], email="")["email"] is None
    with pytest.raises(InputError, match="give a new person at least one role"):
        accounts.add_account(room["dana"], "newcomer", [])


def test_a_notice_that_is_not_there_or_not_yours_is_one_line(room):
    from pressroom.errors import NotFound

    with pytest.raises(NotFound, match="no notice 999") as missing:
        notices.mark_read(room["omar"], 999)
    assert missing.value.field == "notice"


def test_the_webhook_log_holds_every_post_sent_or_not(wired, cli):
    room, _, got, _ = wired
    brief, lock = _locked(room)
    reviews.decide(room["rita"], lock["hero"], "changes-required", _checks(hands="fail:six fingers"))
    outbox.deliver(room["dana"].studio)
    [post] = outbox.listing(room["dana"], channel="webhook")
    assert (post["target"], post["kind"], post["state"]) == ("team", "review.changes_requested", "sent")
    root = str(room["dana"].studio.root)
    shown = cli("webhooks", "log", "--json", "--studio", root)
    assert shown.code == 0, shown.err
    assert [(r["target"], r["state"]) for r in json.loads(shown.out)] == [("team", "sent")]
    assert json.loads(cli("outbox", "--json", "--studio", root).out) == []  # nothing pending or failed
    bad = cli("outbox", "--state", "lost", "--studio", root)
    assert bad.code == 2 and "state must be one of pending, sending, sent, failed" in bad.err
