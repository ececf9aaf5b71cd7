"""The library at 100,000 released assets: search and similar, p50/p95 on SQLite and PostgreSQL.

Builds a studio whose ledger holds N released assets (default 100,000) written in bulk through
pressroom's own tables (briefs, people, generations, reviews, releases) and its own full-text
index (``fulltext.add_many``), then times what a person asks of the library through the use cases
the CLI and the server call (``library.browse``: one page of 20 with the total and every facet;
``library.look_alike``): a rare word (about 10 matches), a ranked word (about 500, ranked by relevance), a mid word (about 3,000: past
``fulltext.RANKED``, so newest first), a common word (about half the library), two common words, similar by file and similar
by asset id. Prints p50/p95 per kind and the ratio of p95 to the 50 ms goal. The first query of a
process reads the library's columns into memory (``shelves``); that time is printed on its own.
PostgreSQL runs on a throwaway cluster started by the test suite's own ``PostgresLedgers``.

    python bench/library.py [--n 100000] [--repeat 50] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pressroom.ledger.tables import Brief, Generation, Release, Review, User

GOAL_MS = 50.0
WORDS = (
    "portrait studio lighting product bottle glass shoe sneaker trail mountain river forest city street "
    "night neon rain snow desert ocean beach sunset dawn autumn spring winter summer red blue green gold "
    "silver black white soft hard warm cool cinematic editorial minimal bold pastel vintage modern "
    "flatlay closeup wide aerial macro bokeh grain matte gloss linen wood marble concrete leather"
).split()
MODELS = ("tiny", "sdxl-base", "sd15-photo", "flux-dev", "juggernaut")
CHANNELS = ("master", "linkedin", "instagram-feed", "instagram-story", "youtube-thumbnail")
REVIEWERS = ("rita", "ravi", "rosa", "rudi")


def build(studio, n: int, rng: random.Random) -> dict:
    """N released assets in bulk; returns what the queries need (rare words, a probe hash, ids)."""
    from sqlalchemy import insert

    from pressroom.context import Actor, Context
    from pressroom.ledger import fulltext

    ctx = Context(studio, Actor.unknown("python"))
    now = datetime.now(UTC)
    brief_count = max(1, n // 250)
    rare = [f"zephyr{i}" for i in range(200)]  # each on ~10 assets
    mid = [f"heron{i}" for i in range(10)]  # each on ~3% of the assets
    ranked = [f"osprey{i}" for i in range(10)]  # each on ~0.5%: under fulltext.RANKED, so ranked by relevance
    bases = [rng.getrandbits(64) for _ in range(max(1, n // 50))]  # looks shared by ~50 assets each
    with ctx.unit() as session:
        session.execute(insert(User), [{"name": name, "created_at": now} for name in ("kim", *REVIEWERS)])
        session.execute(
            insert(Brief),
            [
                {
                    "title": f"brief {i}",
                    "status": "active",
                    "content_type": "social",
                    "stakes": "standard",
                    "spec": {"title": f"brief {i}"},
                    "missing": [],
                    "created_at": now,
                    "created_by": "dana",
                }
                for i in range(1, brief_count + 1)
            ],
        )
    made = 0
    chunk = 10_000
    while made < n:
        size = min(chunk, n - made)
        gens, revs, rels, words = [], [], [], []
        for k in range(size):
            i = made + k + 1
            at = now - timedelta(days=rng.randrange(365), seconds=rng.randrange(86400))
            picked = rng.sample(WORDS[3:], 8)
            if rng.random() < 0.5:
                picked.append("portrait")
            if rng.random() < 0.3:
                picked += ["studio", "lighting"]
            if rng.random() < 0.3:
                picked.append(rng.choice(mid))
            if rng.random() < 0.05:
                picked.append(rng.choice(ranked))
            if i % 10 < 1 and i // 10 < len(rare) * 10:
                picked.append(rare[(i // 10) % len(rare)])
            prompt = " ".join(picked)
            model = rng.choice(MODELS)
            bits = bases[rng.randrange(len(bases))]
            for _ in range(rng.randrange(4)):
                bits ^= 1 << rng.randrange(64)
            brief_id = rng.randrange(1, brief_count + 1)
            gens.append(
                {
                    "id": i,
                    "created_at": at,
                    "model": model,
                    "seed": i,
                    "prompt": prompt,
                    "recipe": {"prompt": prompt},
                    "file_sha256": f"{i:064x}",
                    "pixel_sha256": f"{i:064x}",
                    "phash": f"{bits:016x}",
                    "dhash": f"{bits:016x}",
                    "ext": "png",
                    "width": 1024,
                    "height": 1024,
                    "warnings": [],
                    "elapsed_s": 1.0,
                    "brief_id": brief_id,
                    "play": "volume",
                    "style": "",
                    "status": rng.choice(("kept", "kept", "new")),
                    "operator": "omar",
                }
            )
            for name in rng.sample(REVIEWERS, rng.choice((1, 1, 2))):
                revs.append(
                    {
                        "generation_id": i,
                        "reviewer": name,
                        "decision": "approved",
                        "alt_text": prompt,
                        "stakes": "standard",
                        "at": at,
                    }
                )
            channel = CHANNELS[i % len(CHANNELS)]
            rels.append(
                {
                    "id": i,
                    "brief_id": brief_id,
                    "generation_id": i,
                    "rendition": channel,
                    "format": "png",
                    "path": f"releases/brief-{brief_id}/g{i}-{channel}.png",
                    "sha256": f"{i:064x}",
                    "pixel_sha256": f"{i:064x}",
                    "phash": f"{bits:016x}",
                    "width": 1024,
                    "height": 1024,
                    "recipe": {"prompt": prompt},
                    "alt_text": f"an image of {picked[0]} and {picked[1]}",
                    "source_type": "trainedAlgorithmicMedia",
                    "released_by": "kim",
                    "at": at,
                }
            )
            words.append(
                {
                    "id": i,
                    "prompt": prompt,
                    "brief": f"brief {brief_id} campaign",
                    "tags": f"{channel} png {model}",
                    "alt": f"an image of {picked[0]} and {picked[1]}",
                }
            )
        with ctx.unit() as session:
            session.execute(insert(Generation), gens)
            session.execute(insert(Review), revs)
            session.execute(insert(Release), rels)
            fulltext.add_many(session, words)
        made += size
        print(f"  {made} assets", file=sys.stderr, flush=True)
    _maintain(studio)
    return {"rare": rare, "mid": mid, "ranked": ranked, "bases": bases}


def _maintain(studio) -> None:
    """What a ledger gets in the ordinary course after a bulk load: PostgreSQL's autovacuum (the GIN
    index's pending list merged, statistics gathered) and SQLite's ANALYZE with an FTS5 merge."""
    from sqlalchemy import text

    with studio.session() as session:
        engine = session.get_bind()
        if engine.dialect.name == "sqlite":
            session.execute(text("INSERT INTO library (library) VALUES ('optimize')"))
            session.execute(text("ANALYZE"))
            return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def timed(call, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and this process's CPU milliseconds of each call (on a shared machine the wall time
    includes waiting for a core; on PostgreSQL the CPU time leaves out the server's)."""
    wall, cpu = [], []
    for i in range(repeat):
        start, used = time.perf_counter(), time.process_time()
        call(i)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu


def run(kind: str, url: str | None, n: int, repeat: int, work: Path) -> list[tuple]:
    from PIL import Image

    from pressroom.context import Actor, Context
    from pressroom.plays import library
    from pressroom.store import shelves
    from pressroom.store.studio import Studio

    rng = random.Random(11)
    studio = Studio.init(work / f"studio-{kind}", database_url=url)
    started = time.perf_counter()
    facts = build(studio, n, rng)
    print(f"{kind}: built {n} assets in {time.perf_counter() - started:.0f} s", flush=True)
    ctx = Context(studio, Actor.unknown("python"))
    probe = work / f"probe-{kind}.png"
    Image.effect_noise((256, 256), 64).convert("RGB").save(probe)

    shelves.forget()
    start, used = time.perf_counter(), time.process_time()
    first = library.browse(ctx, "portrait")
    cold = ([(time.perf_counter() - start) * 1000], [(time.process_time() - used) * 1000])
    rows = [("first query (reads the columns)", cold, first["total"], first["order"], os.getloadavg()[0])]
    kinds = {
        "rare word": lambda i: library.browse(ctx, facts["rare"][i % len(facts["rare"])]),
        "ranked word": lambda i: library.browse(ctx, facts["ranked"][i % len(facts["ranked"])]),
        "mid word": lambda i: library.browse(ctx, facts["mid"][i % len(facts["mid"])]),
        "common word": lambda i: library.browse(ctx, "portrait", page=1 + i % 5),
        "two words": lambda i: library.browse(ctx, "studio lighting", page=1 + i % 5),
        "similar by file": lambda i: library.look_alike(ctx, probe, 10, max_distance=64),
        "similar by id": lambda i: library.look_alike(ctx, asset_id=1 + (i * 7919) % n),
    }
    for name, call in kinds.items():
        sample = call(0)
        total = sample["total"] if isinstance(sample, dict) else len(sample)
        order = sample["order"] if isinstance(sample, dict) else "nearest"
        rows.append((name, timed(call, repeat), total, order, os.getloadavg()[0]))
    studio.close()
    return rows


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


def report(kind: str, rows: list[tuple]) -> None:
    print(
        f"\n{kind}: {'query':<32} {'p50 ms':>7} {'p95 ms':>7} {'p95/goal':>8} {'cpu p50':>8} {'cpu p95':>8} "
        f"{'matches':>8}  order      load"
    )
    for name, (wall, cpu), total, order, load in rows:
        p95 = _p(wall, 0.95)
        print(
            f"{kind}: {name:<32} {statistics.median(wall):7.1f} {p95:7.1f} {p95 / GOAL_MS:8.2f} "
            f"{statistics.median(cpu):8.1f} {_p(cpu, 0.95):8.1f} {total:>8}  {order:<9} {load:5.1f}"
        )
    print(f"{kind}: load: the machine's 1-minute load average when the kind finished ({os.cpu_count()} cores)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pressroom-bench-library-"))
    results = {}
    if args.database in ("sqlite", "both"):
        results["sqlite"] = run("sqlite", None, args.n, args.repeat, work)
    if args.database in ("postgresql", "both"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from ledgers import PostgresLedgers

        cluster = PostgresLedgers()
        try:
            results["postgresql"] = run("postgresql", cluster.new_url(), args.n, args.repeat, work)
        finally:
            cluster.stop()
    for kind, rows in results.items():
        report(kind, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
