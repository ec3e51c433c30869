"""``jprcc locate``: the probability map of an incident, the information that shapes it, search plans."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from jprcc.cli.common import call, client, console, emit, fail, maybe_when, state, when
from jprcc.locate.model import SearchPlan
from jprcc.locate.planning.leeway import OBJECTS
from jprcc.locate.views import AdoptPlanIn, AssetIn, InformationIn, LocateOut, PlanIn, SearchModelIn

app = typer.Typer(
    help="Locate: where the isolated person is now, what each search tells us, where to search next.",
    no_args_is_help=True,
)

IncidentArg = Annotated[str, typer.Argument(help="Incident id, e.g. PR-KNIGHT44")]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The time it is about (ISO 8601 with a zone, or 'now').")
]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="Replay what was known at this UTC time.")]
Reliability = Annotated[float, typer.Option(min=0.001, max=1, help="Probability the report is genuine.")]
Source = Annotated[str, typer.Option(help="Who or what reported it.")]


def _parse(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", 2)


def _busy(message: str) -> Any:
    """A spinner while the node works; the login (maybe a password prompt) comes before it."""
    client()
    return console.status(message)


def _position(text: str) -> dict[str, Any]:
    """'lat,lon' or MGRS, as the API takes it."""
    parts = text.split(",")
    if len(parts) == 2:
        try:
            return {"lat": float(parts[0]), "lon": float(parts[1])}
        except ValueError:
            fail(f"{text!r} is neither 'lat,lon' nor MGRS", 2)
    return {"mgrs": text.replace(" ", "")}


@app.command("show")
def show(
    incident_id: IncidentArg,
    at: AtOption = None,
    as_of: AsOfOption = None,
    cells: Annotated[int, typer.Option(min=20, max=1000)] = 200,
) -> None:
    """The map's numbers (where the person most likely is, how sure, the rest of the world), what each
    piece of information did, and the plans adopted."""
    query = {"at": maybe_when(at), "as_of": maybe_when(as_of), "cells": cells}
    with _busy(f"simulating and updating the map of {incident_id}"):
        out: LocateOut = call("locate.show", {"incident_id": incident_id}, query=query)
    emit(out, lambda: _render(out))


def _render(out: LocateOut) -> None:
    m = out.model
    kind = m["movement"]["kind"]
    console.print(
        f"[bold]{out.incident_id}[/] model r{out.revision} ({kind}), map at {out.at:%Y-%m-%d %H:%MZ}: "
        f"most likely near {out.mean['mgrs']} ({out.mean['lat']:.5f}, {out.mean['lon']:.5f})"
    )
    c = out.containment_m
    console.print(
        f"50 % within {c['50']:.0f} m, 90 % within {c['90']:.0f} m; "
        f"rest of the world {out.rest_of_world:.1%}; "
        f"cumulative probability of success {out.cumulative_probability_of_success:.1%}"
    )
    if out.stranded is not None:
        shore = out.stranded
        where = ""
        if shore.cells:
            top = shore.cells[0]
            where = (
                f"; most in the cell at {(top.south + top.north) / 2:.5f}, {(top.west + top.east) / 2:.5f} "
                f"({top.probability:.1%}), {len(shore.cells)} cell(s) in all"
            )
        console.print(f"stranded on the shore {shore.probability:.1%}{where} (coast: {shore.coast})")
    if out.information:
        table = Table("id", "kind", "at", "applied", "moved", "rest after", "source", title="information")
        for i in out.information:
            rest = "" if i.rest_of_world_after is None else f"{i.rest_of_world_after:.1%}"
            applied = "yes" if i.applied else f"no: {i.note}"
            table.add_row(i.info_id, i.kind, f"{i.at:%d %H:%MZ}", applied, f"{i.moved:.1%}", rest, i.source)
        console.print(table)
    for p in out.plans:
        console.print(
            f"plan {p['plan_id']} for {_time(p['at']):%d %H:%MZ}: POS {p['probability_of_success']:.1%} "
            f"(cumulative {p['cumulative_probability_of_success']:.1%}), adopted by {p['adopted_by']}"
        )
    for note in out.notes:
        console.print(f"[yellow]{note}[/]")


def _time(value: datetime | str) -> datetime:
    """A time in an answer's free-form part: a datetime in-process, its ISO text from a server."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@app.command("model")
def model(
    incident_id: IncidentArg,
    kind: Annotated[str, typer.Option(help="maritime, evader or stationary.")],
    object_class: Annotated[
        str, typer.Option("--object", help="Leeway class (jprcc locate objects).")
    ] = "PIW-1",
    wind: Annotated[str, typer.Option(help="10 m wind toward east,north in m/s, e.g. 6,4.")] = "0,0",
    current: Annotated[str, typer.Option(help="Surface current toward east,north in m/s.")] = "0,0",
    forcing: Annotated[str | None, typer.Option(help="A NetCDF file in the forcing folder.")] = None,
    destination: Annotated[list[str] | None, typer.Option(help="NAME@lat,lon (repeat).")] = None,
    from_epa: Annotated[str | None, typer.Option(help="Take the destinations of this person's EPA.")] = None,
    start: AtOption = None,
    position: Annotated[
        str | None, typer.Option(help="Last known position (default: the incident's).")
    ] = None,
    radius: Annotated[float | None, typer.Option(help="95 % radius of its error, m.")] = None,
    horizon: Annotated[float, typer.Option(help="Hours to simulate.")] = 48.0,
    particles: Annotated[int, typer.Option(min=1000, max=200_000)] = 20_000,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: drawn and recorded).")] = None,
) -> None:
    """Define (or redefine) how the person is thought to move from the last known position."""
    movement: dict[str, Any] = {"kind": kind}
    if kind == "maritime":
        we, wn = _pair(wind, "--wind")
        ce, cn = _pair(current, "--current")
        movement |= {"object_class": object_class, "wind_east_ms": we, "wind_north_ms": wn}
        movement |= {"current_east_ms": ce, "current_north_ms": cn, "forcing": forcing}
    elif kind == "evader":
        movement["destinations"] = [_destination(d) for d in destination or []]
        movement["destinations_from_epa"] = from_epa
    data: dict[str, Any] = {"movement": movement, "horizon_h": horizon, "particles": particles, "seed": seed}
    if start:
        data["start"] = when(start)
    if position:
        data["position"] = _position(position)
    if radius:
        data["radius95_m"] = radius
    body = _parse(SearchModelIn, data)
    with _busy(f"simulating {particles:,} particles for {horizon:g} h"):
        out: LocateOut = call("locate.model", {"incident_id": incident_id}, body)
    emit(out, lambda: _render(out))


def _pair(text: str, name: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        fail(f"{name}: give east,north in m/s, e.g. 6,4", 2)
    return a, b


def _destination(text: str) -> dict[str, Any]:
    name, _, where = text.partition("@")
    if not where:
        fail(f"--destination {text!r}: give NAME@lat,lon", 2)
    return {"name": name, "position": _position(where)}


def _record(incident_id: str, at: Any, body: dict[str, Any], reliability: float, source: str) -> None:
    """``at``: a time, or the text of one (None: now)."""
    moment = at if isinstance(at, datetime) else when(at or "now")
    info = _parse(InformationIn, {"at": moment, "body": body, "reliability": reliability, "source": source})
    recorded = call("locate.record", {"incident_id": incident_id}, info)
    kind = info.body.kind
    _emit(
        {"info_id": recorded.info_id, "kind": kind, "version": recorded.version},
        lambda: console.print(f"{incident_id}: recorded {recorded.info_id} ({kind})"),
    )


def _emit(data: Any, render: Any) -> None:
    """JSON with --json (dataclasses included), else the rendering."""
    if state.json:
        console.print_json(json.dumps(TypeAdapter(Any).dump_python(data, mode="json")))
    else:
        render()


@app.command("fix")
def fix(
    incident_id: IncidentArg,
    position: Annotated[str, typer.Argument(help="lat,lon or MGRS")],
    major: Annotated[float, typer.Option(help="Semi-major axis of the error ellipse, m.")],
    minor: Annotated[float | None, typer.Option(help="Semi-minor axis, m (default: a circle).")] = None,
    orientation: Annotated[float, typer.Option(help="Bearing of the major axis, degrees.")] = 0.0,
    confidence: Annotated[float, typer.Option(help="Probability inside the ellipse.")] = 0.95,
    at: AtOption = None,
    reliability: Reliability = 1.0,
    source: Source = "",
) -> None:
    """A beacon or direction-finding fix with its error ellipse."""
    body = {"kind": "fix", "position": _position(position), "semi_major_m": major}
    body |= {"semi_minor_m": minor or major, "orientation_deg": orientation, "confidence": confidence}
    _record(incident_id, at, body, reliability, source)


@app.command("bearing")
def bearing(
    incident_id: IncidentArg,
    observer: Annotated[str, typer.Argument(help="Where the bearing was taken: lat,lon or MGRS")],
    degrees: Annotated[float, typer.Argument(help="True bearing to the person, degrees.")],
    sigma: Annotated[float, typer.Option(help="Standard deviation of the bearing, degrees.")] = 5.0,
    at: AtOption = None,
    reliability: Reliability = 1.0,
    source: Source = "",
) -> None:
    """A line of bearing (direction finding, a sighting)."""
    body = {"kind": "bearing", "observer": _position(observer), "bearing_deg": degrees, "sigma_deg": sigma}
    _record(incident_id, at, body, reliability, source)


@app.command("report")
def report(
    incident_id: IncidentArg,
    position: Annotated[str, typer.Argument(help="lat,lon or MGRS")],
    radius: Annotated[float, typer.Option(help="The person is believed within this many metres (95 %).")],
    at: AtOption = None,
    reliability: Reliability = 0.8,
    source: Source = "",
) -> None:
    """A voice report of where the person is."""
    body = {"kind": "report", "position": _position(position), "radius_m": radius}
    _record(incident_id, at, body, reliability, source)


@app.command("searched")
def searched(
    incident_id: IncidentArg,
    corner: Annotated[list[str], typer.Option(help="A corner of the area, lat,lon or MGRS (3 or more).")],
    sweep_width: Annotated[float, typer.Option(help="Sweep width, m.")],
    spacing: Annotated[float, typer.Option(help="Track spacing, m.")],
    began: Annotated[str, typer.Option(help="When the search began.")],
    ended: Annotated[str, typer.Option(help="When it ended.")],
    law: Annotated[str, typer.Option(help="random or inverse_cube.")] = "random",
    asset: Annotated[str, typer.Option(help="Who searched.")] = "",
    source: Source = "",
    signal_probability: Annotated[
        float,
        typer.Option(
            min=0.001,
            max=1.0,
            help="A listening search: the probability the person was transmitting while it ran.",
        ),
    ] = 1.0,
) -> None:
    """An area searched without finding the person (negative information). For an electronic
    search, --signal-probability is the share of the time the person was transmitting."""
    began_at = when(began)
    ended_at = began_at if ended == began else when(ended)
    body = {"kind": "searched", "polygon": [_position(c) for c in corner], "sweep_width_m": sweep_width}
    body |= {"track_spacing_m": spacing, "ended_at": ended_at, "law": law, "asset": asset}
    body["signal_probability"] = signal_probability
    _record(incident_id, began_at, body, 1.0, source)


@app.command("plan")
def plan(
    incident_id: IncidentArg,
    asset: Annotated[
        list[str],
        typer.Option(
            help="NAME:SWEEP_M:SPEED_KT:HOURS[:any|water|land[:SIGNAL]] (repeat); SIGNAL: the chance "
            "the person transmits while a listening asset listens (default 1, a search by sight).",
        ),
    ],
    at: AtOption = None,
    law: Annotated[str, typer.Option(help="Detection law for the areas: random or inverse_cube.")] = "random",
    adopt: Annotated[bool, typer.Option("--adopt", help="Record the plan in the incident.")] = False,
    remarks: Annotated[str, typer.Option(help="Why, when adopting.")] = "",
) -> None:
    """Search areas for the assets that maximise the probability of success: one rectangle and a
    track spacing per asset, with the plan's and the cumulative probability of success."""
    data = {"assets": [_asset(a) for a in asset], "at": maybe_when(at), "law": law}
    body = _parse(AdoptPlanIn, {**data, "remarks": remarks}) if adopt else _parse(PlanIn, data)
    where = {"incident_id": incident_id}
    with _busy("allocating effort"):  # an adoption is authorized before any allocation
        chosen: SearchPlan = call("locate.adopt" if adopt else "locate.propose", where, body)
    _emit(chosen, lambda: _render_plan(chosen))


def _asset(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) not in (4, 5, 6):
        fail(f"--asset {text!r}: give NAME:SWEEP_M:SPEED_KT:HOURS[:any|water|land[:SIGNAL]]", 2)
    names = ("name", "sweep_width_m", "speed_kt", "hours", "searches", "signal_probability")
    data = dict(zip(names, parts, strict=False))
    parsed: AssetIn = _parse(AssetIn, data)
    return parsed.model_dump()


def _render_plan(p: SearchPlan) -> None:
    label = f"plan {p.plan_id}" if p.plan_id else "proposed plan (not recorded; --adopt records it)"
    table = Table("asset", "area (km)", "track spacing", "coverage", "POD", "POC", title=label)
    for a in p.areas:
        nw = a.corners[0]
        table.add_row(
            a.asset,
            f"{a.width_m / 1000:.1f} x {a.height_m / 1000:.1f} from NW {nw.lat:.4f},{nw.lon:.4f}",
            f"{a.track_spacing_m:.0f} m",
            f"{a.coverage:.2f}",
            f"{a.probability_of_detection:.1%}",
            f"{a.probability_of_containment:.1%}",
        )
    console.print(table)
    console.print(
        f"probability of success {p.probability_of_success:.1%} (optimal allocation "
        f"{p.optimal_probability_of_success:.1%}); cumulative {p.cumulative_probability_of_success:.1%}"
    )


@app.command("map")
def probability_map(
    incident_id: IncidentArg,
    out: Annotated[Path, typer.Option(help="The file to write: .png for a picture, .tif for a GeoTIFF.")],
    at: AtOption = None,
    as_of: AsOfOption = None,
    cells: Annotated[int, typer.Option(min=20, max=1000)] = 300,
    stranded: Annotated[
        bool, typer.Option("--stranded", help="Only the probability stranded on the shore (a drift at sea).")
    ] = False,
) -> None:
    """Write the probability map as a PNG picture or a GeoTIFF (probability per cell, WGS-84)."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".tif", ".tiff"):
        fail("--out must end in .png, .tif or .tiff", 2)
    where = {"incident_id": incident_id}
    with _busy("simulating and updating the map"):
        shown: LocateOut = call(
            "locate.show", where, query={"at": maybe_when(at), "as_of": maybe_when(as_of), "cells": cells}
        )
        query: dict[str, Any] = {"at": shown.at, "as_of": maybe_when(as_of), "cells": cells}
        query |= {"format": "png" if suffix == ".png" else "tiff"}
        query |= {"layer": "stranded" if stranded else "probability"}
        picture = call("locate.map", where, query=query)
        out.write_bytes(_bytes(picture))
    if stranded:
        held = shown.stranded.probability if shown.stranded else 0.0
        console.print(f"{out}: {cells} x {cells} cells, {held:.1%} stranded on the shore")
    else:
        console.print(f"{out}: {cells} x {cells} cells, most likely cell {shown.map.peak:.2%}")


def _bytes(answer: Any) -> bytes:
    """A file answer's bytes: a server sends them; in-process the action answers a Response."""
    if isinstance(answer, bytes):
        return answer
    return bytes(answer.body)


@app.command("objects")
def objects() -> None:
    """The leeway classes for drift at sea (Allen & Plourde)."""
    table = Table("class", "description", "downwind % of wind", title="leeway classes")
    for o in OBJECTS.values():
        table.add_row(o.key, o.description, f"{o.dw_slope:.2f}")
    console.print(table)
