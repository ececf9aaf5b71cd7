"""The service layer: every use case as ``play(ctx, ...) -> result``, one transaction each.

Importing this package loads every play, so the job kinds the plays own are registered with the
worker (``pressroom.jobs.kinds``)."""

# the plays that own a kind of job: importing them registers their handlers with the worker
from pressroom.plays import concepts, fixes, lockin, release_plan, volume  # noqa: E402, F401
