"""``jprcc intel``: threat, civil, PSYOP and weather layers; the threat-decision matrix; assessments
of an incident, a point, a route or an area; light; threat maps as PNG or GeoTIFF."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import tifffile
import typer
from pydantic import TypeAdapter
from rich.table import Table
from starlette.responses import Response

from jprcc.cli.common import call, console, emit, fail, maybe_when, now, position
from jprcc.core import safe_yaml
from jprcc.core.contract import Registry
from jprcc.core.model import Position
from jprcc.intel.layers import (
    AreaThreat,
    CivilConsideration,
    IntelLayer,
    LayerBody,
    PointThreat,
    PsyopTheme,
    WeatherEntry,
)
from jprcc.intel.planning.threat import Mode
from jprcc.intel.views import AssessmentOut, LightOut, MatrixOut

app = typer.Typer(
    help="PR intelligence preparation: layers, the threat-decision matrix, assessments, light, threat maps.",
    no_args_is_help=True,
)
matrix_app = typer.Typer(help="The threat-decision matrix: show it, publish a version.", no_args_is_help=True)
app.add_typer(matrix_app, name="matrix")

ModeOption = Annotated[Mode, typer.Option(help="How the recovery force moves.")]
AtOption = Annotated[str | None, typer.Option("--at", help="UTC time (ISO 8601 with Z); default now.")]
_LAYERS = TypeAdapter(list[IntelLayer])


LAYER_FIELDS = ("layer_id", "name", "source", "confidence", "valid_from", "valid_to", "body")


def _publishing() -> Registry:
    """The commands a layer file may hold (the scenario format's ``publish_layer``), known here
    whether the command runs in-process or against a server."""
    from jprcc.intel.capability import CAPABILITY

    return Registry([CAPABILITY])


def describe(body: LayerBody) -> str:
    """One line about a layer's content, for tables."""
    if isinstance(body, PointThreat):
        return (
            f"{body.system} ({body.category.value}) at {body.position.lat:.4f}, {body.position.lon:.4f}: "
            f"{body.min_range_m / 1000:g}-{body.max_range_m / 1000:g} km, "
            f"{body.min_altitude_m:g}-{body.max_altitude_m:g} m, Pk {body.pk:g}"
        )
    if isinstance(body, AreaThreat):
        return f"{body.category.value}, severity {body.severity:g}, {len(body.polygon)} vertices"
    if isinstance(body, CivilConsideration):
        safe = " with a safe location" if body.safe_location else ""
        return f"{body.attitude.value} area{safe}" + (f"; contacts: {body.contacts}" if body.contacts else "")
    if isinstance(body, PsyopTheme):
        return f"theme: {body.theme}"
    assert isinstance(body, WeatherEntry)
    parts = [
        f"ceiling {body.ceiling_ft:g} ft" if body.ceiling_ft is not None else "",
        f"visibility {body.visibility_m:g} m" if body.visibility_m is not None else "",
        f"wind {body.wind_kt:g} kt" if body.wind_kt is not None else "",
    ]
    return ", ".join(p for p in parts if p) or "no values"


@app.command("layers")
def list_layers(
    include_withdrawn: Annotated[bool, typer.Option("--all", help="Include withdrawn layers.")] = False,
) -> None:
    """The layers on record: kind, source, confidence, validity and what each says."""
    found: list[IntelLayer] = call("intel.layers", query={"include_withdrawn": include_withdrawn})
    table = Table("v", "kind", "name", "source", "confidence", "valid (UTC)", "content", title="layers")
    table.add_column("id", no_wrap=True)  # ids are what people type next: never cut them
    table.columns.insert(0, table.columns.pop())
    for layer in found:
        until = layer.valid_to.strftime("%d %H:%MZ") if layer.valid_to else "open"
        table.add_row(
            layer.layer_id,
            str(layer.version),
            layer.body.kind,
            layer.name,
            layer.source,
            layer.confidence.value,
            f"{layer.valid_from:%d %H:%MZ} - {until}",
            describe(layer.body),
            style="dim" if layer.withdrawn else None,
        )
    emit(_LAYERS.dump_python(found, mode="json"), table)


@app.command("publish")
def publish(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A YAML file.")],
) -> None:
    """Publish the layers in a YAML file: one layer, a list of them, or a mapping with ``layers:`` (the
    scenario format). Positions may be ``{lat, lon}`` or ``{mgrs: ...}``; times may be ``now-2h``.
    Publishing an existing id records a new version of it."""
    from jprcc.exercise.scenario import ScenarioError, build_command

    try:
        data: Any = safe_yaml.load(path.read_bytes())
    except safe_yaml.YamlRefused as exc:
        fail(f"{path}: not YAML we read ({exc})", 2)
    items = data.get("layers") if isinstance(data, dict) and "layers" in data else data
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        fail(f"{path}: expected a layer, a list of layers, or a mapping with 'layers:'", 2)
    published: list[IntelLayer] = []
    registry = _publishing()
    for i, item in enumerate(items):
        try:
            command = build_command(registry, "publish_layer", {"valid_from": "now", **item}, now())
        except ScenarioError as exc:
            fail(f"{path}: layer {i + 1}: {exc}", 2)
        body = {name: getattr(command, name) for name in LAYER_FIELDS}
        published.append(call("intel.publish", body=body))
    table = Table("id", "v", "kind", "name", title=f"{len(published)} layers published")
    for layer in published:
        table.add_row(layer.layer_id, str(layer.version), layer.body.kind, layer.name)
    emit(_LAYERS.dump_python(published, mode="json"), table)


@app.command("withdraw")
def withdraw(
    layer_id: Annotated[str, typer.Argument(help="Layer id, e.g. THR-SA8-GUSPINI")],
    reason: Annotated[str, typer.Option(help="Why it no longer holds.")],
) -> None:
    """Withdraw a layer: it stops counting from now, and stays on record."""
    call("intel.withdraw", {"layer_id": layer_id}, {"reason": reason})
    console.print(f"{layer_id} withdrawn")


def _render_matrix(out: MatrixOut) -> None:
    console.rule(f"[bold]threat-decision matrix[/] version {out.version}")
    console.print(
        f"threat medium from {out.threat_medium:g}, high from {out.threat_high:g}; "
        f"location certain within {out.location_certain_within_m:g} m; first matching row wins"
    )
    table = Table("#", "when", "recommend", "approval", "why")
    for i, row in enumerate(out.rows, start=1):
        when = "; ".join(f"{k} {'/'.join(v)}" for k, v in row.when.items()) or "(anything else)"
        table.add_row(str(i), when, row.recommend.value, row.approval.value, row.why)
    console.print(table)


@matrix_app.command("show")
def matrix_show(
    text: Annotated[bool, typer.Option("--text", help="Print the YAML, to edit and publish.")] = False,
) -> None:
    """The matrix in force, row by row (or its YAML with --text)."""
    out: MatrixOut = call("intel.matrix")
    if text:
        typer.echo(out.text, nl=False)
        return
    emit(out, lambda: _render_matrix(out))


@matrix_app.command("publish")
def matrix_publish(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The YAML file.")],
) -> None:
    """Publish a new version of the matrix (JPRCC director). It is refused, naming the row, unless every
    situation reaches a row and every row is reachable."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 text ({exc.reason})", 2)
    out: MatrixOut = call("intel.publish_matrix", body={"text": text})
    emit(out, lambda: _render_matrix(out))


def _render_assessment(a: AssessmentOut) -> None:
    colour = {"immediate": "red", "deliberate": "yellow"}.get(a.recommendation.value, "cyan")
    console.rule(f"[bold]{a.incident_id}[/] assessed for {a.mode.value} at {a.at:%d %H:%MZ}")
    console.print(
        f"[bold {colour}]{a.recommendation.value.upper()}[/] recovery; approval: [bold]{a.approval.value}[/]"
        f"   (matrix v{a.matrix_version}, row {a.matrix_row})"
    )
    console.print(f"  {a.why}")
    for reason in a.reasons:
        console.print(f"  - {reason}")
    console.print("threat at the person: " + ", ".join(f"{m} {v:.2f}" for m, v in a.threat_at_person.items()))
    light = a.light
    console.print(
        f"light: {'night' if light.dark else 'day'}; sun {light.sun_elevation:.1f}°, moon "
        f"{light.moon_elevation:.1f}° ({light.moon_illumination:.0%} lit)"
    )
    table = Table("destination", "kind", "time", "exposure", "worst threat", title="routes, best first")
    for r in a.routes:
        minutes = f"{r.seconds / 60:.0f} min" if r.seconds is not None else "-"
        exposure = f"{r.exposure / 60:.1f} threat-min" if r.exposure is not None else "-"
        table.add_row(r.destination, r.kind, minutes, exposure, f"{r.worst_threat:.2f}")
    console.print(table)
    if a.unreachable:
        console.print(f"[yellow]not reachable by {a.mode.value}:[/] {', '.join(a.unreachable)}")
    console.print(f"layers in force: {', '.join(a.layers) or 'none'}")


@app.command("assess")
def assess(
    incident_id: Annotated[str, typer.Argument(help="Incident id, e.g. PR-RAVEN21")],
    mode: ModeOption = Mode.ROTARY_WING_LOW,
) -> None:
    """Assess an incident: threat at the person and on the best routes, light, and the matrix's
    recommended recovery approach with the approval it needs and the reasons."""
    out: AssessmentOut = call("intel.assess", {"incident_id": incident_id}, query={"mode": mode})
    emit(out, lambda: _render_assessment(out))


def _threat_table(title: str, values: dict[str, Any]) -> Table:
    table = Table("mode", "threat", title=title)
    for mode, value in values.items():
        shown = value if isinstance(value, float) else ", ".join(f"{k} {v:.2f}" for k, v in value.items())
        table.add_row(mode, f"{shown:.2f}" if isinstance(shown, float) else shown)
    return table


def _positions(texts: list[str]) -> list[dict[str, float]]:
    return [_latlon(position(t)) for t in texts]


def _latlon(p: Position) -> dict[str, float]:
    return {"lat": p.lat, "lon": p.lon}


@app.command("point")
def assess_point(
    where: Annotated[str, typer.Argument(help="'lat, lon' or MGRS")], at: AtOption = None
) -> None:
    """Threat at a point, for each way of moving."""
    body = {"position": _latlon(position(where)), "at": maybe_when(at)}
    found: dict[str, float] = call("intel.point", body=body)
    emit([found], _threat_table(f"threat at {where}", found))


@app.command("route")
def assess_route(
    points: Annotated[list[str], typer.Argument(help="Two or more vertices: 'lat, lon' or MGRS")],
    at: AtOption = None,
) -> None:
    """Mean and worst threat along a drawn route, for each way of moving."""
    if len(points) < 2:
        fail("a route needs at least two points", 2)
    body = {"points": _positions(points), "at": maybe_when(at)}
    found: dict[str, dict[str, float]] = call("intel.route", body=body)
    emit([found], _threat_table("threat along the route", found))


@app.command("area")
def assess_area(
    points: Annotated[list[str], typer.Argument(help="Three or more vertices: 'lat, lon' or MGRS")],
    at: AtOption = None,
) -> None:
    """Mean and worst threat over an area, for each way of moving."""
    if len(points) < 3:
        fail("an area needs at least three points", 2)
    body = {"polygon": _positions(points), "at": maybe_when(at)}
    found: dict[str, dict[str, float]] = call("intel.area", body=body)
    emit([found], _threat_table("threat over the area", found))


@app.command("light")
def light(where: Annotated[str, typer.Argument(help="'lat, lon' or MGRS")], at: AtOption = None) -> None:
    """Sun and Moon at a place and time: elevations, illumination, day or night, sunrise and sunset."""
    p = position(where)
    out: LightOut = call("intel.light", query={"lat": p.lat, "lon": p.lon, "at": maybe_when(at)})

    def render() -> None:
        console.print(
            f"{'night' if out.dark else 'day'}: sun {out.sun_elevation:.1f}°, moon {out.moon_elevation:.1f}° "
            f"({out.moon_illumination:.0%} lit)"
        )
        rise = f"{out.sunrise:%d %H:%MZ}" if out.sunrise else "none"
        sets = f"{out.sunset:%d %H:%MZ}" if out.sunset else "none"
        console.print(f"sunrise {rise}, sunset {sets}")

    emit(out, render)


@app.command("threat-map")
def threat_map(
    south: Annotated[float, typer.Option(min=-85, max=85)],
    west: Annotated[float, typer.Option(min=-180, max=180)],
    north: Annotated[float, typer.Option(min=-85, max=85)],
    east: Annotated[float, typer.Option(min=-180, max=180)],
    out: Annotated[Path, typer.Option(help="The file to write: .png for a picture, .tif for a GeoTIFF.")],
    mode: ModeOption = Mode.ROTARY_WING_LOW,
    cells: Annotated[int, typer.Option(min=2, max=2000, help="Cells along the longer side.")] = 1000,
    at: AtOption = None,
) -> None:
    """Write the threat field over a region as a PNG picture or a GeoTIFF (float32, WGS-84)."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".tif", ".tiff"):
        fail("--out must end in .png, .tif or .tiff", 2)
    query = {
        "south": south,
        "west": west,
        "north": north,
        "east": east,
        "mode": mode,
        "cells": cells,
        "at": maybe_when(at) or now(),  # one time for both answers
    }
    with console.status(f"rasterising the {mode.value} threat field"):
        # the GeoTIFF holds the values the summary line needs; a PNG is written as the server draws it
        geotiff = _content(call("intel.threat_map", query={**query, "format": "tiff"}))
        picture = (
            _content(call("intel.threat_map", query={**query, "format": "png"}))
            if suffix == ".png"
            else geotiff
        )
    field = tifffile.imread(io.BytesIO(geotiff))
    out.write_bytes(picture)
    rows, cols = field.shape
    console.print(f"{out}: {rows} x {cols} cells, highest threat {float(np.max(field)):.2f}")


def _content(answer: bytes | Response) -> bytes:
    """A file answer: bytes from a server; in-process, what the action answered (bytes or a Response
    carrying its own headers)."""
    return bytes(answer.body) if isinstance(answer, Response) else answer
