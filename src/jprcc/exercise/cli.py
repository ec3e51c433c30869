"""``jprcc exercise``: run a scenario as an exercise, on a node of its own (its own data directory,
every page and export marked EXERCISE) and a scenario clock set to the scenario's date: live, with
the page served as the clock runs (``--speed`` times real time), or ``--headless``, to the end as
fast as the store allows. ``jprcc exercise list`` names the scenarios shipped with jprcc."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from jprcc.cli.common import call, console, emit, fail, progress

if TYPE_CHECKING:
    from jprcc.exercise.run import Exercise

app = typer.Typer(
    help="Exercises on a scenario clock: run a scenario live or headless.", no_args_is_help=True
)
SHIPPED = Path(str(resources.files("jprcc") / "data" / "exercises"))


def _start(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date and time like 2025-11-18T00:30Z") from None
    if when.tzinfo is None:
        raise typer.BadParameter("give the time zone (Z for UTC)")
    return when.astimezone(UTC)


def _scenario(path: Path) -> Path:
    if path.exists():
        return path
    shipped = SHIPPED / path.name
    if shipped.exists():
        return shipped
    fail(f"no scenario file {path} (jprcc exercise list names the shipped ones)", 2)


@app.command("list")
def list_scenarios() -> None:
    """The exercise scenarios shipped with jprcc: their start, ground and what they exercise."""
    from jprcc.exercise.scenario import load

    for path in sorted(SHIPPED.glob("*.yaml")):
        s = load(path)
        injects = sum(1 for step in s.steps if step.offset.total_seconds() >= 0)
        start = f"{s.start:%Y-%m-%d %H%MZ}" if s.start else "when run"
        console.print(f"[bold]{s.name}[/]  {path.name}")
        console.print(f"  starts {start} on {s.base or 'its own ground'}, {injects} injects")
        console.print(f"  {s.description}", soft_wrap=False)


@app.command("run")
def run(
    scenario: Annotated[Path, typer.Argument(help="The scenario file (YAML), or the name of a shipped one.")],
    start: Annotated[
        str | None,
        typer.Option(
            help="Scenario date and time to start at, e.g. 2025-11-18T00:30Z (default: the file's)."
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(min=0, max=3600, help="Scenario seconds per real second (live runs; 1: real time)."),
    ] = 1.0,
    headless: Annotated[
        bool, typer.Option("--headless", help="Play the whole scenario at once, with no page, and report.")
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="The exercise's own folder (new or empty; default: a new one under the data directory)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to serve the page on (live runs).")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port to serve the page on (live runs).")
    ] = 8000,
) -> None:
    """Run a scenario as an exercise: its own store, the EXERCISE marking, its own clock."""
    from jprcc.core.maintenance import verify_chain
    from jprcc.exercise.run import prepare, run_headless
    from jprcc.exercise.scenario import ScenarioError

    try:
        exercise = prepare(
            _scenario(scenario), start=_start(start), speed=speed, headless=headless, folder=data_dir
        )
    except ScenarioError as exc:
        fail(str(exc), 2)
    marking = exercise.node.settings.marking
    console.print(f"[bold yellow]{marking}[/]")
    console.print(
        f"{exercise.scenario.name}: starts {exercise.start:%Y-%m-%d %H%MZ}, "
        f"{len(exercise.player.pending)} injects to {exercise.end:%Y-%m-%d %H%MZ}; "
        f"{exercise.laid_down} commands laid down before the start\nstore: {exercise.folder}"
    )
    try:
        if headless:
            with progress() as bar:
                task = bar.add_task("playing the injects", total=len(exercise.player.pending))
                outcome = run_headless(exercise, lambda n: bar.advance(task, n))
            verdict = verify_chain(exercise.node.database)
            table = Table("measure", "value", title=f"{exercise.scenario.name} (headless)")
            table.add_row("injects played", f"{outcome.injects}")
            table.add_row("injects the rules refused", f"{outcome.refused}")
            table.add_row("timer alerts raised", f"{outcome.alerts}")
            table.add_row("events recorded", f"{outcome.events}")
            table.add_row("scenario time covered", str(outcome.scenario_span))
            table.add_row("wall time", f"{outcome.seconds:.2f} s ({outcome.commands_per_s:,.0f} injects/s)")
            table.add_row("audit chain", f"intact, {verdict.records} records" if verdict.ok else "BROKEN")
            console.print(table)
            for refusal in exercise.refused:
                console.print(f"[red]refused:[/] {refusal}")
            console.print(f"[bold yellow]{marking}[/]")
            if not verdict.ok:
                fail(f"audit chain broken at record {verdict.bad_seq}: {verdict.reason}", 5)
            return
        _serve(exercise, speed, host, port)
    finally:
        exercise.close()


def _serve(exercise: Exercise, speed: float, host: str, port: int) -> None:
    import uvicorn

    from jprcc.api.app import create_app
    from jprcc.cli.admin import print_logins
    from jprcc.core import logs
    from jprcc.exercise.run import Live

    logs.configure(exercise.node.settings.log_level)
    if exercise.scenario.base is not None:
        print_logins()
    live = Live(exercise, speed)
    console.print(f"clock at {speed:g}x real time; serving on http://{host}:{port}")
    live.start()
    try:
        uvicorn.run(
            create_app(exercise.node),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    finally:
        live.stop()


@app.command("after-action")
def after_action(
    incident: Annotated[str | None, typer.Option(help="Only this incident.")] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write the figures to this CSV file.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write the printable report (HTML, with its pictures) to this file."),
    ] = None,
) -> None:
    """After-action figures from the log (this node's, or --server's): minutes from isolation to each
    milestone, each brokering step, darkness lost to coordination, offered against chosen."""
    from jprcc.exercise.schemas import AfterActionOut

    query = {"incident_id": incident} if incident else {}
    found: AfterActionOut = call("exercise.after_action", query=query)
    for target, action in ((csv, "exercise.after_action_csv"), (report, "exercise.after_action_report")):
        if target is not None:
            data = call(action, query=query)
            target.write_bytes(data if isinstance(data, bytes) else str(data).encode("utf-8"))

    def render() -> None:
        console.print(f"[bold yellow]{found.marking}[/]")
        table = Table(
            title=f"after action as of {found.as_of:%d %H%MZ %b %Y} ({found.events_read} events read)"
        )
        for name in ("incident", "report", "locate", "auth", "directive", "recovery", "phase I", "dark lost"):
            table.add_column(name, justify="right" if name != "incident" else "left")
        for m in found.incidents:
            minutes = m.minutes_from_isolation
            table.add_row(
                m.incident_id,
                *(
                    "-" if minutes[k] is None else f"{minutes[k]:.0f}"
                    for k in ("reported", "located", "authenticated", "directive", "recovered", "phase_one")
                ),
                f"{m.dark_minutes_lost:.0f}",
            )
        console.print(table)
        console.print(
            "minutes from the isolating event; 'dark lost': minutes of darkness while help was brokered"
        )
        for target in (csv, report):
            if target is not None:
                console.print(f"wrote {target}")

    emit(found, render)


@app.command("mass-isolation")
def mass_isolation_command(
    out: Annotated[Path, typer.Option(help="The scenario file to write (YAML).")],
    events: Annotated[int, typer.Option(min=1, max=10_000, help="Isolating events.")] = 200,
    hours: Annotated[float, typer.Option(min=1, max=168, help="Over how many hours.")] = 24.0,
    captured: Annotated[
        float, typer.Option(min=0, max=1, help="Share of events where people are captured.")
    ] = 0.10,
    maritime: Annotated[float, typer.Option(min=0, max=1, help="Share of events at sea.")] = 0.30,
    assisted: Annotated[
        float, typer.Option(min=0, max=1, help="Share that asks the JPRCC for help (when an asset is free).")
    ] = 0.15,
    seed: Annotated[
        int, typer.Option(help="Seed of the draw: the same arguments write the same file.")
    ] = 20251118,
    start: Annotated[str | None, typer.Option(help="Scenario start, e.g. 2025-11-18T00:00Z.")] = None,
) -> None:
    """Write a mass-isolation day as a scenario file (the shipped one is the defaults)."""
    from jprcc.exercise.mass import mass_isolation, write

    try:
        scenario = mass_isolation(events, hours, captured, maritime, assisted, seed, _start(start))
    except ValueError as exc:
        fail(str(exc), 2)
    out.write_text(write(scenario), encoding="utf-8")
    console.print(f"wrote {out}: {events} isolating events, {len(scenario['script'])} injects")


@app.command("thesis")
def thesis_command(
    out: Annotated[Path, typer.Option(help="Folder for the outcomes, the summary and the plots.")] = Path(
        "thesis"
    ),
    theaters: Annotated[int, typer.Option(min=1, max=100_000, help="Random theaters (one day each).")] = 200,
    seed: Annotated[int, typer.Option(help="First theater's seed: the same seed, the same theaters.")] = 1,
    assumptions: Annotated[
        Path | None, typer.Option(help="An assumptions file (default: the one shipped with jprcc).")
    ] = None,
    set_values: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change one assumption, e.g. --set negotiation_min=120 (repeatable)."),
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Also vary each assumption the file marks with vary.")
    ] = False,
    sensitivity_theaters: Annotated[
        int, typer.Option(min=1, max=100_000, help="Theaters per value in the sensitivity analysis.")
    ] = 50,
    plots: Annotated[bool, typer.Option(help="Draw the distributions (and the sensitivity) as PNG.")] = True,
    jobs: Annotated[
        int, typer.Option(min=1, max=256, help="Processes to run theaters in (the figures are the same).")
    ] = 1,
) -> None:
    """Measure the thesis: a component-level centre negotiating TACON against a JFC-level JPRCC
    brokering support, over random theaters, every recovery planned by the options model.

    Prints time to recovery, recoveries in darkness and P(success) for each arrangement, and writes
    outcomes.csv, summary.json (and sensitivity.csv) and the plots to --out."""
    from jprcc.exercise import thesis

    try:
        base, entries = thesis.load_assumptions(assumptions)
        for item in set_values or []:
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"--set {item!r}: write NAME=VALUE")
            base = base.with_value(name.strip(), float(value))
    except (OSError, ValueError) as exc:
        fail(str(exc), 2)
    with progress() as bar:
        task = bar.add_task("theaters, both arrangements", total=theaters)
        outcomes = thesis.run(base, theaters, seed, progress=lambda n: bar.advance(task, n), jobs=jobs)
        rows = []
        if sensitivity:
            task = bar.add_task("sensitivity", total=thesis.sensitivity_runs(entries) * sensitivity_theaters)
            rows = thesis.sensitivity(
                base, entries, sensitivity_theaters, seed, progress=lambda n: bar.advance(task, n), jobs=jobs
            )
    meta = {"theaters": theaters, "seed": seed, "sensitivity_theaters": sensitivity_theaters if rows else 0}
    thesis.write(outcomes, rows, meta, out)
    drawn = thesis.plots(outcomes, rows, out) if plots else []
    s = thesis.summary(outcomes)
    table = Table(title=f"{theaters} theaters, {s['arrangements']['jprcc']['events']} isolating events")
    table.add_column("")
    for arrangement in s["arrangements"]:
        table.add_column(thesis.LABEL[arrangement], justify="right")
    rows_shown = [
        ("recovered within the give-up time", "recovered", "{:.1%}"),
        ("median hours to pickup (never: ∞)", "median_h", "{:.2f}"),
        ("90th percentile hours", "p90_h", "{:.2f}"),
        ("mean hours, events recovered", "mean_h", "{:.2f}"),
        ("pickups in darkness", "dark", "{:.1%}"),
        ("mean P(success)", "p_success", "{:.3f}"),
        ("expected successful recoveries per event", "expected", "{:.3f}"),
        ("using another component's assets", "other_components", "{:.1%}"),
        ("events with a refusal", "refused", "{:.1%}"),
    ]
    for label, key, fmt in rows_shown:
        table.add_row(label, *(fmt.format(f[key]) for f in s["arrangements"].values()))
    console.print(table)
    p = s["paired"]
    console.print(
        f"same event, component − JPRCC: {p['component_minus_jprcc_h']:+.2f} h ± {p['ci95_h']:.2f} "
        f"(95 %, {p['events']} events)"
    )
    console.print(f"wrote {out}: outcomes.csv, summary.json" + "".join(f", {d.name}" for d in drawn))
