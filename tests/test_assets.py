import hashlib

from pressroom.assets import AssetStore


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
