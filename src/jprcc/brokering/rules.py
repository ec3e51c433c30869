"""Checks shared by the incident decisions, and the view of the theater they decide against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jprcc.brokering.incident import Incident, Stage
from jprcc.core.errors import (
    ConcurrencyConflict,
    InvalidTransition,
    NotFound,
    RelationshipConflict,
    RuleViolation,
)
from jprcc.core.model import Readiness
from jprcc.core.theater.model import PRIORITY_RANGE, Asset, Component
from jprcc.core.values import CommandRelationship

#: a report may be stamped a little ahead of our clock (clock skew between cells), no more
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_TEXT = 10_000
MAX_UNCERTAINTY_M = 2_000_000.0
CHECK_IN_RANGE_S = range(60, 7 * 24 * 3600 + 1)


@dataclass(frozen=True)
class TheaterView:
    """What an incident decision needs to know of the rest of the theater.

    ``assets``: at least every asset the command names. ``taskings``: asset id → the other
    incident whose support directive in force it serves; ``tasked_until``: until when (the end
    of that directive's timing window). ``control``: TACON/OPCON
    relationships in force or planned that cover the named assets, in any incident.
    ``default_check_in_s``: the check-in interval of a new incident that names none.
    """

    components: Mapping[str, Component] = field(default_factory=dict)
    assets: Mapping[str, Asset] = field(default_factory=dict)
    taskings: Mapping[str, str] = field(default_factory=dict)
    tasked_until: Mapping[str, datetime] = field(default_factory=dict)
    control: Sequence[CommandRelationship] = ()
    default_check_in_s: int = 1800


def require(condition: bool, message: str, field: str | None = None) -> None:
    if not condition:
        raise RuleViolation(message, field=field)


def require_text(value: str, field: str, *, limit: int = MAX_TEXT) -> None:
    require(bool(value.strip()), f"{field} must not be blank", field)
    require(len(value) <= limit, f"{field} is longer than {limit} characters", field)


def require_priority(value: int, field: str = "priority") -> None:
    require(value in PRIORITY_RANGE, f"{field} must be 1 (highest) to 5 (lowest)", field)


def require_stage(incident: Incident, allowed: Iterable[Stage], action: str) -> None:
    allowed = tuple(allowed)
    if incident.stage not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise InvalidTransition(
            f"cannot {action}: incident {incident.incident_id} is {incident.stage.value} "
            f"(allowed only when {names})",
            field="incident_id",
        )


def require_open(incident: Incident) -> None:
    if incident.stage is Stage.CLOSED:
        raise InvalidTransition(
            f"incident {incident.incident_id} is closed; a closed incident takes no more actions",
            field="incident_id",
        )


def require_version(incident: Incident, expected: int | None) -> None:
    if expected is not None and expected != incident.version:
        raise ConcurrencyConflict(
            f"incident {incident.incident_id} changed since you read it (you had version "
            f"{expected}, it is now {incident.version}); reload and decide again",
            field="expected_version",
        )


def require_component(view: TheaterView, component_id: str, field: str) -> Component:
    component = view.components.get(component_id)
    if component is None:
        raise RuleViolation(f"unknown component {component_id}", field=field)
    return component


def require_person(incident: Incident, person_id: str, field: str) -> None:
    if person_id not in incident.persons:
        raise NotFound(f"incident {incident.incident_id} has no person {person_id}", field=field)


def require_time_order(begin: datetime, end: datetime, field: str) -> None:
    require(begin < end, f"{field}: the end must come after the begin", field)


def require_asset_available(
    view: TheaterView,
    incident: Incident,
    asset_id: str,
    component_id: str,
    *,
    released: bool,
    field: str,
    available_at: datetime | None = None,
) -> Asset:
    """The checks every asset offered or nominated for a recovery must pass.

    An asset serving another incident's support directive may serve this one in sequence: offered
    from (``available_at``) the end of that directive's timing window on, not before."""
    asset = view.assets.get(asset_id)
    if asset is None:
        raise RuleViolation(f"unknown asset {asset_id}", field=field)
    # named as the forms and the radio name it (its callsign), with its id
    named = (
        asset.callsign if asset.callsign.replace(" ", "-") == asset_id else f"{asset.callsign} ({asset_id})"
    )
    require(
        asset.component_id == component_id,
        f"asset {named} belongs to {asset.component_id}, not {component_id}: "
        "a component offers only its own assets",
        field,
    )
    require(
        asset.readiness is not Readiness.NOT_MISSION_CAPABLE,
        f"asset {named} is not mission capable",
        field,
    )
    if asset.committed_above(incident.priority) and not released:
        assert asset.commitment is not None
        raise RuleViolation(
            f"asset {named} is committed to operation {asset.commitment.operation_id} "
            f"(priority {asset.commitment.priority}), which outranks this incident (priority "
            f"{incident.priority}); its component must release it explicitly",
            field=field,
            code="committed_to_higher_priority",
        )
    other = view.taskings.get(asset_id)
    if other is not None and other != incident.incident_id:
        until = view.tasked_until.get(asset_id)
        if until is not None and available_at is not None and available_at >= until:
            return asset  # in sequence: free when the other directive's window ends
        free = f" until {until:%d %H%MZ}: offer it from then on to serve in sequence" if until else ""
        raise RelationshipConflict(
            f"asset {named} already serves the support directive of incident {other}{free}",
            field=field,
        )
    return asset


def require_no_control_overlap(
    view: TheaterView, asset_ids: Iterable[str], begin: datetime, end: datetime | None, field: str
) -> None:
    """Two transfers of control over one asset may not overlap in time."""
    wanted = set(asset_ids)
    for r in view.control:
        clash = wanted.intersection(r.asset_ids)
        if clash and r.overlaps(begin, end):
            until = r.end.isoformat() if r.end else "open-ended"
            raise RelationshipConflict(
                f"{', '.join(sorted(clash))} already under {r.kind.value.upper()} of "
                f"{r.to_component} from {r.begin.isoformat()} to {until} "
                f"({r.relationship_id}); overlapping transfers are refused",
                field=field,
            )
