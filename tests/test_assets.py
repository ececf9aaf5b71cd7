import hashlib

from pressroom.ledger.tables import StoredFile
from pressroom.store.assets import AssetStore


def test_files_are_named_by_their_sha256_and_written_once(tmp_path):
    store = AssetStore(tmp_path)
    data = b"\x89PNG pretend"
    sha = store.put(data, "png")
    assert sha == hashlib.sha256(data).hexdigest()
    path = store.path(sha, "png")
    assert path == tmp_path / sha[:2] / f"{sha}.png"
    assert path.read_bytes() == data
    mtime = path.stat().st_mtime_ns
    assert store.put(data, "png") == sha
    assert path.stat().st_mtime_ns == mtime
    assert store.find(sha) == path
    assert store.find("0" * 64) is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_a_transaction_that_rolls_back_removes_the_files_it_wrote_and_only_those(studio):
    import pytest

    from pressroom.store import ledgerfiles

    with studio.session() as session:
        kept = ledgerfiles.put(studio, session, b"kept", "bin", "test")
    with pytest.raises(RuntimeError, match="after the file was written"):
        with studio.session() as session:
            again = ledgerfiles.put(studio, session, b"kept", "bin", "test")
            lost = ledgerfiles.put(studio, session, b"lost", "bin", "test")
            assert studio.assets.path(lost, "bin").is_file()
            raise RuntimeError("a failure after the file was written")
    assert again == kept and studio.assets.path(kept, "bin").read_bytes() == b"kept"
    assert not studio.assets.path(lost, "bin").exists()
    with studio.session() as session:
        assert session.get(StoredFile, lost) is None
