"""Registering a model: every weight file hashed, its licence and the engine that runs it recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pressroom import engines
from pressroom.context import Context
from pressroom.domain import families
from pressroom.errors import InputError, NotFound
from pressroom.store import adapters as adapter_store
from pressroom.store import loras as lora_store
from pressroom.store import models
from pressroom.store.models import REGISTRY, Manifest, hash_weights, pipeline_class, summary
from pressroom.store.studio import Studio


def add(
    studio: Studio,
    name: str,
    *,
    path: Path | None = None,
    hub_id: str | None = None,
    config: Path | None = None,
    license: str = "unknown",
    commercial: bool | None = None,
    size: int | None = None,
    replace: bool = False,
    engine: str = "diffusers",
) -> Manifest:
    """Register a model: hash a local folder or checkpoint now, or a hub id when first used.

    ``engine`` names the engine that runs it; one other than diffusers may take no weights at
    all (``engine="fake"``: a model for rule tests and dry runs, registered in milliseconds).
    """
    if REGISTRY.path(studio, name).exists() and not replace:
        raise InputError(
            f"a model named {name!r} is registered already; replace it to register it again", field="replace"
        )
    if engine not in engines.names():
        raise InputError(
            f"engine {engine!r} is not an installed engine; choose one of: {', '.join(engines.names())}", field="engine"
        )
    weightless = path is None and hub_id is None and engine != "diffusers"
    if (path is None) == (hub_id is None) and not weightless:
        raise InputError("give exactly one of a path (a local folder or .safetensors file) or a hub id", field="hub_id")
    if size is not None and size % 8:
        raise InputError(f"size must be a multiple of 8 (got {size})", field="size")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if weightless:
        manifest = Manifest(
            name=name,
            format="none",
            engine=engine,
            license=license,
            commercial=commercial,
            size=size or 512,
            added_at=now,
            note=f"no weights: the {engine} engine needs none",
        )
        REGISTRY.save(studio, manifest, replace=True)
        return manifest
    if hub_id is not None:
        manifest = Manifest(
            name=name,
            format="hub",
            engine=engine,
            hub_id=hub_id,
            license=license,
            commercial=commercial,
            size=size or 512,
            added_at=now,
            note="hashed when first downloaded",
        ).located(studio.root)
        REGISTRY.save(studio, manifest, replace=True)
        return manifest
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise NotFound(f"path {path} does not exist", field="path")
    if path.is_file():
        if path.suffix not in (".safetensors", ".ckpt"):
            raise InputError(f"path {path} is a file but not a .safetensors or .ckpt checkpoint", field="path")
        if config is None:
            raise InputError(
                "config missing: a single-file checkpoint needs a local diffusers config folder "
                "(model_index.json and component configs), so loading never reaches the network",
                field="config",
            )
        config = Path(config).expanduser().resolve()
        if not (config / "model_index.json").is_file():
            raise InputError(f"config {config} has no model_index.json; give a diffusers config folder", field="config")
        fmt = "single_file"
    else:
        if not (path / "model_index.json").is_file():
            raise InputError(
                f"path {path} is not a diffusers folder (no model_index.json); "
                "give such a folder or a .safetensors checkpoint",
                field="path",
            )
        fmt = "diffusers"
    files, stamps = hash_weights(path)
    index = (config if fmt == "single_file" else path) / "model_index.json"
    facts = families.detect(index.parent)
    if size is not None and size % facts.multiple:
        raise InputError(
            f"size must be a multiple of {facts.multiple} for a {families.get(facts.family).label} model (got {size})",
            field="size",
        )
    manifest = Manifest(
        name=name,
        format=fmt,
        engine=engine,
        path=studio.relative(path),
        config=studio.relative(config) if config else "",
        license=license,
        commercial=commercial,
        size=size or facts.size,
        family=facts.family,
        variant=facts.variant,
        steps=facts.steps,
        multiple=facts.multiple,
        added_at=now,
        files=files,
        stamps=stamps,
        pipeline=pipeline_class(index),
    ).located(studio.root)
    REGISTRY.save(studio, manifest, replace=True)
    return manifest


def register(ctx: Context, name: str, **options) -> dict:
    """Register a model: every weight file hashed, its licence recorded."""
    return summary(add(ctx.studio, name, **options))


def catalogue(ctx: Context) -> list[dict]:
    """Every model a recipe may name: the registered ones, and the built-in ones not made yet."""
    return [summary(manifest) for manifest in models.catalogue(ctx.studio)]


def register_lora(ctx: Context, name: str, **options) -> dict:
    """Register a LoRA: the SHA-256 of its file, its licence and trigger words."""
    return lora_store.summary(lora_store.add(ctx.studio, name, **options))


def loras(ctx: Context) -> list[dict]:
    """The registered LoRAs."""
    return [lora_store.summary(manifest) for manifest in lora_store.all_loras(ctx.studio)]


def register_adapter(ctx: Context, name: str, **options) -> dict:
    """Register an adapter (IP-Adapter or ControlNet): its files hashed, its licence recorded."""
    return adapter_store.summary(adapter_store.add(ctx.studio, name, **options))


def adapters(ctx: Context) -> list[dict]:
    """The registered adapters."""
    return [adapter_store.summary(manifest) for manifest in adapter_store.REGISTRY.all(ctx.studio)]
