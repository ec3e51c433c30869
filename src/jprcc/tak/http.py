"""The TAK actions: devices (bind, unbind), alerts (acknowledge, confirm, dismiss), the gateway's
connections and a test message. One table (``ACTIONS``) drives the HTTP routes and the CLI
(``jprcc tak ...``, in-process or against a server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path

from jprcc.api.views import PositionOut
from jprcc.core.authorization import STAFF
from jprcc.core.contract import Action, Call
from jprcc.core.errors import NotFound
from jprcc.core.model import Actor, Role
from jprcc.core.wire import command_from
from jprcc.tak import commands as cmd
from jprcc.tak import schemas as b
from jprcc.tak.model import Alert, AlertStatus, Binding
from jprcc.tak.queries import DeviceRow, TakQueries
from jprcc.tak.service import TakService

Uid = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9._:@{}+-]{1,200}$", max_length=200, description="The device's TAK uid.")
]
AlertId = Annotated[
    str, Path(pattern=r"^TAK-[0-9A-F]{10}$", max_length=14, description="e.g. TAK-3F2A9C01B7")
]
TAGS = ("tak",)
DEVICE = "/api/tak/devices/{uid}"
ALERT = "/api/tak/alerts/{alert_id}"


def _q(call: Call) -> TakQueries:
    found: TakQueries = call.node.service(TakQueries)
    return found


def _gateway(call: Call) -> Any:
    return call.node.service(TakService).gateway


def _binding(b_: Binding | None) -> b.BindingOut | None:
    if b_ is None:
        return None
    return b.BindingOut(kind=b_.kind.value, ref=b_.ref, label=b_.label, component_id=b_.component_id)


def device_out(call: Call, d: DeviceRow) -> b.DeviceOut:
    state, connection = _gateway(call).link_state(d.uid)
    now = call.node.clock()
    binding = (
        b.BindingOut(
            kind=d.binding_kind,
            ref=d.binding_ref or "",
            label=d.binding_label or "",
            component_id=d.component_id or "",
        )
        if d.binding_kind is not None
        else None
    )
    return b.DeviceOut(
        uid=d.uid,
        callsign=d.callsign,
        cot_type=d.cot_type,
        binding=binding,
        first_seen_at=d.first_seen_at,
        last_report_at=d.last_report_at,
        stale_at=d.stale_at,
        stale=d.stale_at is not None and d.stale_at < now,
        position=PositionOut.of(d.position) if d.position is not None else None,
        ce_m=d.ce_m,
        course_deg=d.course_deg,
        speed_ms=d.speed_ms,
        reports=d.reports,
        open_alerts=d.open_alerts,
        link=b.LinkOut(state=state, connection=connection),
    )


def _allowed(actor: Actor, a: Alert) -> list[str]:
    if actor.role not in STAFF or not a.status.open:
        return []
    if a.status is AlertStatus.RECEIVED:
        return ["acknowledge", "dismiss"]
    return ["confirm", "dismiss"]


def alert_out(call: Call, uid: str, a: Alert) -> b.AlertOut:
    return b.AlertOut(
        alert_id=a.alert_id,
        uid=uid,
        kind=a.kind.value,
        kind_label=a.kind.label,
        isolating=a.kind.isolating,
        status=a.status.value,
        callsign=a.callsign,
        binding=_binding(a.binding),
        position=PositionOut.of(a.position) if a.position is not None else None,
        ce_m=a.ce_m,
        reported_at=a.reported_at,
        received_at=a.received_at,
        last_heard_at=a.last_heard_at,
        repeats=a.repeats,
        acknowledged_by=a.acknowledged_by,
        acknowledged_at=a.acknowledged_at,
        cancelled_by_device=a.cancelled_at is not None,
        cancelled_at=a.cancelled_at,
        incident_id=a.incident_id,
        incident_created=a.incident_created,
        decided_by=a.decided_by,
        decided_at=a.decided_at,
        remarks=a.remarks,
        details=list(a.details),
        suggested_incident=_q(call).suggested_incident(a) if a.status.open else None,
        allowed_actions=_allowed(call.actor, a),
    )


def _find_alert(call: Call) -> tuple[str, Alert]:
    found = _q(call).alert(call.actor, call.path["alert_id"])
    if found is None:
        raise NotFound(f"no TAK alert {call.path['alert_id']}", field="alert_id")
    return found


def _find_device(call: Call, uid: str) -> DeviceRow:
    found = _q(call).device(call.actor, uid)
    if found is None:
        raise NotFound(f"no TAK device with uid {uid}", field="uid")
    return found


# --- reads -----------------------------------------------------------------------------------------


def _devices(call: Call) -> list[b.DeviceOut]:
    q: b.DevicesQuery = call.query
    return [device_out(call, d) for d in _q(call).devices(call.actor, q.unbound)]


def _device(call: Call) -> b.DeviceOut:
    return device_out(call, _find_device(call, call.path["uid"]))


def _alerts(call: Call) -> list[b.AlertOut]:
    q: b.AlertsQuery = call.query
    return [alert_out(call, uid, a) for uid, a in _q(call).alerts(call.actor, open_only=not q.all)]


def _alert(call: Call) -> b.AlertOut:
    return alert_out(call, *_find_alert(call))


def _connections(call: Call) -> list[b.ConnectionOut]:
    return [b.ConnectionOut(**c) for c in _gateway(call).connections()]


def _test_message(call: Call) -> b.TestMessageOut:
    body: b.TestMessageIn = call.body
    return b.TestMessageOut(links=_gateway(call).send_test(body.text))


def _sees_links(actor: Actor) -> bool:
    return actor.role in (*STAFF, Role.JFC, Role.OBSERVER, Role.SYSTEM)


def _staff(actor: Actor) -> bool:
    return actor.role in (*STAFF, Role.SYSTEM)


# --- writes ----------------------------------------------------------------------------------------


def _device_write(name: str, path: str, command: type[Any], body: type[Any], summary: str) -> Action:
    def run(call: Call) -> b.DeviceOut:
        call.node.bus.handle(command_from(command, call.body, uid=call.path["uid"]), call.actor)
        return device_out(call, _find_device(call, call.path["uid"]))

    return Action(
        f"tak.{name}",
        "POST",
        DEVICE + path,
        summary,
        run,
        body=body,
        path_params={"uid": Uid},
        response=b.DeviceOut,
        command=command,
        tags=TAGS,
    )


def _alert_write(name: str, path: str, command: type[Any], body: type[Any], summary: str) -> Action:
    def run(call: Call) -> b.AlertOut:
        uid, _ = _find_alert(call)
        call.node.bus.handle(
            command_from(command, call.body, uid=uid, alert_id=call.path["alert_id"]), call.actor
        )
        return alert_out(call, *_find_alert(call))

    return Action(
        f"tak.{name}",
        "POST",
        ALERT + path,
        summary,
        run,
        body=body,
        path_params={"alert_id": AlertId},
        response=b.AlertOut,
        command=command,
        tags=TAGS,
    )


def _read(name: str, path: str, summary: str, run: Callable[[Call], Any], response: Any, **kw: Any) -> Action:
    return Action(f"tak.{name}", "GET", path, summary, run, response=response, tags=TAGS, **kw)


ACTIONS: tuple[Action, ...] = (
    _read(
        "devices",
        "/api/tak/devices",
        "TAK devices heard, by uid: binding, last report, link state",
        _devices,
        list[b.DeviceOut],
        query=b.DevicesQuery,
    ),
    _read("device", DEVICE, "One TAK device", _device, b.DeviceOut, path_params={"uid": Uid}),
    _device_write("bind", "/binding", cmd.BindDevice, b.BindIn, "Bind a device to an asset or a person"),
    _device_write("unbind", "/unbinding", cmd.UnbindDevice, b.UnbindIn, "Unbind a device"),
    _read(
        "alerts",
        "/api/tak/alerts",
        "Alerts from TAK devices (911, ring the bell, troops in contact, CASEVAC), newest first",
        _alerts,
        list[b.AlertOut],
        query=b.AlertsQuery,
    ),
    _read("alert", ALERT, "One TAK alert", _alert, b.AlertOut, path_params={"alert_id": AlertId}),
    _alert_write(
        "acknowledge",
        "/acknowledgement",
        cmd.AcknowledgeAlert,
        b.AcknowledgeIn,
        "Step one: take the alert (the banner stops calling)",
    ),
    _alert_write(
        "confirm",
        "/confirmation",
        cmd.ConfirmAlert,
        b.ConfirmIn,
        "Step two: report an incident from the alert, or join it to an open one",
    ),
    _alert_write(
        "dismiss", "/dismissal", cmd.DismissAlert, b.DismissIn, "Close an alert without an incident"
    ),
    _read(
        "connections",
        "/api/tak/connections",
        "The TAK gateway's links: state, devices, messages in and out, rejections by reason",
        _connections,
        list[b.ConnectionOut],
        allow=_sees_links,
        why="only the JPRCC, the JFC and observers see the gateway's links",
    ),
    Action(
        "tak.test",
        "POST",
        "/api/tak/test-message",
        "Send a test marker to every TAK link that gets the picture",
        _test_message,
        body=b.TestMessageIn,
        response=b.TestMessageOut,
        tags=TAGS,
        allow=_staff,
        why="only the JPRCC sends test messages",
    ),
)
