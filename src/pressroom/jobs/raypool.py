"""A pool of Ray actors that render volume images for a worker (``pressroom worker --ray``).

Each actor is a process of its own, on one GPU (or, in a cluster without GPUs, one CPU), that
keeps its loaded pipeline from batch to batch (the engine's cache lives as long as the actor).
It opens the studio's folder for model files only, never the ledger: it renders the recipes it
is sent and returns their pixels, with each recipe as its engine settled it and a description
of its device. The worker that owns the pool stores the files and rows (``jobs.landing``), so an
image lands in its own transaction under the job's lease whether it was made here or there.

Before an actor renders a recipe's volume images it must reproduce the recipe's hero exactly
(``qualification``). A batch sent to an actor that dies is sent again to another; images come
back in the order of their recipes.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pressroom.domain.recipes import Recipe
from pressroom.errors import InputError, Unavailable
from pressroom.jobs import generations

# tests only: an actor whose environment sets this makes every pixel this many levels brighter,
# a real actor that does not reproduce its recipes (see tests/test_ray_workers.py)
SKEW = "PRESSROOM_TEST_ACTOR_SKEW"


class Renderer:
    """The actor: renders recipes with the engines of this process, on its device."""

    def __init__(self, root: str) -> None:
        from pressroom.store.studio import Studio

        self.studio = Studio(Path(root))
        self.skew = int(os.environ.get(SKEW) or 0)

    def describe(self) -> dict:
        """Where this actor runs: host, process, Ray node, its GPUs and the device's name."""
        import ray

        from pressroom.engines.diffusers_local import device_name  # the engine's own words for the device it renders on

        gpus = [str(g) for g in ray.get_gpu_ids()]
        name = device_name("cuda" if gpus else "cpu")
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "node": ray.get_runtime_context().get_node_id()[:12],
            "gpus": gpus,
            "device": name,
        }

    def render(self, recipes: list[str]) -> list[dict]:
        """One engine job: recipes (as JSON) that share a pipeline call; their images as plain data."""
        from pressroom.store.resolver import Resolver

        batch = [Recipe.model_validate_json(text) for text in recipes]
        out = []
        for rendered in generations.render(batch, Resolver(self.studio), batch_size=len(batch)):
            image = rendered.image
            if self.skew:
                from PIL import ImageChops

                image = ImageChops.add(image.convert("RGB"), _flat(image.size, self.skew))
            out.append(
                {
                    "recipe": rendered.recipe.model_dump_json(),
                    "mode": image.mode,
                    "size": image.size,
                    "pixels": image.tobytes(),
                    "warnings": rendered.warnings,
                    "elapsed_s": rendered.elapsed_s,
                }
            )
        return out


def _flat(size: tuple[int, int], level: int):
    from PIL import Image

    return Image.new("RGB", size, (level, level, level))


def rendered(item: dict) -> generations.Rendered:
    """An actor's image back as this process's ``Rendered``."""
    from PIL import Image

    return generations.Rendered(
        Recipe.model_validate_json(item["recipe"]),
        Image.frombytes(item["mode"], tuple(item["size"]), item["pixels"]),
        list(item["warnings"]),
        float(item["elapsed_s"]),
    )


@dataclass
class Member:
    name: str  # unique in the pool's cluster: the pool's tag and the actor's number
    handle: Any
    device: dict = field(default_factory=dict)
    alive: bool = True
    inflight: int = 0

    def describe(self) -> dict:
        return {"actor": self.name, **self.device}


class Pool:
    """The worker's actors. ``render`` spreads batches over the ones named, in order."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members

    def describe(self) -> None:
        """Ask every actor where it runs (this waits for each to start)."""
        for name, device in self.each("describe").items():
            next(m for m in self.members if m.name == name).device = device

    def alive(self) -> list[Member]:
        return [m for m in self.members if m.alive]

    def check(self) -> None:
        if not self.alive():
            raise Unavailable(f"all {len(self.members)} Ray actor(s) of this worker are gone; start the worker again")

    def died(self, member: Member) -> None:
        member.alive = False

    def each(self, method: str, *args, members: list[Member] | None = None) -> dict[str, Any]:
        """Call ``method`` on every live actor (of ``members``) at once; the answers by actor
        (dead ones left out, and marked dead)."""
        from ray.exceptions import RayActorError

        calls = [(m, getattr(m.handle, method).remote(*args)) for m in (members or self.alive()) if m.alive]
        answers = {}
        for member, ref in calls:
            try:
                answers[member.name] = _get(ref)
            except RayActorError:
                self.died(member)
        return answers

    def render(
        self, recipes: Iterable[Recipe], batch_size: int, names: Iterable[str]
    ) -> Iterator[generations.Rendered]:
        """Render ``recipes`` on the actors ``names`` (two batches in flight per actor), yielding
        the images in the order of the recipes; a batch whose actor died goes to another."""
        from ray.exceptions import RayActorError

        crew = [m for m in self.members if m.name in set(names)]
        batches = generations.batches(recipes, batch_size)
        inflight: deque = deque()

        def send(batch: list[Recipe]) -> tuple:
            alive = [m for m in crew if m.alive]
            if not alive:
                raise RuntimeError(f"every actor rendering this run died ({', '.join(m.name for m in crew)})")
            member = min(alive, key=lambda m: m.inflight)
            member.inflight += 1
            return batch, member, member.handle.render.remote([r.model_dump_json() for r in batch])

        def fill() -> None:
            while len(inflight) < 2 * sum(m.alive for m in crew):
                batch = next(batches, None)
                if batch is None:
                    return
                inflight.append(send(batch))

        try:
            fill()
            while inflight:
                batch, member, ref = inflight.popleft()
                try:
                    items = _get(ref)
                except RayActorError:
                    self.died(member)
                    inflight.appendleft(send(batch))  # the same place in the order, on a survivor
                    continue
                finally:
                    member.inflight -= 1
                fill()
                for item in items:
                    yield rendered(item)
        finally:
            for _, member, _ in inflight:  # abandoned (the job stopped): their answers are dropped
                member.inflight -= 1

    def close(self) -> None:
        import ray

        for member in self.alive():
            ray.kill(member.handle)
            member.alive = False


def _get(ref):
    """``ray.get``, with an error the actor raised re-raised as itself (a pressroom error stays one)."""
    import ray
    from ray.exceptions import RayTaskError

    try:
        return ray.get(ref)
    except RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, Exception):
            raise cause from None
        raise


def start(studio_root: Path, *, address: str = "local", actors: int | None = None) -> Pool:
    """Join the Ray cluster at ``address`` (as ``ray.init`` reads it: ``local`` starts one on this
    machine, ``auto`` finds the one it is in) and start the actors: ``actors`` of them, by
    default one per GPU in the cluster, or 1 where it has none."""
    try:
        import ray
    except ImportError:
        raise Unavailable("ray workers need the Ray package: pip install 'pressroom[ray]'", field="ray") from None
    if actors is not None and actors < 1:
        raise InputError(f"actors must be at least 1 (got {actors})", field="actors")
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, logging_level="warning")
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise Unavailable(f"could not join the Ray cluster at {address}: {' '.join(str(exc).split())}") from None
    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 0))
    count = actors or max(gpus, 1)
    unit = {"num_gpus": 1} if gpus else {"num_cpus": 1}
    have, what = (gpus, "GPU") if gpus else (cpus, "CPU")
    if count > have:
        raise InputError(f"{count} actors need {count} {what}s, one each; the Ray cluster has {have}", field="actors")
    tag = secrets.token_hex(3)
    pool = Pool([member(studio_root, f"actor-{tag}-{i}", **unit) for i in range(1, count + 1)])
    pool.describe()
    pool.check()
    return pool


def member(studio_root: Path, name: str, **options) -> Member:
    """Start one actor (``options``: Ray's actor options, e.g. ``num_gpus=1``) in the cluster joined."""
    import ray

    return Member(name, ray.remote(Renderer).options(**options).remote(str(studio_root)))
