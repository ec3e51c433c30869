"""The scene of an incident, the forces that may serve it, and its route fields.

``prepare`` computes the route fields of one incident (the expensive part, kept and reused while
the scene and the threat do not change): the ground-vehicle and dismounted fields from the
person outward, and a rotary-wing field from the person and from each pickup site the persons
can reach on foot. Only the persons' walk uses the planning grid's full resolution; the vehicles'
field runs on a grid of at most ``GROUND_CELLS`` a side and the air fields on one of at most
``AIR_CELLS`` (the threat max-pooled, so no threat is lost): a vehicle's or a helicopter's route
over 150 km does not need the resolution of a walker's. The cost model is symmetric, so a field
*from* a site gives every asset's route *to* it.

How each asset moves is read from what it can do (``movement``): rotary-wing recovery flies the
rotary field; maritime surface recovery sails great-circle; a mover under 10 km/h walks; air
capabilities fly great-circle at medium altitude; anything else drives the ground field.
The planning figures are in ``PlanningFigures`` and explained in the operator's guide.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from jprcc.core.model import Capability, Condition, Platform, Readiness
from jprcc.core.theater.model import Asset
from jprcc.intel.planning.threat import Grid, Mode, RiskField, ground_range_m, routes

AIR_CELLS = 1000
GROUND_CELLS = 2000
RISK_WEIGHT = 10.0
AIR_MODES = {
    Capability.ISR,
    Capability.AIRBORNE_C2,
    Capability.FIXED_WING_ESCORT,
    Capability.CLOSE_AIR_SUPPORT,
    Capability.SEAD_EW,
    Capability.AIR_REFUELING,
}


@dataclass(frozen=True)
class PlanningFigures:
    reliability: dict[Readiness, float] = field(
        default_factory=lambda: {
            Readiness.READY: 0.98,
            Readiness.STANDBY_30: 0.97,
            Readiness.STANDBY_60: 0.96,
            Readiness.STANDBY_120: 0.95,
        }
    )
    handoff_reliability: float = 0.97
    carry_factor: float = 2.0  # walking time multiplied when a casualty is carried
    on_scene_s: float = 300.0
    on_scene_per_person_s: float = 120.0
    station_s: float = 3600.0  # supporting aircraft hold station at least this long
    tau_seriously_injured_s: float = 12 * 3600.0
    tau_injured_s: float = 72 * 3600.0
    road_factor: float = 1.3
    walk_limit_s: float = 12 * 3600.0  # the persons walk to sites within a night's movement and a half
    team_walk_limit_s: float = 12 * 3600.0  # a team on foot serves only within this walk (else: carry it)
    sites: int = 3  # the nearest pickup sites (by walking cost) considered
    security_radius_m: float = 5000.0
    #: P(success) kept when a role the matrix row calls optional cannot be filled
    unfilled_reliability: dict[str, float] = field(
        default_factory=lambda: {
            "airborne_c2": 0.95,
            "escort_fires": 0.85,
            "ground_security": 0.85,
            "sead_ew": 0.8,  # an unsuppressed surface-to-air threat to the supporting aircraft
            "on_scene_commander": 0.95,
        }
    )


FIGURES = PlanningFigures()


class Movement:
    ROTARY = "rotary"
    FIXED_WING = "fixed_wing"
    SURFACE = "surface"
    GROUND = "ground"
    FOOT = "foot"


#: how each kind of platform moves: a UAS flies like any aircraft, at its own speed
PLATFORM_MOVEMENT = {
    Platform.ROTARY_WING: Movement.ROTARY,
    Platform.FIXED_WING: Movement.FIXED_WING,
    Platform.UAS: Movement.FIXED_WING,
    Platform.GROUND_VEHICLE: Movement.GROUND,
    Platform.SURFACE_VESSEL: Movement.SURFACE,
    Platform.DISMOUNTED_TEAM: Movement.FOOT,
}


def platform_of(asset: Asset) -> Platform:
    """The asset's platform as registered; for an asset registered without one, the best guess
    from what it can do and how fast it goes (the operator's guide says how)."""
    if asset.platform is not None:
        return asset.platform
    caps = set(asset.capabilities)
    if Capability.ROTARY_WING_RECOVERY in caps:
        return Platform.ROTARY_WING
    if Capability.MARITIME_SURFACE_RECOVERY in caps:
        return Platform.SURFACE_VESSEL
    if asset.speed_kmh <= 10:
        return Platform.DISMOUNTED_TEAM
    if caps & AIR_MODES and asset.speed_kmh >= 250:
        return Platform.FIXED_WING
    return Platform.GROUND_VEHICLE


def movement(asset: Asset) -> str:
    return PLATFORM_MOVEMENT[platform_of(asset)]


@dataclass(frozen=True)
class Site:
    name: str
    kind: str  # person | linkup_point | pickup_point | landing_zone | rally_point | medical_facility
    lat: float
    lon: float
    site_id: str = ""

    @property
    def key(self) -> str:
        """What the site's route field and combinations are filed under ("" for the person)."""
        return "" if self.kind == "person" else self.site_id or self.name


@dataclass(frozen=True)
class Available:
    """An asset that may serve, as the service found it: what it may do (a capability poll's
    offers restrict it), when it can launch, the operation it would leave, and whether it is the
    isolated team itself."""

    asset: Asset
    capabilities: frozenset[Capability]
    launch_s: float
    operation: tuple[str, str, int] | None = None  # (id, name, priority)
    with_persons: bool = False
    offered: bool = False
    released: bool = False
    #: (the other incident, when its directive's window ends): it serves this one in sequence
    sequence: tuple[str, datetime] | None = None


@dataclass(frozen=True)
class Scene:
    lat: float
    lon: float
    uncertainty_m: float
    conditions: tuple[Condition, ...]
    at_sea: bool
    coastal: bool
    sites: tuple[Site, ...]  # where persons and recovery vehicles can meet
    medical: tuple[Site, ...]  # medical facilities
    held: bool = False
    """Persons held by a captor at the scene (a raid the JFC ordered): an assault force must secure
    the holding site; a recovery vehicle's own pararescuemen do not."""

    @property
    def all_mobile(self) -> bool:
        return all(c is Condition.UNINJURED for c in self.conditions)


@dataclass
class Fields:
    """The route fields of one incident."""

    grid: Grid
    threat: dict[Mode, NDArray[np.float64]]
    ground: RiskField
    ground_grid: Grid
    foot: RiskField
    air_grid: Grid
    air_threat: NDArray[np.float64]
    air: dict[str, RiskField]  # by site key ("" = the person)
    sites: list[tuple[Site, float, float, float]]  # reachable on foot: site, seconds, exposure, worst


def coarsen(
    grid: Grid, threat: NDArray[np.float64], cells: int = AIR_CELLS
) -> tuple[Grid, NDArray[np.float64]]:
    """The grid at most ``cells`` a side, each coarse cell the worst of the fine cells it covers."""
    f = max(1, math.ceil(max(grid.rows, grid.cols) / cells))
    if f == 1:
        return grid, threat
    rows, cols = grid.rows // f, grid.cols // f
    dlat, dlon = (grid.north - grid.south) / grid.rows, (grid.east - grid.west) / grid.cols
    coarse = Grid(
        grid.north - rows * f * dlat, grid.west, grid.north, grid.west + cols * f * dlon, rows, cols
    )
    pooled = threat[: rows * f, : cols * f].reshape(rows, f, cols, f).max(axis=(1, 3))
    return coarse, pooled


def prepare(
    grid: Grid,
    threat: dict[Mode, NDArray[np.float64]],
    travel: Callable[[Grid, Mode], NDArray[np.float64]],
    scene: Scene,
    figures: PlanningFigures = FIGURES,
) -> Fields:
    """Every route field an incident's options need (see the module docstring)."""
    origin = (scene.lat, scene.lon)
    air_grid, air_threat = coarsen(grid, threat[Mode.ROTARY_WING_LOW])
    air_seconds = travel(air_grid, Mode.ROTARY_WING_LOW)
    # carrying a casualty slows the walk; the search stops at twice the time limit in cost: a
    # site whose way is that threatened is not a site to walk to
    carry = 1.0 if scene.all_mobile else figures.carry_factor
    walk_limit = figures.walk_limit_s / carry * 2
    ground_grid, ground_threat = coarsen(grid, threat[Mode.GROUND_VEHICLE], GROUND_CELLS)
    with ThreadPoolExecutor(max_workers=2) as pool:
        ground = pool.submit(
            routes,
            ground_grid,
            ground_threat,
            travel(ground_grid, Mode.GROUND_VEHICLE),
            origin,
            RISK_WEIGHT,
        )
        foot = routes(
            grid, threat[Mode.DISMOUNTED], travel(grid, Mode.DISMOUNTED), origin, RISK_WEIGHT, walk_limit
        )
        sites = _reachable_sites(grid, foot, scene.sites, figures.walk_limit_s / carry, figures.sites)
        points = [("", scene.lat, scene.lon)] + [(s.key, s.lat, s.lon) for s, *_ in sites]
        inside = [p for p in points if air_grid.contains(p[1], p[2])]
        air_jobs = {
            name: pool.submit(routes, air_grid, air_threat, air_seconds, (lat, lon), RISK_WEIGHT)
            for name, lat, lon in inside
        }
        air = {name: job.result() for name, job in air_jobs.items()}
        return Fields(grid, threat, ground.result(), ground_grid, foot, air_grid, air_threat, air, sites)


def _reachable_sites(
    grid: Grid, foot: RiskField, sites: Sequence[Site], limit_s: float, most: int
) -> list[tuple[Site, float, float, float]]:
    """The ``most`` sites cheapest to walk to within ``limit_s`` of uncarried walking."""
    inside = [s for s in sites if grid.contains(s.lat, s.lon)]
    if not inside:
        return []
    cells = np.array([grid.cell_of(s.lat, s.lon) for s in inside], dtype=np.int64)
    seconds, exposure, worst = foot.along_paths(cells)
    found = [
        (s, float(t), float(e), float(w))
        for s, t, e, w in zip(inside, seconds, exposure, worst, strict=True)
        if math.isfinite(t) and t <= limit_s
    ]
    return sorted(found, key=lambda x: x[1] * (1 + RISK_WEIGHT * x[2] / max(x[1], 1.0)))[:most]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(ground_range_m(a[0], a[1], np.array([b[0]]), np.array([b[1]]))[0])


def nearest_cell(grid: Grid, lat: float, lon: float) -> tuple[tuple[int, int], float]:
    """The grid cell nearest a point, and the distance (m) from the point to the grid."""
    eps_lat = (grid.north - grid.south) / grid.rows / 2
    eps_lon = (grid.east - grid.west) / grid.cols / 2
    clat = min(max(lat, grid.south + eps_lat), grid.north - eps_lat)
    clon = min(max(lon, grid.west + eps_lon), grid.east - eps_lon)
    extra = 0.0 if (clat, clon) == (lat, lon) else distance_m((lat, lon), (clat, clon))
    return grid.cell_of(clat, clon), extra
