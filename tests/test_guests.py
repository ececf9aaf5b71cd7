"""Client review by link: a director shares images with a guest, who marks them and gives a client
decision through the link alone; the decision is chained, tells the director, and goes into the
released file's review assertion as the client's sign-off (never instead of the gate)."""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import timedelta

import pytest
from mailing import mail_settings
from PIL import Image
from sqlalchemy import select
from test_notices import mailbox  # noqa: F401 (fixture)
from test_rules import _checks, _locked, room, rules_template  # noqa: F401 (fixtures)

from pressroom.domain.brief import parse
from pressroom.errors import Forbidden, InputError, NotFound, ReleaseBlocked
from pressroom.ledger import chain
from pressroom.ledger.tables import Brief, GuestShare
from pressroom.plays import (
    accounts,
    audit,
    briefs,
    concepts,
    guests,
    lockin,
    notices,
    outbox,
    people,
    releases,
    reviews,
    volume,
)

pytestmark = pytest.mark.ledger_contract("guest links, client decisions in the chain, release with client sign-off")
URL = "https://press.example.com"


def _served(room) -> None:
    studio = room["dana"].studio
    (studio.root / "pressroom.toml").write_text(
        (studio.root / "pressroom.toml").read_text() + f'\n[server]\nurl = "{URL}"\n'
    )
    studio.config.update(tomllib.loads((studio.root / "pressroom.toml").read_text()))


def _token(link: str) -> str:
    assert link.startswith(f"{URL}/guest/")
    return link.rsplit("/", 1)[1]


def _two_images(room, **changes) -> tuple[int, int, int]:
    """A brief with a locked hero and one volume image (client sign-off with ``signoff``)."""
    brief, lock = _locked(room, **changes)
    made = volume.run(room["omar"], lock["recipe"], [("subject", "a blue boot")], 1).made
    return brief, lock["hero"], made[0].id


def _signoff_brief(room) -> tuple[int, int]:
    text = briefs.TEMPLATE.replace("client_signoff = false", "client_signoff = true")
    brief = briefs.open_brief(room["dana"], parse(text))["id"]
    sprint = concepts.sprint(room["omar"], brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=2)
    concepts.approve_direction(room["dana"], brief, sprint.rows[0].id)
    from test_rules import SIZE

    lock = lockin.lock(room["omar"], brief, steps=2, width=SIZE, height=SIZE)
    return brief, lock.as_dict()["hero"]


def test_a_link_keeps_only_its_hash_expires_and_can_be_revoked(room):
    _served(room)
    brief, hero, other = _two_images(room)
    made = guests.share(room["dana"], brief, [hero], "Ann Lee", "ann@client.example", days=3)
    token = _token(made["link"])
    assert len(token) >= 43 and made["mailed"] is False and made["images"] == [hero]
    with room["dana"].unit() as session:
        row = session.get(GuestShare, made["share"])
        assert row.secret_sha256 == accounts.digest(token) and token not in json.dumps(row.as_dict())
    page = guests.opened(room["dana"], token)
    assert page["brief"]["title"] and page["brief"]["intent"] and [i["image"] for i in page["images"]] == [hero]
    assert page["author"] == "Ann Lee (client)"

    later = room["dana"].acting_as(room["dana"].actor)
    later.clock = lambda: room["dana"].now() + timedelta(days=3, seconds=1)
    with pytest.raises(NotFound, match="unknown, expired or revoked"):
        guests.opened(later, token)
    [listed] = guests.listing(later, brief)
    assert listed["state"] == "expired"

    again = guests.share(room["dana"], brief, [hero, other], "Ann Lee", "ann@client.example")
    assert guests.revoke(room["dana"], again["share"])["state"] == "revoked"
    with pytest.raises(NotFound, match="unknown, expired or revoked"):
        guests.review_copy(room["dana"], _token(again["link"]), hero)
    with pytest.raises(NotFound, match="unknown, expired or revoked"):
        guests.opened(room["dana"], "not-a-token")
    assert [s["state"] for s in guests.listing(room["dana"], brief)] == ["revoked", "open"]
    assert audit.audit(room["dana"])["intact"]  # a revoked link is restated in the chain, not broken


def test_only_the_briefs_director_shares_and_every_mistake_is_named(room):
    _served(room)
    brief, hero, _ = _two_images(room)
    with pytest.raises(Forbidden, match="needs the director role"):
        guests.share(room["omar"], brief, [hero], "Ann", "ann@client.example")
    people.add_person(room["dana"], "dora", ["director"])
    dora = room["dana"].acting_as(people.actor(room["dana"], "dora", "python"))
    with pytest.raises(Forbidden, match="only its own director or an admin"):
        guests.share(dora, brief, [hero], "Ann", "ann@client.example")
    cases = [
        (dict(images=[999]), "image", "no image #999"),
        (dict(email="ann at client"), "email", "is not an address"),
        (dict(days=0), "days", "from 1 to 90"),
        (dict(days=91), "days", "from 1 to 90"),
        (dict(guest=" "), "guest", "name the guest"),
        (dict(images=[]), "image", "at least one image"),
    ]
    for change, field, said in cases:
        given = {"images": [hero], "guest": "Ann", "email": "ann@client.example", "days": 7, **change}
        with pytest.raises((InputError, NotFound), match=said) as bad:
            guests.share(room["dana"], brief, given["images"], given["guest"], given["email"], days=given["days"])
        assert bad.value.field == field
    second, _ = _locked(room)
    with pytest.raises(InputError, match=f"is not an image of brief {second}") as foreign:
        guests.share(room["dana"], second, [hero], "Ann", "ann@client.example")
    assert foreign.value.field == "image"


def test_the_guest_marks_replies_and_decides_on_its_images_only(room):
    _served(room)
    brief, hero, other = _two_images(room)
    token = _token(guests.share(room["dana"], brief, [hero], "Ann Lee", "ann@client.example")["link"])

    copy = Image.open(io.BytesIO(guests.review_copy(room["dana"], token, hero)))
    assert copy.format == "JPEG" and max(copy.size) <= 1024
    [mark] = guests.mark(room["dana"], token, hero, 0.2, 0.3, "make the sky warmer")
    assert mark["author"] == "Ann Lee (client)" and mark["guest"] is True
    reviews_marks = guests.reply(room["dana"], token, hero, mark["mark"], "and the shoe a little larger")
    assert [r["author"] for r in reviews_marks[0]["replies"]] == ["Ann Lee (client)"]
    assert not reviews_marks[0]["answered"]  # the client's own reply answers nothing
    for refused in (
        lambda: guests.mark(room["dana"], token, other, 0.1, 0.1, "not mine to mark"),
        lambda: guests.review_copy(room["dana"], token, other),
        lambda: guests.decide(room["dana"], token, other, "approved"),
    ):
        with pytest.raises(NotFound, match="unknown, expired or revoked"):
            refused()
    with pytest.raises(InputError, match="which changes") as bare:
        guests.decide(room["dana"], token, hero, "changes")
    assert bare.value.field == "note"
    changes = guests.decide(room["dana"], token, hero, "changes", "warmer sky, please")
    assert changes["guest"] == "Ann Lee" and changes["email"] == "ann@client.example"
    told = notices.inbox(room["dana"])["notices"][0]
    assert told["kind"] == "client.decided" and "Ann Lee (client) asked for changes" in told["text"]
    approved = guests.decide(room["dana"], token, hero, "approved", "lovely")
    assert guests.opened(room["dana"], token)["images"][0]["decision"]["decision"] == "approved"

    with room["dana"].unit() as session:  # each decision and the link are links of the chain
        links = session.execute(select(chain.LINKS.c.kind, chain.LINKS.c.ref)).all()
    assert ("guest_share", 1) in links and ("client_decision", 1) in links and ("client_decision", 2) in links
    with room["dana"].unit() as session:
        assert guests.signoff(session, hero)["note"] == approved["note"]
    assert audit.audit(room["dana"])["intact"]


def test_a_brief_asking_for_client_signoff_is_released_only_with_it_and_the_file_names_it(room):
    _served(room)
    brief, hero = _signoff_brief(room)
    people.add_person(room["dana"], "kim", ["keeper"])
    kim = room["dana"].acting_as(people.actor(room["dana"], "kim", "python"))
    token = _token(guests.share(room["dana"], brief, [hero], "Ann Lee", "ann@client.example")["link"])
    guests.decide(room["dana"], token, hero, "approved", "ship it")
    with pytest.raises(ReleaseBlocked, match="no image of brief"):  # the client never replaces the gate
        releases.release(kim, brief, ["linkedin"], ["png"])
    guests.decide(room["dana"], token, hero, "changes", "one more try on the sky")
    reviews.decide(room["rita"], hero, "approved", _checks(), alt_text="A red shoe on moss")
    with pytest.raises(ReleaseBlocked, match=rf"image #{hero} has no approving client decision") as blocked:
        releases.release(kim, brief, ["linkedin"], ["png"])
    assert blocked.value.field == "client_signoff"
    from pressroom.plays import release_plan

    with pytest.raises(ReleaseBlocked, match="client's sign-off"):
        release_plan.preview(kim, brief, ["linkedin"], ["png"], look=False)
    guests.decide(room["dana"], token, hero, "approved", "ship it")
    written = releases.release(kim, brief, ["linkedin"], ["png"])
    from c2pa import Reader

    master = [r for r in written if r.rendition == "master"][0]
    path = releases.asset(kim, master.id)["path"]
    with open(path, "rb") as stream, Reader("image/png", stream) as reader:
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    [assertion] = [a for a in active["assertions"] if a["label"] == "com.pressroom.review"]
    review = json.loads(assertion["data"]["review_json"])
    assert [r["reviewer"] for r in review["reviewers"]] == ["rita"]
    assert review["client"]["guest"] == "Ann Lee" and review["client"]["decision"] == "approved"
    assert review["client"]["note"] == "ship it" and review["client"]["email"] == "ann@client.example"
    # the brief's audit report carries each of the client's decisions, in order, beside the gate's
    from pressroom.plays import report

    rows = list(csv.DictReader(io.StringIO(report.render(room["dana"], brief, "csv").decode("utf-8"))))
    signed = [(r["what"], r["detail"]) for r in rows if r["section"] == "client_signoffs"]
    assert signed == [
        ("approved", "ship it"),
        ("changes requested", "one more try on the sky"),
        ("approved", "ship it"),
    ]


def test_the_link_is_mailed_to_the_guest_and_forgotten_once_sent(room, mailbox):  # noqa: F811
    box, port = mailbox
    studio = room["dana"].studio
    (studio.root / "pressroom.toml").write_text(
        (studio.root / "pressroom.toml").read_text() + mail_settings(port) + f'\n[server]\nurl = "{URL}"\n'
    )
    studio.config.update(tomllib.loads((studio.root / "pressroom.toml").read_text()))
    brief, hero, _ = _two_images(room)
    made = guests.share(room["dana"], brief, [hero], "Ann Lee", "ann@client.example")
    assert made["mailed"] is True
    assert outbox.deliver(studio)["sent"] >= 1
    [(to, mail)] = [m for m in box.messages if m[0] == ["ann@client.example"]]
    assert made["link"] in mail.get_body(("plain",)).get_content()
    with studio.session() as session:
        from pressroom.ledger.tables import Outgoing

        [row] = session.scalars(select(Outgoing).where(Outgoing.target == "ann@client.example")).all()
        assert (
            row.state == "sent"
            and row.body["link"] == outbox.UNKEPT
            and _token(made["link"]) not in json.dumps(row.body)
        )


def test_the_share_command_prints_the_link_once_and_names_each_mistake_in_one_line(cli, tmp_path):
    from playbook import locked, open_brief

    brief, lock = locked(cli, tmp_path)
    hero = lock["hero"]
    config = cli.studio.root / "pressroom.toml"
    config.write_text(config.read_text() + f'\n[server]\nurl = "{URL}"\n')
    made = cli("share", brief, hero, "--guest", "Ann Lee", "--email", "ann@client.example", "--as", "dana")
    assert made.code == 0, made.err
    link = made.out.strip().splitlines()[-1]
    assert link.startswith(f"{URL}/guest/") and "for Ann Lee" in made.out
    listed = cli("share", "list", brief, "--as", "dana")
    assert listed.code == 0 and "Ann Lee <ann@client.example>" in listed.out and "open" in listed.out
    assert _token(link) not in listed.out
    mistakes = [
        (("share", brief, 999, "--guest", "Ann", "--email", "ann@client.example"), "no image #999"),
        (("share", brief, hero, "--guest", "Ann", "--email", "ann at client"), "--email 'ann at client' is not"),
        (("share", brief, hero, "--guest", "Ann", "--email", "a@b.example", "--days", "0"), "--days must be"),
        (("share", brief, hero, "--guest", "Ann", "--email", "a@b.example", "--days", "120"), "from 1 to 90"),
        (("share", brief, hero, "--email", "a@b.example"), "--guest"),
        (("share", "revoke", 77), "no client link 77"),
        (("share", "revoke"), "give the link's ID alone"),
        (("share", "list", brief, "again"), "give the brief alone"),
        (("share", "seven", hero, "--guest", "A", "--email", "a@b.example"), "must be numbers like 12"),
    ]
    other = open_brief(cli, tmp_path)
    mistakes.append(
        (("share", other, hero, "--guest", "A", "--email", "a@b.example"), f"is not an image of brief {other}")
    )
    for args, said in mistakes:
        result = cli(*args, "--as", "dana")
        assert result.code != 0 and said in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err, result.err
    share_id = json.loads(cli("share", "list", brief, "--as", "dana", "--json").out)[0]["share"]
    revoked = cli("share", "revoke", share_id, "--as", "dana")
    assert revoked.code == 0 and "revoked" in revoked.out
    refused = cli("share", "revoke", share_id, "--as", "omar")
    assert refused.code != 0 and "needs the director role" in refused.err


def test_a_review_copy_is_at_most_1024_px_and_carries_its_mark_in_the_pixels(tmp_path):
    from pressroom.store import reviewcopy

    source = tmp_path / "large.png"
    Image.new("RGB", (2400, 1600), (40, 160, 90)).save(source)
    copy = Image.open(io.BytesIO(reviewcopy.review_copy(source))).convert("RGB")
    assert copy.size == (1024, 683)
    upper = copy.crop((0, 0, 1024, 400)).get_flattened_data()
    assert all(abs(p[1] - 160) < 12 for p in upper)  # the picture itself, untouched above the band
    lower = list(copy.crop((0, 455, 1024, 683)).get_flattened_data())
    white, dark = sum(sum(p) > 600 for p in lower), sum(sum(p) < 150 for p in lower)
    assert white > 2000 and dark > 20000  # white words on a dark band across the lower part


# -- in a real browser, signed out -------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, ledgers):
    """A brief asking for client sign-off, taken to a locked hero and a volume run of two."""
    from browsing import team_site

    def prepare(ctx):
        text = briefs.TEMPLATE.replace("client_signoff = false", "client_signoff = true")
        brief = briefs.open_brief(ctx["dana"], parse(text))["id"]
        styles = ["watercolor", "flat-vector", "cinematic"]
        sprint = concepts.sprint(ctx["omar"], brief, styles, per_style=1, steps=2)
        concepts.approve_direction(ctx["dana"], brief, sprint.rows[0].id)
        lock = lockin.lock(ctx["omar"], brief, steps=2, width=64, height=64)
        run = volume.run(ctx["omar"], lock.row.id, [("subject", "red shoe"), ("subject", "blue shoe")], 1)
        return {"brief": brief, "hero": lock.row.hero_generation_id, "volume": sorted(r.id for r in run.made)}

    with team_site(tmp_path_factory, ledgers, prepare) as served_site:
        yield served_site


def test_a_signed_out_client_marks_and_decides_through_the_link_and_nothing_else(browser, site):
    from browsing import serious_violations, signed_in, studio_ctx

    brief, (first, second), hero = site["brief"], site["volume"], site["hero"]
    dana = signed_in(browser, site, "dana")
    dana.goto(f"/briefs/{brief}")
    shares = dana.locator("#shares")
    shares.get_by_label(f"image #{first}", exact=True).check()
    shares.get_by_label(f"image #{second}", exact=True).check()
    shares.get_by_label("Client's name").fill("Ann Lee")
    shares.get_by_label("Client's e-mail address").fill("ann@client.example")
    shares.get_by_role("button", name="Share with the client").click()
    link = dana.locator("#share-link").input_value()
    assert link.startswith(f"{site['url']}/guest/") and len(link.rsplit("/", 1)[1]) >= 43
    assert "Ann Lee (ann@client.example)" in dana.locator("#shares").inner_text()
    assert serious_violations(dana) == []

    client = browser.new_context(base_url=site["url"])  # signed out: no cookie at all
    page = client.new_page()
    page.goto(link)
    assert "For your review" in page.locator("h1").inner_text()
    with studio_ctx(site).unit() as session:
        intent = session.get(Brief, brief).spec["intent"]
    assert intent in page.locator("main").inner_text()
    assert page.locator("header").inner_text().strip() == "pressroom"  # no one's menu, no link into the studio
    assert serious_violations(page) == []

    page.locator(f'a[href$="/images/{first}"]', has_text="Comment and decide").click()
    page.wait_for_url(f"{link}/images/{first}")
    page.locator("#stage").click(position={"x": 8, "y": 8})
    page.get_by_label("Comment", exact=True).fill("warmer light on the toe")
    page.get_by_role("button", name="Pin the comment").click()
    mark = page.locator("#marks-list li.mark")
    mark.first.wait_for()
    assert "Ann Lee (client)" in mark.first.inner_text() and "warmer light on the toe" in mark.first.inner_text()
    page.get_by_label("Reply to mark 1").fill("or a touch brighter")
    page.get_by_role("button", name="Reply").click()
    page.locator("#marks-list .replies li").wait_for()
    assert "or a touch brighter" in page.locator("#marks-list .replies").inner_text()
    page.get_by_label("Approve").check()
    page.get_by_label("Note (say which changes you need)").fill("lovely")
    page.get_by_role("button", name="Send my decision as Ann Lee").click()
    page.locator("#client-decision", has_text="approved").wait_for()
    assert serious_violations(page) == []

    page.goto(f"{link}/images/{second}")
    page.get_by_label("Request changes").check()
    page.get_by_role("button", name="Send my decision as Ann Lee").click()
    page.locator("#decision-outcome", has_text="say which changes").wait_for()  # a note is needed
    page.get_by_label("Note (say which changes you need)").fill("the laces should be white")
    page.get_by_role("button", name="Send my decision as Ann Lee").click()
    page.locator("#client-decision", has_text="changes requested").wait_for()

    copy = page.request.get(f"{link}/images/{first}/review-copy.jpg")
    assert copy.status == 200 and copy.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(copy.body())).size) <= 1024
    assert copy.headers["cache-control"] == "no-store" and copy.headers["referrer-policy"] == "no-referrer"
    other_token = link.rsplit("/", 1)[0] + "/" + "x" * 43
    refused = {
        f"{link}/images/{hero}": 404,  # an image of the brief the link does not hold
        f"{link}/images/{hero}/review-copy.jpg": 404,
        other_token: 404,
        f"/api/images/{first}/file": 401,
        f"/api/briefs/{brief}": 401,
        "/api/images": 401,
    }
    for path, status in refused.items():
        answer = page.request.get(path, max_redirects=0)
        assert answer.status == status, (path, answer.status)
        assert "Ann" not in answer.text() and "laces" not in answer.text(), path
    for path in (f"/images/{first}", f"/briefs/{brief}", f"/thumbs/{first}/768.webp", "/"):
        answer = page.request.get(path, max_redirects=0)
        assert answer.status in (303, 401, 404) and "sign-in" in answer.headers.get("location", "/sign-in"), path
    posted = page.request.post(f"{link}/images/{hero}/decision", form={"decision": "approved"})
    assert posted.status == 404

    dana.goto(f"/images/{second}")  # the studio's own page shows the client's decision beside the gate's
    assert "Ann Lee asked for changes: the laces should be white" in dana.locator("main").inner_text()

    ctx = studio_ctx(site)  # the gate still needs a reviewer who is not the maker, then the release
    rita = ctx.acting_as(people.actor(ctx, "rita", "python"))
    omar = ctx.acting_as(people.actor(ctx, "omar", "python"))
    dana_ctx = ctx.acting_as(people.actor(ctx, "dana", "python"))
    from pressroom.plays import marks as mark_plays

    [guest_mark] = mark_plays.on(ctx, first)
    mark_plays.reply(omar, guest_mark["mark"], "warmed in the final grade")
    with pytest.raises(Forbidden, match="made"):
        reviews.decide(omar, first, "approved", _gate_checks(rita, first), alt_text="A red shoe")
    reviews.decide(rita, first, "approved", _gate_checks(rita, first), alt_text="A red shoe on moss")
    written = releases.release(dana_ctx, brief, ["linkedin"], ["png"])
    from c2pa import Reader

    master = next(r for r in written if r.rendition == "master")
    with open(releases.asset(dana_ctx, master.id)["path"], "rb") as stream, Reader("image/png", stream) as reader:
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    [assertion] = [a for a in active["assertions"] if a["label"] == "com.pressroom.review"]
    review = json.loads(assertion["data"]["review_json"])
    assert [r["reviewer"] for r in review["reviewers"]] == ["rita"] and review["maker"] == "omar"
    assert (review["client"]["guest"], review["client"]["decision"], review["client"]["note"]) == (
        "Ann Lee",
        "approved",
        "lovely",
    )
    ctx.studio.close()


def _gate_checks(ctx, image: int) -> dict[str, str]:
    return {item: "pass" for item in reviews.sheet(ctx, image)["status"]["items"]}
