"""An ASGI middleware in front of Gradio's routes, for what ``--auth`` alone leaves open.

- ``/gradio_api/cancel`` and ``/gradio_api/reset`` answer without a login in Gradio (6.x). Cancel stops
  the task named ``<session_hash>_<fn_index>`` of whichever session that is and drops the event
  ``event_id`` from the queue, checking neither who asks nor whose job it is, so a caller who knows or
  guesses a session hash (made by ``Math.random`` in the page) can stop another secretary's generation.
  Under ``--auth`` both need a login here, and cancel is refused for a session whose queued or running
  events belong to another user.
- ``/login``: after ``FREE_ATTEMPTS`` wrong passwords in a row from one client address, each further
  attempt must wait (1 s, doubling up to ``MAX_WAIT`` seconds); until then it is answered 429 with
  ``Retry-After`` without the password being looked at. A correct login clears the count.

Add it with ``demo.launch(app_kwargs=guard_app_kwargs())``.

``require_identity`` guards the callbacks themselves: every event that takes the browser's client id
resolves who is asking before the callback runs, so a request with neither a login nor a client id is
refused whatever the callback would have done first.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

FREE_ATTEMPTS = 5  # wrong passwords in a row before a client has to wait
FIRST_WAIT = 1.0  # seconds, doubling with each further wrong password
MAX_WAIT = 60.0
TRACKED_CLIENTS = 10_000  # addresses remembered (the oldest are forgotten first)
GUARDED_SUFFIXES = ("/gradio_api/cancel", "/gradio_api/reset")


class LoginBackoff:
    """Wrong-password counts per client address and when each may try again (thread-safe)."""

    def __init__(self, free: int = FREE_ATTEMPTS, first: float = FIRST_WAIT, cap: float = MAX_WAIT,
                 clock: Any = time.monotonic) -> None:
        self.free, self.first, self.cap, self.clock = free, first, cap, clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client → (count, not before)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds the client must still wait before its next attempt (0: it may try now)."""
        with self._lock:
            count, not_before = self._failures.get(client, (0, 0.0))
        return max(0.0, not_before - self.clock()) if count >= self.free else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            count = self._failures.pop(client, (0, 0.0))[0] + 1
            delay = min(self.cap, self.first * 2 ** (count - self.free)) if count >= self.free else 0.0
            self._failures[client] = (count, self.clock() + delay)
            while len(self._failures) > TRACKED_CLIENTS:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def _path(scope: dict[str, Any]) -> str:
    return (scope.get("path") or "").rstrip("/")


async def _answer(send: Any, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})


def _user(app: Any, scope: dict[str, Any]) -> str | None:
    """The logged-in user of a request, read the way Gradio reads it (its access-token cookies)."""
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                cookies[key] = val
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return app.tokens.get(token) if token else None


def _session_users(app: Any, session_hash: str) -> set[str | None]:
    """Users of the events queued or running for a session (Gradio's queue keeps them)."""
    queue = app.get_blocks()._queue
    events = [queue.event_ids_to_events.get(e) for e in queue.pending_event_ids_session.get(session_hash, ())]
    for job in queue.active_jobs:
        events += [e for e in (job or []) if getattr(e, "session_hash", None) == session_hash]
    return {getattr(e, "username", None) for e in events if e is not None}


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


class GuardMiddleware:
    """See the module docstring. ``scope["app"]`` is Gradio's FastAPI app (its auth, tokens and queue)."""

    def __init__(self, app: Any, backoff: LoginBackoff | None = None) -> None:
        self.app = app
        self.backoff = backoff or LoginBackoff()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        gradio_app = scope.get("app")
        path = _path(scope)
        if gradio_app is None or getattr(gradio_app, "auth", None) is None:
            await self.app(scope, receive, send)
            return
        if path.endswith("/login"):
            await self._login(scope, receive, send)
            return
        if path.endswith(GUARDED_SUFFIXES):
            user = _user(gradio_app, scope)
            if user is None:
                await _answer(send, 401, {"detail": "Not authenticated"})
                return
            if path.endswith("/cancel"):
                body = await _read_body(receive)
                try:
                    session = str(json.loads(body or b"{}").get("session_hash", ""))
                except (ValueError, AttributeError):
                    session = ""
                if any(u != user for u in _session_users(gradio_app, session)):
                    await _answer(send, 403, {"detail": "Not your session"})
                    return
                receive = _replay(body)
        await self.app(scope, receive, send)

    async def _login(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.backoff.wait(client)
        if wait > 0:
            await _answer(send, 429, {"detail": f"登录失败次数过多，请 {wait:.0f} 秒后再试。"},
                          [(b"retry-after", str(max(1, math.ceil(wait))).encode())])
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.backoff.succeeded(client)
        elif status and 400 <= status[0] < 500:
            self.backoff.failed(client)


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def guard_app_kwargs(backoff: LoginBackoff | None = None) -> dict[str, Any]:
    """``app_kwargs`` for ``gr.Blocks.launch`` that put ``GuardMiddleware`` in front of every route."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(GuardMiddleware, backoff=backoff)]}


def issues_client_id(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark the callback that gives a new browser its client id (page load): ``require_identity`` lets it
    take a blank one."""
    fn.issues_client_id = True  # type: ignore[attr-defined]
    return fn


def require_identity(demo: Any, client_component: Any, owner: Callable[[Any, Any], str]) -> int:
    """Wrap every callback of ``demo`` whose inputs include ``client_component`` so that
    ``owner(request, client)`` runs first; it raises (``gr.Error``) for a request with no identity.

    The callbacks name those parameters ``request`` and ``client``; one that does not is a programming
    error (``TypeError`` here, when the app is built). Returns how many callbacks were wrapped.
    """
    wrapped = 0
    for block_fn in demo.fns.values():
        fn = block_fn.fn
        if fn is None or client_component not in block_fn.inputs or getattr(fn, "issues_client_id", False):
            continue
        params = inspect.signature(fn).parameters
        if "client" not in params or "request" not in params:
            raise TypeError(f"{fn.__qualname__} takes the client id: name its parameters request and client")
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            raise TypeError(f"{fn.__qualname__}: async callbacks are not guarded")
        block_fn.fn = _guarded(fn, owner)
        wrapped += 1
    return wrapped


def _guarded(fn: Callable[..., Any], owner: Callable[[Any, Any], str]) -> Callable[..., Any]:
    signature = inspect.signature(fn)

    def check(args: tuple, kwargs: dict) -> None:
        bound = signature.bind_partial(*args, **kwargs).arguments
        owner(bound.get("request"), bound.get("client"))

    if inspect.isgeneratorfunction(fn):  # Gradio streams a generator function's yields: stay one
        @functools.wraps(fn)
        def guarded_stream(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            yield from fn(*args, **kwargs)
        return guarded_stream

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(args, kwargs)
        return fn(*args, **kwargs)
    return guarded
