"""Issue 13, class 5: keys and weights change only on purpose.

A lost signing key is refused (never silently replaced by a new root that would leave every
earlier release untrusted); rotating it keeps the old root as a trust anchor. Weights edited and
given back their size and modification time are re-hashed and refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from playbook import locked
from test_release import approve, released

from pressroom.errors import Forbidden, ModelMismatch, Refused
from pressroom.store import models


def trusted(cli, path) -> bool:
    doc = json.loads(cli("verify", path, "--json").out)
    return doc["c2pa"] == "Trusted"


def test_a_lost_signing_key_is_refused_and_rotation_keeps_earlier_releases_trusted(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)
    assert trusted(cli, master["path"])
    keys = studio.root / "keys"
    backup = tmp_path / "keys-backup"
    shutil.copytree(keys, backup)

    (keys / "signer.key").unlink()  # by accident
    refused = cli("release", brief, "--channel", "linkedin", "--as", "kim")
    assert refused.code == Refused.exit_code and len(refused.err.strip().splitlines()) == 1
    assert "keys/signer.key missing" in refused.err and "restore" in refused.err and "keys rotate" in refused.err
    assert not (keys / "signer.key").exists() and trusted(cli, master["path"])  # nothing was replaced

    shutil.rmtree(keys)  # the whole folder: still refused, not made anew
    assert cli("release", brief, "--channel", "linkedin", "--as", "kim").code == Refused.exit_code
    assert not keys.exists()

    shutil.copytree(backup, keys)  # restoring the backup is the fix
    [linkedin] = released(cli, brief, "--channel", "linkedin")
    assert trusted(cli, linkedin["path"])

    assert cli("keys", "rotate", "--as", "omar").code == Forbidden.exit_code
    rotated = cli("keys", "rotate", "--as", "dana", "--json")
    assert rotated.code == 0, rotated.err
    done = json.loads(rotated.out)
    assert done["kept_anchor"] and (keys / "anchors").is_dir()
    assert (keys / "root.pem").read_bytes() != (backup / "root.pem").read_bytes()
    assert trusted(cli, master["path"]) and trusted(cli, linkedin["path"])  # signed by the old root
    [story] = released(cli, brief, "--channel", "instagram-story")
    assert trusted(cli, story["path"])  # signed by the new one
    log = json.loads(cli("log", "--json").out)
    assert any(e["action"] == "keys.rotate" and e["actor"] == "dana" for e in log)


def test_a_lost_key_can_be_replaced_on_purpose_by_rotating(cli, studio, tmp_path):
    brief, lock = locked(cli, tmp_path)
    approve(cli, lock["hero"])
    [master] = released(cli, brief)
    (studio.root / "keys" / "signer.key").unlink()
    assert cli("keys", "rotate", "--as", "dana").code == 0
    [linkedin] = released(cli, brief, "--channel", "linkedin")
    assert trusted(cli, master["path"]) and trusted(cli, linkedin["path"])


def _weight(studio):
    """The tiny model's weights file, with its manifest's stamps taken now (as `model add` takes them),
    so that the "unchanged" shortcut applies to it."""
    manifest = models.load(studio, models.TINY)
    root = models.local_path(studio, manifest)
    models.REGISTRY.save(studio, manifest.model_copy(update={"stamps": models.hash_weights(root)[1]}), replace=True)
    models.checked_path(studio, models.load(studio, models.TINY))  # as registered: used
    files = sorted(p for p in root.rglob("*.safetensors") if p.is_file())
    assert files, "the tiny model has weights"
    return files[0]


def _generate(studio):
    """`pressroom generate` in a process of its own, as a person runs it (no pipeline cached yet)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pressroom.cli",
            "generate",
            "--prompt",
            "a boot",
            "--steps",
            "1",
            "--width",
            "64",
            "--height",
            "64",
            "--json",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PRESSROOM_STUDIO": str(studio.root)},
        timeout=300,
    )


def _refused(studio):
    with pytest.raises(ModelMismatch, match="the weights changed"):
        models.checked_path(studio, models.load(studio, models.TINY))
    run = _generate(studio)
    assert run.returncode == ModelMismatch.exit_code and "the weights changed" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_weights_edited_with_size_and_mtime_put_back_are_refused(studio):
    weight = _weight(studio)
    before = weight.stat()
    data = bytearray(weight.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size
    weight.write_bytes(bytes(data))
    os.utime(weight, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back
    after = weight.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    _refused(studio)


def test_weights_replaced_by_another_file_with_the_same_size_and_mtime_are_refused(studio, tmp_path):
    weight = _weight(studio)
    before = weight.stat()
    forged = tmp_path / "forged"
    forged.write_bytes(b"\0" * before.st_size)
    os.utime(forged, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(forged, weight)  # a new file in its place
    _refused(studio)


def test_unchanged_weights_are_used(studio):
    _weight(studio)
    run = _generate(studio)
    assert run.returncode == 0, run.stderr


def _identity(root):
    from pressroom.store import signing
    from pressroom.store.studio import Studio

    identity = signing.identity(Studio(root))
    return identity.chain_pem, identity.key_pem


def test_processes_that_sign_at_once_on_a_new_studio_make_one_key_and_all_use_it(studio):
    """Found by two releases at once in CI: both made keys, one signed with the other's chain.

    The signers are spawned, not forked: a test process may hold threads (a browser's driver), and a
    child forked while one of them held a lock waits on it forever (seen once in CI)."""
    import multiprocessing

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    assert not (studio.root / "keys").exists()  # never made (nothing released): the first signer makes them
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        made = pool.map(_identity, [studio.root] * 12)
    assert len(set(made)) == 1
    chain, key = made[0]
    leaf = x509.load_pem_x509_certificate(chain)
    private = serialization.load_pem_private_key(key, password=None)
    assert leaf.public_key().public_numbers() == private.public_key().public_numbers()
    assert (studio.root / "keys" / "chain.pem").read_bytes() == chain
