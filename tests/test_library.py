"""The library at scale, tested small: pages, totals, facets, similar by id, and the columns held in
memory read again when the ledger changes (the 100,000-asset figures are bench/library.py's)."""

import json
import random
from datetime import UTC, datetime

import numpy as np
import pytest
from playbook import locked
from test_release import approve, released

from pressroom.domain.compare import hash_distance
from pressroom.store import shelves
from pressroom.store.shelves import Shelves, phash_int

pytestmark = pytest.mark.ledger_contract("full-text search and the library facets, in each database")


def found(cli, *args):
    result = cli("search", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_search_pages_count_and_facets_follow_the_ledger(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"], "A crimson sneaker resting on emerald moss")
    files = released(cli, brief, "--channel", "linkedin", "--channel", "instagram-feed")
    ids = [f["asset"] for f in files]
    today = datetime.now(UTC).date().isoformat()

    whole = found(cli, "crimson", "--limit", "500")
    assert (
        whole["total"] == 3
        and whole["order"] == "relevance"
        and sorted(a["asset"] for a in whole["assets"]) == sorted(ids)
    )
    pages = [found(cli, "crimson", "--limit", "1", "--page", str(n)) for n in (1, 2, 3, 4)]
    assert [a["asset"] for p in pages[:3] for a in p["assets"]] == [a["asset"] for a in whole["assets"]]
    assert pages[3]["assets"] == [] and all(p["total"] == 3 and p["pages"] == 3 for p in pages)
    everything = found(cli)  # no words: the whole library, newest first
    assert everything["total"] == 3 and everything["order"] == "newest"
    assert [a["asset"] for a in everything["assets"]] == sorted(ids, reverse=True)
    assert whole["facets"] == {
        "model": {"tiny": 3},
        "status": {"new": 3},
        "channel": {"master": 1, "linkedin": 1, "instagram-feed": 1},
        "reviewer": {"rita": 3},
        "brief": {str(brief): 3},
        "date": {today: 3},
    }
    # the columns are kept for the next process: read back from the cache file, or from the ledger
    # when the file is damaged
    [cache] = list((studio.root / "cache").glob("library-*.npz"))
    shelves.forget()
    assert found(cli, "crimson", "--limit", "500") == whole
    cache.write_bytes(b"not a numpy archive")
    shelves.forget()
    assert found(cli, "crimson", "--limit", "500") == whole
    linkedin = found(cli, "crimson", "--channel", "linkedin", "--brief", str(brief))
    assert linkedin["total"] == 1 and linkedin["assets"][0]["rendition"] == "linkedin"
    assert found(cli, "crimson", "--brief", str(brief + 1000))["total"] == 0

    # a release after the columns were read is added to them; a cull reads them again
    more = released(cli, brief, "--channel", "youtube-thumbnail")
    assert found(cli, "crimson")["total"] == 4 and more[0]["asset"] not in ids
    rejected = cli("cull", lock["hero"], "--reject", "--reason", "hands", "--as", "omar")
    assert rejected.code == 0, rejected.err
    after = found(cli, "crimson", "--status", "rejected")
    assert after["total"] == 4 and after["facets"]["status"] == {"rejected": 4}
    assert found(cli, "crimson", "--status", "kept")["total"] == 0

    bad = cli("search", "crimson", "--limit", "0")
    assert bad.code == 2 and bad.err.strip() == "error: --limit must be 1 to 500 (got 0)"
    bad = cli("search", "crimson", "--page", "0")
    assert bad.code == 2 and bad.err.strip() == "error: --page must be 1 to 1000000 (got 0)"


def test_similar_by_asset_id_leaves_the_asset_out(cli, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    master, thumb = released(cli, brief, "--channel", "instagram-feed")
    result = cli("similar", "--asset", master["asset"], "--max-distance", "64", "--json")
    assert result.code == 0, result.err
    near = json.loads(result.out)
    assert [a["asset"] for a in near] == [thumb["asset"]] and 0 <= near[0]["distance"] <= 64
    by_file = json.loads(cli("similar", master["path"], "--json").out)
    assert by_file[0]["asset"] == master["asset"] and by_file[0]["distance"] == 0
    neither = cli("similar")
    assert neither.code == 2 and "give an image file or an asset id" in neither.err
    missing = cli("similar", "--asset", "999999")
    assert missing.code == 3 and "no released asset 999999" in missing.err
    wide = cli("similar", "--asset", master["asset"], "--max-distance", "65")
    assert wide.code == 2 and wide.err.strip().startswith("error: --max-distance must be 0..64")


def test_vectorised_distance_is_the_bit_count_of_every_hash():
    rng = random.Random(7)
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(300)] + ["ffffffffffffffff", "0000000000000000"]
    shelves = Shelves(
        ids=np.arange(1, len(hashes) + 1, dtype=np.int64),
        phash=np.array([phash_int(h) for h in hashes], dtype=np.int64).view(np.uint64),
    )
    probe = "8000000000000001"
    expected = sorted((hash_distance(probe, h), i + 1) for i, h in enumerate(hashes))
    assert shelves.nearest(phash_int(probe), limit=500, max_distance=64) == expected
    assert shelves.nearest(phash_int(probe), limit=5, max_distance=28) == [p for p in expected if p[0] <= 28][:5]


@pytest.mark.postgresql_only("SQLite's FTS5 answers from its own index; the lexemes in memory are PostgreSQL's")
def test_on_postgresql_a_search_reads_the_lexemes_in_memory_and_finds_what_the_index_finds(studio, monkeypatch):
    import importlib.util
    from pathlib import Path

    from pressroom.ledger import fulltext

    spec = importlib.util.spec_from_file_location("bench_library", Path(__file__).parents[1] / "bench" / "library.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    facts = bench.build(studio, 400, random.Random(5))
    monkeypatch.setattr(fulltext, "RANKED", 0)  # every match listed from the ids themselves, none re-read to rank
    queries = [
        *bench.WORDS,
        "studio lighting",
        "portraits",
        "lights",
        "the",
        "the portrait",
        "trail-running",
        "Portrait STUDIO",
        "zzzunknown",
        "portrait zzzunknown",
        *facts["rare"][:5],
        *facts["mid"][:3],
        f"{facts['mid'][0]} portrait studio",
    ]
    cache = studio.root / "cache" / "words-test.npz"
    shelves.forget()
    with studio.session() as session:
        held = shelves.current(session, cache, studio.root)
        assert held.words is not None and len(held.words.lists) > 50
        compared = 0
        for query in queries:
            in_memory, order = fulltext.matches(session, query, held.words)
            from_index, _ = fulltext.matches(session, query)
            assert np.array_equal(in_memory, from_index), query
            compared += len(from_index)
        assert compared > 2000  # the queries matched something
        saved = shelves._saved(cache)  # the lexemes are kept in the cache file with the columns
        assert saved is not None and saved.words.lists.keys() == held.words.lists.keys()
        assert all(np.array_equal(saved.words.lists[k], v) for k, v in held.words.lists.items())
        assert fulltext.matches(session, "the", held.words)[0].size == 0  # a stop word alone matches nothing


def test_postings_intersect_every_lexeme_and_round_trip_as_arrays():
    from pressroom.ledger.fulltext import Postings

    held = Postings({"red": np.array([1, 4, 7, 9]), "boot": np.array([4, 5, 9]), "moss": np.array([2])})
    assert held.holding(["red", "boot"]).tolist() == [4, 9]
    assert held.holding(["red", "boot", "moss"]).tolist() == [] and held.holding(["red", "sky"]).tolist() == []
    assert held.holding([]).tolist() == []
    again = Postings.from_arrays(**{k.removeprefix("word_"): v for k, v in held.arrays().items()})
    assert {k: v.tolist() for k, v in again.lists.items()} == {k: v.tolist() for k, v in held.lists.items()}
