"""The studio's signing identity for C2PA: a root, an intermediate and a leaf certificate.

``pressroom init`` makes the chain in ``<studio>/keys/`` (ES256, P-256; the private key is
readable by its owner only). C2PA requires X.509 v3, a leaf that is not a CA with
digitalSignature key usage and an extended key usage (emailProtection here), AKI on the leaf
and SKI on the CAs; the chain handed to the signer is leaf first. An organisation can use its
own certificate instead: ``[signing] chain``, ``key`` and ``trust_anchors`` in pressroom.toml
(paths to PEM files).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pressroom.errors import InputError, Refused
from pressroom.store.files import write
from pressroom.store.studio import Studio

if TYPE_CHECKING:
    pass

VALID_DAYS = 3650


@dataclass(frozen=True)
class Identity:
    chain_pem: bytes  # leaf first, then intermediate
    key_pem: bytes
    trust_anchors_pem: bytes  # the root(s) a studio's own files verify as Trusted against


def _name(common_name: str, organisation: str):
    from cryptography.x509 import Name, NameAttribute
    from cryptography.x509.oid import NameOID

    return Name(
        [NameAttribute(NameOID.ORGANIZATION_NAME, organisation), NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


def _certificate(subject, key, issuer, issuer_key, *, ca: bool, path_length: int | None):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.UTC)
    usage = dict(
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage), critical=True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def create(studio: Studio) -> Path:
    """Make the studio's root, intermediate and leaf; returns the keys folder."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = studio.root / "keys"
    folder.mkdir(exist_ok=True)
    organisation = studio.config.get("studio", {}).get("name", "pressroom studio")
    root_key, middle_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name = _name(f"{organisation} root", organisation)
    root = _certificate(root_name, root_key, root_name, root_key, ca=True, path_length=1)
    middle = _certificate(
        _name(f"{organisation} intermediate", organisation), middle_key, root.subject, root_key, ca=True, path_length=0
    )
    leaf = _certificate(
        _name(f"{organisation} signer", organisation), leaf_key, middle.subject, middle_key, ca=False, path_length=None
    )
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # the key first and private from the moment its file exists: a kill at any point leaves no
    # readable key, and a chain is only complete once its certificates are written after it
    write(folder / "signer.key", key_pem, scratch=studio.root, private=True)
    write(folder / "chain.pem", pem(leaf) + pem(middle), scratch=studio.root)
    write(folder / "root.pem", pem(root), scratch=studio.root)
    return folder


@contextlib.contextmanager
def _keys_locked(studio: Studio, *, exclusive: bool):
    """Hold the keys folder against other processes: exclusive while the keys are made or rotated,
    shared while they are read, so that no process reads a key from one making and a chain from
    another (two releases at once on a new studio would otherwise both make keys)."""
    folder = studio.root / "keys"
    if exclusive:
        folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield folder
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise InputError(f"[signing] {what} {path} cannot be read: {exc.strerror}") from exc


KEY_FILES = ("signer.key", "chain.pem", "root.pem")


def missing_key(studio: Studio) -> str | None:
    """Why the studio's own signing identity cannot be used, or None when it is whole.

    A studio whose keys were never made, or were half made (nothing released) gets them on first use;
    one whose key or certificates are gone must not quietly get a new root, or every file signed
    before would stop verifying as Trusted."""
    folder = studio.root / "keys"
    missing = [name for name in KEY_FILES if not (folder / name).is_file()]
    if not missing:
        return None
    released = (studio.root / "releases").is_dir() and any(p.is_file() for p in (studio.root / "releases").rglob("*"))
    if not released and not anchors(studio):
        return ""  # never made, or half made by a killed init: nothing was signed with them, make them
    return (
        f"the studio's signing key is incomplete (keys/{', keys/'.join(missing)} missing): restore the keys folder "
        f"from a backup so releases keep verifying as Trusted, or, if the key is lost for good, the director "
        f"starts a new one (files signed before stay Trusted)"
    )


def identity(studio: Studio) -> Identity:
    """The organisation's certificate if configured, else the studio's own (made on first use).

    A lost key is refused (``missing_key``), never silently replaced."""
    configured = studio.config.get("signing", {})
    if configured:
        missing = [k for k in ("chain", "key", "trust_anchors") if k not in configured]
        if missing:
            raise InputError(
                f"[signing] in pressroom.toml needs chain, key and trust_anchors (missing {', '.join(missing)})"
            )
        return Identity(
            _read(configured["chain"], "chain"),
            _read(configured["key"], "key"),
            _read(configured["trust_anchors"], "trust_anchors"),
        )
    problem = missing_key(studio)
    if problem:
        raise Refused(problem, field="signing")
    if problem == "":
        with _keys_locked(studio, exclusive=True):
            if missing_key(studio) == "":  # another process may have made them while this one waited
                create(studio)
    with _keys_locked(studio, exclusive=False) as folder:
        return Identity(
            (folder / "chain.pem").read_bytes(), (folder / "signer.key").read_bytes(), trust_anchors(studio)
        )


def anchors(studio: Studio) -> list[Path]:
    """The roots of earlier keys, kept by ``rotate`` so that what they signed stays Trusted."""
    folder = studio.root / "keys" / "anchors"
    return sorted(folder.glob("*.pem")) if folder.is_dir() else []


def rotate(studio: Studio) -> dict:
    """Start a new signing key and root; the old root (if any) stays a trust anchor.

    Used when the key is lost (restoring a backup is better, when there is one) or suspected
    known to others. Files signed with the old key still verify as Trusted in this studio."""
    if studio.config.get("signing", {}):
        raise Refused(
            "this studio signs with the organisation's certificate ([signing] in pressroom.toml); rotate it there",
            field="signing",
        )
    with _keys_locked(studio, exclusive=True) as folder:
        kept = None
        root = folder / "root.pem"
        if root.is_file():
            from cryptography import x509

            certificate = x509.load_pem_x509_certificate(root.read_bytes())
            kept = (
                folder
                / "anchors"
                / f"root-{certificate.fingerprint(certificate.signature_hash_algorithm).hex()[:16]}.pem"
            )
            kept.parent.mkdir(parents=True, exist_ok=True)
            write(kept, root.read_bytes(), scratch=studio.root)
        create(studio)
    return {
        "keys": str(folder),
        "kept_anchor": str(kept) if kept else None,
        "anchors": [str(p) for p in anchors(studio)],
    }


def trust_anchors(studio: Studio | None) -> bytes:
    """What files verify against: the studio's root and earlier roots (or configured anchors),
    nothing without a studio."""
    if studio is None:
        return b""
    configured = studio.config.get("signing", {})
    if "trust_anchors" in configured:
        return _read(configured["trust_anchors"], "trust_anchors")
    root = studio.root / "keys" / "root.pem"
    roots = ([root] if root.is_file() else []) + anchors(studio)
    return b"".join(path.read_bytes() for path in roots)
