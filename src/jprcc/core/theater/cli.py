"""``jprcc theater``: components, assets and operations (through the theater's actions, in-process
or against a server); ``theater load`` plays a scenario file into this machine's store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jprcc.api.views import AssetOut
from jprcc.cli.common import call, console, emit, fail, node, progress
from jprcc.core.model import Readiness
from jprcc.core.theater.views import ComponentOut, ComponentStatusOut, OperationOut

app = typer.Typer(help="Components, assets and operations; scenario files.", no_args_is_help=True)


@app.command("load")
def theater_load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Play a scenario file (theater, accounts, script) into this machine's store, as local
    administration (it cannot run against a server)."""
    from jprcc.demo import accounts, verifier
    from jprcc.exercise.scenario import ScenarioError, load, play

    try:
        scenario = load(path)
        with progress() as bar:
            task = bar.add_task(f"playing {scenario.name}", total=len(scenario.steps))
            advance = lambda _: bar.advance(task)  # noqa: E731
            played = play(scenario, node().bus, node().clock(), advance, verifier(node()), accounts(node()))
    except ScenarioError as exc:
        fail(str(exc))
    console.print(f"{scenario.name}: {played} commands played")


@app.command("components")
def list_components() -> None:
    """The components and their PR coordination cells."""
    found: list[ComponentOut] = call("theater.components")
    table = Table("id", "name", "kind", "PRCC")
    for c in found:
        table.add_row(c.component_id, c.name, c.kind.value, c.prcc_name)
    emit(found, table)


@app.command("assets")
def list_assets(component: Annotated[str | None, typer.Option()] = None) -> None:
    """Assets with capabilities, readiness, commitment and tasking."""
    found: list[AssetOut] = call("theater.assets", query={"component_id": component})
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


@app.command("operations")
def list_operations() -> None:
    """Other operations, by priority."""
    found: list[OperationOut] = call("theater.operations")
    table = Table("id", "name", "component", "priority", "active")
    for o in found:
        table.add_row(o.operation_id, o.name, o.component_id, str(o.priority), "yes" if o.active else "no")
    emit(found, table)


@app.command("status")
def component_status(component: str) -> None:
    """One component at a glance: assets by readiness, incidents owned, supported, supporting."""
    status: ComponentStatusOut = call("theater.status", {"component_id": component})
    emit(status)


@app.command("readiness")
def asset_readiness(asset: str, readiness: Readiness, remarks: str = "") -> None:
    """Change an asset's readiness (the owning component's PRCC, or the JPRCC)."""
    call("theater.readiness", {"asset_id": asset}, {"readiness": readiness, "remarks": remarks})
    console.print("done")


@app.command("commit")
def asset_commit(asset: str, operation: str) -> None:
    """Commit an asset to another operation of its component."""
    call("theater.commit", {"asset_id": asset}, {"operation_id": operation})
    console.print("done")


@app.command("release")
def asset_release(asset: str, reason: Annotated[str, typer.Option()]) -> None:
    """Release an asset from the operation it is committed to."""
    call("theater.release", {"asset_id": asset}, {"reason": reason})
    console.print("done")
