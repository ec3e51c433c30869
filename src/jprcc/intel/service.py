"""Intelligence preparation at work: the layers in force, threat fields, route risk, light, and
the threat-decision matrix's recommendation for an incident.

Reads only: layers and the matrix come from their read models; the numerics from ``planning``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import NDArray
from sqlalchemy import select

from jprcc.brokering.incident import DirectiveStatus, Incident
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, Capability, Condition, DutyStatus, Position
from jprcc.core.queries import Queries
from jprcc.core.store.codec import decode_layer
from jprcc.core.store.tables import decision_matrix, intel_layers
from jprcc.intel import decision
from jprcc.intel.decision import Decision, Matrix
from jprcc.intel.layers import CONFIDENCE_WEIGHT, AreaThreat, IntelLayer, PointThreat, WeatherEntry
from jprcc.intel.planning import light
from jprcc.intel.planning.terrain import Terrain
from jprcc.intel.planning.threat import (
    Envelope,
    Grid,
    Mode,
    RouteRisk,
    Zone,
    along,
    inside_polygon,
    routes,
    threat_field,
    travel_seconds,
)

DEFAULT_MATRIX = str(resources.files("jprcc") / "data" / "decision_matrix.yaml")
ASSESS_RADIUS_M = 80_000.0
ASSESS_CELL_M = 250.0
RISK_WEIGHT = 10.0
MAX_CELLS = 1_000_000  # the largest threat map drawn on request
MIN_SIDE_DEG = 1e-4  # the narrowest threat map: a cell of a narrower one has no size a float can divide by
ROUTE_CELLS = 1000  # the most cells a side when assessing a drawn route
RECOVERY_CAPABILITIES = {
    Capability.ROTARY_WING_RECOVERY,
    Capability.MARITIME_SURFACE_RECOVERY,
    Capability.GROUND_RECOVERY_TEAM,
}


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str  # recovery_point | asset_base
    lat: float
    lon: float


@dataclass(frozen=True)
class RouteOut:
    destination: Destination
    risk: RouteRisk


@dataclass(frozen=True)
class LightAt:
    sun_elevation: float
    moon_elevation: float
    moon_illumination: float
    dark: bool
    sunrise: datetime | None
    sunset: datetime | None
    moonlit: bool = False
    period: str = "day"


@dataclass
class Assessment:
    incident_id: str
    mode: Mode
    at: datetime
    threat_at_person: dict[str, float]
    routes: list[RouteOut]
    light: LightAt
    decision: Decision
    matrix_version: int
    layers: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # destinations this mode cannot get to


@dataclass(frozen=True)
class DarkWindow:
    """The dark-window clock of an incident: how much dark is left where the person is, and which
    approved or proposed windows of action run into daylight."""

    incident_id: str
    clock: light.DarkClock
    light: LightAt
    warnings: list[str]


def window_warnings(
    incident: Incident, windows: list[tuple[datetime, datetime]], horizon_end: datetime
) -> list[str]:
    """A warning for the pending nomination and for the directive in force if its window of
    action runs past a coming first light at the person."""
    spans: list[tuple[str, datetime, datetime]] = []
    if (pending := incident.pending_nomination) is not None:
        spans.append(("the nomination", pending.window_start, pending.window_end))
    if (directive := incident.directive) is not None and directive.status is DirectiveStatus.IN_FORCE:
        spans.append(("the directive in force", directive.window_start, directive.window_end))
    found = []
    for what, start, end in spans:
        crossed = light.first_light_within(windows, start, end, horizon_end)
        if crossed is not None:
            found.append(
                f"FIRST LIGHT: {what}'s window {start:%d %H%MZ}-{end:%d %H%MZ} runs past first light at "
                f"{crossed:%d %H%MZ} where the person is"
            )
    return found


class Intel:
    """The intelligence picture of a node: what is in force, and what it means for an incident."""

    def __init__(self, queries: Queries, terrain: Terrain | None = None) -> None:
        self.queries = queries
        self.terrain = terrain or Terrain()

    def travel(self, grid: Grid, mode: Mode) -> NDArray[np.float64]:
        """Seconds per cell for ``mode``: slope and water on the ground, from the terrain there is."""
        if mode in (Mode.ROTARY_WING_LOW, Mode.FIXED_WING_MEDIUM):
            return travel_seconds(grid, mode)
        steep, wet = self.terrain.on_grid(grid)
        return travel_seconds(grid, mode, slope=steep, water=wet)

    # --- reading the picture -------------------------------------------------------------

    def layers(self, at: datetime | None = None, include_withdrawn: bool = False) -> list[IntelLayer]:
        with self.queries.database.read() as conn:
            found = [decode_layer(d) for d in conn.execute(select(intel_layers.c.document)).scalars()]
        if at is not None:
            found = [layer for layer in found if layer.in_force(at)]
        elif not include_withdrawn:
            found = [layer for layer in found if not layer.withdrawn]
        return sorted(found, key=lambda layer: layer.layer_id)

    def matrix(self) -> tuple[Matrix, str]:
        """The matrix in force and its text (the shipped default until the director publishes one)."""
        with self.queries.database.read() as conn:
            row = conn.execute(select(decision_matrix.c.version, decision_matrix.c.text)).first()
        text = row.text if row else Path(DEFAULT_MATRIX).read_text(encoding="utf-8")
        return _parsed(text, row.version if row else 0), text

    # --- fields ------------------------------------------------------------------------

    def sources(self, at: datetime) -> tuple[list[Envelope], list[Zone], list[str]]:
        envelopes, zones, names = [], [], []
        for layer in self.layers(at):
            weight = CONFIDENCE_WEIGHT[layer.confidence]
            body = layer.body
            if isinstance(body, PointThreat):
                envelopes.append(
                    Envelope(
                        body.position.lat,
                        body.position.lon,
                        body.category.value,
                        body.min_range_m,
                        body.max_range_m,
                        body.min_altitude_m,
                        body.max_altitude_m,
                        body.pk,
                        body.falloff,
                        weight,
                    )
                )
            elif isinstance(body, AreaThreat):
                zones.append(
                    Zone([(p.lat, p.lon) for p in body.polygon], body.category.value, body.severity, weight)
                )
            else:
                continue
            names.append(f"{layer.layer_id} v{layer.version}")
        return envelopes, zones, names

    def field(self, grid: Grid, mode: Mode, at: datetime) -> NDArray[np.float64]:
        envelopes, zones, _ = self.sources(at)
        return threat_field(grid, envelopes, zones, mode)

    def at_point(self, position: Position, at: datetime) -> dict[str, float]:
        # one cell centred on the point itself: the field is evaluated exactly there
        d = 1e-6
        grid = Grid(position.lat - d, position.lon - d, position.lat + d, position.lon + d, 1, 1)
        envelopes, zones, _ = self.sources(at)
        return {mode.value: float(threat_field(grid, envelopes, zones, mode)[0, 0]) for mode in Mode}

    def along_route(self, points: list[Position], at: datetime) -> dict[str, dict[str, float]]:
        lats = [p.lat for p in points]
        lons = [p.lon for p in points]
        _check_span(lats, lons, "points")
        half = max(max(lats) - min(lats), max(lons) - min(lons)) / 2 * 111_195 + 2000
        # 200 m cells, coarser for long routes so the grid stays under ROUTE_CELLS a side
        cell = max(200.0, 2 * half / ROUTE_CELLS)
        grid = Grid.around((max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2, half, cell)
        envelopes, zones, _ = self.sources(at)
        out = {}
        for mode in Mode:
            mean, worst = along(
                grid, threat_field(grid, envelopes, zones, mode), [(p.lat, p.lon) for p in points]
            )
            out[mode.value] = {"mean": mean, "worst": worst}
        return out

    def over_area(self, polygon: list[Position], at: datetime) -> dict[str, dict[str, float]]:
        from jprcc.intel.planning.threat import inside_polygon

        lats = [p.lat for p in polygon]
        lons = [p.lon for p in polygon]
        _check_span(lats, lons, "polygon")
        if max(lats) - min(lats) < 1e-6 or max(lons) - min(lons) < 1e-6 or _area(lats, lons) < 1e-12:
            raise RuleViolation("the area has no extent: its points lie on one line", field="polygon")
        grid = Grid(min(lats), min(lons), max(lats), max(lons), 200, 200)
        glats, glons = grid.centres()
        inside = inside_polygon([(p.lat, p.lon) for p in polygon], glats, glons)
        envelopes, zones, _ = self.sources(at)
        out = {}
        for mode in Mode:
            values = threat_field(grid, envelopes, zones, mode)[inside]
            out[mode.value] = {
                "mean": float(values.mean()) if values.size else 0.0,
                "worst": float(values.max()) if values.size else 0.0,
            }
        return out

    @staticmethod
    def light_at(position: Position, at: datetime) -> LightAt:
        lit = light.light(position.lat, position.lon, at)
        # the events of the local solar day that ``at`` falls in, wherever on Earth
        events = light.sun_events(position.lat, position.lon, at + timedelta(hours=position.lon / 15))
        return LightAt(
            lit.sun_elevation,
            lit.moon_elevation,
            lit.moon_illumination,
            lit.dark,
            events.sunrise,
            events.sunset,
            lit.moonlit,
            lit.period,
        )

    def weather_at(self, position: Position, at: datetime) -> tuple[float | None, float | None]:
        """The lowest ceiling (ft) and visibility (m) reported at a place by the weather layers in
        force (None: no layer reports it there)."""
        ceilings: list[float] = []
        visibilities: list[float] = []
        for layer in self.layers(at):
            body = layer.body
            if not isinstance(body, WeatherEntry):
                continue
            corners = [(p.lat, p.lon) for p in body.polygon]
            if not inside_polygon(corners, np.array([position.lat]), np.array([position.lon]))[0]:
                continue
            if body.ceiling_ft is not None:
                ceilings.append(body.ceiling_ft)
            if body.visibility_m is not None:
                visibilities.append(body.visibility_m)
        return min(ceilings, default=None), min(visibilities, default=None)

    def dark_window(self, incident: Incident, at: datetime) -> DarkWindow:
        """The incident's dark-window clock at ``at`` (see ``DarkWindow``)."""
        p = incident.position
        horizon = timedelta(hours=36)
        windows = light.dark_windows(p.lat, p.lon, at, horizon)
        clock = light.dark_clock(windows, at, horizon)
        return DarkWindow(
            incident.incident_id,
            clock,
            self.light_at(p, at),
            window_warnings(incident, windows, at + horizon),
        )

    # --- the assessment -------------------------------------------------------------------

    def destinations(self, actor: Actor, grid: Grid) -> list[Destination]:
        """Recovery points and the bases of recovery-capable assets inside the planning grid."""
        found = [
            Destination(p.name, "recovery_point", p.position.lat, p.position.lon)
            for p in self.queries.recovery_points()
        ]
        bases: dict[tuple[float, float], Destination] = {}
        for status in self.queries.assets(actor):
            asset = status.asset
            if RECOVERY_CAPABILITIES.intersection(asset.capabilities):
                key = (round(asset.base.lat, 4), round(asset.base.lon, 4))
                bases.setdefault(
                    key,
                    Destination(
                        asset.base_name or asset.callsign, "asset_base", asset.base.lat, asset.base.lon
                    ),
                )
        found += bases.values()
        return [d for d in found if grid.contains(d.lat, d.lon)]

    def assess(
        self, actor: Actor, incident: Incident, mode: Mode = Mode.ROTARY_WING_LOW, at: datetime | None = None
    ) -> Assessment:
        """Threat at the person, the best routes to recovery points and recovery bases, the light,
        and the matrix's recommendation with its reasons."""
        at = at or self.queries.clock()
        person = incident.position
        grid = Grid.around(person.lat, person.lon, ASSESS_RADIUS_M, ASSESS_CELL_M)
        envelopes, zones, names = self.sources(at)
        fields = {m: threat_field(grid, envelopes, zones, m) for m in Mode}
        cell = grid.cell_of(person.lat, person.lon)
        risk = routes(grid, fields[mode], self.travel(grid, mode), (person.lat, person.lon), RISK_WEIGHT)
        every = [RouteOut(d, risk.to(d.lat, d.lon)) for d in self.destinations(actor, grid)]
        found = sorted(
            (r for r in every if r.risk.reachable),
            key=lambda r: r.risk.seconds * (1 + RISK_WEIGHT * (r.risk.exposure / max(r.risk.seconds, 1e-9))),
        )
        unreachable = [r.destination.name for r in every if not r.risk.reachable]
        at_person = float(fields[mode][cell])
        notes = []
        if found:
            on_route = found[0].risk.worst_threat
        elif every:  # no way out by this mode is as bad as the worst threat on the way
            on_route = 1.0
            notes.append(
                f"no recovery point or base can be reached by {mode.value}: route threat taken as 1.00"
            )
        else:
            on_route = at_person
            notes.append(
                f"no recovery point or recovery-capable base within {ASSESS_RADIUS_M / 1000:.0f} km: "
                "route threat taken as the threat at the person"
            )
        lit = self.light_at(person, at)
        matrix, _ = self.matrix()
        ceiling_ft, visibility_m = self.weather_at(person, at)
        out_there = [
            p
            for p in incident.persons.values()
            if p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED)
        ]
        injured = any(p.condition is not Condition.UNINJURED for p in out_there)
        decided = decision.assess(
            matrix,
            threat_at_person=at_person,
            threat_on_route=on_route,
            dark=lit.dark,
            injured=injured,
            uncertainty_m=incident.uncertainty_m,
            authenticated=incident.authenticated,
            moonlit=lit.moonlit,
            ceiling_ft=ceiling_ft,
            visibility_m=visibility_m,
            detained=any(p.held and p.person_id in incident.deliberate_recovery for p in out_there),
        )
        decided = replace(decided, reasons=[*decided.reasons, *notes])
        return Assessment(
            incident.incident_id,
            mode,
            at,
            {m.value: float(f[cell]) for m, f in fields.items()},
            found,
            lit,
            decided,
            matrix.version,
            names,
            unreachable,
        )


def _check_span(lats: list[float], lons: list[float], name: str) -> None:
    if max(lons) - min(lons) > 180:
        raise RuleViolation("crosses the 180° meridian: split it into parts on either side", field=name)


def _area(lats: list[float], lons: list[float]) -> float:
    """Shoelace area in square degrees (only compared with zero)."""
    n = len(lats)
    return abs(sum(lons[i] * lats[(i + 1) % n] - lons[(i + 1) % n] * lats[i] for i in range(n))) / 2


def region(south: float, west: float, north: float, east: float, cells: int) -> Grid:
    """A grid over a region with ``cells`` along its longer side, refused if it is empty or too big."""
    if not (south < north and west < east):
        raise RuleViolation("the region needs south < north and west < east", field="north")
    if north - south < MIN_SIDE_DEG or east - west < MIN_SIDE_DEG:
        side = "north" if north - south < MIN_SIDE_DEG else "east"
        raise RuleViolation(f"the region must span at least {MIN_SIDE_DEG}° (11 m) each way", field=side)
    ratio = (north - south) / (east - west)
    rows, cols = (
        (cells, max(2, round(cells / ratio))) if ratio >= 1 else (max(2, round(cells * ratio)), cells)
    )
    if rows * cols > MAX_CELLS:
        raise RuleViolation(f"at most {MAX_CELLS} cells", field="cells")
    return Grid(south, west, north, east, rows, cols)


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@functools.lru_cache(maxsize=8)
def _parsed(text: str, version: int) -> Matrix:
    """The matrix of ``text``: parsed once per version (a request reads it more than once)."""
    return decision.parse(yaml.safe_load(text), version)
