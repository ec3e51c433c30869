"""What a polled component may offer now: the poll form lists exactly what the server will take.

Each of the component's assets is put to the same check the answer will meet
(``rules.require_asset_available``), so the form never shows as ready an asset the server refuses:

=================== ====================================================================
status              meaning
=================== ====================================================================
``offerable``       may be offered now
``needs_release``   committed to an operation that outranks the incident: offered only with
                    its explicit release, which costs that operation the asset
``in_sequence``     serves another incident's directive: may be offered from ``available_from``
``isolated_team``   the isolated team itself: offered only for its own move to a linkup
``not_offerable``   refused, with the server's reason (not mission capable, ...)
=================== ====================================================================

Distance and time are along the WGS-84 geodesic from the asset's base at its cruise speed
(``intel.planning.threat.ground_range_m``): a first answer to "how far, how long", not a route
(the recovery options plan the routes).
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import TheaterView, require_asset_available
from jprcc.core.contract import Action, Call
from jprcc.core.errors import DomainError, NotAuthorized, RelationshipConflict, RuleViolation
from jprcc.core.model import Capability, Role
from jprcc.core.queries import AssetStatus
from jprcc.core.theater.model import Asset, Operation
from jprcc.intel.planning.threat import ground_range_m


class OfferableAsset(BaseModel):
    asset_id: str
    callsign: str
    asset_type: str
    capabilities: list[Capability]
    asked: list[Capability] = Field(description="The asset's capabilities the poll asks for.")
    status: str
    reason: str = Field(description="Why it cannot be offered as it stands (empty when offerable).")
    release_cost: str = Field(
        description='What releasing it costs, e.g. "IRON GATE (priority 1) loses KNIGHT 41".'
    )
    available_from: datetime | None = Field(
        description="In sequence: the time it is free to serve this incident."
    )
    distance_km: float
    minutes_to_person: float | None = Field(
        description="Great-circle distance at cruise speed (null: no speed)."
    )


class OfferableOut(BaseModel):
    incident_id: str
    component_id: str
    capabilities_needed: list[Capability]
    respond_by: datetime | None
    assets: list[OfferableAsset]


def _callsign_key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def is_isolated_team(asset: Asset, incident: Incident) -> bool:
    """The asset is the isolated unit: its callsign names the incident (``RAVEN 21: ...``) or a
    person's unit."""
    key = _callsign_key(asset.callsign)
    names = {_callsign_key(incident.title.split(":", 1)[0])} | {
        _callsign_key(p.unit) for p in incident.persons.values()
    }
    return bool(key) and key in names


def offerable(
    incident: Incident,
    found: list[AssetStatus],
    operations: dict[str, Operation],
    component_id: str,
    now: datetime,
) -> list[OfferableAsset]:
    """Every asset of ``component_id`` with what the server would say of offering it now."""
    view = TheaterView(
        assets={a.asset.asset_id: a.asset for a in found},
        taskings={a.asset.asset_id: a.tasked_incident_id for a in found if a.tasked_incident_id},
        tasked_until={a.asset.asset_id: a.tasked_until for a in found if a.tasked_until},
    )
    asked = set(incident.poll.capabilities_needed if incident.poll else incident.assistance_capabilities)
    bases = np.array([[a.asset.base.lat, a.asset.base.lon] for a in found]).reshape(-1, 2)
    ranges = ground_range_m(incident.position.lat, incident.position.lon, bases[:, 0], bases[:, 1])
    out = []
    for a, metres in zip(found, ranges.tolist(), strict=True):
        asset = a.asset
        status, reason, cost, free = "offerable", "", "", None
        try:
            require_asset_available(
                view, incident, asset.asset_id, component_id, released=False, field="asset", available_at=now
            )
        except (
            RelationshipConflict
        ) as refused:  # serving another directive: in sequence, from when it is free
            status, reason, free = (
                ("in_sequence" if a.tasked_until else "not_offerable"),
                refused.message,
                a.tasked_until,
            )
        except RuleViolation as refused:
            if refused.code == "committed_to_higher_priority" and asset.commitment is not None:
                op = operations.get(asset.commitment.operation_id)
                name = op.name if op else asset.commitment.operation_id
                status, reason = "needs_release", refused.message
                cost = f"{name} (priority {asset.commitment.priority}) loses {asset.callsign}"
            else:
                status, reason = "not_offerable", refused.message
        except DomainError as refused:  # serving another directive
            status, reason, free = (
                ("in_sequence" if a.tasked_until else "not_offerable"),
                refused.message,
                a.tasked_until,
            )
        if status == "offerable" and is_isolated_team(asset, incident):
            status, reason = (
                "isolated_team",
                "the isolated team itself: offer it only for its own move to a linkup point",
            )
        out.append(
            OfferableAsset(
                asset_id=asset.asset_id,
                callsign=asset.callsign,
                asset_type=asset.asset_type,
                capabilities=list(asset.capabilities),
                asked=[c for c in asset.capabilities if c in asked],
                status=status,
                reason=reason,
                release_cost=cost,
                available_from=free,
                distance_km=round(metres / 1000, 1),
                minutes_to_person=round(metres / 1000 / asset.speed_kmh * 60, 0)
                if asset.speed_kmh > 0
                else None,
            )
        )
    order = {"offerable": 0, "needs_release": 1, "in_sequence": 2, "isolated_team": 3, "not_offerable": 4}
    return sorted(out, key=lambda o: (order[o.status], not o.asked, o.distance_km))


class OfferableQuery(BaseModel):
    component_id: str | None = Field(
        default=None, pattern=s.ID_PATTERN, max_length=64, description="Default: your own component."
    )


def _offerable(call: Call) -> OfferableOut:
    actor = call.actor
    component_id = call.query.component_id or actor.component_id
    if component_id is None:
        raise RuleViolation("name the component whose assets to list", field="component_id")
    if actor.role.component_bound and component_id != actor.component_id:
        raise NotAuthorized(
            f"{actor.username} ({actor.role.value}) may list only {actor.component_id}'s assets"
        )
    if actor.role in (Role.OBSERVER,):
        raise NotAuthorized(f"{actor.username} (observer) answers no polls")
    queries = call.node.queries
    incident = queries.incident(actor, call.path["incident_id"])
    found = queries.assets(actor, component_id=component_id)
    operations = {o.operation_id: o for o in queries.operations()}
    poll = incident.poll
    return OfferableOut(
        incident_id=incident.incident_id,
        component_id=component_id,
        capabilities_needed=list(poll.capabilities_needed if poll else incident.assistance_capabilities),
        respond_by=poll.respond_by if poll else None,
        assets=offerable(incident, found, operations, component_id, call.node.clock()),
    )


def actions(incident_id: object) -> tuple[Action, ...]:
    return (
        Action(
            "incidents.offerable",
            "GET",
            "/api/incidents/{incident_id}/capability-poll/offerable",
            "What a polled component may offer now: each asset with what the server would say, "
            "what releasing it costs, its distance and time to the person",
            _offerable,
            query=OfferableQuery,
            path_params={"incident_id": incident_id},
            response=OfferableOut,
            tags=("incidents",),
        ),
    )
