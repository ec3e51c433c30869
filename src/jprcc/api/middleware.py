"""Pure ASGI middleware: a cap on request bodies, a bound on the writes waiting, security headers,
and one structured log line per request."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jprcc.core.monitoring import Load, Metrics

log = logging.getLogger("jprcc.http")


async def _send_problem(
    send: Send, status: int, error: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"error": error, "message": message, "field": "body"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413, whether or not Content-Length announces them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Send) -> None:
        await _send_problem(
            send, 413, "payload_too_large", f"request body exceeds the limit of {self.max_bytes} bytes"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send_problem(send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(declared) > self.max_bytes:
                await self._too_large(send)
                return
            await self.app(scope, receive, send)  # the server holds the body to its declared length
            return
        # no declared length (chunked): read up to the limit, then hand the body on
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body, delivered = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class SecurityHeaders:
    """Headers every answer carries: no sniffing, no framing, no referrer leaks; in an exercise, its
    marking (``X-JPRCC-Exercise``), so that no answer of an exercise passes for a real one."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: ASGIApp, exercise: str = "") -> None:
        self.app = app
        marking = exercise.encode("ascii", "replace")
        self.headers = [*self.HEADERS, *([(b"x-jprcc-exercise", marking)] if marking else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


class AccessLog:
    """One structured log line per request, and its count and time in the node's metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if (
                self.metrics is not None and scope["path"] != "/api/feed"
            ):  # a stream lasts as long as the page
                self.metrics.request(scope["method"], status["code"], time.perf_counter() - started)
            state = scope.get("state") or {}
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status["code"],
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": state.get("username"),
                },
            )


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteGate:
    """A bound on the writes waiting in this process: beyond ``max_pending`` a write is answered at
    once 503 with ``Retry-After`` and nothing is done, rather than queued until the client gives up
    not knowing whether it went through. (The store serializes writes; waiting longer only adds
    latency.) ``pending`` is what the metrics report."""

    def __init__(self, app: ASGIApp, max_pending: int, load: Load) -> None:
        self.app = app
        self.max_pending = max_pending
        self.load = load

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.load.pending >= self.max_pending:
            self.load.shed += 1
            await _send_problem(
                send,
                503,
                "overloaded",
                f"the node has {self.load.pending} writes waiting (its bound): nothing was done; try again",
                [(b"retry-after", b"1")],
            )
            return
        self.load.pending += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.load.pending -= 1


class SameOrigin:
    """A write that a browser authenticates by the session cookie alone must come from this node's
    own page: with a foreign ``Origin`` it is refused 403 before anything is read (a bearer token,
    which a page of another site cannot have, is not asked). ``SameSite=Strict`` already keeps the
    cookie off other sites' requests; this holds even where a browser does not honour it."""

    def __init__(self, app: ASGIApp, cookie: str) -> None:
        self.app = app
        self.cookie = cookie.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES and scope["path"].startswith("/api/"):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            by_cookie = b"authorization" not in headers and self.cookie + b"=" in headers.get(b"cookie", b"")
            if by_cookie and origin is not None:
                host = headers.get(b"x-forwarded-host") or headers.get(b"host") or b""
                if origin.split(b"://", 1)[-1].rstrip(b"/") != host:
                    await _send_problem(
                        send, 403, "foreign_origin", "a write from another site's page is refused (Origin)"
                    )
                    return
        await self.app(scope, receive, send)
