"""Where a brief stands in the plays, its versions and its event log as a timeline: what its page
shows above the contact sheet. Read from the brief, its images and its events, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from pressroom.domain import gate

PLAYS = ("intake", "concept sprint", "direction", "lock-in", "volume run", "cull", "review gate", "release")
SAID = {  # an event's action, as the timeline says it
    "brief.new": "opened the brief",
    "brief.update": "stored a new version of the brief",
    "brief.pause": "paused the brief",
    "brief.resume": "resumed the brief",
    "concept.sprint": "ran a concept sprint",
    "concept.rank": "ranked the concepts",
    "direction.approve": "approved a direction",
    "recipe.lock": "locked a recipe",
    "recipe.lock_failed": "tried to lock a recipe; its hero did not reproduce",
    "volume.run": "ran a volume run",
    "review.decide": "recorded a review decision",
    "recipe.flag": "flagged a recipe to fix in the recipe",
    "recipe.clear_flag": "cleared a recipe's flag",
    "release": "released images",
    "mark.place": "pinned a mark",
    "mark.resolve": "resolved a mark",
    "mark.reply": "replied to a mark",
    "mark.reopen": "reopened a mark",
    "template.promote": "promoted a recipe to a template",
}


def standing(brief: dict, log: list[dict], images: list[dict]) -> list[dict]:
    """Each play with its state (done, now, next) and a few words on what it holds."""
    concepts = [i for i in images if i["play"] == "concept"]
    made = [i for i in images if i["play"] == "volume"]
    kept = sum(i["status"] == "kept" for i in made)
    rejected = sum(i["status"] == "rejected" for i in made)
    decisions = [e for e in log if e["action"] == "review.decide"]
    approved = sum(gate.approves(e["detail"].get("decision", "")) for e in decisions)
    released = sum(len(e["objects"].get("assets", [])) for e in log if e["action"] == "release")
    locked = [r for r in brief["recipes"] if r["status"] != "failed"]
    facts = [
        (
            brief["status"] == "active" or brief["direction"] is not None,
            {
                "draft": f"a draft: missing {', '.join(brief['missing'])}",
                "paused": f"paused: {brief['pause_reason']}",
            }.get(brief["status"], brief["status"]),
        ),
        (bool(concepts), f"{len(concepts)} concepts" if concepts else "no sprint yet"),
        (brief["direction"] is not None, f"image #{brief['direction']}" if brief["direction"] else "not approved yet"),
        (bool(locked), ", ".join(f"recipe {r['recipe']} v{r['version']}" for r in locked) or "nothing locked yet"),
        (bool(made), f"{len(made)} images" if made else "no volume run yet"),
        (
            bool(made) and kept + rejected == len(made),
            f"{kept} kept, {rejected} rejected of {len(made)}" if made else "nothing to cull yet",
        ),
        (approved > 0, f"{len(decisions)} decisions, {approved} approving" if decisions else "no decision yet"),
        (released > 0, f"{released} files" if released else "nothing released yet"),
    ]
    steps, reached = [], False
    for play, (done, detail) in zip(PLAYS, facts):
        state = "done" if done else ("next" if reached else "now")
        reached = reached or not done
        steps.append({"play": play, "state": state, "detail": detail})
    return steps


def versions(log: list[dict]) -> list[dict]:
    """The brief's versions: the first and each replacement, who stored it and what it became."""
    stored = [e for e in log if e["action"] in ("brief.new", "brief.update")]
    return [
        {
            "version": n,
            "by": e["actor"],
            "at": e["at"],
            "status": e["detail"].get("status", ""),
            "missing": e["detail"].get("missing", []),
        }
        for n, e in enumerate(stored, 1)
    ]


def timeline(log: list[dict]) -> list[dict]:
    """The brief's events, newest first, each said in words with its reason or decision."""
    said = []
    for event in reversed(log):
        detail = event["detail"]
        extra = "; ".join(
            f"{key} {detail[key]}"
            for key in ("decision", "verdict", "reason", "version")
            if detail.get(key) not in (None, "")
        )
        said.append(
            {
                "at": datetime.fromisoformat(event["at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "iso": event["at"],
                "who": event["actor"],
                "what": SAID.get(event["action"], event["action"]),
                "extra": extra,
                "objects": event["objects"],
            }
        )
    return said
