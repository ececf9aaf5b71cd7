"""The team server: a JSON API over the same plays the CLI calls (``pressroom serve``).

``app`` builds the FastAPI application (errors, body limit, routers), ``auth`` turns a session
cookie or a bearer token into the Context a route hands to a play, and ``routes`` holds one
module per group of plays. A route parses, calls one use case and shapes the answer; no route
opens a ledger session, so the rules (roles, separation of duties) are the service layer's.
"""
