"""The service layer: every use case as ``play(ctx, ...) -> result``, one transaction each.

Importing this package loads every play, so the job kinds the plays own are registered with the
worker (``pressroom.jobs.kinds``)."""

# the plays that own a kind of job or a worker's chore, or listen to the events (the notices):
# importing them registers them
from pressroom.plays import concepts, fixes, lockin, notices, outbox, release_plan, reminders, volume  # noqa: E402, F401
