"""The TAK deciders: command + the device (and, to confirm an alert, the incident and the theater)
→ events, or a refusal naming the field and the rule. Pure."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jprcc.brokering import casework, flow
from jprcc.brokering import commands as bcmd
from jprcc.brokering.decide import decide_incident
from jprcc.brokering.flow import Step
from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import TheaterView, require, require_text
from jprcc.core.errors import Conflict, NotFound
from jprcc.core.events import Event
from jprcc.core.model import Condition, Context, DutyStatus, Position, ReportChannel, SourceConfidence
from jprcc.core.values import PersonReport
from jprcc.tak import commands as cmd
from jprcc.tak import events as ev
from jprcc.tak.model import Alert, AlertKind, AlertStatus, Binding, BindingKind, Device

#: a repeat of an open alert is stored when the device has moved this far, or after this long
REPEAT_MOVE_M = 50.0
REPEAT_EVERY = timedelta(minutes=5)
MAX_REASON = 500


@dataclass(frozen=True)
class DeviceView:
    """What a device command is decided against. ``binding``: the asset or person a ``BindDevice``
    names, as the theater and the records know them (None: unknown). For ``ConfirmAlert``: the
    incident it joins or the one it would create, the theater, and the bound person's ISOPREP
    index (name, service, unit, component)."""

    device: Device | None
    binding: Binding | None = None
    incident: Incident | None = None
    theater: TheaterView | None = None
    person: tuple[str, str, str, str] | None = None


def _step(table: Any, command_type: type[Any]) -> Step:
    found: Step = next(s for s in table.steps if s.command is command_type)
    return found


REPORT = _step(flow.decides, bcmd.ReportIncident)
UPDATE_POSITION = _step(casework.decides, bcmd.UpdatePosition)


def _device(view: DeviceView, uid: str) -> Device:
    if view.device is None:
        raise NotFound(f"no TAK device with uid {uid}", field="uid")
    return view.device


def _alert(device: Device, alert_id: str) -> Alert:
    found = device.alerts.get(alert_id)
    if found is None:
        raise NotFound(f"device {device.uid} raised no alert {alert_id}", field="alert_id")
    return found


def _open(alert: Alert, doing: str) -> None:
    if not alert.status.open:
        raise Conflict(
            f"alert {alert.alert_id} is already {alert.status.value}: cannot {doing}", field="alert_id"
        )


def _component(device: Device | None) -> str | None:
    return device.binding.component_id if device is not None and device.binding is not None else None


def metres_between(a: Position, b: Position) -> float:
    """On a local tangent plane: good to a few metres over the distances a repeat moves."""
    north = math.radians(b.lat - a.lat) * 6_371_000.0
    east = math.radians(b.lon - a.lon) * 6_371_000.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(north, east)


def seen(
    device: Device | None, uid: str, callsign: str, cot_type: str, via: str, ctx: Context
) -> list[Event]:
    """The device's first report starts its stream; a known device adds nothing."""
    if device is not None:
        return []
    return [ev.DeviceSeen(at=ctx.now, uid=uid, callsign=callsign[:100], cot_type=cot_type[:100], via=via)]


def receive_alert(c: cmd.ReceiveAlert, view: DeviceView, ctx: Context, alert_id: str) -> list[Event]:
    """A new alert, or a repeat of the one still open (stored when it moved or after a while)."""
    out = seen(view.device, c.uid, c.device_callsign, "a-f-G-U-C", c.via, ctx)
    device = view.device
    component = _component(device)
    cot_uid = c.cot_uid if c.kind is AlertKind.CASEVAC else None
    open_ = device.open_alert(cot_uid) if device is not None else None
    if open_ is not None:
        moved = (
            c.position is not None
            and open_.position is not None
            and metres_between(open_.position, c.position) >= REPEAT_MOVE_M
        )
        since = open_.last_heard_at or open_.received_at
        if moved or c.kind is not open_.kind or ctx.now - since >= REPEAT_EVERY:
            out.append(
                ev.AlertRepeated(
                    at=ctx.now,
                    uid=c.uid,
                    component_id=component,
                    alert_id=open_.alert_id,
                    kind=c.kind,
                    position=c.position,
                    ce_m=c.ce_m,
                    reported_at=c.reported_at,
                )
            )
        return out
    out.append(
        ev.AlertReceived(
            at=ctx.now,
            uid=c.uid,
            component_id=component,
            alert_id=alert_id,
            kind=c.kind,
            cot_uid=c.cot_uid,
            callsign=c.callsign[:100],
            position=c.position,
            ce_m=c.ce_m,
            reported_at=c.reported_at,
            via=c.via,
            binding=device.binding if device is not None else None,
            details=c.details,
        )
    )
    return out


def cancel_alert(c: cmd.CancelAlert, view: DeviceView, ctx: Context) -> list[Event]:
    """The device's cancel marks its latest alert still open or confirmed into an incident: the
    JPRCC sees it, and a human decides (a cancel may be pressed by whoever holds the device)."""
    device = view.device
    live = (AlertStatus.RECEIVED, AlertStatus.ACKNOWLEDGED, AlertStatus.CONFIRMED)
    found = (
        [
            a
            for a in device.alerts.values()
            if a.status in live and a.cancelled_at is None and a.kind is not AlertKind.CASEVAC
        ]
        if device is not None
        else []
    )
    open_ = found[-1] if found else None
    if device is None or open_ is None:
        return []  # a cancel of nothing we hold (a repeat, or an alert already closed): nothing to show
    return [
        ev.AlertCancelledByDevice(
            at=ctx.now,
            uid=c.uid,
            component_id=_component(device),
            alert_id=open_.alert_id,
            reported_at=c.reported_at,
            via=c.via,
        )
    ]


def bind(c: cmd.BindDevice, view: DeviceView, ctx: Context) -> list[Event]:
    """A device may be bound before it is first heard (a crew's devices registered before the
    mission): it is then recorded as known by its uid alone."""
    require(
        (c.asset_id is None) != (c.person_ref is None),
        "name either an asset (asset_id) or a person's ISOPREP (person_ref)",
        "asset_id",
    )
    require(0 < len(c.uid) <= 200 and c.uid.isprintable(), "uid must be 1 to 200 printable characters", "uid")
    if view.binding is None:
        name = "asset_id" if c.asset_id is not None else "person_ref"
        what = "asset" if c.asset_id is not None else "ISOPREP record"
        raise NotFound(f"no {what} {c.asset_id or c.person_ref}", field=name)
    device = view.device
    if device is not None and device.binding == view.binding:
        return []
    first = seen(device, c.uid, "", "", "bound before heard", ctx)
    return [
        *first,
        ev.DeviceBound(
            at=ctx.now,
            uid=c.uid,
            component_id=view.binding.component_id,
            binding=view.binding,
            by=ctx.actor.username,
        ),
    ]


def unbind(c: cmd.UnbindDevice, view: DeviceView, ctx: Context) -> list[Event]:
    device = _device(view, c.uid)
    if device.binding is None:
        raise Conflict(f"device {c.uid} is not bound", field="uid")
    require(len(c.remarks) <= MAX_REASON, f"remarks is longer than {MAX_REASON} characters", "remarks")
    return [
        ev.DeviceUnbound(
            at=ctx.now, uid=c.uid, component_id=_component(device), by=ctx.actor.username, remarks=c.remarks
        )
    ]


def acknowledge(c: cmd.AcknowledgeAlert, view: DeviceView, ctx: Context) -> list[Event]:
    device = _device(view, c.uid)
    alert = _alert(device, c.alert_id)
    _open(alert, "acknowledge it")
    if alert.status is AlertStatus.ACKNOWLEDGED:
        raise Conflict(
            f"alert {alert.alert_id} is already acknowledged by {alert.acknowledged_by}", field="alert_id"
        )
    require(len(c.remarks) <= MAX_REASON, f"remarks is longer than {MAX_REASON} characters", "remarks")
    return [
        ev.AlertAcknowledged(
            at=ctx.now,
            uid=c.uid,
            component_id=_component(device),
            alert_id=alert.alert_id,
            by=ctx.actor.username,
            remarks=c.remarks,
        )
    ]


def dismiss(c: cmd.DismissAlert, view: DeviceView, ctx: Context) -> list[Event]:
    device = _device(view, c.uid)
    alert = _alert(device, c.alert_id)
    _open(alert, "dismiss it")
    require_text(c.reason, "reason", limit=MAX_REASON)
    return [
        ev.AlertDismissed(
            at=ctx.now,
            uid=c.uid,
            component_id=_component(device),
            alert_id=alert.alert_id,
            by=ctx.actor.username,
            reason=c.reason,
        )
    ]


def default_incident_id(alert: Alert) -> str:
    """``PR-<callsign>-<ddHHMM>``: readable on a radio net, unique per minute of receipt."""
    name = alert.callsign.removesuffix("-Alert").removesuffix("-alert")
    stem = "".join(ch for ch in name.upper() if ch.isalnum())[:20] or "TAK"
    return f"PR-{stem}-{alert.received_at:%d%H%M}"


def _persons(c: cmd.ConfirmAlert, alert: Alert, view: DeviceView) -> tuple[PersonReport, ...]:
    binding = alert.binding or (view.device.binding if view.device is not None else None)
    require(binding is not None, "bind the device to an asset or a person before confirming its alert", "uid")
    assert binding is not None
    if binding.kind is BindingKind.PERSON:
        require(view.person is not None, f"no ISOPREP record {binding.ref}", "uid")
        assert view.person is not None
        name, service, unit, component = view.person
        return (
            PersonReport(name, service, component, unit, Condition.UNKNOWN, DutyStatus.ISOLATED, binding.ref),
        )
    names = c.persons or (f"{alert.callsign.removesuffix('-Alert')} (crew of {binding.label})",)
    for i, name in enumerate(names):
        require_text(name, f"persons[{i}]", limit=200)
    return tuple(
        PersonReport(n, "", binding.component_id, binding.label, Condition.UNKNOWN, DutyStatus.ISOLATED, None)
        for n in names
    )


def confirm(
    c: cmd.ConfirmAlert,
    view: DeviceView,
    ctx: Context,
    decide: Callable[..., list[Event]] = decide_incident,
) -> list[Event]:
    """Step two. Into a new incident: reported as the brokering flow reports any isolating event
    (channel: TAK alert), from the alert's position. Into an open incident: its position is
    updated from the alert. Only an acknowledged alert is confirmed (step one first)."""
    device = _device(view, c.uid)
    alert = _alert(device, c.alert_id)
    _open(alert, "confirm it")
    require(
        alert.status is AlertStatus.ACKNOWLEDGED,
        "acknowledge the alert first: confirming is the second of two steps",
        "alert_id",
    )
    require(
        alert.position is not None,
        "the alert carries no position: report the incident by hand",
        field="alert_id",
    )
    assert alert.position is not None
    require(len(c.remarks) <= MAX_REASON, f"remarks is longer than {MAX_REASON} characters", "remarks")
    uncertainty = min(alert.ce_m if alert.ce_m is not None else 100.0, 50_000.0)
    remarks = c.remarks or f"TAK {alert.kind.label} from {alert.callsign} ({device.uid})"
    target = c.incident_id
    if target is not None:
        if view.incident is None:
            raise NotFound(f"unknown incident {target}", field="incident_id")
        update = bcmd.UpdatePosition(
            incident_id=target,
            position=alert.position,
            uncertainty_m=uncertainty,
            channel=ReportChannel.TAK_ALERT,
            source_confidence=SourceConfidence.PROBABLY_TRUE,
            remarks=remarks,
        )
        events = decide(update, view.incident, UPDATE_POSITION, view.theater, ctx)
        created = False
    else:
        assert view.theater is not None
        persons = _persons(c, alert, view)
        report = bcmd.ReportIncident(
            incident_id=c.new_incident_id or default_incident_id(alert),
            title=c.title or f"TAK {alert.kind.label}: {alert.callsign.removesuffix('-Alert')}",
            owning_component=persons[0].component_id,
            isolating_event_at=min(alert.reported_at, ctx.now),
            position=alert.position,
            uncertainty_m=uncertainty,
            channel=ReportChannel.TAK_ALERT,
            source_confidence=SourceConfidence.PROBABLY_TRUE,
            persons=persons,
            environment=c.environment,
            summary=remarks,
        )
        events = decide(report, None, REPORT, view.theater, ctx)
        target = report.incident_id
        created = True
    return [
        *events,
        ev.AlertConfirmed(
            at=ctx.now,
            uid=c.uid,
            component_id=_component(device),
            alert_id=alert.alert_id,
            incident_id=target,
            created=created,
            by=ctx.actor.username,
            remarks=c.remarks,
        ),
    ]
