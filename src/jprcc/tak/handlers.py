"""Handling the TAK commands: load the device (and what a command names: the asset or person to
bind, the incident an alert joins, the theater), ask the decider, record."""

from __future__ import annotations

import uuid
from typing import Any

from jprcc.brokering.handling import IncidentPolicy
from jprcc.brokering.rules import TheaterView
from jprcc.core.contract import Subject
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.tak import commands as cmd
from jprcc.tak import decide
from jprcc.tak import events as ev
from jprcc.tak.model import Binding, BindingKind, Device


def _device(uow: UnitOfWork, uid: str) -> Device | None:
    found: Device | None = uow.state("device", uid)
    return found


def device_subject(c: Any, uow: UnitOfWork) -> Subject:
    """The device; a bind names the component whose asset or person it becomes (its PRCC may bind)."""
    device = _device(uow, c.uid)
    component = device.binding.component_id if device is not None and device.binding is not None else None
    if isinstance(c, cmd.BindDevice):
        target = binding_of(c, uow)
        component = target.component_id if target is not None else component
    return Subject(component=component, state=device, label=f"TAK device {c.uid}")


def gateway_subject(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(label="the TAK gateway's reports")


def binding_of(c: cmd.BindDevice, uow: UnitOfWork) -> Binding | None:
    if c.asset_id is not None:
        asset = uow.assets([c.asset_id]).get(c.asset_id)
        if asset is None:
            return None
        return Binding(BindingKind.ASSET, asset.asset_id, asset.callsign, asset.component_id)
    if c.person_ref is not None:
        row = uow.isoprep(c.person_ref)
        if row is None:
            return None
        return Binding(BindingKind.PERSON, row.person_ref, row.name, row.component_id)
    return None


def _record(uow: UnitOfWork, ctx: Context, events: list[Any]) -> None:
    uow.record(events, ctx.actor.username, ctx.now)


def handle_tracks(c: cmd.RecordTracks, uow: UnitOfWork, ctx: Context, _: Any) -> int:
    """Devices heard for the first time are recorded, then one track event per device."""
    first: list[Any] = []
    new = [r for r in c.reports if r.new]
    known = uow.states("device", [r.uid for r in new]) if new else {}
    for r in new:
        first += decide.seen(known[r.uid], r.uid, r.callsign, r.cot_type, r.via, ctx)
    if first:  # their rows exist before their positions are written into them
        _record(uow, ctx, first)
    events = [
        ev.TrackReported(
            at=ctx.now,
            uid=r.uid,
            callsign=r.callsign[:100],
            position=r.position,
            hae_m=r.hae_m,
            ce_m=r.ce_m,
            course_deg=r.course_deg,
            speed_ms=r.speed_ms,
            reported_at=r.reported_at,
            stale_at=r.stale_at,
            via=r.via,
        )
        for r in c.reports
    ]
    _record(uow, ctx, events)
    return len(c.reports)


def new_alert_id() -> str:
    return f"TAK-{uuid.uuid4().hex[:10].upper()}"


def handle_alert(c: cmd.ReceiveAlert, uow: UnitOfWork, ctx: Context, _: Any) -> str | None:
    """The alert's id (a repeat: the open alert's), once stored."""
    view = decide.DeviceView(_device(uow, c.uid))
    events = decide.receive_alert(c, view, ctx, new_alert_id())
    _record(uow, ctx, events)
    device = _device(uow, c.uid)
    assert device is not None
    found = device.open_alert(c.cot_uid if c.kind.value == "casevac" else None)
    return found.alert_id if found is not None else None


def handle_cancel(c: cmd.CancelAlert, uow: UnitOfWork, ctx: Context, _: Any) -> str | None:
    events = decide.cancel_alert(c, decide.DeviceView(_device(uow, c.uid)), ctx)
    _record(uow, ctx, events)
    return str(events[0].alert_id) if events and isinstance(events[0], ev.AlertEvent) else None


def handle_device(c: Any, uow: UnitOfWork, ctx: Context, policy: Any) -> dict[str, Any]:
    """Bind, unbind, acknowledge, confirm, dismiss: answers the device and the alert concerned."""
    device = _device(uow, c.uid)
    if isinstance(c, cmd.BindDevice):
        events = decide.bind(c, decide.DeviceView(device, binding=binding_of(c, uow)), ctx)
    elif isinstance(c, cmd.UnbindDevice):
        events = decide.unbind(c, decide.DeviceView(device), ctx)
    elif isinstance(c, cmd.AcknowledgeAlert):
        events = decide.acknowledge(c, decide.DeviceView(device), ctx)
    elif isinstance(c, cmd.DismissAlert):
        events = decide.dismiss(c, decide.DeviceView(device), ctx)
    else:
        assert isinstance(c, cmd.ConfirmAlert)
        events = decide.confirm(c, confirm_view(c, device, uow, policy), ctx)
    _record(uow, ctx, events)
    return {"uid": c.uid, "alert_id": getattr(c, "alert_id", None)}


def confirm_view(
    c: cmd.ConfirmAlert, device: Device | None, uow: UnitOfWork, policy: Any
) -> decide.DeviceView:
    interval = policy.check_in_interval_s if isinstance(policy, IncidentPolicy) else 1800
    theater = TheaterView(components=uow.components(), default_check_in_s=interval)
    person = None
    alert = device.alerts.get(c.alert_id) if device is not None else None
    binding = (alert.binding if alert is not None else None) or (device.binding if device else None)
    if binding is not None and binding.kind is BindingKind.PERSON:
        row = uow.isoprep(binding.ref)
        if row is not None:
            person = (row.name, row.service, row.unit, row.component_id)
    incident = uow.incident(c.incident_id) if c.incident_id is not None else None
    return decide.DeviceView(device, incident=incident, theater=theater, person=person)
