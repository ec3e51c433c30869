"""Transfers of tactical control (TACON).

The article's complaint is that TACON transfers are undefined and cost hours. Here a
transfer exists only as an explicit request, naming the assets, the giving and receiving
components, a begin and an end, and a reason; it takes effect only on the JFC's approval,
and never overlaps another transfer of the same asset. A support directive never
transfers TACON (see ``brokering.TACON_STATEMENT``).
"""

from __future__ import annotations

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.flow import Decisions
from jprcc.brokering.incident import Incident, TaconRequest, TaconRequestStatus
from jprcc.brokering.rules import (
    TheaterView,
    require,
    require_component,
    require_no_control_overlap,
    require_text,
    require_time_order,
)
from jprcc.core import events as core_ev
from jprcc.core.errors import RelationshipConflict, RuleViolation
from jprcc.core.model import Context, RelationshipKind
from jprcc.core.values import CommandRelationship

decides = Decisions()


@decides(cmd.RequestTaconTransfer)
def request_tacon_transfer(
    c: cmd.RequestTaconTransfer, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_component(view, c.from_component, "from_component")
    require_component(view, c.to_component, "to_component")
    require(
        c.from_component != c.to_component, "TACON passes between two different components", "to_component"
    )
    require(bool(c.asset_ids), "name the assets whose TACON passes", "asset_ids")
    for i, asset_id in enumerate(c.asset_ids):
        asset = view.assets.get(asset_id)
        require(asset is not None, f"unknown asset {asset_id}", f"asset_ids[{i}]")
        assert asset is not None
        require(
            asset.component_id == c.from_component,
            f"asset {asset_id} belongs to {asset.component_id}, not {c.from_component}",
            f"asset_ids[{i}]",
        )
    require_time_order(c.begin, c.end, "end")
    require(c.end > ctx.now, "the transfer would already have ended", "end")
    require_text(c.reason, "reason")
    require_no_control_overlap(view, c.asset_ids, c.begin, c.end, "asset_ids")
    _require_not_serving_elsewhere(view, inc, c.asset_ids, "asset_ids")
    return [
        ev.TaconTransferRequested(
            at=ctx.now,
            incident_id=inc.incident_id,
            request_id=f"{inc.incident_id}/T{len(inc.tacon_requests) + 1}",
            asset_ids=c.asset_ids,
            from_component=c.from_component,
            to_component=c.to_component,
            begin=c.begin,
            end=c.end,
            reason=c.reason,
            requested_by=ctx.actor.username,
        )
    ]


def _require_not_serving_elsewhere(
    view: TheaterView, inc: Incident, asset_ids: tuple[str, ...], field: str
) -> None:
    """An asset serving another incident's support directive stays under its owner, as that
    directive says: its TACON cannot be handed to anyone for this incident."""
    for asset_id in asset_ids:
        other = view.taskings.get(asset_id)
        if other is not None and other != inc.incident_id:
            raise RelationshipConflict(
                f"asset {asset_id} serves the support directive of incident {other}, which keeps its TACON "
                "with its owner",
                field=field,
            )


def _requested(inc: Incident, request_id: str) -> TaconRequest:
    request = inc.tacon_requests.get(request_id)
    if request is None or request.status is not TaconRequestStatus.REQUESTED:
        state = "unknown" if request is None else request.status
        raise RuleViolation(f"no open TACON request {request_id} ({state})", field="request_id")
    return request


@decides(cmd.ApproveTaconTransfer)
def approve_tacon_transfer(
    c: cmd.ApproveTaconTransfer, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    request = _requested(inc, c.request_id)
    require(request.end > ctx.now, "the requested transfer window has passed", "request_id")
    begin = max(request.begin, ctx.now)  # control passes on approval, never before it
    require_no_control_overlap(view, request.asset_ids, begin, request.end, "request_id")
    _require_not_serving_elsewhere(view, inc, request.asset_ids, "request_id")
    relationship = CommandRelationship(
        relationship_id=f"{request.request_id}/R1",
        kind=RelationshipKind.TACON,
        from_component=request.from_component,
        to_component=request.to_component,
        incident_id=inc.incident_id,
        asset_ids=request.asset_ids,
        begin=begin,
        end=request.end,
        source_id=request.request_id,
        statement=(
            f"TACON of {', '.join(request.asset_ids)} passes from {request.from_component} to "
            f"{request.to_component} from {begin.isoformat()} until {request.end.isoformat()}, "
            f"approved by {ctx.actor.username}."
        ),
    )
    return [
        ev.TaconTransferApproved(
            at=ctx.now,
            incident_id=inc.incident_id,
            request_id=request.request_id,
            approved_by=ctx.actor.username,
            remarks=c.remarks,
            relationship=relationship,
        )
    ]


@decides(cmd.RejectTaconTransfer)
def reject_tacon_transfer(
    c: cmd.RejectTaconTransfer, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _requested(inc, c.request_id)
    require_text(c.reason, "reason")
    return [
        ev.TaconTransferRejected(
            at=ctx.now,
            incident_id=inc.incident_id,
            request_id=c.request_id,
            rejected_by=ctx.actor.username,
            reason=c.reason,
        )
    ]
