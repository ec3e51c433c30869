"""The data a message is rendered from: plain dicts, lists, text and numbers, read for one actor
(need-to-know holds: a message shows only what its author may see) and shaped exactly as the
kind's schema declares (``model.SCHEMAS``; a test holds the two equal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jprcc.brokering.incident import Incident, Stage
from jprcc.core.board import BoardFilter, BoardRow
from jprcc.core.geo import to_mgrs
from jprcc.core.model import Actor, DutyStatus, Position
from jprcc.core.queries import Queries
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


def _summary(r: BoardRow) -> dict[str, Any]:
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


def data(
    q: Queries, actor: Actor, kind: MessageKind, incident_id: str | None, marking: str, now: datetime
) -> dict[str, Any]:
    """Everything ``kind``'s template may use, for ``incident_id`` when the kind is per incident."""
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
        return out
    if kind is MessageKind.THEATER_SITREP:
        rows = [r for r in _rows(q, actor, False) if r.stage is not Stage.CLOSED]
        summaries = [_summary(r) for r in rows]
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
    return _daily(q, actor, common, now)


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
        "reported": [_summary(r) for r in rows if within(r.reported_at)],
        "recovered": [_summary(r) for r in recovered],
        "closed": [_summary(r) for r in closed],
        "open": [_summary(r) for r in rows if r.stage is not Stage.CLOSED],
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
