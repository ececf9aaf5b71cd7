"""The team server under load: N people reading, searching, reviewing and polling a job at once.

Makes a fresh team studio (the fake engine or the tiny model, three people with tokens, a brief taken
to a locked recipe, a few images reviewed and one released), starts a real `pressroom serve` and a
real `pressroom worker`, queues a volume run through the API, and while the worker runs it (the
figures say for how long it ran beside the clients), N simulated people
(bounded loops of requests, each over its own HTTP connection, httpx) list briefs and images, search
the library, read review sheets, post review decisions and poll the job. Prints requests per second,
p50/p95/p99 latency per route and the errors. Goal: 0 errors, p95 of reads under 100 ms at 20
clients on 2 cores.

    python bench/server.py [--database sqlite|postgresql] [--engine fake|tiny] [--clients 20] [--rounds 40]
                           [--seeds 2000] [--think S]

On PostgreSQL it starts a throwaway server with the tests' own PostgresLedgers (tests/ledgers.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = 64
STYLES = ["watercolor", "flat-vector", "cinematic"]
READS = ("briefs", "images", "search", "sheet", "job", "log")


sys.path.insert(0, str(HERE.parent / "tests"))  # the tests' helpers: a free port, stopping a process
from quickmodel import default_to_fake, small_tiny  # noqa: E402
from serving import free_port, stop  # noqa: E402

from pressroom.domain import gate  # noqa: E402
from pressroom.domain.brief import parse  # noqa: E402
from pressroom.jobs.queue import FINISHED  # noqa: E402


def studio_with_work(root: Path, url: str | None, engine: str = "tiny") -> dict:
    """A team studio with a locked recipe, reviewable images and one release; returns ids and tokens.

    ``engine``: "fake" (the fake engine: an image in about a millisecond, so the volume run is all
    ledger writes and files, far more of them a second than a GPU makes), or "tiny" (the built-in
    tiny diffusers model on this CPU: the worker takes a core or two, the server what is left)."""
    from pressroom.context import Actor, Context
    from pressroom.plays import accounts, briefs, concepts, lockin, releases, reviews, volume
    from pressroom.store.studio import Studio

    if engine == "tiny":
        studio = Studio.init(root, name="bench", database_url=url, default_model="tiny")
        small_tiny(studio, SIZE)
    else:
        studio = Studio.init(root, name="bench", database_url=url)
        default_to_fake(studio, "sketch", SIZE)
    config = root / "pressroom.toml"
    config.write_text(config.read_text() + '\n[team]\nsign_in = "required"\n')
    studio = Studio(root)
    cli = Context(studio, Actor.unknown("cli"))
    people = {"dana": ["director", "keeper"], "omar": ["operator"], "rita": ["reviewer"]}
    tokens = {}
    for name, roles in people.items():
        accounts.add_account(cli, name, roles, password=f"{name}-correct-horse")
        tokens[name] = accounts.create_token(cli, name, "bench")["token"]

    def as_(name: str) -> Context:
        return cli.acting_as(accounts.token_actor(cli, tokens[name], "api"))

    spec = parse(briefs.TEMPLATE)
    brief = briefs.open_brief(as_("dana"), spec)["id"]
    sprint = concepts.sprint(as_("omar"), brief, STYLES, per_style=1, steps=2)
    ids = [row.id for row in sprint.rows]
    concepts.rank(as_("dana"), brief, ids)
    concepts.approve_direction(as_("dana"), brief, ids[0])
    lock = lockin.lock(as_("omar"), brief, steps=2, width=SIZE, height=SIZE)
    recipe = lock.row.id
    made = volume.run(as_("omar"), recipe, [("subject", "a red boot"), ("subject", "a blue boot")], 8).made
    checks = {item: "pass" for item in gate.CHECKLIST}
    reviews.decide(as_("rita"), lock.row.hero_generation_id, "approved", checks, alt_text="A red boot on moss")
    releases.release(as_("dana"), brief, None, ["png"])
    studio.close()
    return {"brief": brief, "recipe": recipe, "images": [row.id for row in made], "tokens": tokens}


def start(root: Path, *args: str) -> subprocess.Popen:
    """A pressroom process on the studio; what it says goes to a log beside the studio."""
    env = {**os.environ, "PRESSROOM_STUDIO": str(root)}
    env.pop("PRESSROOM_TOKEN", None)
    with open(root.parent / f"{args[0]}.log", "a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pressroom.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=log
        )


def wait_up(base: str, server: subprocess.Popen, root: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while True:
        if server.poll() is not None:
            raise SystemExit(f"the server ended: {(root.parent / 'serve.log').read_text()}")
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the server did not start in 120 s")
        time.sleep(0.2)


async def person(
    index: int, base: str, work: dict, job: int, rounds: int, think: float, timings: dict, errors: list, finished: list
) -> None:
    """One simulated person: a bounded loop of the requests a team makes while a run is going."""
    import httpx

    name = ("dana", "omar", "rita")[index % 3]
    rng = random.Random(index)
    headers = {"Authorization": f"Bearer {work['tokens'][name]}"}
    checks = None
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(rounds):
            image = rng.choice(work["images"])
            calls = [
                ("briefs", "GET", "/api/briefs", None),
                ("images", "GET", "/api/images?limit=50", None),
                ("search", "GET", "/api/library?q=boot", None),
                ("job", "GET", f"/api/jobs/{job}", None),
                ("sheet", "GET", f"/api/images/{image}/review", None),
                ("log", "GET", f"/api/log?brief={work['brief']}", None),
            ]
            if name == "rita" and checks is not None:
                calls.append(
                    (
                        "review (POST)",
                        "POST",
                        f"/api/images/{image}/review",
                        {
                            "decision": rng.choice(["approved-with-changes", "changes-required"]),
                            "checks": checks,
                            "note": "bench",
                            "alt_text": "a boot",
                        },
                    )
                )
            for route, method, path, body in calls:
                began = time.perf_counter()
                try:
                    answer = await client.request(method, path, json=body)
                    took = time.perf_counter() - began
                    if answer.status_code >= 400:
                        errors.append(f"{route}: {answer.status_code} {answer.text[:120]}")
                    elif route == "sheet" and checks is None:
                        checks = {item: "pass" for item in answer.json()["status"]["items"]}
                    elif route == "job" and answer.json()["state"] in FINISHED and not finished:
                        finished.append(time.perf_counter())  # when a poll first saw the volume run over
                except httpx.HTTPError as exc:
                    took = time.perf_counter() - began
                    errors.append(f"{route}: {type(exc).__name__} {exc}")
                timings.setdefault(route, []).append(took)
                if think:
                    await asyncio.sleep(rng.uniform(0, 2 * think))


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children that run (a server's worker processes)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=20, help="simulated people at once")
    parser.add_argument("--rounds", type=int, default=40, help="loops of requests per person")
    parser.add_argument("--seeds", type=int, default=2000, help="seeds per slot value of the volume run in progress")
    parser.add_argument(
        "--engine",
        choices=("fake", "tiny"),
        default="tiny",
        help="what the volume run draws with: the fake engine (ledger-bound) or the tiny model (CPU-bound)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    parser.add_argument("--server-workers", type=int, default=1, help="processes of `pressroom serve --workers`")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a person pauses between requests, on average (0: none, a closed loop)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the server and the worker
    import httpx

    ledgers = None
    if args.database == "postgresql":
        from ledgers import PostgresLedgers  # the tests' throwaway server, reused

        ledgers = PostgresLedgers()
    server = worker = None
    folder = Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
    try:
        root = folder / "studio"
        work = studio_with_work(root, ledgers.new_url() if ledgers else None, args.engine)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start(root, "serve", "--port", str(port), "--workers", str(args.server_workers))
        wait_up(base, server, root)
        worker = start(root, "worker")
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {work['tokens']['omar']}"}, timeout=60
        ) as omar:
            for image in work["images"]:  # warm, untimed: the server's first look at each image (its pre-checks)
                omar.get(f"/api/images/{image}/review").raise_for_status()
            queued = omar.post(
                f"/api/recipes/{work['recipe']}/volume",
                json={"vary": ["subject=a green boot", "subject=a grey boot"], "seeds": args.seeds},
            )
            if queued.status_code != 202:
                raise SystemExit(f"the volume run was not queued: {queued.status_code} {queued.text}")
            job = queued.json()["job"]
            timings: dict[str, list[float]] = {}
            errors: list[str] = []
            finished: list[float] = []

            async def everyone() -> None:
                await asyncio.gather(
                    *(
                        person(i, base, work, job, args.rounds, args.think, timings, errors, finished)
                        for i in range(args.clients)
                    )
                )

            began, cpu = time.perf_counter(), cpu_seconds(server.pid)
            asyncio.run(everyone())
            ended = time.perf_counter()
            elapsed, cpu = ended - began, cpu_seconds(server.pid) - cpu
            loaded = (finished[0] if finished else ended) - began  # how long the volume run went on beside
            state = omar.get(f"/api/jobs/{job}").json()
    finally:
        stop(worker, server, timeout_s=60)  # stopped before their studio goes
        if ledgers is not None:
            ledgers.stop()
        said = (folder / "serve.log").read_text() if (folder / "serve.log").exists() else ""
        if "Traceback" in said:
            print("the server's log (the end):\n" + said[-3000:], file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    total = sum(len(values) for values in timings.values())
    figures = {
        "database": args.database,
        "engine": args.engine,
        "clients": args.clients,
        "rounds": args.rounds,
        "think_s": args.think,
        "server_workers": args.server_workers,
        "requests": total,
        "server_cpu_ms_per_request": round(1000 * cpu / max(total, 1), 1),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(total / elapsed, 1),
        "errors": len(errors),
        "job": {"state": state["state"], **state["progress"], "running_s": round(loaded, 1)},
        "routes": {
            route: {
                "n": len(values),
                "p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * percentile(values, 0.95), 1),
                "p99_ms": round(1000 * percentile(values, 0.99), 1),
            }
            for route, values in sorted(timings.items())
        },
    }
    reads = [value for route, values in timings.items() if route in READS for value in values]
    figures["reads_p95_ms"] = round(1000 * percentile(reads, 0.95), 1) if reads else None
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{args.database}, {args.engine} engine: {args.clients} clients x {args.rounds} rounds (think {args.think} s, "
            f"{args.server_workers} server process(es)), "
            f"{total} requests in {elapsed:.1f} s "
            f"= {figures['requests_per_s']} requests/s; errors {len(errors)}; the volume run meanwhile: "
            f"{state['progress']['done']}/{state['progress']['total']} ({state['state']}; it ran beside the "
            f"clients for {loaded:.1f} s of the {elapsed:.1f} s)"
        )
        print(f"{'route':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for route, row in figures["routes"].items():
            print(f"{route:<16}{row['n']:>6}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['p99_ms']:>9}")
        print(
            f"reads p95: {figures['reads_p95_ms']} ms; the server used {figures['server_cpu_ms_per_request']} ms "
            f"of CPU per request ({cpu:.1f} s in {elapsed:.1f} s); load average {os.getloadavg()[0]:.1f}"
        )
    for line in errors[:10]:
        print("error:", line, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
