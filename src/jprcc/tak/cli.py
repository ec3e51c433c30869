"""``jprcc tak``: the devices heard (bind them by uid), their alerts (acknowledge, confirm into an
incident, dismiss), the gateway's links and their counters, a test message. Every command calls a
``tak.*`` action, in-process or against a server with ``jprcc --server``. The gateway itself runs
in the server (``jprcc serve``): its links and test messages need ``--server``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jprcc.cli.common import call, console, emit
from jprcc.core.model import Environment
from jprcc.tak.schemas import AlertOut, ConnectionOut, DeviceOut, TestMessageOut

app = typer.Typer(help="TAK devices, alerts and links: bind, list, test.", no_args_is_help=True)
Uid = Annotated[str, typer.Argument(help="The device's TAK uid (never its callsign), e.g. ANDROID-58ab21.")]
AlertId = Annotated[str, typer.Argument(help="The alert, e.g. TAK-3F2A9C01B7.")]
Remarks = Annotated[str, typer.Option(help="Remarks for the record.")]


def _when(value: object) -> str:
    return f"{value:%d %H%M:%SZ}" if value is not None else "-"


@app.command("devices")
def devices(
    unbound: Annotated[bool, typer.Option("--unbound", help="Only the devices bound to nothing.")] = False,
) -> None:
    """TAK devices heard: binding, last report, position, link state."""
    rows: list[DeviceOut] = call("tak.devices", query={"unbound": unbound})
    table = Table(title="TAK devices")
    for name in ("uid", "callsign", "bound to", "last report", "MGRS", "link", "alerts"):
        table.add_column(name, no_wrap=name in ("uid", "MGRS"))
    for d in rows:
        bound = (
            f"{d.binding.kind} {d.binding.label} ({d.binding.component_id})"
            if d.binding
            else "[red]unbound[/]"
        )
        stale = " [yellow](stale)[/]" if d.stale else ""
        table.add_row(
            d.uid,
            d.callsign,
            bound,
            _when(d.last_report_at) + stale,
            d.position.mgrs if d.position else "-",
            d.link.state,
            str(d.open_alerts),
        )
    emit(rows, lambda: console.print(table))


@app.command("bind")
def bind(
    uid: Uid,
    asset: Annotated[str | None, typer.Option(help="The asset the device belongs to.")] = None,
    person: Annotated[str | None, typer.Option(help="The person's ISOPREP record (person_ref).")] = None,
) -> None:
    """Bind a device, by its uid, to an asset or to a person's ISOPREP."""
    d: DeviceOut = call("tak.bind", {"uid": uid}, {"asset_id": asset, "person_ref": person})
    emit(
        d,
        lambda: console.print(f"{d.uid} bound to {d.binding.kind} {d.binding.label}" if d.binding else d.uid),
    )


@app.command("unbind")
def unbind(uid: Uid, remarks: Remarks = "") -> None:
    """Unbind a device (it is shown again as waiting to be bound)."""
    d: DeviceOut = call("tak.unbind", {"uid": uid}, {"remarks": remarks})
    emit(d, lambda: console.print(f"{d.uid} unbound"))


def render_alert(a: AlertOut) -> None:
    where = a.position.mgrs if a.position else "no position"
    bound = (
        f"{a.binding.kind} {a.binding.label} ({a.binding.component_id})" if a.binding else "unbound device"
    )
    console.print(f"[bold]{a.alert_id}[/] {a.kind_label.upper()} from {a.callsign} ({a.uid}) — {bound}")
    console.print(f"  at {where} ±{a.ce_m or 0:.0f} m · received {_when(a.received_at)} · status {a.status}")
    if a.cancelled_by_device:
        console.print(f"  [yellow]cancelled from the device at {_when(a.cancelled_at)}: a human closes it[/]")
    if a.incident_id:
        console.print(f"  incident {a.incident_id}")
    elif a.suggested_incident:
        console.print(f"  the person is in open incident {a.suggested_incident}: confirm with --incident")
    for key, value in a.details:
        console.print(f"  {key}: {value}")


@app.command("alerts")
def alerts(
    all_: Annotated[bool, typer.Option("--all", help="Also confirmed and dismissed ones.")] = False,
) -> None:
    """Alerts from devices, newest first: 911, ring the bell, troops in contact, CASEVAC."""
    rows: list[AlertOut] = call("tak.alerts", query={"all": all_})
    table = Table(title="TAK alerts")
    for name in ("alert", "kind", "from", "bound to", "MGRS", "received", "status", "incident"):
        table.add_column(name, no_wrap=name in ("alert", "MGRS"))
    for a in rows:
        status = a.status + (" [yellow](cancelled by device)[/]" if a.cancelled_by_device else "")
        table.add_row(
            a.alert_id,
            a.kind_label,
            a.callsign,
            a.binding.label if a.binding else "[red]unbound[/]",
            a.position.mgrs if a.position else "-",
            _when(a.received_at),
            status,
            a.incident_id or a.suggested_incident or "",
        )
    emit(rows, lambda: console.print(table))


@app.command("alert")
def alert(alert_id: AlertId) -> None:
    """One alert in full (a CASEVAC's nine lines included)."""
    a: AlertOut = call("tak.alert", {"alert_id": alert_id})
    emit(a, lambda: render_alert(a))


@app.command("acknowledge")
def acknowledge(alert_id: AlertId, remarks: Remarks = "") -> None:
    """Step one: take the alert."""
    a: AlertOut = call("tak.acknowledge", {"alert_id": alert_id}, {"remarks": remarks})
    emit(a, lambda: render_alert(a))


@app.command("confirm")
def confirm(
    alert_id: AlertId,
    incident: Annotated[
        str | None, typer.Option(help="Join this open incident instead of reporting one.")
    ] = None,
    new_id: Annotated[str | None, typer.Option(help="The new incident's id.")] = None,
    title: Annotated[str, typer.Option(help="The new incident's title.")] = "",
    environment: Annotated[Environment, typer.Option(help="Where the person is.")] = Environment.LAND,
    person: Annotated[list[str] | None, typer.Option(help="Who is isolated (an asset's device).")] = None,
    remarks: Remarks = "",
) -> None:
    """Step two: report an incident from the alert, or join it to an open one."""
    body = {
        "incident_id": incident,
        "new_incident_id": new_id,
        "title": title,
        "environment": environment.value,
        "persons": person or [],
        "remarks": remarks,
    }
    a: AlertOut = call("tak.confirm", {"alert_id": alert_id}, body)
    emit(a, lambda: render_alert(a))


@app.command("dismiss")
def dismiss(alert_id: AlertId, reason: Annotated[str, typer.Option(help="Why no incident.")]) -> None:
    """Close an alert without an incident (a false alarm, a test, a cancel checked with the person)."""
    a: AlertOut = call("tak.dismiss", {"alert_id": alert_id}, {"reason": reason})
    emit(a, lambda: render_alert(a))


@app.command("connections")
def connections() -> None:
    """The gateway's links (with --server: the running server's), their counters and rejections."""
    rows: list[ConnectionOut] = call("tak.connections")
    table = Table(title="TAK links")
    for name in ("link", "role", "audience", "state", "devices", "in", "out", "rejected"):
        table.add_column(name)
    for c in rows:
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(c.rejected.items())) or "0"
        table.add_row(
            c.name,
            c.role,
            c.audience,
            c.state + (f" ({c.last_error})" if c.last_error and c.state != "up" else ""),
            str(c.devices),
            str(c.counters.get("received", 0)),
            str(c.counters.get("sent", 0)),
            rejected,
        )
    emit(rows, lambda: console.print(table))


@app.command("test")
def send_test(
    text: Annotated[str, typer.Option(help="The test marker's remarks.")] = "JPRCC test message",
) -> None:
    """Send a test marker to every link that gets the picture (needs --server: the gateway runs there)."""
    out: TestMessageOut = call("tak.test", body={"text": text})
    emit(out, lambda: console.print(f"test message queued on {out.links} link(s)"))
