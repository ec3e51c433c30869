"""``jprcc incidents``: the board, the incident page, and every brokering step."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from jprcc.api.views import BoardOut, BoardRowOut, IncidentDetail, TimelineEntryOut
from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.cli.common import actor, console, emit, fail, maybe_when, node, position, refusals, when
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    PRTask,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.queries import BoardFilter
from jprcc.core.values import Contribution, Offer, PersonReport

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


def _act(command: cmd.IncidentCommand) -> None:
    who = actor()
    with refusals():
        incident = node().bus.handle(command, who).value
    detail = IncidentDetail.of(incident, who, node().registry)
    emit(detail, lambda: render(detail))


@app.command("list")
def list_incidents(
    stage: Annotated[Stage | None, typer.Option(help="Only this stage.")] = None,
    component: Annotated[str | None, typer.Option(help="Only incidents involving this component.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue incidents.")] = False,
    include_closed: Annotated[bool, typer.Option("--all", help="Include closed incidents.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 200,
) -> None:
    """The incident board."""
    who = actor()
    found = node().queries.board(
        who,
        BoardFilter(
            stage=stage, component=component, overdue_only=overdue, include_closed=include_closed, limit=limit
        ),
    )
    out = BoardOut(
        rows=[BoardRowOut.of(r) for r in found.rows],
        total=found.total,
        counts=found.counts,
        overdue=found.overdue,
    )
    table = Table(
        "id",
        "stage",
        "owner",
        "supported",
        "P",
        "persons",
        "MGRS",
        "title",
        title=f"{out.total} incidents, {out.overdue} overdue",
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
    who = actor()
    with refusals():
        detail = IncidentDetail.of(
            node().queries.incident(who, incident_id, maybe_when(as_of)), who, node().registry
        )
    emit(detail, lambda: render(detail))


@app.command()
def timeline(incident_id: Id) -> None:
    """Every recorded event of the incident, with time and author."""
    who = actor()
    with refusals():
        entries = [
            TimelineEntryOut.model_validate(e, from_attributes=True)
            for e in node().queries.timeline(who, incident_id)
        ]
    table = Table("seq", "time (UTC)", "by", "what", title=f"timeline of {incident_id}")
    for e in entries:
        table.add_row(str(e.seq), e.at.strftime("%d %H:%M:%SZ"), e.actor, e.summary)
    emit(entries, table)


def _person(text: str) -> PersonReport:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 3:
        fail("--person takes 'name|service|component[|unit[|condition[|duty status]]]'", 2)
    parts += [""] * (6 - len(parts))
    try:
        return PersonReport(
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            Condition(parts[4] or "unknown"),
            DutyStatus(parts[5] or "isolated"),
        )
    except ValueError as exc:
        fail(f"--person: {exc}", 2)


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
    import secrets

    isolating = when(isolated_at)
    _act(
        cmd.ReportIncident(
            incident_id=incident_id or f"PR-{secrets.token_hex(4).upper()}",
            title=title,
            owning_component=owner,
            isolating_event_at=isolating,
            position=position(at_position),
            uncertainty_m=uncertainty_m,
            channel=channel,
            source_confidence=confidence,
            persons=tuple(_person(p) for p in person),
            environment=environment,
            priority=priority,
            summary=summary,
        )
    )


@app.command()
def organic(incident_id: Id, plan: Annotated[str, typer.Option()], expected_version: Version = None) -> None:
    """The owning component recovers with its own forces (the JPRCC monitors)."""
    _act(cmd.DeclareOrganicRecovery(incident_id=incident_id, plan=plan, expected_version=expected_version))


@app.command()
def assist(
    incident_id: Id,
    reason: Annotated[str, typer.Option()],
    capability: Annotated[list[Capability] | None, typer.Option(help="Capability needed; repeat.")] = None,
    cannot_recover: Annotated[bool, typer.Option("--cannot-recover")] = False,
    expected_version: Version = None,
) -> None:
    """Ask the JPRCC for help, stating the capabilities needed (or that the component cannot recover)."""
    _act(
        cmd.RequestAssistance(
            incident_id=incident_id,
            capabilities_needed=tuple(capability or ()),
            reason=reason,
            cannot_recover=cannot_recover,
            expected_version=expected_version,
        )
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
    respond_by = node().clock() + timedelta(minutes=respond_within_min) if respond_within_min else None
    _act(
        cmd.OpenCapabilityPoll(
            incident_id=incident_id,
            component_ids=tuple(component),
            capabilities_needed=tuple(capability or ()),
            respond_by=respond_by,
            expected_version=expected_version,
        )
    )


def _offer(text: str) -> Offer:
    parts = text.split(":", 3)
    if len(parts) < 2:
        fail("--offer takes 'ASSET:capability[:minutes until available[:release]]'", 2)
    try:
        minutes = int(parts[2]) if len(parts) > 2 and parts[2] else 0
        return Offer(
            parts[0],
            Capability(parts[1]),
            node().clock() + timedelta(minutes=minutes),
            release_from_operation=len(parts) > 3 and parts[3] == "release",
        )
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
) -> None:
    """Answer a capability poll: offers, or the reason the component cannot help."""
    _act(
        cmd.AnswerCapabilityPoll(
            incident_id=incident_id,
            component_id=component,
            offers=tuple(_offer(o) for o in offer or ()),
            cannot_reason=cannot,
            expected_version=expected_version,
        )
    )


def _contribution(text: str) -> Contribution:
    parts = text.split(":", 2)
    if len(parts) != 3:
        fail("--contribution takes 'COMPONENT:ASSET[,ASSET...]:task'", 2)
    return Contribution(parts[0], tuple(a for a in parts[1].split(",") if a), parts[2])


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
    start = node().clock()
    _act(
        cmd.NominateSupport(
            incident_id=incident_id,
            supported_component=supported,
            contributions=tuple(_contribution(c) for c in contribution),
            support_kind=kind,
            priority=priority,
            window_start=start,
            window_end=start + timedelta(hours=window_hours),
            desired_effects=effects,
            rationale=rationale,
            expected_version=expected_version,
        )
    )


@app.command()
def approve(
    incident_id: Id,
    nomination: Annotated[str, typer.Option()],
    remarks: str = "",
    expected_version: Version = None,
) -> None:
    """JFC: approve the nomination; the support directive comes into force."""
    _act(
        cmd.ApproveNomination(
            incident_id=incident_id,
            nomination_id=nomination,
            remarks=remarks,
            expected_version=expected_version,
        )
    )


@app.command()
def reject(
    incident_id: Id,
    nomination: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    expected_version: Version = None,
) -> None:
    """JFC: reject the nomination, with the reason."""
    _act(
        cmd.RejectNomination(
            incident_id=incident_id,
            nomination_id=nomination,
            reason=reason,
            expected_version=expected_version,
        )
    )


@app.command()
def accept(incident_id: Id, component: Annotated[str, typer.Option()], remarks: str = "") -> None:
    """A supporting component accepts its support task."""
    _act(cmd.AcceptSupportTask(incident_id=incident_id, component_id=component, remarks=remarks))


@app.command()
def decline(
    incident_id: Id, component: Annotated[str, typer.Option()], reason: Annotated[str, typer.Option()]
) -> None:
    """A supporting component declines its support task."""
    _act(cmd.DeclineSupportTask(incident_id=incident_id, component_id=component, reason=reason))


@app.command()
def begin(incident_id: Id, remarks: str = "") -> None:
    """The supported component launches the recovery."""
    _act(cmd.BeginRecovery(incident_id=incident_id, remarks=remarks))


@app.command()
def abort(incident_id: Id, reason: Annotated[str, typer.Option()]) -> None:
    """Abort the recovery under way; the directive stays in force."""
    _act(cmd.AbortRecovery(incident_id=incident_id, reason=reason))


@app.command()
def replan(incident_id: Id, reason: Annotated[str, typer.Option()]) -> None:
    """Supersede the nomination or directive and plan again."""
    _act(cmd.Replan(incident_id=incident_id, reason=reason))


@app.command()
def recovered(
    incident_id: Id,
    person: Annotated[list[str] | None, typer.Option(help="Default: everyone.")] = None,
    remarks: str = "",
) -> None:
    """Record that persons were recovered."""
    _act(cmd.RecordRecovery(incident_id=incident_id, person_ids=tuple(person or ()), remarks=remarks))


@app.command()
def reintegrate(
    incident_id: Id,
    team: Annotated[str, typer.Option(help="The receiving reintegration team.")],
    remarks: str = "",
) -> None:
    """Hand the recovered persons to reintegration."""
    _act(cmd.HandToReintegration(incident_id=incident_id, receiving_team=team, remarks=remarks))


@app.command()
def close(incident_id: Id, disposition: Annotated[Disposition, typer.Option()], remarks: str = "") -> None:
    """JPRCC director: close the incident; its command relationships end."""
    _act(cmd.CloseIncident(incident_id=incident_id, disposition=disposition, remarks=remarks))


@app.command()
def detained(
    incident_id: Id,
    person: Annotated[list[str], typer.Option()],
    party: Annotated[str, typer.Option()],
    remarks: str = "",
) -> None:
    """Persons are captured or detained (the non-military track)."""
    _act(
        cmd.DeclareDetained(
            incident_id=incident_id, person_ids=tuple(person), detaining_party=party, remarks=remarks
        )
    )


@app.command()
def released(incident_id: Id, person: Annotated[list[str], typer.Option()], remarks: str = "") -> None:
    """Detained persons were released."""
    _act(cmd.RecordRelease(incident_id=incident_id, person_ids=tuple(person), remarks=remarks))


@app.command()
def status(
    incident_id: Id, person: str, duty_status: DutyStatus, remains_identified: bool = False, remarks: str = ""
) -> None:
    """Change a person's duty status (DUSTWUN starts a 10-day clock)."""
    _act(
        cmd.ChangeDutyStatus(
            incident_id=incident_id,
            person_id=person,
            status=duty_status,
            remains_identified=remains_identified,
            remarks=remarks,
        )
    )


@app.command()
def task(incident_id: Id, pr_task: PRTask, task_status: TaskStatus, remarks: str = "") -> None:
    """Set the status of one of the five PR tasks."""
    _act(cmd.UpdateTask(incident_id=incident_id, task=pr_task, status=task_status, remarks=remarks))


@app.command()
def note(incident_id: Id, text: str) -> None:
    """Add an entry to the case narrative log."""
    _act(cmd.AddNarrativeEntry(incident_id=incident_id, text=text))


@app.command("check-in")
def check_in(incident_id: Id, remarks: str = "") -> None:
    """Report 'no change': resets the overdue timer."""
    _act(cmd.CheckIn(incident_id=incident_id, remarks=remarks))


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
    begin_time, end_time = when(begin_at), when(end_at)
    _act(
        cmd.RequestTaconTransfer(
            incident_id=incident_id,
            asset_ids=tuple(asset),
            from_component=from_component,
            to_component=to_component,
            begin=begin_time,
            end=end_time,
            reason=reason,
        )
    )


@app.command("tacon-approve")
def tacon_approve(incident_id: Id, request: Annotated[str, typer.Option()], remarks: str = "") -> None:
    """JFC: approve a TACON transfer request."""
    _act(cmd.ApproveTaconTransfer(incident_id=incident_id, request_id=request, remarks=remarks))


@app.command("tacon-reject")
def tacon_reject(
    incident_id: Id, request: Annotated[str, typer.Option()], reason: Annotated[str, typer.Option()]
) -> None:
    """JFC: reject a TACON transfer request."""
    _act(cmd.RejectTaconTransfer(incident_id=incident_id, request_id=request, reason=reason))
