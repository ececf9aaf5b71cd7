"""The server never blocks its event loop: a route that touches the ledger is a plain ``def``
(FastAPI runs it in its thread pool) or an ``async def`` that hands that work to
``run_in_threadpool`` and awaits it.

Read from the source (``ast``), one test per ``async def`` route of the app (and each ``async``
dependency of one). The code that runs on the loop is the route's body, the ``async def``s nested
in it, and any nested ``def`` or lambda it calls or hands to anything but ``run_in_threadpool``
(``render.acted(request, act)`` calls ``act`` right there). A call there blocks when it reaches:

- a play, the ledger, the store, the jobs, the engines or the checks (``pressroom.plays`` ...);
- a session of the ledger opened on some object (``ctx.unit()``, ``studio.session()``);
- ``open`` or ``time.sleep``;
- another pressroom function whose own body, judged the same way, blocks (``auth.signed_in``
  looks up the session's person in the ledger; ``render.acted`` calls ``auth.signed_in``).

An awaited call runs as a coroutine (its body is judged when it is pressroom's own); what is
handed to ``run_in_threadpool`` runs in the pool.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import inspect
import textwrap
import time
from types import FunctionType, MethodType, SimpleNamespace

import anyio.to_thread
import pytest
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from pressroom.jobs import queue
from pressroom.plays import jobs as job_plays
from pressroom.plays import reviews
from pressroom.server import auth
from pressroom.server.app import create_app
from pressroom.server.pages import render

BLOCKING_LAYERS = (
    "pressroom.plays",
    "pressroom.ledger",
    "pressroom.store",
    "pressroom.jobs",
    "pressroom.engines",
    "pressroom.checks",
)
OPENS_LEDGER = ("unit", "session", "connection", "execute")  # ctx.unit(), studio.session(), connection.execute()
BLOCKING_CALLS = (open, time.sleep)
THREAD_POOL = (run_in_threadpool, anyio.to_thread.run_sync, asyncio.to_thread)
# in a blocking layer, yet only reads a value already in hand
PURE = (queue.recorded, job_plays.landed, job_plays.shown)

Defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _source(func) -> ast.AST:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    return next(node for node in ast.walk(tree) if isinstance(node, Defs))


def _own(nodes):
    """The nodes of this code: the functions defined in it, not what is inside them."""
    for node in nodes:
        yield node
        if isinstance(node, Defs):
            # a nested function's decorators and defaults run here; its body does not
            outer = (*getattr(node, "decorator_list", ()), *node.args.defaults, *node.args.kw_defaults)
            yield from _own(o for o in outer if o is not None)
        else:
            yield from _own(ast.iter_child_nodes(node))


class Loop:
    """What blocks when the body of ``func`` runs on the event loop."""

    def __init__(self, func, judged: dict) -> None:
        self.func, self.judged = func, judged
        self.root = _source(func)
        self.first_line = inspect.getsourcelines(func)[1]
        self.defs: dict[str, ast.AST] = {}  # functions defined inside, by name
        self.bound: set[str] = set()  # other names bound inside (they hide the module's)
        for node in ast.walk(self.root):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not self.root:
                self.defs[node.name] = node
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                self.defs.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
        self.bound -= set(self.defs)
        closure = inspect.getclosurevars(func) if isinstance(func, FunctionType) else None
        self.names = {**vars(builtins), **func.__globals__, **(closure.nonlocals if closure else {})}
        self.awaited = {id(node.value) for node in ast.walk(self.root) if isinstance(node, ast.Await)}
        self.found: list[str] = []

    def resolve(self, expr: ast.AST):
        """The object a callee names (a module's function, a class, a method of a module's object), or None."""
        if isinstance(expr, ast.Name):
            if expr.id in self.bound or expr.id in self.defs or expr.id not in self.names:
                return None
            return self.names[expr.id]
        if isinstance(expr, ast.Attribute):
            owner = self.resolve(expr.value)
            return getattr(owner, expr.attr, None) if owner is not None else None
        return None

    def blocks(self, target, call: ast.Call) -> str | None:
        """Why calling ``target`` (None: not known) on the loop blocks, or None."""
        if target is None:
            attr = call.func.attr if isinstance(call.func, ast.Attribute) else None
            return "opens the ledger" if attr in OPENS_LEDGER else None
        target = target.__func__ if isinstance(target, MethodType) else target
        if any(target is pure for pure in PURE):
            return None
        if any(target is known for known in BLOCKING_CALLS):
            return "blocks"
        module = getattr(target, "__module__", None) or ""
        if module.startswith(BLOCKING_LAYERS):
            return f"reaches {module}"
        if module.startswith("pressroom.") and isinstance(target, FunctionType):
            inner = judge(target, self.judged)
            return f"reaches {inner[0]}" if inner else None
        return None

    def scan(self, node: ast.AST, scanned: set) -> None:
        if id(node) in scanned:
            return
        scanned.add(id(node))
        for inner in _own([node.body] if isinstance(node, ast.Lambda) else node.body):
            if isinstance(inner, ast.AsyncFunctionDef):  # runs on the loop whenever it runs
                self.scan(inner, scanned)
            elif isinstance(inner, ast.Call):
                self.call(inner, scanned)

    def call(self, call: ast.Call, scanned: set) -> None:
        name, line = ast.unparse(call.func), self.first_line + call.lineno - 1
        own = isinstance(call.func, ast.Name) and call.func.id in self.defs
        target = None if own else self.resolve(call.func)
        if not any(target is pool for pool in THREAD_POOL):
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                # a function handed to anything but the pool may be called right there, on the loop
                if isinstance(argument, ast.Lambda):
                    self.scan(argument, scanned)
                elif isinstance(argument, ast.Name) and argument.id in self.defs:
                    self.scan(self.defs[argument.id], scanned)
        if own:  # a function of its own, run right here
            self.scan(self.defs[call.func.id], scanned)
        elif id(call) in self.awaited:  # a coroutine: pressroom's own is judged by its body
            module = getattr(target, "__module__", None) or ""
            if inspect.iscoroutinefunction(target) and module.startswith("pressroom."):
                self.found += [
                    f"line {line}: await {name}(...) reaches {why}" for why in judge(target, self.judged)[:1]
                ]
        else:
            why = self.blocks(target, call)
            if why:
                self.found.append(f"line {line}: {name}(...) {why}")


def judge(func, judged: dict | None = None) -> list[str]:
    """The blocking calls made on the loop when ``func``'s body runs there (none: it never blocks)."""
    judged = {} if judged is None else judged
    if func not in judged:
        judged[func] = []  # (a function that calls itself is judged by the rest of its body)
        loop = Loop(func, judged)
        loop.scan(loop.root, set())
        where = f"{func.__module__}.{func.__qualname__}"
        judged[func] = [f"{where}, {finding}" for finding in loop.found]
    return judged[func]


def _routes(routes):
    """Every route, those of the routers the app includes too (FastAPI keeps an included router
    whole, as one entry naming it, since 0.130)."""
    for route in routes:
        inner = getattr(getattr(route, "original_router", route), "routes", None)
        if inner is not None:
            yield from _routes(inner)
        else:
            yield route


def _async_handlers():
    app = create_app(SimpleNamespace(config={}, root=None))
    found = []
    for route in _routes(app.routes):
        if not isinstance(route, APIRoute) or not route.endpoint.__module__.startswith("pressroom."):
            continue
        label = f"{'|'.join(sorted(route.methods))} {route.path}"
        handlers = [route.endpoint]
        stack = list(route.dependant.dependencies)
        while stack:
            dependency = stack.pop()
            stack += dependency.dependencies
            handlers.append(dependency.call)
        found += [
            pytest.param(handler, id=label if handler is route.endpoint else f"{label} ({handler.__name__})")
            for handler in handlers
            if inspect.iscoroutinefunction(handler)
        ]
    return found


ASYNC_HANDLERS = _async_handlers()


@pytest.mark.parametrize("handler", ASYNC_HANDLERS)
def test_an_async_route_leaves_the_ledger_to_the_thread_pool(handler):
    found = judge(handler)
    assert not found, "blocks the event loop:\n" + "\n".join(found)


def test_the_async_routes_are_found():
    """What the routes above are read from: the app's routes (the job's event stream is one)."""
    assert "GET /api/jobs/{job_id}/events" in {param.id for param in ASYNC_HANDLERS}


# -- the reading itself, on routes written both ways --------------------------------------------------
async def _decides_on_the_loop(request, generation_id):
    form = await request.form()
    ctx = auth.signed_in(request)
    return reviews.decide(ctx, generation_id, str(form.get("decision")), {})


async def _acts_on_the_loop(request):
    form = await request.form()
    return render.acted(request, lambda ctx: render.fragment("_checklist.html", check=dict(form)))


async def _opens_a_session_on_the_loop(request, ctx):
    with ctx.unit() as session:
        return session.get(object, 1)


async def _hands_a_play_to_a_helper(request):
    def act(ctx):
        return reviews.sheet(ctx, 1)

    return render.fragment("_decided.html", status=act)


async def _decides_in_the_pool(request, generation_id):
    form = await request.form()

    def act(ctx):
        return reviews.decide(ctx, generation_id, str(form.get("decision")), {})

    return await run_in_threadpool(render.acted, request, act)


async def _streams_from_the_pool(request, ctx):
    async def stream():
        while True:
            job = await run_in_threadpool(queue.get, ctx.studio, 1)
            yield str(queue.recorded(job))
            await asyncio.sleep(0.1)

    return stream()


@pytest.mark.parametrize(
    "handler, reached",
    [
        (_decides_on_the_loop, "pressroom.plays.accounts"),  # through auth.signed_in
        (_acts_on_the_loop, "pressroom.plays.accounts"),  # through render.acted and auth.signed_in
        (_opens_a_session_on_the_loop, "opens the ledger"),
        (_hands_a_play_to_a_helper, "pressroom.plays.reviews"),
    ],
)
def test_the_reading_finds_a_play_or_a_session_on_the_loop(handler, reached):
    found = judge(handler)
    assert found and reached in "\n".join(found)


@pytest.mark.parametrize("handler", [_decides_in_the_pool, _streams_from_the_pool])
def test_the_reading_passes_work_handed_to_the_thread_pool(handler):
    found = judge(handler)
    assert not found, "\n".join(found)
