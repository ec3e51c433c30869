"""``jprcc options``: recovery options for an incident, side by side; nominate one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from jprcc.api.views import IncidentDetail
from jprcc.cli.common import call, client, console, emit, fail, when
from jprcc.core.model import SupportKind
from jprcc.options.model import Method, Scope
from jprcc.options.planning.courses import Weights
from jprcc.options.views import OptionOut, OptionSetOut

app = typer.Typer(
    help="Recovery options: courses of action across all components, compared side by side; nominate one.",
    no_args_is_help=True,
)

IncidentArg = Annotated[str, typer.Argument(help="Incident id, e.g. PR-RAVEN21")]
TimeWeight = Annotated[float, typer.Option("--w-time", min=0, max=1000, help="Score per hour to care.")]
RiskWeight = Annotated[float, typer.Option("--w-risk", min=0, max=1000, help="Score per risk point.")]
DisruptionWeight = Annotated[
    float, typer.Option("--w-disruption", min=0, max=1000, help="Score per disruption point.")
]
TaconFlag = Annotated[bool, typer.Option("--tacon", help="Also show options that transfer TACON (flagged).")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Plan as of this UTC time, e.g. 2026-11-25T18:00:00Z (default now)."),
]


ScopeOption = Annotated[
    Scope,
    typer.Option("--scope", help="polled: with a poll open, only the polled components; all: everyone."),
]
ExcludeMethod = Annotated[
    list[Method] | None, typer.Option("--exclude-method", help="A method not to use (repeat for more).")
]
ExcludeAsset = Annotated[
    list[str] | None, typer.Option("--exclude-asset", help="An asset id not to use (repeat for more).")
]
MaxRisk = Annotated[
    float | None,
    typer.Option("--max-risk", min=0.001, max=1, help="Risk ceiling: the highest acceptable 1 - P(success)."),
]
LatestPickup = Annotated[
    str | None,
    typer.Option("--latest-pickup", help="The persons aboard by then (UTC), e.g. 2026-11-25T05:30:00Z."),
]


def _control(
    scope: Scope,
    exclude_method: list[Method] | None,
    exclude_asset: list[str] | None,
    max_risk: float | None,
    latest_pickup: str | None,
) -> dict[str, Any]:
    """The planner's restrictions as the actions take them (left out when not given)."""
    query: dict[str, Any] = {"scope": scope}
    if exclude_method:
        query["exclude_method"] = list(exclude_method)
    if exclude_asset:
        query["exclude_asset"] = list(exclude_asset)
    if max_risk is not None:
        query["max_risk"] = max_risk
    if latest_pickup is not None:
        query["latest_pickup"] = when(latest_pickup)
    return query


def _weights(w_time: float, w_risk: float, w_disruption: float, tacon: bool) -> dict[str, Any]:
    """The weights as the actions take them, refused here if they cannot rank anything."""
    try:
        Weights(w_time, w_risk, w_disruption)
    except ValueError as exc:
        fail(f"weights: {exc}", 2)
    return {"w_time": w_time, "w_risk": w_risk, "w_disruption": w_disruption, "tacon": tacon}


def _working(incident_id: str) -> Progress:
    """A spinner while the options are generated; the login (maybe a password prompt) comes first."""
    client()
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True)
    bar.add_task(f"route fields and options for {incident_id}", total=None)
    return bar


@app.command("show")
def show(
    incident_id: IncidentArg,
    w_time: TimeWeight = 1.0,
    w_risk: RiskWeight = 1.0,
    w_disruption: DisruptionWeight = 1.0,
    tacon: TaconFlag = False,
    at: AtOption = None,
    scope: ScopeOption = Scope.POLLED,
    exclude_method: ExcludeMethod = None,
    exclude_asset: ExcludeAsset = None,
    max_risk: MaxRisk = None,
    latest_pickup: LatestPickup = None,
) -> None:
    """The non-dominated recovery options for an incident, ranked by the weights, side by side:
    method, who leads, who supports with what, the timeline and the light at each step, risk,
    disruption of other operations. A pickup in daylight against the matrix is flagged in red.

    The planner's restrictions (--scope, --exclude-method, --exclude-asset, --max-risk,
    --latest-pickup) are reported with what each removed."""
    query = _weights(w_time, w_risk, w_disruption, tacon)
    query |= _control(scope, exclude_method, exclude_asset, max_risk, latest_pickup)
    if at is not None:
        query["at"] = when(at)
    with _working(incident_id):
        out: OptionSetOut = call("options.show", {"incident_id": incident_id}, query=query)
    emit(out, lambda: _render(out))


def _render(s: OptionSetOut) -> None:
    if s.matrix is not None:
        m = s.matrix
        darkness = "; waits for darkness" if m.wait_for_darkness else ""
        decided = f"[bold]{m.recommendation.value}[/], {m.approval.value} approves{darkness}"
        console.print(f"matrix row {m.matrix_row}: {decided}")
    console.print(_dark_line(s))
    shown = s.options[:4]
    table = Table(
        "",
        *[f"{i + 1}. {o.option_id}" for i, o in enumerate(shown)],
        title=f"recovery options for {s.incident_id}",
    )
    for label, value in _rows():
        table.add_row(label, *[value(o) for o in shown])
    console.print(table)
    for o in s.options:
        for flag in o.flags:
            console.print(f"[bold red]{o.option_id}: {flag}[/]")
        for note in o.notes:
            style = "bold red" if note.startswith("REQUIRES") else "yellow"
            console.print(f"[{style}]{o.option_id}:[/] {note}")
    for line in s.restrictions:
        console.print(f"[cyan]restriction:[/] {line}")
    for line in [*s.closed, *s.infeasible]:
        console.print(f"[dim]{line}[/]")
    if not s.proven_optimal:
        console.print(
            "[yellow]the solver's work limit ran out: these options are feasible, maybe not the best[/]"
        )
    if s.also_considered:
        console.print(
            "also considered (dominated): "
            + "; ".join(f"{o.option_id} {o.summary}" for o in s.also_considered)
        )


def _hhmm(value: object) -> str:
    return "-" if value is None else f"{value:%d %H%MZ}"


def _dark_line(s: OptionSetOut) -> str:
    if s.dark_minutes_left > 0:
        line = f"[bold]dark: {s.dark_minutes_left:.0f} min left[/] (first light {_hhmm(s.first_light_at)})"
    else:
        line = f"daylight: darkness begins {_hhmm(s.last_light_at)}"
    if s.darkness_wanted:
        line += "; the matrix wants the pickup in darkness"
    return line


def _light(o: OptionOut, step: str) -> str:
    lit = o.light.get(step)
    return "" if lit is None else f"\n{lit.summary}"


def _rows() -> list[tuple[str, Callable[[OptionOut], str]]]:
    return [
        ("method", lambda o: o.method_label),
        ("pickup site", lambda o: o.site.name),
        ("supported", lambda o: o.supported_component),
        ("assets", lambda o: "\n".join(f"{a.role.value}: {a.callsign} ({a.component_id})" for a in o.assets)),
        ("launch", lambda o: _hhmm(o.launch_at) + _light(o, "launch")),
        ("on scene", lambda o: _hhmm(o.on_scene_at) + _light(o, "on_scene")),
        (
            "pickup",
            lambda o: (
                _hhmm(o.recovery_at) + _light(o, "pickup") + ("\n[bold red]FLAGGED[/]" if o.flags else "")
            ),
        ),
        ("at care", lambda o: f"{_hhmm(o.at_medical_at)}\n{o.medical_facility}"),
        ("P(success)", lambda o: "-" if o.p_success is None else f"{o.p_success:.2f}"),
        ("threat on route", lambda o: f"{o.threat_on_route:.2f}"),
        ("disruption", lambda o: "\n".join(o.disrupted) or "none"),
        ("components / hand-offs", lambda o: f"{len(o.components)} / {o.handoffs}"),
        (
            "score",
            lambda o: f"{o.score:.2f} (" + ", ".join(f"{k} {v:.2f}" for k, v in o.score_terms.items()) + ")",
        ),
        ("TACON", lambda o: "; ".join(o.tacon_transfers) or "stays with owners"),
    ]


@app.command("nominate")
def nominate(
    incident_id: IncidentArg,
    option_id: Annotated[str, typer.Argument(help="The option to adopt, e.g. OPT-932A3072")],
    why: Annotated[str, typer.Option("--why", help="Why this option over the others.")],
    support_kind: Annotated[SupportKind, typer.Option(help="The support relationship.")] = SupportKind.DIRECT,
    w_time: TimeWeight = 1.0,
    w_risk: RiskWeight = 1.0,
    w_disruption: DisruptionWeight = 1.0,
    scope: ScopeOption = Scope.POLLED,
    exclude_method: ExcludeMethod = None,
    exclude_asset: ExcludeAsset = None,
    max_risk: MaxRisk = None,
    latest_pickup: LatestPickup = None,
) -> None:
    """Nominate the supported and supporting components from an option: the nomination records
    the option it adopts, the alternatives and why; the JFC's approval makes it the directive.
    Give the same weights and restrictions as when the option was shown."""
    query = _weights(w_time, w_risk, w_disruption, False)
    query |= _control(scope, exclude_method, exclude_asset, max_risk, latest_pickup)
    path = {"incident_id": incident_id, "option_id": option_id}
    with _working(incident_id):
        out: IncidentDetail = call(
            "options.nominate", path, {"rationale": why, "support_kind": support_kind}, query=query
        )
    nomination = out.nominations[-1]
    emit(out, f"{nomination.nomination_id}: {nomination.supported_component} supported, adopting {option_id}")
