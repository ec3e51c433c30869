"""The ``jprcc`` command: serve the coordination center, and work it from a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jprcc.api.views import (
    AlertOut,
    AssetOut,
    ComponentOut,
    ComponentStatusOut,
    OperationOut,
    RelationshipOut,
    UserOut,
)
from jprcc.brokering import cli as incidents
from jprcc.cli.common import actor, console, emit, fail, node, refusals, state
from jprcc.core import commands as core_cmd
from jprcc.core.accounts import commands as cmd
from jprcc.core.model import Actor, Readiness, Role
from jprcc.core.theater import commands as theater_cmd
from jprcc.intel import cli as intel
from jprcc.locate import cli as locate
from jprcc.options import cli as options
from jprcc.records import cli as records

app = typer.Typer(
    help="jprcc: the Joint Personnel Recovery Coordination Center.\n\n"
    "Act as a user with --as USERNAME (or JPRCC_USER); the password comes from JPRCC_PASSWORD or a prompt.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(incidents.app, name="incidents")
app.add_typer(intel.app, name="intel")
app.add_typer(options.app, name="options")
app.add_typer(locate.app, name="locate")
app.add_typer(records.app, name="records")
db_app = typer.Typer(help="The store: schema upgrades, read-model rebuilds.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident event log.", no_args_is_help=True)
users_app = typer.Typer(
    help="Accounts (local administration, or as the JPRCC director).", no_args_is_help=True
)
demo_app = typer.Typer(help="The demo theater (Exercise CORAL SHIELD).", no_args_is_help=True)
theater_app = typer.Typer(help="Components, assets and operations; scenario files.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (audit_app, "audit"),
    (users_app, "users"),
    (demo_app, "demo"),
    (theater_app, "theater"),
):
    app.add_typer(sub, name=name)

LOCAL_ADMIN = Actor.system("local-admin")


@app.callback()
def main_options(
    user: Annotated[str | None, typer.Option("--as", help="Act as this user.", envvar="JPRCC_USER")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Work a remote JPRCC: its URL, e.g. https://jprcc.example:8000 (log in with --as and "
            "JPRCC_PASSWORD, or give JPRCC_TOKEN). Without it, commands run on this machine's store.",
            envvar="JPRCC_SERVER",
        ),
    ] = None,
) -> None:
    state.user = user
    state.json = as_json
    state.server = server
    state.client = None  # one client per run, for the user this run names


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_logins() -> None:
    from jprcc.demo import demo_logins

    table = Table("username", "password", "role", title="demo accounts (change them for real use)")
    for row in demo_logins():
        table.add_row(*row)
    console.print(table)


def _load_demo() -> int:
    from jprcc.demo import DEMO_FILE, load_demo
    from jprcc.exercise.scenario import load

    steps = len(load(DEMO_FILE).steps)
    with _progress() as bar:
        task = bar.add_task("loading the demo theater", total=steps)
        return load_demo(node(), lambda _: bar.advance(task))


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo theater into an empty store first.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the coordination center (API, live feed, OpenAPI at /docs)."""
    import uvicorn

    from jprcc.api.app import create_app
    from jprcc.core import logs
    from jprcc.demo import store_is_empty

    n = node()
    logs.configure(n.settings.log_level)
    if demo:
        if store_is_empty(n):
            console.print(f"[green]demo theater loaded:[/] {_load_demo()} commands")
        else:
            console.print("[yellow]the store already holds events; the demo is not loaded again[/]")
        _print_logins()
    console.print(
        f"store: {n.database.display_url}\nserving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)"
    )
    uvicorn.run(
        create_app(n), host=host, port=port, log_config=None, access_log=False, timeout_graceful_shutdown=5
    )


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo theater into the (empty) store."""
    from jprcc.demo import store_is_empty

    if not store_is_empty(node()):
        fail("the store already holds events; use an empty data directory (JPRCC_DATA_DIR)")
    with refusals():
        console.print(f"demo theater loaded: {_load_demo()} commands")
    _print_logins()


@demo_app.command("logins")
def demo_logins_command() -> None:
    """Print the demo accounts and how to log in."""
    _print_logins()


@theater_app.command("load")
def theater_load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Play a scenario file (theater, accounts, script) into the store, as local administration."""
    from jprcc.demo import verifier
    from jprcc.exercise.scenario import ScenarioError, load, play

    try:
        scenario = load(path)
        with _progress() as bar:
            task = bar.add_task(f"playing {scenario.name}", total=len(scenario.steps))
            advance = lambda _: bar.advance(task)  # noqa: E731
            played = play(scenario, node().bus, node().clock(), advance, verifier(node()))
    except ScenarioError as exc:
        fail(str(exc))
    console.print(f"{scenario.name}: {played} commands played")


@theater_app.command("components")
def list_components() -> None:
    """The components and their PR coordination cells."""
    found = [ComponentOut.model_validate(c, from_attributes=True) for c in node().queries.components()]
    table = Table("id", "name", "kind", "PRCC")
    for c in found:
        table.add_row(c.component_id, c.name, c.kind.value, c.prcc_name)
    emit(found, table)


@theater_app.command("assets")
def list_assets(component: Annotated[str | None, typer.Option()] = None) -> None:
    """Assets with capabilities, readiness, commitment and tasking."""
    found = [AssetOut.of(a) for a in node().queries.assets(None, component)]
    table = Table("id", "type", "component", "capabilities", "readiness", "committed to", "tasked to")
    for a in found:
        table.add_row(
            a.asset_id,
            a.asset_type,
            a.component_id,
            ", ".join(c.value for c in a.capabilities),
            a.readiness.value,
            a.commitment.operation_id if a.commitment else "-",
            a.tasked_incident_id or "-",
        )
    emit(found, table)


@theater_app.command("operations")
def list_operations() -> None:
    """Other operations, by priority."""
    found = [OperationOut.model_validate(o, from_attributes=True) for o in node().queries.operations()]
    table = Table("id", "name", "component", "priority", "active")
    for o in found:
        table.add_row(o.operation_id, o.name, o.component_id, str(o.priority), "yes" if o.active else "no")
    emit(found, table)


@theater_app.command("status")
def component_status(component: str) -> None:
    """One component at a glance: assets by readiness, incidents owned, supported, supporting."""
    who = actor()
    with refusals():
        status = node().queries.component_status(who, component)
    emit(ComponentStatusOut.of(status))


def _theater_act(command: core_cmd.Command) -> None:
    who = actor()
    with refusals():
        node().bus.handle(command, who)
    console.print("done")


@theater_app.command("readiness")
def asset_readiness(asset: str, readiness: Readiness, remarks: str = "") -> None:
    """Change an asset's readiness (the owning component's PRCC, or the JPRCC)."""
    _theater_act(theater_cmd.ChangeAssetReadiness(asset_id=asset, readiness=readiness, remarks=remarks))


@theater_app.command("commit")
def asset_commit(asset: str, operation: str) -> None:
    """Commit an asset to another operation of its component."""
    _theater_act(theater_cmd.CommitAsset(asset_id=asset, operation_id=operation))


@theater_app.command("release")
def asset_release(asset: str, reason: Annotated[str, typer.Option()]) -> None:
    """Release an asset from the operation it is committed to."""
    _theater_act(theater_cmd.ReleaseAsset(asset_id=asset, reason=reason))


@app.command()
def relationships(incident: Annotated[str | None, typer.Option(help="Only this incident.")] = None) -> None:
    """Command relationships over time: who supports whom, from when to when; TACON only where transferred."""
    who = actor()
    with refusals():
        found = [RelationshipOut.of(r) for r in node().queries.relationships(who, incident)]
    table = Table("incident", "kind", "from", "to", "assets", "begin", "end", "TACON moves?")
    for r in found:
        table.add_row(
            r.incident_id,
            r.kind.value,
            r.from_component,
            r.to_component,
            ", ".join(r.asset_ids),
            r.begin.strftime("%d %H:%MZ"),
            r.end.strftime("%d %H:%MZ") if r.end else "open",
            "YES" if r.transfers_control else "no",
        )
    emit(found, table)


@app.command()
def alerts(
    sweep: Annotated[bool, typer.Option("--sweep", help="Also record the due alerts in the log.")] = False,
) -> None:
    """Overdue incidents and DUSTWUN statuses due for redesignation."""
    who = actor()
    if sweep:
        from jprcc.brokering.alerts import sweep as run_sweep

        console.print(f"{run_sweep(node().bus, node().queries)} alert(s) recorded")
    found = [AlertOut.model_validate(a, from_attributes=True) for a in node().queries.alerts(who)]
    table = Table("kind", "incident", "due", "title", "detail")
    for a in found:
        table.add_row(a.kind, a.incident_id, a.due_at.strftime("%d %H:%MZ"), a.title, a.detail, style="red")
    emit(found, table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain of the whole log; name the first record that was altered."""
    from jprcc.core.maintenance import verify_chain

    database = node().database
    total = node().queries.last_seq()
    with _progress() as bar:
        task = bar.add_task("verifying the event log", total=total)
        verdict = verify_chain(database, lambda n: bar.advance(task, n))
    if verdict.ok:
        console.print(f"[green]chain intact:[/] {verdict.records} records verified")
        return
    fail(
        f"chain BROKEN at record seq {verdict.bad_seq} (event {verdict.bad_event_id}): {verdict.reason}; "
        f"{verdict.records} records before it verified",
        5,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store's schema up to date (Alembic migrations)."""
    from jprcc.core.maintenance import upgrade_schema

    console.print(f"schema at revision {upgrade_schema(node().database)}")


@db_app.command("rebuild")
def db_rebuild() -> None:
    """Rebuild every read model from the event log."""
    from jprcc.core.maintenance import rebuild_read_models

    with _progress() as bar:
        task = bar.add_task("replaying the log", total=None)
        replayed = rebuild_read_models(node().database, node().registry, lambda n: bar.advance(task, n))
    console.print(f"read models rebuilt from {replayed} events")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option()],
    component: Annotated[str | None, typer.Option(help="For PRCC and liaison officers.")] = None,
    full_name: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="JPRCC_NEW_PASSWORD")
    ] = "",
) -> None:
    """Create an account (as local administration, or --as the JPRCC director)."""
    who = actor() if state.user else LOCAL_ADMIN
    with refusals():
        node().bus.handle(
            cmd.CreateUser(
                username=username, password=password, role=role, component_id=component, full_name=full_name
            ),
            who,
        )
    console.print(f"account {username} created ({role.value})")


@users_app.command("list")
def users_list() -> None:
    """Every account."""
    found = [UserOut.model_validate(u, from_attributes=True) for u in node().queries.users()]
    table = Table("username", "role", "component", "name", "active")
    for u in found:
        table.add_row(
            u.username, u.role.value, u.component_id or "-", u.full_name, "yes" if u.active else "no"
        )
    emit(found, table)


@users_app.command("passwd")
def users_passwd(
    username: str,
    password: Annotated[
        str,
        typer.Option(
            prompt="new password", hide_input=True, confirmation_prompt=True, envvar="JPRCC_NEW_PASSWORD"
        ),
    ] = "",
) -> None:
    """Change a password."""
    who = actor() if state.user else LOCAL_ADMIN
    with refusals():
        node().bus.handle(cmd.ChangePassword(username=username, new_password=password), who)
    console.print(f"password of {username} changed")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Deactivate an account: its tokens stop working."""
    who = actor() if state.user else LOCAL_ADMIN
    with refusals():
        node().bus.handle(cmd.SetUserActive(username=username, active=False), who)
    console.print(f"{username} deactivated")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Reactivate an account."""
    who = actor() if state.user else LOCAL_ADMIN
    with refusals():
        node().bus.handle(cmd.SetUserActive(username=username, active=True), who)
    console.print(f"{username} activated")


def main() -> None:
    app()
