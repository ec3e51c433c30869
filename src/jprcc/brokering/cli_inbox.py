"""``jprcc inbox``: what waits for you now, what your component may offer to a poll, and the
decisions the JPRCC recorded on your behalf (confirm, dispute, settle)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jprcc.api.views import IncidentDetail
from jprcc.brokering.inbox import InboxOut
from jprcc.brokering.offering import OfferableOut
from jprcc.cli.common import call, console, emit

HELP = "What waits for you now; what you may offer; decisions recorded on your behalf."

app = typer.Typer(help=HELP, no_args_is_help=True)

Id = Annotated[str, typer.Argument(help="Incident id, e.g. PR-0042")]
Record = Annotated[str, typer.Argument(help="The record, e.g. PR-0042/R1 (see the incident page).")]


@app.command("list")
def list_items() -> None:
    """What waits for you now, urgent first: polls to answer, nominations to approve, tasks to
    accept, recoveries to begin, answers in, overdue check-ins."""
    out: InboxOut = call("incidents.inbox")
    table = Table(
        "incident", "MGRS", "asks", "due", title=f"your turn: {len(out.items)} items, {out.urgent} urgent"
    )
    for i in out.items:
        due = f"{i.due_at:%d %H%MZ}" if i.due_at else "-"
        table.add_row(
            f"{i.incident_id} {i.title}", i.position.mgrs, i.asks, due, style="bold" if i.urgent else None
        )
    emit(out, table)


@app.command()
def offerable(
    incident_id: Id,
    component: Annotated[str | None, typer.Option(help="Default: your own component.")] = None,
) -> None:
    """What a polled component may offer now: each asset as the answer would be judged, with what
    releasing it costs and its distance and time to the person."""
    out: OfferableOut = call(
        "incidents.offerable", {"incident_id": incident_id}, query={"component_id": component}
    )
    asked = ", ".join(c.value for c in out.capabilities_needed) or "any"
    table = Table(
        "asset",
        "status",
        "km",
        "min",
        "why / cost",
        title=f"{out.component_id} for {incident_id}: asked {asked}",
    )
    for a in out.assets:
        minutes = "-" if a.minutes_to_person is None else f"{a.minutes_to_person:.0f}"
        table.add_row(a.callsign, a.status, f"{a.distance_km:.0f}", minutes, a.release_cost or a.reason)
    emit(out, table)


def _answer(action: str, incident_id: str, body: dict[str, str]) -> None:
    detail: IncidentDetail = call(f"incidents.{action}", {"incident_id": incident_id}, body)
    emit(
        detail, lambda: console.print(f"{detail.incident_id} v{detail.version}: {action.replace('_', ' ')}d")
    )


@app.command()
def confirm(incident_id: Id, record: Record, remarks: str = "") -> None:
    """Confirm a decision the JPRCC recorded on your behalf."""
    _answer("confirm_record", incident_id, {"record_id": record, "remarks": remarks})


@app.command()
def dispute(incident_id: Id, record: Record, reason: Annotated[str, typer.Option()]) -> None:
    """Dispute a decision the JPRCC recorded on your behalf, saying what is wrong with it."""
    _answer("dispute_record", incident_id, {"record_id": record, "reason": reason})


@app.command()
def settle(incident_id: Id, record: Record, resolution: Annotated[str, typer.Option()]) -> None:
    """JPRCC: say how a disputed record was settled."""
    _answer("resolve_record", incident_id, {"record_id": record, "resolution": resolution})
