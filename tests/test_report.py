"""The audit report: `pressroom report BRIEF -o FILE.pdf|.csv`, read back as a client or a lawyer would,
with pdftotext (poppler-utils) for the PDF and the csv module for the CSV."""

import csv
import json
import subprocess

import pytest
from playbook import locked
from test_reviews import every, volume_images

from pressroom.context import Context
from pressroom.errors import InputError, NotFound
from pressroom.plays import marks, people

ALT = "A red trail running shoe on a mossy rock"
FORMULA = '=HYPERLINK("https://example.com")'


def _as(cli, name: str) -> Context:
    ctx = Context(cli.studio)
    return ctx.acting_as(people.actor(ctx, name, "python"))


@pytest.fixture
def reviewed(cli, tmp_path):
    """A locked brief whose hero rita approved and kim released; one volume image sent back with two
    failed items and a mark omar answered; one kept and waiting; one culled away before review."""
    brief, lock = locked(cli, tmp_path)
    sent_back, waiting, culled = volume_images(cli, lock["recipe"], count=3)
    assert cli("cull", sent_back, waiting, "--keep", "--as", "omar").code == 0
    assert cli("cull", culled, "--reject", "--reason", "composition", "--as", "omar").code == 0
    mark = marks.place(_as(cli, "rita"), sent_back, 0.25, 0.5, "the laces melt into the rock", width=0.2, height=0.1)
    marks.reply(_as(cli, "omar"), mark["mark"], "sharper laces in the next version")
    back = cli(
        "review",
        sent_back,
        "--decision",
        "changes-required",
        *every(hands="fail:six fingers on the left hand", text="fail:a stray word SALE"),
        "--note",
        FORMULA,
        "--as",
        "rita",
    )
    assert back.code == 0, back.err
    approved = cli("review", lock["hero"], "--decision", "approved", *every(), "--alt-text", ALT, "--as", "rita")
    assert approved.code == 0, approved.err
    released = cli("release", brief, "--channel", "instagram-feed", "--as", "kim", "--json")
    assert released.code == 0, released.err
    return {
        "brief": brief,
        "hero": lock["hero"],
        "sent_back": sent_back,
        "waiting": waiting,
        "culled": culled,
        "mark": mark["mark"],
        "files": json.loads(released.out),
    }


def _head(cli) -> str:
    audited = cli("audit", "--json")
    assert audited.code == 0, audited.err
    return json.loads(audited.out)["head"]


def test_the_pdf_holds_every_decision_reason_mark_release_and_the_chain_head(cli, reviewed, tmp_path):
    out = tmp_path / "report.pdf"
    made = cli("report", reviewed["brief"], "-o", out, "--json")
    assert made.code == 0, made.err
    done = json.loads(made.out)
    assert done["images"] == sorted([reviewed["hero"], reviewed["sent_back"], reviewed["waiting"]])
    assert out.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True, check=True).stdout
    assert f"brief {reviewed['brief']}" in text and "Spring trail shoe launch" in text
    for image in (reviewed["hero"], reviewed["sent_back"], reviewed["waiting"]):
        assert f"Image #{image}" in text
    assert f"Image #{reviewed['culled']}" not in text  # culled away: it never reached review
    for found in (
        "approved",
        "changes-required",
        "rita",
        "six fingers on the left hand",
        "a stray word SALE",
        FORMULA,
        "the laces melt into the rock",
        "sharper laces in the next version",
        "instagram-feed",
        "kim",
        ALT,
        "No decision yet.",  # the image kept and waiting
    ):
        assert found in text, found
    assert done["head"] == _head(cli) and done["head"] in text  # reading wrote nothing: the head is still it
    assert f"{done['links']} links" in text


@pytest.mark.ledger_contract("the audit report reads every decision, mark and release at the chain's head")
def test_the_csv_has_a_row_per_checklist_answer_mark_and_release(cli, reviewed, tmp_path):
    out = tmp_path / "report.CSV"  # the ending picks the format, in any case
    made = cli("report", reviewed["brief"], "--output", out)
    assert made.code == 0, made.err and "written to" in made.out
    with out.open(encoding="utf-8-sig", newline="") as handle:
        found = list(csv.DictReader(handle))
    assert {r["brief"] for r in found} == {str(reviewed["brief"])}
    images = {int(r["image"]) for r in found if r["image"]}
    assert images == {reviewed["hero"], reviewed["sent_back"], reviewed["waiting"]}

    def rows(section, image):
        return [r for r in found if r["section"] == section and r["image"] == str(image)]

    back = rows("decisions", reviewed["sent_back"])
    assert {(r["who"], r["what"]) for r in back} == {("rita", "changes-required")}
    answers = {r["item"]: (r["result"], r["detail"]) for r in back}
    assert answers["hands"] == ("fail", "six fingers on the left hand")
    assert answers["text"] == ("fail", "a stray word SALE")
    assert answers["faces"] == ("pass", "")
    assert answers["(the decision)"] == ("current", "'" + FORMULA)  # a spreadsheet shows it, never runs it
    hero = rows("decisions", reviewed["hero"])
    assert {(r["who"], r["what"], r["result"]) for r in hero if r["item"] != "(the decision)"} == {
        ("rita", "approved", "pass")
    }
    assert rows("decisions", reviewed["waiting"]) == []
    [mark, reply] = rows("marks", reviewed["sent_back"])
    assert (mark["who"], mark["result"], mark["detail"]) == ("rita", "open", "the laces melt into the rock")
    assert (reply["who"], reply["detail"]) == ("omar", "sharper laces in the next version")
    released = rows("releases", reviewed["hero"])
    assert {(r["what"], r["who"]) for r in released} == {("master", "kim"), ("instagram-feed", "kim")}
    assert {f["sha256"] for f in reviewed["files"]} == {r["detail"].split("SHA-256 ")[1][:-1] for r in released}
    [head] = [r for r in found if r["section"] == "chain"]
    assert (head["what"], head["result"], head["detail"]) == ("head", "whole", _head(cli))
    assert {r["item"] for r in found if r["section"] == "brief"} >= {"Title", "Intent", "Stakes", "Channels"}


def test_report_refuses_an_unknown_brief_a_wrong_ending_and_a_place_it_cannot_write(cli, reviewed, tmp_path):
    def one_line(result, code: int, needle: str) -> None:
        assert result.code == code and needle in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err

    one_line(cli("report", 999, "-o", tmp_path / "r.pdf"), NotFound.exit_code, "no brief 999")
    one_line(
        cli("report", reviewed["brief"], "-o", tmp_path / "r.txt"),
        InputError.exit_code,
        "--output '" + str(tmp_path / "r.txt") + "' must end in .pdf or .csv",
    )
    (tmp_path / "folder.pdf").mkdir()
    one_line(cli("report", reviewed["brief"], "-o", tmp_path / "folder.pdf"), InputError.exit_code, "is a folder")
    one_line(
        cli("report", reviewed["brief"], "-o", tmp_path / "missing" / "r.csv"),
        InputError.exit_code,
        "does not exist; create it first",
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".txt", ".csv")) == ["folder.pdf"]
