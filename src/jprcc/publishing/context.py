"""The data a message is rendered from: plain dicts, lists, text and numbers, read for one actor
(need-to-know holds: a message shows only what its author may see) and shaped exactly as the
kind's schema declares (``model.SCHEMAS``; a test holds the two equal)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jprcc.brokering.incident import Incident, Stage
from jprcc.core.board import BoardFilter, BoardRow
from jprcc.core.errors import NotAuthorized
from jprcc.core.geo import to_mgrs
from jprcc.core.model import Actor, Capability, DutyStatus, Position, RecoveryPointKind
from jprcc.core.queries import Queries
from jprcc.core.theater.model import RecoveryPoint
from jprcc.intel.planning import light
from jprcc.publishing.model import MessageKind

DARK_HORIZON = timedelta(hours=36)
THEATER_LIMIT = 1000
DONE = (DutyStatus.RECOVERED, DutyStatus.DECEASED)


def dtg(when: datetime | None) -> str:
    """A date-time group, ``181430ZNOV25`` (UTC)."""
    if when is None:
        return ""
    return when.strftime("%d%H%MZ%b%y").upper()


def _position(p: Position) -> dict[str, Any]:
    return {"mgrs": to_mgrs(p), "lat": p.lat, "lon": p.lon}


def _light(p: Position, now: datetime) -> dict[str, Any]:
    windows = light.dark_windows(p.lat, p.lon, now, DARK_HORIZON)
    clock = light.dark_clock(windows, now, DARK_HORIZON)
    return {
        "now": light.light(p.lat, p.lon, now).describe(),
        "dark_minutes_left": int(clock.dark_minutes_left),
        "next_first_light": dtg(clock.first_light),
        "next_last_light": dtg(clock.last_light),
    }


def incident_data(q: Queries, actor: Actor, i: Incident, now: datetime) -> dict[str, Any]:
    names = {c.component_id: c.name for c in q.components()}
    timeline = q.timeline(actor, i.incident_id)
    return {
        "id": i.incident_id,
        "title": i.title,
        "stage": i.stage.value,
        "priority": i.priority,
        "owning_component": i.owning_component,
        "owning_component_name": names.get(i.owning_component, i.owning_component),
        "environment": i.environment.value,
        "summary": i.summary,
        "isolated_at": dtg(i.isolating_event_at),
        "reported_at": dtg(i.reported_at),
        "reported_by": i.reported_by,
        "channel": i.channel.value,
        "source_confidence": i.source_confidence.value,
        "position": _position(i.position),
        "uncertainty_m": i.uncertainty_m,
        "authenticated": i.authenticated,
        "persons": [
            {
                "name": p.name,
                "service": p.service,
                "component": p.component_id,
                "unit": p.unit,
                "condition": p.condition.value,
                "duty_status": p.duty_status.value,
                "authenticated": p.authenticated_by is not None,
            }
            for p in i.persons.values()
        ],
        "persons_out": sum(1 for p in i.persons.values() if p.duty_status not in DONE),
        "detaining_party": i.detaining_party,
        "tasks": [{"task": t.value, "status": s.value} for t, s in i.tasks.items()],
        "narrative": [{"at": dtg(e.at), "by": e.actor, "text": e.summary} for e in timeline],
        "light": _light(i.position, now),
    }


def _poll(q: Queries, i: Incident) -> dict[str, Any] | None:
    poll = i.poll
    if poll is None:
        return None
    callsigns = {a.asset.asset_id: a.asset.callsign for a in q.assets(None)}
    return {
        "id": poll.poll_id,
        "components": list(poll.component_ids),
        "capabilities": [c.value for c in poll.capabilities_needed],
        "opened_at": dtg(poll.opened_at),
        "respond_by": dtg(poll.respond_by),
        "answers": [
            {
                "component": a.component_id,
                "answered_by": a.answered_by,
                "answered_at": dtg(a.answered_at),
                "cannot": a.cannot_reason or "",
                "offers": [
                    {
                        "asset": o.asset_id,
                        "callsign": callsigns.get(o.asset_id, o.asset_id),
                        "capability": o.capability.value,
                        "available_at": dtg(o.available_at),
                        "released": o.release_from_operation,
                    }
                    for o in a.offers
                ],
            }
            for a in sorted(poll.answers.values(), key=lambda a: a.component_id)
        ],
        "unanswered": [c for c in poll.component_ids if c not in poll.answers],
    }


def _directive(q: Queries, i: Incident) -> dict[str, Any] | None:
    d = i.directive or (i.past_directives[-1] if i.past_directives else None)
    if d is None:
        return None
    assets = {a.asset.asset_id: a.asset for a in q.assets(None)}
    return {
        "id": d.directive_id,
        "status": d.status.value,
        "supported_component": d.supported_component,
        "support_kind": d.support_kind.value,
        "priority": d.priority,
        "window_start": dtg(d.window_start),
        "window_end": dtg(d.window_end),
        "desired_effects": d.desired_effects,
        "tacon_statement": d.tacon_statement,
        "approved_by": d.approved_by,
        "approved_at": dtg(d.approved_at),
        "contributions": [
            {
                "component": c.component_id,
                "assets": [
                    {
                        "id": a,
                        "callsign": assets[a].callsign if a in assets else a,
                        "type": assets[a].asset_type if a in assets else "",
                    }
                    for a in c.asset_ids
                ],
                "task": c.task,
                "status": i.support_tasks[c.component_id].status.value
                if c.component_id in i.support_tasks
                else "tasked",
            }
            for c in d.contributions
        ],
    }


def incident_summary(r: BoardRow) -> dict[str, Any]:
    out = len([s for s in r.duty_statuses if s not in {d.value for d in DONE}])
    return {
        "id": r.incident_id,
        "title": r.title,
        "stage": r.stage.value,
        "priority": r.priority,
        "owning_component": r.owning_component,
        "isolated_at": dtg(r.isolating_event_at),
        "position": _position(Position(r.lat, r.lon)),
        "persons": r.persons_count,
        "persons_out": out,
        "latest": f"last update {dtg(r.last_update_at)}" + (", OVERDUE" if r.overdue else ""),
    }


def _rows(q: Queries, actor: Actor, include_closed: bool) -> list[BoardRow]:
    return q.board(actor, BoardFilter(include_closed=include_closed, limit=THEATER_LIMIT)).rows


@dataclass(frozen=True)
class Sources:
    """What some kinds read beyond the incidents: the matrix in force, the reintegration board, the
    whole log (after action), the node's default check-in interval."""

    matrix: Callable[[], Any] | None = None
    journeys: Callable[[Actor], list[Any]] | None = None
    check_in_s: int = 1800
    #: the search picture of an incident (``jprcc.publishing.search``), or None where none is defined
    search: Callable[[Actor, str], Any] | None = None


def data(
    q: Queries,
    actor: Actor,
    kind: MessageKind,
    incident_id: str | None,
    marking: str,
    now: datetime,
    sources: Sources | None = None,
    search: Any = None,
) -> dict[str, Any]:
    """Everything ``kind``'s template may use, for ``incident_id`` when the kind is per incident
    (``search``: the incident's ``SearchPicture``, for a SITREP)."""
    sources = sources or Sources()
    common = {"marking": marking, "dtg": dtg(now), "originator": "JPRCC", "title": kind.label.upper()}
    if kind.per_incident:
        if not incident_id:
            raise ValueError(f"a {kind.label.lower()} is about one incident: give incident_id")
        i = q.incident(actor, incident_id)
        common["title"] = f"{kind.label.upper()} - {i.incident_id}"
        out: dict[str, Any] = {**common, "incident": incident_data(q, actor, i, now)}
        if kind in (MessageKind.SITREP, MessageKind.CAPABILITY_POLL):
            out["poll"] = _poll(q, i)
        if kind in (MessageKind.SITREP, MessageKind.SUPPORT_DIRECTIVE):
            out["directive"] = _directive(q, i)
        if kind is MessageKind.SITREP:
            out["search"] = search.data() if search is not None else None
        return out
    if kind is MessageKind.THEATER_SITREP:
        rows = [r for r in _rows(q, actor, False) if r.stage is not Stage.CLOSED]
        summaries = [incident_summary(r) for r in rows]
        stages: dict[str, int] = {}
        for r in rows:
            stages[r.stage.value] = stages.get(r.stage.value, 0) + 1
        return {
            **common,
            "incidents": summaries,
            "counts": {
                "open": len(rows),
                "persons_out": sum(s["persons_out"] for s in summaries),
                "by_stage": [
                    {"stage": s.value, "count": stages[s.value]} for s in Stage if s.value in stages
                ],
            },
        }
    if kind is MessageKind.SPINS_PR:
        return _spins(q, actor, common, sources)
    if kind is MessageKind.REINTEGRATION_STATUS:
        return _reintegration(actor, common, sources)
    if kind is MessageKind.AFTER_ACTION:
        return _after_action(q, actor, common, now)
    return _daily(q, actor, common, now)


RECOVERY_FORCES = frozenset(
    {
        Capability.ROTARY_WING_RECOVERY,
        Capability.MARITIME_SURFACE_RECOVERY,
        Capability.GROUND_RECOVERY_TEAM,
        Capability.PARARESCUE,
        Capability.SPECIAL_OPERATIONS_TEAM,
    }
)


def _point(p: RecoveryPoint) -> dict[str, Any]:
    return {
        "id": p.point_id,
        "name": p.name,
        "kind": p.kind.value,
        "mgrs": to_mgrs(p.position),
        "component": p.component_id or "",
        "remarks": p.remarks,
    }


def _spins(q: Queries, actor: Actor, common: dict[str, Any], sources: Sources) -> dict[str, Any]:
    points = q.recovery_points()
    rows: list[dict[str, Any]] = []
    version = 0
    if sources.matrix is not None:
        matrix = sources.matrix()
        version = matrix.version
        for n, r in enumerate(matrix.rows, 1):
            when = "; ".join(f"{k} {'/'.join(v)}" for k, v in r.when.items()) or "any other situation"
            rows.append(
                {
                    "number": n,
                    "when": when,
                    "recommend": r.recommend.value,
                    "approval": r.approval.value,
                    "wait_for_darkness": r.wait_for_darkness,
                    "why": " ".join(r.why.split()),
                }
            )
    return {
        **common,
        "title": "PR SECTION OF THE SPECIAL INSTRUCTIONS (SPINS)",
        "components": [{"id": c.component_id, "name": c.name, "prcc": c.prcc_name} for c in q.components()],
        "recovery_points": [_point(p) for p in points if p.kind is not RecoveryPointKind.MEDICAL_FACILITY],
        "medical_facilities": [_point(p) for p in points if p.kind is RecoveryPointKind.MEDICAL_FACILITY],
        "recovery_forces": [
            {
                "callsign": a.asset.callsign,
                "type": a.asset.asset_type,
                "component": a.asset.component_id,
                "base": a.asset.base_name,
                "readiness": a.asset.readiness.value,
                "capabilities": [c.value for c in a.asset.capabilities],
            }
            for a in q.assets(actor)
            if set(a.asset.capabilities) & RECOVERY_FORCES
        ],
        "matrix": {"version": version, "rows": rows},
        "check_in_minutes": sources.check_in_s // 60,
    }


def _reintegration(actor: Actor, common: dict[str, Any], sources: Sources) -> dict[str, Any]:
    rows = sources.journeys(actor) if sources.journeys is not None else []
    persons = [
        {
            "person": r.name,
            "incident": r.incident_id,
            "component": r.component_id,
            "duty_status": r.duty_status,
            "stage": r.lifecycle,
            "location": r.location,
            "custodian": r.custodian,
            "next_decision": r.next_decision,
            "next_due": dtg(r.next_due),
            "ended": bool(r.ended),
        }
        for r in rows
    ]
    ended = sum(1 for p in persons if p["ended"])
    return {**common, "persons": persons, "counts": {"active": len(persons) - ended, "ended": ended}}


def _after_action(q: Queries, actor: Actor, common: dict[str, Any], now: datetime) -> dict[str, Any]:
    from jprcc.exercise import metrics as mx

    if not actor.role.sees_whole_theater:
        raise NotAuthorized("the after-action report reads every incident: the JPRCC's and the JFC's")

    def log() -> Any:
        after = 0
        while page := q.events_after(after, limit=2_000):
            yield from page
            after = page[-1].seq

    figures = mx.after_action(log(), now)
    return {
        **common,
        "as_of": dtg(figures.as_of),
        "events_read": figures.events_read,
        "incidents": [
            {
                "id": m.incident_id,
                "title": m.title,
                "owning_component": m.owning_component,
                "isolated_at": dtg(m.isolated_at),
                "minutes": {
                    k: "-" if m.minutes_to(k) is None else f"{m.minutes_to(k):.0f}" for k in mx.MILESTONES
                },
                "steps": [{"name": st.name, "minutes": round(st.minutes, 1)} for st in m.steps],
                "dark_minutes_lost": round(m.dark_minutes_lost, 1),
                "components": sorted(m.components),
                "relationships": list(m.relationships),
            }
            for m in figures.incidents
        ],
    }


def _daily(q: Queries, actor: Actor, common: dict[str, Any], now: datetime) -> dict[str, Any]:
    start = now - timedelta(hours=24)
    rows = _rows(q, actor, True)

    def within(at: datetime | None) -> bool:
        return at is not None and start < at <= now

    events: list[dict[str, Any]] = []
    recovered: list[BoardRow] = []
    closed: list[BoardRow] = []
    for r in rows:
        if not within(r.last_update_at):
            continue
        lines = [e for e in q.timeline(actor, r.incident_id) if within(e.at)]
        events += [
            {"at": dtg(e.at), "incident": r.incident_id, "text": e.summary, "_at": e.at} for e in lines
        ]
        if any(e.event_type == "incident_closed" for e in lines):
            closed.append(r)
        if any(e.event_type == "persons_recovered" for e in lines):
            recovered.append(r)
    events.sort(key=lambda e: e["_at"])
    for e in events:
        del e["_at"]
    return {
        **common,
        "title": f"DAILY PR SUMMARY {dtg(start)} TO {dtg(now)}",
        "period": {"start": dtg(start), "end": dtg(now)},
        "reported": [incident_summary(r) for r in rows if within(r.reported_at)],
        "recovered": [incident_summary(r) for r in recovered],
        "closed": [incident_summary(r) for r in closed],
        "open": [incident_summary(r) for r in rows if r.stage is not Stage.CLOSED],
        "events": events,
    }


def conforms(value: Any, schema: Any, path: str = "") -> list[str]:
    """Where ``value`` departs from ``schema`` (empty when it conforms): what a test holds."""
    from jprcc.publishing.model import BOOL, NUMBER, OPTIONAL, TEXT

    if isinstance(schema, dict):
        if value is None:
            return [] if schema.get(OPTIONAL) else [f"{path}: missing"]
        if not isinstance(value, dict):
            return [f"{path}: not a record"]
        keys = {k for k in schema if k != OPTIONAL}
        errors = [f"{path}.{k}: missing" for k in keys - set(value)]
        errors += [f"{path}.{k}: not declared" for k in set(value) - keys]
        for k in keys & set(value):
            errors += conforms(value[k], schema[k], f"{path}.{k}".lstrip("."))
        return errors
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [e for v in value for e in conforms(v, schema[0], path + "[]")]
    expected: dict[str, tuple[type, ...]] = {TEXT: (str,), NUMBER: (int, float), BOOL: (bool,)}
    ok = isinstance(value, expected[schema]) and not (schema == NUMBER and isinstance(value, bool))
    return [] if ok else [f"{path}: {type(value).__name__}, not {schema}"]


def dark_windows(p: Position, now: datetime) -> Sequence[tuple[datetime, datetime]]:
    return light.dark_windows(p.lat, p.lon, now, DARK_HORIZON)
