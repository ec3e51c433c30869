"""Health, the audit check, and the live feed (server-sent events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from jprcc import __version__
from jprcc.api.deps import CurrentActor, NodeDep, TokenDep
from jprcc.api.views import AuditOut, ConfigOut
from jprcc.bootstrap import Node
from jprcc.domain.errors import AuthenticationFailed, NotAuthorized
from jprcc.domain.events import IncidentEvent
from jprcc.domain.model import Role
from jprcc.service.maintenance import verify_chain
from jprcc.service.ports import RecordedEvent

router = APIRouter(prefix="/api", tags=["system"])
HEARTBEAT_S = 15.0


@router.get("/health", summary="Is the node up, and which store does it use")
def health(node: NodeDep) -> dict[str, str]:
    return {"status": "ok", "store": node.database.dialect, "node_id": node.settings.node_id}


@router.get("/config", summary="The classification marking and this node's identity (no login needed)")
def config(node: NodeDep) -> ConfigOut:
    return ConfigOut(
        classification=node.settings.classification,
        node_id=node.settings.node_id,
        version=__version__,
        basemap_tiles=node.settings.basemap_mbtiles is not None,
    )


@router.get("/audit/verify", summary="Check the hash chain of the whole event log (JPRCC director)")
def audit(node: NodeDep, actor: CurrentActor) -> AuditOut:
    if actor.role is not Role.JPRCC_DIRECTOR:
        raise NotAuthorized("only the JPRCC director runs the audit")
    return AuditOut.model_validate(verify_chain(node.database), from_attributes=True)


def _frame(node: Node, r: RecordedEvent) -> str:
    entry = node.queries.timeline_entry(r)
    data = {
        "seq": r.seq,
        "type": r.event.type_name,
        "stream_id": r.stream_id,
        "incident_id": r.event.incident_id if isinstance(r.event, IncidentEvent) else None,
        "at": r.recorded_at.isoformat(),
        "actor": r.actor,
        "summary": entry.summary,
    }
    # one event type for the data ("message"): the kind is in the data, so clients need no list
    return f"id: {r.seq}\ndata: {json.dumps(data)}\n\n"


async def _stream(request: Request, node: NodeDep, token: str, cursor: int) -> AsyncIterator[str]:
    """Events after ``cursor``, as they commit. The token is checked again on every wake-up:
    a logout, an expiry or a deactivated account ends the stream."""
    yield f"retry: 2000\nid: {cursor}\n: connected\n\n"  # a reconnect resumes from here
    idle = 0.0
    while not await request.is_disconnected():
        try:
            actor = await run_in_threadpool(node.queries.actor_for_token, token)
        except AuthenticationFailed:
            yield "event: session_ended\ndata: {}\n\n"
            return
        found, scanned = await run_in_threadpool(node.queries.visible_events_after, actor, cursor)
        cursor = scanned
        for r in found:
            yield _frame(node, r)
        if found:
            idle = 0.0
            continue
        await node.feed.wait()
        idle += node.feed.poll_s
        if idle >= HEARTBEAT_S:
            idle = 0.0
            yield f"id: {cursor}\n: heartbeat\n\n"


@router.get(
    "/feed",
    summary="Live feed: committed events you may see, as server-sent events",
    response_class=StreamingResponse,
)
async def feed(
    request: Request,
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
        _stream(request, node, token, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
