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
    "import": "brought in images made with other tools",
    "mark.place": "pinned a mark",
    "mark.resolve": "resolved a mark",
    "mark.reply": "replied to a mark",
    "mark.reopen": "reopened a mark",
    "template.promote": "promoted a recipe to a template",
    "fix.inpaint": "repainted part of an image",
    "fix.refine": "refined an image",
    "fix.upscale": "upscaled an image",
    "post.out": "took an image out to retouch",
    "post.in": "brought a retouched image back",
    "cull.keep": "kept images",
    "cull.reject": "rejected images",
    "volume.actor_refused": "was refused a volume run",
    "style.add": "added a style",
    "audit.accept": "accepted what the audit found",
    "guest.share": "shared images with a client",
    "guest.revoke": "ended a client's review link",
    "client.decide": "gave a client decision",
}
UNSAID = "did something"  # an action with no words here yet: never its internal name
DECISION_WORDS = {"approved": "approved", "approved-with-changes": "approved with changes"}


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


def _culls(events: list[dict]) -> dict:
    """One line for a person's culls in a row: how many they kept and rejected, and why."""
    kept = sum(len(e["objects"].get("generations", [])) for e in events if e["action"] == "cull.keep")
    rejected = [e for e in events if e["action"] == "cull.reject"]
    count = sum(len(e["objects"].get("generations", [])) for e in rejected)
    why = sorted({e["detail"].get("reason", "") for e in rejected} - {""})
    parts = [f"kept {kept}"] if kept else []
    if count:
        parts.append(f"rejected {count}")
    what = " and ".join(parts) + f" image{'s' if kept + count != 1 else ''} in the cull"
    return {"what": what, "extra": f"rejected for: {', '.join(why)}" if why else ""}


def _said(event: dict) -> dict:
    detail = event["detail"]
    extra = []
    if detail.get("decision"):
        extra.append(DECISION_WORDS.get(detail["decision"], str(detail["decision"]).replace("-", " ")))
    if detail.get("verdict"):
        extra.append(f"reproduced {detail['verdict']}")
    if detail.get("reason"):
        extra.append(f"because: {detail['reason']}")
    if detail.get("version"):
        extra.append(f"version {detail['version']}")
    return {"what": SAID.get(event["action"], UNSAID), "extra": "; ".join(extra)}


def timeline(log: list[dict]) -> list[dict]:
    """The brief's events, newest first, each said in words with its reason or decision; one
    person's culls in a row are one line ("kept 9 and rejected 3 images in the cull")."""
    said, newest_first = [], list(reversed(log))
    i = 0
    while i < len(newest_first):
        event = newest_first[i]
        if event["action"].startswith("cull."):
            j = i
            while (
                j + 1 < len(newest_first)
                and newest_first[j + 1]["action"].startswith("cull.")
                and newest_first[j + 1]["actor"] == event["actor"]
            ):
                j += 1
            group, words = newest_first[i : j + 1], _culls(newest_first[i : j + 1])
            i = j + 1
        else:
            group, words = [event], _said(event)
            i += 1
        said.append(
            {
                "at": datetime.fromisoformat(event["at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "iso": event["at"],
                "who": event["actor"],
                **words,
                "objects": {k: v for e in group for k, v in e["objects"].items()},
            }
        )
    return said
