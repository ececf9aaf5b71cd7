"""Job commands: the queue of generation jobs, cancelling one, and the worker that runs them."""

from __future__ import annotations

from typing import Annotated

import typer

from pressroom.cli.common import JsonOpt, StudioOpt, console, context, listing, print_json, progress

app = typer.Typer(help="Generation jobs: list them (`pressroom jobs`), cancel one.")

NoWaitOpt = Annotated[
    bool, typer.Option("--no-wait", help="Queue it as a job for `pressroom worker` and return at once.")
]


def followed(name: str, json_out: bool, play):
    """``play(progress)``, a play that waits on its job, under a bar following ``progress(done, total)``."""
    with progress(2, json_out) as bar:
        task = bar.add_task(name, total=None)
        return play(lambda done, total: bar.update(task, completed=done, total=total))


def print_job(job, json_out: bool) -> None:
    doc = job.as_dict()
    if json_out:
        print_json({"job": doc.pop("id"), **doc})
    else:
        console().print(
            f"job {job.id} ({job.kind}) {job.state}: {job.progress_done} of {job.progress_total} "
            "done; `pressroom worker` runs queued jobs"
        )


@app.callback(invoke_without_command=True)
def jobs(command: typer.Context, studio: StudioOpt = None, json_out: JsonOpt = False) -> None:
    """List the jobs: id, kind, state, progress, attempts, who asked, the last error."""
    if command.invoked_subcommand is None:
        from pressroom.plays import jobs as job_plays

        listing(
            [job.as_dict() for job in job_plays.listing(context(studio, acting=False))],
            {
                "id": lambda r: r["id"],
                "kind": lambda r: r["kind"],
                "state": lambda r: r["state"],
                "progress": lambda r: f"{r['progress']['done']}/{r['progress']['total']}",
                "attempts": lambda r: r["attempts"],
                "requester": lambda r: r["requester"],
                "error": lambda r: (r["error"] or "")[:60],
            },
            json_out,
        )


@app.command("cancel")
def cancel(
    job_id: Annotated[int, typer.Argument(metavar="JOB")], studio: StudioOpt = None, json_out: JsonOpt = False
) -> None:
    """Cancel a queued job, or a running one (it stops after the image in flight)."""
    from pressroom.plays import jobs as job_plays

    print_job(job_plays.cancel(context(studio, acting=False), job_id), json_out)


def worker(
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Exit when no job is queued or running.")] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="Render volume images on a pool of Ray actors in the cluster at ADDRESS (HOST:PORT, ray://HOST:PORT, "
            "auto: the cluster this machine is in, local: a new one on this machine).",
        ),
    ] = None,
    actors: Annotated[
        int | None,
        typer.Option("--actors", help="With --ray: how many actors (default: one per GPU of the cluster, else 1)."),
    ] = None,
    studio: StudioOpt = None,
) -> None:
    """Claim and run queued jobs until stopped (Ctrl-C or SIGTERM: the job in hand goes back to the
    queue); any number of workers may share a studio. With --ray, each actor first reproduces a
    recipe's hero and takes part in its volume runs only if it gets `exact`."""
    import signal

    from pressroom.errors import InputError
    from pressroom.plays import jobs as job_plays

    if actors is not None and ray is None:
        raise InputError("--actors sets the size of a Ray pool; add --ray ADDRESS (or --ray local)", field="actors")

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    # a worker started in the background (a service manager, `cmd &`) may inherit SIGINT ignored;
    # it must still stop cleanly when asked, and SIGTERM asks the same
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    err = console(stderr=True)

    def log(line: str) -> None:
        err.print(line, markup=False)  # a line may quote the database: "[" there is no markup

    ran = job_plays.work(context(studio, acting=False), until_idle=until_idle, ray=ray, actors=actors, log=log)
    err.print(f"idle: {ran} job(s) run")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="jobs")
    root.command()(worker)
