"""Generation as jobs: a queue in the ledger (``queue``) and the worker that runs it (``worker``).

A play that makes many images plans them, enqueues one job of plain data, and the job is run by
``pressroom worker`` processes, or by the command itself when no worker is running.
"""
