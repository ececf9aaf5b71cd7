"""The ledger: every table (``tables``), the database and its URLs (``db``), full-text search, the
hash chain, the rules the database itself enforces (``triggers``), the event log and the migrations."""
