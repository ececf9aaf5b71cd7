"""Make ``tests/data/studio-0.1.0.tar.gz``: a small studio written by release 0.1.0.

This script must be run against release 0.1.0 (git commit 7e28557), the last release before
``src/pressroom`` was split into layered packages, so that the tarball holds what that release
wrote: its ledger tables, its Alembic revision, its job rows, its cards and its signed files.
``tests/test_release_studio.py`` opens the tarball with the code of the working tree.

How (from the repository root; the venv's editable install is shadowed by PYTHONPATH)::

    git worktree add /tmp/release-7e28557 7e28557
    PYTHONPATH=/tmp/release-7e28557/src .venv/bin/python tests/data/make_release_studio.py
    git worktree remove /tmp/release-7e28557

The script refuses to run if ``import pressroom`` does not come from a tree with the old flat
layout (``pressroom/studio.py``). Optional argument: the tarball to write (default: beside this
script).

What the studio holds (the fake engine: no weights, 64 px images; a few hundred KB in all):
a weightless model ``quick`` on the fake engine (the default model); dana (director), omar
(operator), rita (reviewer) and kim (keeper); brief 1 from the brief template; a concept sprint of
three styles; dana's approval of a direction; omar's lock of the recipe (hero and its card in
``cards/``); a volume run of two images **queued but not run** (a job of kind ``volume``,
state ``queued``); rita's approval of the hero; kim's release of the brief (a signed master
PNG under ``releases/brief-1/``); and the exported card of one concept at
``cards/gen-<id>.toml``. ``expected.json`` at the studio's root records what the test compares
(ids, counts, the Alembic revision, the table names, the queued job).
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("PRESSROOM_STUDIO", None)

import pressroom  # noqa: E402

OLD_TREE = Path(pressroom.__file__).resolve().parent
if not (OLD_TREE / "studio.py").is_file() or (OLD_TREE / "store").is_dir():
    sys.exit(
        f"pressroom is imported from {OLD_TREE}, which is not release 0.1.0's flat layout; "
        "run with PYTHONPATH=<a worktree of 7e28557>/src"
    )

from pressroom.studio import Studio  # noqa: E402
from sqlalchemy import inspect, text  # noqa: E402

from pressroom import (  # noqa: E402
    briefs,
    cards,
    concepts,
    events,
    generations,
    lockin,
    models,
    people,
    releases,
    reviews,
    volume,
)
from pressroom.context import Context  # noqa: E402
from pressroom.jobs import queue  # noqa: E402

SIZE = 64
NAME = "studio"  # the folder inside the tarball
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "studio-0.1.0.tar.gz"


def make(root: Path) -> dict:
    studio = Studio.init(root, name="release-0.1.0", default_model="quick")
    models.add(studio, "quick", engine="fake", license="apache-2.0", commercial=True, size=SIZE)
    studio.close()

    ctx = Context(Studio(root))
    for name, role in (("dana", "director"), ("omar", "operator"), ("rita", "reviewer"), ("kim", "keeper")):
        people.add_person(ctx, name, [role])
    dana, omar, rita, kim = (ctx.acting_as(people.actor(ctx, n, "python")) for n in ("dana", "omar", "rita", "kim"))

    brief = briefs.open_brief(dana, briefs.parse(briefs.TEMPLATE))["id"]
    sprint = concepts.sprint(omar, brief, ["watercolor", "flat-vector", "cinematic"], per_style=1, steps=2)
    concepts.approve_direction(dana, brief, sprint.rows[0].id)
    lock = lockin.lock(omar, brief, steps=2, width=SIZE, height=SIZE)
    assert lock.row.status == "locked" and lock.row.verdict == "exact", (lock.row.status, lock.row.verdict)
    hero = lock.row.hero_generation_id

    # queued, not run: the CLI's `pressroom volume RECIPE --vary ... --no-wait` path
    job = volume.submit(omar, lock.row.id, ["subject=a red boot"], 2)
    assert job.state == "queued", job.state

    checks = [f"{item}=pass" for item in reviews.CHECKLIST]
    gate = reviews.decide(rita, hero, "approved", checks, alt_text="A trail shoe on a mossy rock")
    assert gate.result == "approved", gate.result
    [master] = releases.release(kim, brief)
    concept_card = cards.export(ctx.studio, sprint.rows[1].id)

    # what the old plays read back, for the test to compare with what the new plays read
    reads = {
        "people": people.people(ctx),
        "events": events.log(ctx),
        "brief": briefs.show(ctx, brief),
        "images": generations.images(ctx),
        "released": releases.released(kim, brief),
        "jobs": [
            {k: j[k] for k in ("id", "kind", "state", "progress", "requester", "payload", "result", "error")}
            for j in (row.as_dict() for row in queue.listing(ctx.studio))
        ],
    }
    with ctx.studio.session() as session:
        reads["gate"] = reviews.status(ctx.studio, session, hero).as_dict()
    reads = json.loads(json.dumps(reads, default=str).replace(str(root.resolve()), "<studio>"))

    with ctx.studio.session() as session:
        connection = session.connection()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = sorted(inspect(connection).get_table_names())
        counts = {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    expected = {
        "release": "0.1.0",
        "commit": "7e28557",
        "alembic_revision": revision,
        "tables": tables,
        "counts": counts,
        "brief": brief,
        "concepts": [r.id for r in sprint.rows],
        "direction": sprint.rows[0].id,
        "recipe": lock.row.id,
        "hero": hero,
        "lock_card": str(lock.card.relative_to(root)) if lock.card else None,
        "concept_card": str(concept_card.relative_to(root)),
        "concept_card_generation": sprint.rows[1].id,
        "queued_job": {"id": job.id, "kind": job.kind, "state": job.state, "payload": job.payload},
        "released": {
            "id": master.id,
            "generation": master.generation_id,
            "rendition": master.rendition,
            "format": master.format,
            "path": str(master.file(ctx.studio).relative_to(root)),
        },
        "review_result": gate.result,
        "reads": reads,
    }
    ctx.studio.close()
    (root / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True, default=str) + "\n")
    return expected


def pack(root: Path, out: Path) -> None:
    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if info.name.endswith(("-wal", "-shm", "-journal")) or "__pycache__" in info.name:
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(out, "w:gz") as tar:
        tar.add(root, arcname=NAME, filter=clean)


def main(argv: list[str]) -> None:
    out = Path(argv[1]).resolve() if len(argv) > 1 else DEFAULT_OUT
    print(f"pressroom from {OLD_TREE}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / NAME
        expected = make(root)
        leftovers = [p.name for p in root.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]
        assert not leftovers, f"the ledger was not closed cleanly: {leftovers}"
        pack(root, out)
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(json.dumps({k: expected[k] for k in ("alembic_revision", "queued_job", "released", "hero")}, default=str))
    print(f"{len(files)} files, {size} bytes unpacked; {out} is {out.stat().st_size} bytes")
    for name in files:
        print(" ", name)


if __name__ == "__main__":
    main(sys.argv)
