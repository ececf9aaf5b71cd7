"""C2PA: signing released files and reading any file's provenance (through c2pa-python).

A generated image is signed with ``c2pa.created`` (digital source: trainedAlgorithmicMedia);
a derivative or rendition with ``c2pa.opened`` + ``c2pa.edited``, its parent attached as an
ingredient. Every manifest carries the recipe in the custom assertion ``com.pressroom.recipe``
(as a JSON string: the reader renders bare numeric arrays oddly); a released file carries the
review that let it out in ``com.pressroom.review`` (stakes, gate, each reviewer and checklist
result, the decision, the licence verdict), so the file itself proves the team's gate was passed. Everything runs offline: no
timestamp authority, no remote manifests, no OCSP; validity is judged against the
certificate's dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pressroom.errors import InputError, ProvenanceError

RECIPE_LABEL = "com.pressroom.recipe"
REVIEW_LABEL = "com.pressroom.review"  # the review that let a released file out (reviews.record_of)
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
PASSING = ("Trusted", "Valid")  # a signature that holds; Invalid or none (no manifest) fails `verify`
MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


def _settings(trust_anchors: bytes) -> dict:
    settings = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": True},
        "builder": {"thumbnail": {"enabled": True, "long_edge": 256, "format": "jpeg", "quality": "medium"}},
    }
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors.decode()}
    return settings


def mime_of(path: Path) -> str:
    try:
        return MIME[Path(path).suffix.lower()]
    except KeyError:
        raise InputError(f"{path}: C2PA signing here covers PNG, JPEG, WebP and TIFF files") from None


def carries(path: Path) -> bool:
    """Whether the file at ``path`` holds a C2PA manifest of its own (signed anywhere, valid or not):
    one pressroom keeps as an ingredient of what it makes from the file. A format C2PA cannot hold
    here (a PSD) carries none."""
    from c2pa import C2paError, Context, Reader

    if Path(path).suffix.lower() not in MIME:
        return False
    try:
        with Context.from_dict(_settings(b"")) as context, open(path, "rb") as stream:
            reader = Reader.try_create(mime_of(path), stream, None, context)
            if reader is None:
                return False
            with reader:
                return bool(json.loads(reader.json()).get("active_manifest"))
    except (C2paError, OSError, ValueError):
        return False


def sign(
    src: Path,
    dst: Path,
    *,
    identity,
    title: str,
    recipe_json: str,
    source_type: str = TRAINED,
    parent: Path | None = None,
    edit: str = "",
    review: dict | None = None,
    credentials: Path | None = None,
) -> None:
    """Sign ``src`` into ``dst``: created, or opened (``parent`` as ingredient) and edited; ``review``
    (``reviews.record_of``) goes in as its own assertion. ``credentials``: a file that carries its own
    C2PA manifest (an image edited in another tool, as it came back), attached as a further ingredient
    so a reader sees its history too."""
    from c2pa import Builder, C2paError, C2paSignerInfo, C2paSigningAlg, Context, Signer

    from pressroom import __version__

    if parent is None:
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": source_type,
                "softwareAgent": {"name": "pressroom", "version": __version__},
            }
        ]
    else:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
            {
                "action": "c2pa.edited",
                "description": edit or "edited",
                "digitalSourceType": source_type,
                "softwareAgent": {"name": "pressroom", "version": __version__},
            },
        ]
    manifest = {
        "claim_generator_info": [{"name": "pressroom", "version": __version__}],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": RECIPE_LABEL, "data": {"recipe_json": recipe_json}},
        ],
    }
    if review is not None:
        manifest["assertions"].append({"label": REVIEW_LABEL, "data": {"review_json": json.dumps(review)}})
    try:
        with Context.from_dict(_settings(identity.trust_anchors_pem)) as context:
            info = C2paSignerInfo(
                alg=C2paSigningAlg.ES256, sign_cert=identity.chain_pem, private_key=identity.key_pem, ta_url=None
            )
            with Signer.from_info(info) as signer:
                builder = Builder(manifest, context)
                if parent is not None:
                    with open(parent, "rb") as stream:
                        builder.add_ingredient(
                            {"title": Path(parent).name, "relationship": "parentOf", "label": "parent"},
                            mime_of(parent),
                            stream,
                        )
                if credentials is not None:
                    with open(credentials, "rb") as stream:
                        builder.add_ingredient(
                            {"title": Path(credentials).name, "relationship": "componentOf", "label": "credentials"},
                            mime_of(credentials),
                            stream,
                        )
                with open(src, "rb") as source, open(dst, "w+b") as target:
                    builder.sign(signer, mime_of(src), source, target)
    except C2paError as exc:
        Path(dst).unlink(missing_ok=True)
        raise ProvenanceError(f"C2PA signing of {src} failed: {exc}") from exc


@dataclass
class Verification:
    state: str  # Trusted | Valid | Invalid | none (no manifest)
    failures: list[str] = field(default_factory=list)
    signer: str = ""
    actions: list[str] = field(default_factory=list)
    source_type: str = ""
    recipe: dict | None = None
    review: dict | None = None
    ingredients: list[dict] = field(default_factory=list)


def verify(path: Path, trust_anchors: bytes = b"") -> Verification:
    from c2pa import C2paError, Context, Reader

    try:
        with Context.from_dict(_settings(trust_anchors)) as context, open(path, "rb") as stream:
            reader = Reader.try_create(mime_of(path), stream, None, context)
            if reader is None:
                return Verification("none")
            with reader:
                state = reader.get_validation_state()
                results = reader.get_validation_results() or {}
                store = json.loads(reader.json())
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", field="file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give an image file", field="file") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied)", field="file") from None
    except C2paError as exc:
        return Verification("Invalid", [str(exc)])
    failures = [
        f"{item['code']}: {item.get('explanation', '')}".rstrip(": ")
        for item in (results.get("activeManifest") or {}).get("failure", [])
    ]
    active = store.get("manifests", {}).get(store.get("active_manifest"), {})
    result = Verification(state, failures)
    result.signer = (active.get("signature_info") or {}).get("common_name", "")
    for assertion in active.get("assertions", []):
        if assertion["label"].startswith("c2pa.actions"):
            for action in assertion["data"].get("actions", []):
                result.actions.append(action["action"])
                result.source_type = action.get("digitalSourceType", result.source_type)
        elif assertion["label"] in (RECIPE_LABEL, REVIEW_LABEL):
            key = "recipe" if assertion["label"] == RECIPE_LABEL else "review"
            try:
                setattr(result, key, json.loads(assertion["data"].get(f"{key}_json", "null")))
            except (TypeError, ValueError):
                setattr(result, key, None)
    for ingredient in active.get("ingredients", []):
        parent_manifest = store.get("manifests", {}).get(ingredient.get("active_manifest"), {})
        result.ingredients.append(
            {
                "title": ingredient.get("title"),
                "relationship": ingredient.get("relationship"),
                "format": ingredient.get("format"),
                "signed_by": (parent_manifest.get("signature_info") or {}).get("common_name"),
            }
        )
    return result


def claim_generator(data: bytes, mime: str) -> str | None:
    """The tool a file's own C2PA manifest names as its maker (its active manifest's
    ``claim_generator_info`` name, else the product in ``claim_generator``), or None when the file
    carries no manifest that reads. The signature is not judged here: this names the tool only."""
    import io

    from c2pa import C2paError, Context, Reader

    try:
        with Context.from_dict(_settings(b"")) as context:
            reader = Reader.try_create(mime, io.BytesIO(data), None, context)
            if reader is None:
                return None
            with reader:
                store = json.loads(reader.json())
    except (C2paError, ValueError):
        return None
    active = store.get("manifests", {}).get(store.get("active_manifest"), {})
    info = active.get("claim_generator_info")
    info = info[0] if isinstance(info, list) and info else info
    if isinstance(info, dict) and str(info.get("name") or "").strip():
        return str(info["name"]).strip()
    generator = str(active.get("claim_generator") or "").strip()
    return generator.split("/")[0].replace("_", " ").strip() or None


def describe(path: Path, trust_anchors: bytes = b"") -> dict:
    """Everything a file says about where it came from: C2PA state, source type, alt text, recipe, lineage.

    Works on any PNG, JPEG or WebP, signed or not, from this studio or elsewhere.
    """
    from pressroom.store import imagefiles, metadata

    result = verify(path, trust_anchors)
    try:
        with imagefiles.opened(path, "file", field="file") as image:
            try:
                image.load()
                decodes = True
            except imagefiles.DAMAGED:  # damaged pixel data: still report what the metadata says
                decodes = False
            xmp = metadata.read_xmp(image)
            parameters = metadata.read_parameters(image)
            embedded = metadata.read_recipe(image)
    except InputError as exc:
        if result.state == "none":
            raise
        # it carries a manifest, so it was signed as an image: damaged since, it is Invalid
        result.state = "Invalid"
        result.failures.append(f"the file no longer reads as an image: its bytes were damaged after signing ({exc})")
        decodes, xmp, parameters, embedded = False, {"digital_source_type": "", "alt_text": ""}, None, None
    recipe = result.recipe or (embedded.model_dump(mode="json") if embedded else None)
    return {
        "file": str(path),
        "c2pa": result.state,
        "failures": result.failures,
        "decodes": decodes,
        # what the file says outside a valid signature is a claim anyone could have written
        "metadata_verified": result.state in PASSING,
        "signer": result.signer,
        "actions": result.actions,
        "digital_source_type": xmp["digital_source_type"] or result.source_type,
        "alt_text": xmp["alt_text"],
        "parameters": parameters,
        "recipe": recipe,
        "review": result.review,
        "lineage": result.ingredients,
    }
