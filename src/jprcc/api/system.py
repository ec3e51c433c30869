"""Health and readiness, the node's configuration (no login needed), Prometheus metrics (with the
scraper's token) and the live feed (server-sent events)."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST

from jprcc import __version__
from jprcc.api.deps import CurrentActor, NodeDep, TokenDep
from jprcc.api.views import ClockOut, ConfigOut
from jprcc.core.clock import speed_of
from jprcc.core.feed import SESSION_ENDED, TOO_SLOW
from jprcc.core.model import Actor

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", summary="Is the node up, and which store does it use")
def health(node: NodeDep) -> dict[str, str]:
    return {"status": "ok", "store": node.database.dialect, "node_id": node.settings.node_id}


@router.get(
    "/ready",
    summary="Is the node ready to serve: the store answers and its schema is this version's",
    responses={503: {"description": "Not ready: the checks say which part is not"}},
)
def ready(node: NodeDep) -> JSONResponse:
    """For a load balancer or an orchestrator: route to this process only when it answers 200."""
    from jprcc.core.maintenance import schema_revisions

    checks: dict[str, str] = {}
    try:
        node.queries.last_seq()
        checks["store"] = "ok"
        current, head = schema_revisions(node.database)
        checks["schema"] = (
            "ok" if current == head else f"at {current}, this version needs {head}: jprcc db upgrade"
        )
    except Exception as e:  # the store is down or unreachable
        checks["store"] = f"unreachable: {type(e).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": "5"},
    )


metrics_router = APIRouter(tags=["system"])


@metrics_router.get(
    "/metrics",
    summary="Prometheus metrics of this server process (with the scraper's bearer token)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, 401: {}, 404: {}},
)
def metrics(node: NodeDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    expected = node.settings.metrics_token
    if not expected:
        return Response(status_code=404)
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(node.metrics.text(), media_type=CONTENT_TYPE_LATEST)


@router.get("/config", summary="The classification marking and this node's identity (no login needed)")
def config(node: NodeDep) -> ConfigOut:
    return ConfigOut(
        classification=node.settings.marking,
        exercise=node.settings.exercise,
        clock=ClockOut(now=node.clock(), speed=speed_of(node.clock)),
        node_id=node.settings.node_id,
        version=__version__,
        basemap_tiles=node.settings.basemap_mbtiles is not None,
        hillshade=node.settings.terrain_elevation is not None,
    )


async def _stream(node: NodeDep, token: str, actor: Actor, cursor: int) -> AsyncIterator[str]:
    """Frames after ``cursor``: this stream's own catch-up from the log up to where the node's one
    feed stood when it joined, then the frames the feed hands it. A logout, a deactivated account
    or an expired token ends the stream."""
    feed = node.feed
    sub = feed.subscribe(actor, token, asyncio.get_running_loop())
    try:
        yield f"retry: 2000\nid: {cursor}\n: connected\n\n"  # a reconnect resumes from here
        while cursor < sub.start:
            frames, cursor = await run_in_threadpool(feed.catch_up, actor, cursor, sub.start)
            for text in frames:
                yield text
        # each wake-up writes out everything handed over since the last, as one chunk; a client
        # that goes away cancels this generator (the response listens for the disconnect)
        while True:
            if not (sub.pending or sub.ended or sub.beat):
                await sub.ready.wait()
            texts = sub.take()
            if texts:
                yield "".join(texts)
            if sub.ended:
                yield TOO_SLOW if sub.overflowed else SESSION_ENDED
                return
            if sub.beat:
                sub.beaten()
                if not await run_in_threadpool(feed.still_valid, sub):
                    yield SESSION_ENDED
                    return
                yield ": heartbeat\n\n"
    finally:
        feed.unsubscribe(sub)


@router.get(
    "/feed",
    summary="Live feed: committed events you may see, as server-sent events",
    response_class=StreamingResponse,
)
async def feed(
    node: NodeDep,
    actor: CurrentActor,
    token: TokenDep,
    after: Annotated[
        int | None, Query(ge=0, le=2**62, description="Resume after this sequence number.")
    ] = None,
    last_event_id: Annotated[str | None, Header(pattern=r"^\d{1,18}$")] = None,
) -> StreamingResponse:
    if after is None:
        after = int(last_event_id) if last_event_id else await run_in_threadpool(node.queries.last_seq)
    return StreamingResponse(
        _stream(node, token, actor, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
