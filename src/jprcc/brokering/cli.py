"""``jprcc incidents``: the board, the incident page, and every brokering step."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from jprcc.api.views import BoardOut, IncidentDetail, NarrativeOut, TimelineEntryOut
from jprcc.brokering.incident import Stage
from jprcc.cli.common import call, console, emit, fail, maybe_when, now, position, when
from jprcc.core.board import BoardSort
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    PRTask,
    RelayChannel,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)

if TYPE_CHECKING:
    from jprcc.intel.views import DarkWindowOut

app = typer.Typer(
    help="The incident board, incident pages, and every step from report to close.", no_args_is_help=True
)

Id = Annotated[str, typer.Argument(help="Incident id, e.g. PR-RAVEN21")]
Version = Annotated[
    int | None, typer.Option("--expected-version", help="Refuse if the incident changed since.")
]


def render(detail: IncidentDetail) -> None:
    console.rule(f"[bold]{detail.incident_id}[/] {detail.title}")
    console.print(
        f"stage [bold]{detail.stage.value}[/]   owner {detail.owning_component}   "
        f"supported {detail.supported_component or '-'}   priority {detail.priority}   v{detail.version}"
    )
    console.print(
        f"position {detail.position.mgrs} ({detail.position.lat:.5f}, {detail.position.lon:.5f}) "
        f"±{detail.uncertainty_m:.0f} m   via {detail.channel.value}, {detail.source_confidence.value}"
    )
    persons = Table("person", "name", "duty status", "condition", title="persons")
    for p in detail.persons:
        persons.add_row(p.person_id, p.name, p.duty_status.value, p.condition.value)
    console.print(persons)
    console.print("tasks: " + ", ".join(f"{k} {v}" for k, v in detail.tasks.items()))
    if detail.directive:
        d = detail.directive
        console.print(
            f"[bold]support directive {d.directive_id}[/] ({d.status}): {d.supported_component} supported; "
            f"{d.desired_effects}\n  {d.tacon_statement}"
        )
    for r in detail.relationships:
        control = "[red]TACON TRANSFER[/]" if r.transfers_control else "support, TACON unchanged"
        console.print(
            f"  {r.from_component} → {r.to_component} {r.kind.value} {', '.join(r.asset_ids)} "
            f"{r.begin:%d%H%MZ}-{r.end.strftime('%d%H%MZ') if r.end else 'open'} ({control})"
        )


GivenBy = Annotated[
    str | None,
    typer.Option(
        "--given-by",
        help="JPRCC: record a decision given by voice on its giver's behalf; their name and rank, as said.",
    ),
]
Via = Annotated[RelayChannel, typer.Option("--via", help="How the decision given by voice came.")]


def _voice(given_by: str | None, via: RelayChannel) -> dict[str, Any]:
    """The body's ``on_behalf`` when the JPRCC records a decision given by voice."""
    return {"on_behalf": {"given_by": given_by, "channel": via}} if given_by is not None else {}


def _act(action: str, incident_id: str, body: dict[str, Any], **path: Any) -> None:
    """One incident action (in-process, or against the server), and the incident it leaves."""
    detail: IncidentDetail = call(f"incidents.{action}", {"incident_id": incident_id, **path}, body)
    emit(detail, lambda: render(detail))


@app.command("list")
def list_incidents(
    stage: Annotated[Stage | None, typer.Option(help="Only this stage.")] = None,
    component: Annotated[str | None, typer.Option(help="Only incidents involving this component.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue incidents.")] = False,
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed incidents.")] = False,
    search: Annotated[
        str | None,
        typer.Option(help="Words in the id, title or components, or an MGRS square: 'colt 12', '32TNK'."),
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only what waits on your desk.")] = False,
    sort: Annotated[BoardSort, typer.Option(help="The order of the rows.")] = BoardSort.PRIORITY,
    limit: Annotated[int, typer.Option(min=1, max=2000)] = 200,
) -> None:
    """The incident board: how many it shows of how many, overdue first."""
    query = {
        "stage": stage,
        "component": component,
        "overdue_only": overdue,
        "include_closed": include_closed,
        "q": search or "",
        "mine": mine,
        "sort": sort,
    }
    out: BoardOut = call("incidents.board", query={**query, "limit": limit})
    table = Table(
        "id",
        "stage",
        "owner",
        "supported",
        "P",
        "persons",
        "MGRS",
        "title",
        title=f"showing {len(out.rows)} of {out.total} incidents ({out.open_total} open), "
        f"{out.overdue} overdue",
    )
    for r in out.rows:
        style = "bold red" if r.overdue else None
        table.add_row(
            r.incident_id,
            r.stage.value,
            r.owning_component,
            r.supported_component or "-",
            str(r.priority),
            str(r.persons_count),
            r.position.mgrs,
            r.title,
            style=style,
        )
    emit(out, table)


@app.command()
def show(
    incident_id: Id, as_of: Annotated[str | None, typer.Option(help="Replay as of this UTC time.")] = None
) -> None:
    """The incident page; with --as-of, the incident as it stood then."""
    detail: IncidentDetail = call(
        "incidents.show", {"incident_id": incident_id}, query={"as_of": maybe_when(as_of)}
    )

    def page() -> None:
        render(detail)
        if detail.stage not in (Stage.RECOVERED, Stage.REINTEGRATION, Stage.CLOSED):
            dark: DarkWindowOut = call(
                "intel.dark_window", {"incident_id": incident_id}, query={"at": maybe_when(as_of)}
            )
            render_dark_window(dark)

    emit(detail, page)


def render_dark_window(dark: DarkWindowOut) -> None:
    """The dark-window clock, and in red each window of action that runs past first light."""
    if dark.dark:
        first = "-" if dark.first_light_at is None else f"{dark.first_light_at:%d %H%MZ}"
        console.print(f"[bold]dark: {dark.dark_minutes_left:.0f} min left[/] (first light {first})")
    else:
        last = "-" if dark.last_light_at is None else f"{dark.last_light_at:%d %H%MZ}"
        console.print(f"daylight: darkness begins {last}")
    for warning in dark.warnings:
        console.print(f"[bold red]{warning}[/]")


@app.command()
def timeline(incident_id: Id) -> None:
    """Every recorded event of the incident, with time and author."""
    entries: list[TimelineEntryOut] = call("incidents.timeline", {"incident_id": incident_id})
    table = Table("seq", "time (UTC)", "by", "what", title=f"timeline of {incident_id}")
    for e in entries:
        table.add_row(str(e.seq), e.at.strftime("%d %H:%M:%SZ"), e.actor, e.summary)
    emit(entries, table)


def _person(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 3:
        fail("--person takes 'name|service|component[|unit[|condition[|duty status]]]'", 2)
    parts += [""] * (6 - len(parts))
    try:
        return {
            "name": parts[0],
            "service": parts[1],
            "component_id": parts[2],
            "unit": parts[3],
            "condition": Condition(parts[4] or "unknown"),
            "duty_status": DutyStatus(parts[5] or "isolated"),
        }
    except ValueError as exc:
        fail(f"--person: {exc}", 2)


def _position(text: str) -> dict[str, float]:
    p = position(text)
    return {"lat": p.lat, "lon": p.lon}


@app.command()
def report(
    title: Annotated[str, typer.Option(help="Short title, e.g. 'RAVEN 21: team compromised'.")],
    owner: Annotated[str, typer.Option(help="Owning component id.")],
    at_position: Annotated[str, typer.Option("--position", help="MGRS or 'lat, lon'.")],
    person: Annotated[
        list[str], typer.Option(help="'name|service|component|unit|condition|status'; repeat.")
    ],
    environment: Annotated[Environment, typer.Option()] = Environment.LAND,
    uncertainty_m: Annotated[float, typer.Option(min=0)] = 500.0,
    channel: Annotated[ReportChannel, typer.Option()] = ReportChannel.COMPONENT_REPORT,
    confidence: Annotated[SourceConfidence, typer.Option()] = SourceConfidence.PROBABLY_TRUE,
    isolated_at: Annotated[str, typer.Option(help="When the event happened (ISO 8601, or 'now').")] = "now",
    priority: Annotated[int, typer.Option(min=1, max=5)] = 1,
    summary: Annotated[str, typer.Option()] = "",
    incident_id: Annotated[str | None, typer.Option(help="Leave out to have one assigned.")] = None,
) -> None:
    """Report an isolating event."""
    body = {
        "incident_id": incident_id,
        "title": title,
        "owning_component": owner,
        "isolating_event_at": when(isolated_at),
        "position": _position(at_position),
        "uncertainty_m": uncertainty_m,
        "channel": channel,
        "source_confidence": confidence,
        "persons": [_person(p) for p in person],
        "environment": environment,
        "priority": priority,
        "summary": summary,
    }
    detail: IncidentDetail = call("incidents.report", body=body)
    emit(detail, lambda: render(detail))


@app.command()
def organic(incident_id: Id, plan: Annotated[str, typer.Option()], expected_version: Version = None) -> None:
    """The owning component recovers with its own forces (the JPRCC monitors)."""
    _act("organic_recovery", incident_id, {"plan": plan, "expected_version": expected_version})


@app.command()
def assist(
    incident_id: Id,
    reason: Annotated[str, typer.Option()],
    capability: Annotated[list[Capability] | None, typer.Option(help="Capability needed; repeat.")] = None,
    cannot_recover: Annotated[bool, typer.Option("--cannot-recover")] = False,
    expected_version: Version = None,
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """Ask the JPRCC for help, stating the capabilities needed (or that the component cannot recover)."""
    body = {"capabilities_needed": capability or [], "reason": reason, "cannot_recover": cannot_recover}
    _act(
        "request_assistance",
        incident_id,
        {**body, "expected_version": expected_version, **_voice(given_by, via)},
    )


@app.command()
def poll(
    incident_id: Id,
    component: Annotated[list[str], typer.Option(help="Component to poll; repeat.")],
    capability: Annotated[list[Capability] | None, typer.Option(help="Default: those requested.")] = None,
    respond_within_min: Annotated[int | None, typer.Option(min=1)] = None,
    expected_version: Version = None,
) -> None:
    """Poll components for capability and feasibility."""
    respond_by = now() + timedelta(minutes=respond_within_min) if respond_within_min else None
    body = {"component_ids": component, "capabilities_needed": capability or [], "respond_by": respond_by}
    _act("poll", incident_id, {**body, "expected_version": expected_version})


def _offer(text: str) -> dict[str, Any]:
    parts = text.split(":", 3)
    if len(parts) < 2:
        fail("--offer takes 'ASSET:capability[:minutes until available[:release]]'", 2)
    try:
        minutes = int(parts[2]) if len(parts) > 2 and parts[2] else 0
        return {
            "asset_id": parts[0],
            "capability": Capability(parts[1]),
            "available_at": now() + timedelta(minutes=minutes),
            "release_from_operation": len(parts) > 3 and parts[3] == "release",
        }
    except ValueError as exc:
        fail(f"--offer {text!r}: {exc}", 2)


@app.command()
def answer(
    incident_id: Id,
    component: Annotated[str, typer.Option(help="The component you answer for.")],
    offer: Annotated[
        list[str] | None, typer.Option(help="'ASSET:capability[:minutes[:release]]'; repeat.")
    ] = None,
    cannot: Annotated[str | None, typer.Option(help="Why the component cannot provide.")] = None,
    expected_version: Version = None,
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """Answer a capability poll: offers, or the reason the component cannot help."""
    offers = [_offer(o) for o in offer or ()]
    body = {"component_id": component, "offers": offers, "cannot_reason": cannot}
    _act("answer_poll", incident_id, {**body, "expected_version": expected_version, **_voice(given_by, via)})


def _contribution(text: str) -> dict[str, Any]:
    parts = text.split(":", 2)
    if len(parts) != 3:
        fail("--contribution takes 'COMPONENT:ASSET[,ASSET...]:task'", 2)
    return {"component_id": parts[0], "asset_ids": [a for a in parts[1].split(",") if a], "task": parts[2]}


@app.command()
def nominate(
    incident_id: Id,
    supported: Annotated[str, typer.Option(help="The supported (lead) component.")],
    contribution: Annotated[list[str], typer.Option(help="'COMPONENT:ASSET,ASSET:task'; repeat.")],
    effects: Annotated[str, typer.Option(help="Desired effects.")],
    window_hours: Annotated[float, typer.Option(min=0.1, help="Timing window from now, in hours.")] = 8.0,
    kind: Annotated[SupportKind, typer.Option()] = SupportKind.DIRECT,
    priority: Annotated[int, typer.Option(min=1, max=5)] = 1,
    rationale: Annotated[str, typer.Option()] = "",
    expected_version: Version = None,
) -> None:
    """Nominate the supported component and the supporting components' contributions."""
    start = now()
    body = {
        "supported_component": supported,
        "contributions": [_contribution(c) for c in contribution],
        "support_kind": kind,
        "priority": priority,
        "window_start": start,
        "window_end": start + timedelta(hours=window_hours),
        "desired_effects": effects,
        "rationale": rationale,
    }
    _act("nominate", incident_id, {**body, "expected_version": expected_version})


@app.command()
def approve(
    incident_id: Id,
    nomination: Annotated[str, typer.Option()],
    remarks: str = "",
    expected_version: Version = None,
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """JFC: approve the nomination; the support directive comes into force."""
    body = {"nomination_id": nomination, "remarks": remarks, "expected_version": expected_version}
    _act("approve", incident_id, {**body, **_voice(given_by, via)})


@app.command()
def reject(
    incident_id: Id,
    nomination: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    expected_version: Version = None,
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """JFC: reject the nomination, with the reason."""
    body = {"nomination_id": nomination, "reason": reason, "expected_version": expected_version}
    _act("reject", incident_id, {**body, **_voice(given_by, via)})


@app.command()
def accept(
    incident_id: Id,
    component: Annotated[str, typer.Option()],
    remarks: str = "",
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """A supporting component accepts its support task."""
    _act("accept", incident_id, {"remarks": remarks, **_voice(given_by, via)}, component_id=component)


@app.command()
def decline(
    incident_id: Id,
    component: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """A supporting component declines its support task."""
    _act("decline", incident_id, {"reason": reason, **_voice(given_by, via)}, component_id=component)


@app.command()
def begin(
    incident_id: Id, remarks: str = "", given_by: GivenBy = None, via: Via = RelayChannel.PHONE
) -> None:
    """The supported component launches the recovery."""
    _act("begin", incident_id, {"remarks": remarks, **_voice(given_by, via)})


@app.command()
def abort(incident_id: Id, reason: Annotated[str, typer.Option()]) -> None:
    """Abort the recovery under way; the directive stays in force."""
    _act("abort", incident_id, {"reason": reason})


@app.command()
def replan(incident_id: Id, reason: Annotated[str, typer.Option()]) -> None:
    """Supersede the nomination or directive and plan again."""
    _act("replan", incident_id, {"reason": reason})


@app.command()
def recovered(
    incident_id: Id,
    person: Annotated[list[str] | None, typer.Option(help="Default: everyone.")] = None,
    remarks: str = "",
) -> None:
    """Record that persons were recovered."""
    _act("recovered", incident_id, {"person_ids": person or [], "remarks": remarks})


@app.command()
def reintegrate(
    incident_id: Id,
    team: Annotated[str, typer.Option(help="The receiving reintegration team.")],
    remarks: str = "",
) -> None:
    """Hand the recovered persons to reintegration."""
    _act("reintegrate", incident_id, {"receiving_team": team, "remarks": remarks})


@app.command()
def close(incident_id: Id, disposition: Annotated[Disposition, typer.Option()], remarks: str = "") -> None:
    """JPRCC director: close the incident; its command relationships end."""
    _act("close", incident_id, {"disposition": disposition, "remarks": remarks})


@app.command()
def detained(
    incident_id: Id,
    person: Annotated[list[str], typer.Option()],
    party: Annotated[str, typer.Option()],
    remarks: str = "",
) -> None:
    """Persons are captured or detained (the non-military track)."""
    _act("detained", incident_id, {"person_ids": person, "detaining_party": party, "remarks": remarks})


@app.command()
def released(incident_id: Id, person: Annotated[list[str], typer.Option()], remarks: str = "") -> None:
    """Detained persons were released by the captor (not yet in friendly hands: bring them out)."""
    _act("released", incident_id, {"person_ids": person, "remarks": remarks})


@app.command("deliberate-recovery")
def deliberate_recovery(
    incident_id: Id,
    person: Annotated[list[str], typer.Option(help="A detained person to recover by force; repeat.")],
    reason: Annotated[str, typer.Option(help="Why the JFC orders it.")],
    capability: Annotated[
        list[Capability] | None, typer.Option(help="What the raid needs; repeat (default: SOF team, ISR).")
    ] = None,
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """JFC: recover detained persons by force, beside the negotiation (then brokered like any other)."""
    body = {"person_ids": person, "capabilities_needed": capability or [], "reason": reason}
    _act("deliberate_recovery", incident_id, {**body, **_voice(given_by, via)})


@app.command()
def status(
    incident_id: Id, person: str, duty_status: DutyStatus, remains_identified: bool = False, remarks: str = ""
) -> None:
    """Change a person's duty status (DUSTWUN starts a 10-day clock)."""
    body = {"status": duty_status, "remains_identified": remains_identified, "remarks": remarks}
    _act("duty_status", incident_id, body, person_id=person)


@app.command()
def condition(incident_id: Id, person: str, new_condition: Condition, remarks: str = "") -> None:
    """Change a person's condition (a casualty report, an observation): the options follow."""
    _act("condition", incident_id, {"condition": new_condition, "remarks": remarks}, person_id=person)


@app.command()
def task(incident_id: Id, pr_task: PRTask, task_status: TaskStatus, remarks: str = "") -> None:
    """Set the status of one of the five PR tasks."""
    _act("task", incident_id, {"status": task_status, "remarks": remarks}, task=pr_task)


@app.command()
def note(incident_id: Id, text: str) -> None:
    """Add an entry to the case narrative log."""
    _act("narrative", incident_id, {"text": text})


@app.command()
def narrative(
    incident_id: Id,
    before: Annotated[
        int | None, typer.Option(min=1, help="Entries before this one (the n of PR-X/Ln).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, the latest.")] = 100,
) -> None:
    """The case narrative: its latest entries, or those before one."""
    query = {"limit": limit, **({"before": before} if before is not None else {})}
    entries: list[NarrativeOut] = call(
        "incidents.narrative_entries", {"incident_id": incident_id}, query=query
    )
    table = Table("entry", "time (UTC)", "by", "text", title=f"narrative of {incident_id}")
    for e in entries:
        table.add_row(e.entry_id.rsplit("/", 1)[-1], e.at.strftime("%d %H:%M:%SZ"), e.author, e.text)
    emit(entries, table)


@app.command("check-in")
def check_in(incident_id: Id, remarks: str = "") -> None:
    """Report 'no change': resets the overdue timer."""
    _act("check_in", incident_id, {"remarks": remarks})


@app.command("tacon-request")
def tacon_request(
    incident_id: Id,
    asset: Annotated[list[str], typer.Option(help="Asset whose TACON passes; repeat.")],
    from_component: Annotated[str, typer.Option("--from")],
    to_component: Annotated[str, typer.Option("--to")],
    begin_at: Annotated[str, typer.Option("--begin", help="ISO 8601 or 'now'.")],
    end_at: Annotated[str, typer.Option("--end", help="ISO 8601.")],
    reason: Annotated[str, typer.Option()],
) -> None:
    """Request a TACON transfer. It needs an explicit begin and end, and the JFC's approval."""
    body = {
        "asset_ids": asset,
        "from_component": from_component,
        "to_component": to_component,
        "begin": when(begin_at),
        "end": when(end_at),
        "reason": reason,
    }
    _act("tacon_request", incident_id, body)


@app.command("tacon-approve")
def tacon_approve(
    incident_id: Id,
    request: Annotated[str, typer.Option()],
    remarks: str = "",
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """JFC: approve a TACON transfer request."""
    _act("tacon_approve", incident_id, {"request_id": request, "remarks": remarks, **_voice(given_by, via)})


@app.command("tacon-reject")
def tacon_reject(
    incident_id: Id,
    request: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    given_by: GivenBy = None,
    via: Via = RelayChannel.PHONE,
) -> None:
    """JFC: reject a TACON transfer request."""
    _act("tacon_reject", incident_id, {"request_id": request, "reason": reason, **_voice(given_by, via)})
