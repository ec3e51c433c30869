"""``jprcc persons``: the reintegration board, one person's journey, custody hand-offs, the
reintegration phases and the journey's end; ``jprcc casefile``: an incident's interagency track
and information collection plan. Every command calls a ``persons.*`` or ``casefile.*`` action,
in-process or against a server with ``jprcc --server``, and prints the same answer either way."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from jprcc.cli.common import call, console, emit, maybe_when, when
from jprcc.journey.model import (
    ActorKind,
    CustodianKind,
    JourneyEnd,
    Phase,
    PhaseDecision,
    RequestKind,
    Side,
    TeamRole,
)
from jprcc.journey.schemas import CasefileOut, JourneyOut, PersonRowOut

persons_app = typer.Typer(
    help="Each isolated person's journey: custody hand-offs, reintegration phases, accounting.",
    no_args_is_help=True,
)
casefile_app = typer.Typer(
    help="An incident's interagency track (actors, requests, entries) and information collection plan.",
    no_args_is_help=True,
)
Incident = Annotated[str, typer.Argument(help="The incident, e.g. PR-RAVEN21.")]
Person = Annotated[str, typer.Argument(help="The person, e.g. PR-RAVEN21-P1.")]
Remarks = Annotated[str, typer.Option(help="Remarks for the record.")]


def _path(incident_id: str, person_id: str) -> dict[str, str]:
    return {"incident_id": incident_id, "person_id": person_id}


def _due(row: Any) -> str:
    return f"{row.next_due:%d %H%MZ %b}" if row.next_due else ""


@persons_app.command("board")
def board(
    include_ended: Annotated[bool, typer.Option("--all", help="Also those whose journey ended.")] = False,
    component: Annotated[str | None, typer.Option(help="Only the persons of this component.")] = None,
) -> None:
    """The reintegration board: each person's step, place, custodian and next decision."""
    rows: list[PersonRowOut] = call(
        "persons.board", query={"include_ended": include_ended, "component": component}
    )
    table = Table(title="persons")
    table.add_column("person", no_wrap=True)
    for name in ("name", "comp", "step", "where", "custodian", "next"):
        table.add_column(name)
    table.add_column("due", no_wrap=True)
    for r in rows:
        table.add_row(
            r.person_id,
            r.name,
            r.component_id,
            r.lifecycle.replace("_", " "),
            r.location,
            r.custodian,
            r.next_decision,
            _due(r),
        )
    emit(rows, lambda: console.print(table))


def render(j: JourneyOut) -> None:
    console.print(f"[bold]{j.person_id}[/] {j.name} ({j.component_id}) — {j.incident_id}: {j.incident_title}")
    console.print(
        f"step: [bold]{j.lifecycle.replace('_', ' ')}[/] · duty status {j.duty_status} · "
        f"custodian: {j.custodian or '-'} · at: {j.location or '-'}"
    )
    if j.next_decision:
        console.print(
            f"next: {j.next_decision}" + (f" (from {j.next_due:%d %H%MZ %b})" if j.next_due else "")
        )
    if j.custody:
        t = Table("id", "from", "to", "where", "when", "status", title="custody chain")
        for h in j.custody:
            t.add_row(
                h.handoff_id,
                h.giver.label if h.giver else "-",
                h.receiver.label,
                h.location,
                f"{h.at:%d %H%MZ %b}",
                h.status.value + (f" (waits for the {h.waits_for.value})" if h.waits_for else ""),
            )
        console.print(t)
    for p in j.phases:
        done = sum(1 for i in p.checklist if i.done_at)
        decided = f" → {p.decision.value.replace('_', ' ')}" if p.decision else ""
        console.print(
            f"phase {p.phase.value}: {p.facility}, {p.location} from {p.began_at:%d %H%MZ %b} · "
            f"checklist {done}/{len(p.checklist)}{decided}"
        )
    if j.team:
        console.print("team: " + "; ".join(f"{r.value.replace('_', ' ')} {n}" for r, n in j.team.items()))
    t = Table(title="timeline")
    t.add_column("time (UTC)", no_wrap=True)
    t.add_column("by")
    t.add_column("what")
    for e in j.timeline:
        t.add_row(f"{e.at:%d %H%MZ %b}", e.actor, e.summary)
    console.print(t)


@persons_app.command("show")
def show(incident_id: Incident, person_id: Person) -> None:
    """One person's journey: custody chain, phases, team, timeline from isolation on."""
    j: JourneyOut = call("persons.journey", _path(incident_id, person_id))
    emit(j, lambda: render(j))


def _custodian(kind: CustodianKind, name: str, component: str | None) -> dict[str, Any]:
    return {"kind": kind, "name": name, "component_id": component}


@persons_app.command("handoff")
def handoff(
    incident_id: Incident,
    person_id: Person,
    to_kind: Annotated[CustodianKind, typer.Option("--to-kind", help="Who receives the person.")],
    to_name: Annotated[
        str, typer.Option("--to", help="The receiver's name (a unit, an aircraft, a facility).")
    ],
    location: Annotated[str, typer.Option(help="Where the person changed hands.")],
    side: Annotated[Side, typer.Option(help="The side you record it for; the other acknowledges.")],
    at: Annotated[str, typer.Option(help="When (ISO 8601 UTC, or 'now').")] = "now",
    to_component: Annotated[
        str | None, typer.Option("--to-component", help="The receiver's component.")
    ] = None,
    from_kind: Annotated[
        CustodianKind | None, typer.Option("--from-kind", help="First hand-off only.")
    ] = None,
    from_name: Annotated[str | None, typer.Option("--from", help="First hand-off only: the giver.")] = None,
    from_component: Annotated[str | None, typer.Option("--from-component")] = None,
    remarks: Remarks = "",
) -> None:
    """Record a custody hand-off for one side; the other side acknowledges it."""
    body: dict[str, Any] = {
        "receiver": _custodian(to_kind, to_name, to_component),
        "location": location,
        "at": when(at),
        "side": side,
        "remarks": remarks,
    }
    if from_kind is not None and from_name is not None:
        body["giver"] = _custodian(from_kind, from_name, from_component)
    j: JourneyOut = call("persons.handoff", _path(incident_id, person_id), body)
    emit(j, lambda: render(j))


@persons_app.command("acknowledge")
def acknowledge(
    incident_id: Incident,
    person_id: Person,
    handoff_id: Annotated[str, typer.Argument(help="The hand-off, e.g. H2.")],
    remarks: Remarks = "",
) -> None:
    """Acknowledge a hand-off the other side recorded."""
    path = {**_path(incident_id, person_id), "handoff_id": handoff_id}
    j: JourneyOut = call("persons.acknowledge", path, {"remarks": remarks})
    emit(j, lambda: render(j))


@persons_app.command("phase")
def phase(
    incident_id: Incident,
    person_id: Person,
    number: Annotated[Phase, typer.Argument(help="I, II or III.")],
    location: Annotated[str, typer.Option(help="Where the phase takes place.")],
    facility: Annotated[str, typer.Option(help="The facility (a Role 3 hospital, a reintegration center).")],
    component: Annotated[str | None, typer.Option(help="The component that runs the phase.")] = None,
) -> None:
    """Begin reintegration phase I, II or III."""
    body = {"phase": number, "location": location, "facility": facility, "component_id": component}
    j: JourneyOut = call("persons.phase", _path(incident_id, person_id), body)
    emit(j, lambda: render(j))


@persons_app.command("team")
def team(
    incident_id: Incident,
    person_id: Person,
    role: Annotated[TeamRole, typer.Argument(help="The team role.")],
    name: Annotated[str, typer.Argument(help="Who fills it.")],
) -> None:
    """Name a member of the person's reintegration team."""
    j: JourneyOut = call("persons.team", _path(incident_id, person_id), {"role": role, "name": name})
    emit(j, lambda: render(j))


@persons_app.command("check")
def check(
    incident_id: Incident,
    person_id: Person,
    item: Annotated[str, typer.Argument(help="The checklist item, as the plan words it.")],
) -> None:
    """Mark an item of the phase's checklist done."""
    j: JourneyOut = call("persons.checklist", _path(incident_id, person_id), {"item": item})
    emit(j, lambda: render(j))


@persons_app.command("decide")
def decide(
    incident_id: Incident,
    person_id: Person,
    decision: Annotated[PhaseDecision, typer.Argument(help="continue, return_to_duty or medical.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    override_reason: Annotated[
        str, typer.Option(help="Why before the minimum time, or with items open.")
    ] = "",
    medical_facility: Annotated[str, typer.Option(help="Where medical care continues.")] = "",
) -> None:
    """Decide the end of the phase in progress."""
    body = {
        "decision": decision,
        "reason": reason,
        "override_reason": override_reason,
        "medical_facility": medical_facility,
    }
    j: JourneyOut = call("persons.decision", _path(incident_id, person_id), body)
    emit(j, lambda: render(j))


@persons_app.command("end")
def end(
    incident_id: Incident,
    person_id: Person,
    how: Annotated[
        JourneyEnd, typer.Argument(help="returned_to_duty, medically_retired, remains_identified.")
    ],
    remarks: Remarks = "",
) -> None:
    """Account for the person: how the journey ended."""
    j: JourneyOut = call("persons.end", _path(incident_id, person_id), {"end": how, "remarks": remarks})
    emit(j, lambda: render(j))


# --- the case file ---------------------------------------------------------------------------------


def render_case(f: CasefileOut) -> None:
    console.print(
        f"[bold]case file of {f.incident_id}[/]" + (" (part hidden: need-to-know)" if f.partial else "")
    )
    if f.actors:
        t = Table("id", "organisation", "kind", "contact", "role", title="interagency actors")
        for a in f.actors:
            t.add_row(a.actor_id, a.organisation, a.kind.value, a.contact, a.role)
        console.print(t)
    if f.requests:
        t = Table("id", "kind", "to", "what", "due", "approval", "outcome", title="requests and taskings")
        for r in f.requests:
            due = f"{r.due_at:%d %H%MZ}" + (" OVERDUE" if r.overdue else "") if r.due_at else ""
            t.add_row(r.request_id, r.kind.value, r.actor_id, r.text, due, r.approval.value, r.outcome)
        console.print(t)
    if f.entries:
        t = Table("when", "source", "entry", title="entries")
        for e in f.entries:
            t.add_row(f"{e.at:%d %H%MZ %b}", e.source, e.text)
        console.print(t)
    if f.collection:
        t = Table("id", "item", "assigned", "due", "done", title="information collection plan")
        for i in f.collection:
            due = f"{i.due_at:%d %H%MZ}" + (" OVERDUE" if i.overdue else "") if i.due_at else ""
            t.add_row(i.item_id, i.item, i.assigned_to, due, i.result or "")
        console.print(t)
    for report in f.area_reports:
        console.print(
            f"{report.kind}: {report.name} — {report.text} ({report.distance_km:.0f} km; {report.source})"
        )


def _case(action: str, incident_id: str, body: dict[str, Any], **path: str) -> None:
    f: CasefileOut = call(action, {"incident_id": incident_id, **path}, body)
    emit(f, lambda: render_case(f))


@casefile_app.command("show")
def case_show(incident_id: Incident) -> None:
    """The case file: interagency actors, requests, entries, the collection plan, area reports."""
    f: CasefileOut = call("casefile.show", {"incident_id": incident_id})
    emit(f, lambda: render_case(f))


@casefile_app.command("actor")
def case_actor(
    incident_id: Incident,
    organisation: Annotated[str, typer.Option(help="e.g. U.S. Embassy, ICRC delegation.")],
    kind: Annotated[ActorKind, typer.Option(help="What kind of organisation.")],
    contact: Annotated[str, typer.Option(help="The contact person.")],
    role: Annotated[str, typer.Option(help="Their role in the case.")],
    need_to_know: Annotated[
        list[str] | None, typer.Option("--need-to-know", help="A further component.")
    ] = None,
) -> None:
    """Add an interagency actor to the case."""
    body = {
        "organisation": organisation,
        "kind": kind,
        "contact": contact,
        "role": role,
        "need_to_know": need_to_know or [],
    }
    _case("casefile.actor", incident_id, body)


@casefile_app.command("request")
def case_request(
    incident_id: Incident,
    actor_id: Annotated[str, typer.Option("--to", help="The interagency actor, e.g. A1.")],
    text: Annotated[str, typer.Option(help="What is asked.")],
    source: Annotated[str, typer.Option(help="Who asked for it, from what.")],
    kind: Annotated[
        RequestKind, typer.Option(help="request (of them) or tasking (of ours).")
    ] = RequestKind.REQUEST,
    due: Annotated[str | None, typer.Option(help="Due time (ISO 8601 UTC).")] = None,
) -> None:
    """Raise a request or a tasking; the director or the JFC approves it."""
    body = {"kind": kind, "actor_id": actor_id, "text": text, "source": source, "due_at": maybe_when(due)}
    _case("casefile.request", incident_id, body)


@casefile_app.command("approve")
def case_approve(
    incident_id: Incident,
    request_id: Annotated[str, typer.Argument(help="e.g. R1.")],
    refuse: Annotated[bool, typer.Option("--refuse", help="Refuse it instead.")] = False,
    remarks: Remarks = "",
) -> None:
    """Approve (or refuse) a request or tasking."""
    _case(
        "casefile.decide_request",
        incident_id,
        {"approve": not refuse, "remarks": remarks},
        request_id=request_id,
    )


@casefile_app.command("outcome")
def case_outcome(
    incident_id: Incident,
    request_id: Annotated[str, typer.Argument(help="e.g. R1.")],
    outcome: Annotated[str, typer.Argument(help="What came of it.")],
) -> None:
    """Record what came of an approved request."""
    _case("casefile.complete_request", incident_id, {"outcome": outcome}, request_id=request_id)


@casefile_app.command("entry")
def case_entry(
    incident_id: Incident,
    text: Annotated[str, typer.Argument(help="The entry.")],
    source: Annotated[str, typer.Option(help="Its source.")],
    at: Annotated[str, typer.Option(help="When it happened (ISO 8601 UTC, or 'now').")] = "now",
    actor_id: Annotated[
        str | None, typer.Option("--actor", help="The interagency actor it concerns.")
    ] = None,
) -> None:
    """Add a sourced, dated entry to the case."""
    _case(
        "casefile.entry", incident_id, {"at": when(at), "source": source, "text": text, "actor_id": actor_id}
    )


@casefile_app.command("collect")
def case_collect(
    incident_id: Incident,
    item: Annotated[str, typer.Argument(help="What to find out.")],
    assigned_to: Annotated[str, typer.Option("--to", help="A component, or JPRCC.")],
    due: Annotated[str | None, typer.Option(help="Due time (ISO 8601 UTC).")] = None,
) -> None:
    """Add an item to the information collection plan."""
    _case(
        "casefile.collection",
        incident_id,
        {"item": item, "assigned_to": assigned_to, "due_at": maybe_when(due)},
    )


@casefile_app.command("collected")
def case_collected(
    incident_id: Incident,
    item_id: Annotated[str, typer.Argument(help="e.g. C1.")],
    result: Annotated[str, typer.Argument(help="What was found.")],
) -> None:
    """Record a collection item's result."""
    _case("casefile.collection_done", incident_id, {"result": result}, item_id=item_id)
