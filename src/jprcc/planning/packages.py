"""From an incident's scene and the theater's forces to the combinations the assembler solves.

``prepare`` computes the route fields of one incident (the expensive part, kept and reused while
the scene and the threat do not change): the ground-vehicle and dismounted fields from the
person outward, and a rotary-wing field from the person and from each pickup site the persons
can reach on foot. Only the persons' walk uses the planning grid's full resolution; the vehicles'
field runs on a grid of at most ``GROUND_CELLS`` a side and the air fields on one of at most
``AIR_CELLS`` (the threat max-pooled, so no threat is lost): a vehicle's or a helicopter's route
over 150 km does not need the resolution of a walker's.
The cost model is symmetric, so a field *from* a site gives every asset's route *to* it.

``combinations`` turns the forces into candidates, one ``Combo`` per method and pickup site.
How each asset moves is read from what it can do (``movement``): rotary-wing recovery flies the
rotary field; maritime surface recovery sails great-circle; a mover under 10 km/h walks; air
capabilities fly great-circle at medium altitude; anything else drives the ground field.
Planning figures (all in ``PlanningFigures``, explained in the operator's guide):

- launch: readiness delay, or the capability-poll offer's ``available_at`` if later;
- reliability per asset by readiness (ready 0.98 ... standby 120 min 0.95), 0.97 per custody
  hand-off (team to vehicle at a linkup; vehicle to the medical facility);
- carrying a casualty halves the persons' walking speed; time on scene 5 min plus 2 min a person;
- supporting air assets hold station at least an hour (endurance check) and are exposed to the
  medium-altitude threat at the site for the time on scene;
- hurt persons' survival of the time until care: ``exp(-t / tau)``, tau 12 h seriously injured,
  72 h injured or unknown;
- beyond the planning grid, movement is great-circle and counted free of threat (the layers
  describe only the grid's region); ground movement off the grid adds 30 % for winding roads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from jprcc.domain.model import Capability, Condition, Readiness
from jprcc.domain.options import (
    AT_THE_PERSON,
    MEDICAL_CAPABILITIES,
    Method,
    TaskRole,
    role_capabilities,
)
from jprcc.domain.theater import Asset
from jprcc.planning.options import EXPOSURE_SCALE_S, GROUND_EXPOSURE_SCALE_S, Candidate, Combo
from jprcc.planning.threat import MODE_SPEED_KMH, Grid, Mode, RiskField, ground_range_m, routes

AIR_CELLS = 1000
GROUND_CELLS = 2000
RISK_WEIGHT = 10.0
AIR_MODES = {
    Capability.ISR,
    Capability.AIRBORNE_C2,
    Capability.FIXED_WING_ESCORT,
    Capability.CLOSE_AIR_SUPPORT,
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
    sites: int = 3  # the nearest pickup sites (by walking cost) considered
    security_radius_m: float = 5000.0


FIGURES = PlanningFigures()


class Movement:
    ROTARY = "rotary"
    FIXED_WING = "fixed_wing"
    SURFACE = "surface"
    GROUND = "ground"
    FOOT = "foot"


def movement(asset: Asset) -> str:
    caps = set(asset.capabilities)
    if Capability.ROTARY_WING_RECOVERY in caps:
        return Movement.ROTARY
    if Capability.MARITIME_SURFACE_RECOVERY in caps:
        return Movement.SURFACE
    if asset.speed_kmh <= 10:
        return Movement.FOOT
    if caps & AIR_MODES and asset.speed_kmh >= 250:
        return Movement.FIXED_WING
    return Movement.GROUND


@dataclass(frozen=True)
class Site:
    name: str
    kind: str  # person | linkup_point | pickup_point | landing_zone | rally_point | medical_facility
    lat: float
    lon: float


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
    air: dict[str, RiskField]  # by site name ("" = the person)
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
    # the walking search stops at twice the time limit in cost: a site whose way is that
    # threatened is not a site to walk to
    walk_limit = figures.walk_limit_s * 2
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
        sites = _reachable_sites(grid, foot, scene.sites, figures)
        points = [("", scene.lat, scene.lon)] + [(s.name, s.lat, s.lon) for s, *_ in sites]
        inside = [p for p in points if air_grid.contains(p[1], p[2])]
        air_jobs = {
            name: pool.submit(routes, air_grid, air_threat, air_seconds, (lat, lon), RISK_WEIGHT)
            for name, lat, lon in inside
        }
        air = {name: job.result() for name, job in air_jobs.items()}
        return Fields(grid, threat, ground.result(), ground_grid, foot, air_grid, air_threat, air, sites)


def _reachable_sites(
    grid: Grid, foot: RiskField, sites: Sequence[Site], figures: PlanningFigures
) -> list[tuple[Site, float, float, float]]:
    inside = [s for s in sites if grid.contains(s.lat, s.lon)]
    if not inside:
        return []
    cells = np.array([grid.cell_of(s.lat, s.lon) for s in inside], dtype=np.int64)
    seconds, exposure, worst = foot.along_paths(cells)
    found = [
        (s, float(t), float(e), float(w))
        for s, t, e, w in zip(inside, seconds, exposure, worst, strict=True)
        if math.isfinite(t) and t <= figures.walk_limit_s
    ]
    return sorted(found, key=lambda x: x[1] * (1 + RISK_WEIGHT * x[2] / max(x[1], 1.0)))[: figures.sites]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(ground_range_m(a[0], a[1], np.array([b[0]]), np.array([b[1]]))[0])


@dataclass(frozen=True)
class Reach:
    """How one asset gets to one site: when it is there, the threat on the way, its route."""

    arrival_s: float
    exposure_s: float
    worst: float
    return_s: float = 0.0
    site_threat: float = 0.0


@dataclass
class Plan:
    """The combinations to solve, and what it takes to explain their answers."""

    combos: list[Combo]
    methods: dict[str, tuple[Method, Site]]
    reach: dict[tuple[str, str], Reach]  # (combo key, asset id) -> how it gets there
    medical_site: dict[str, Site]  # combo key -> where the vehicle takes the persons
    infeasible: list[str]
    handoffs: dict[str, int]


def nearest_cell(grid: Grid, lat: float, lon: float) -> tuple[tuple[int, int], float]:
    """The grid cell nearest a point, and the distance (m) from the point to the grid."""
    eps_lat = (grid.north - grid.south) / grid.rows / 2
    eps_lon = (grid.east - grid.west) / grid.cols / 2
    clat = min(max(lat, grid.south + eps_lat), grid.north - eps_lat)
    clon = min(max(lon, grid.west + eps_lon), grid.east - eps_lon)
    extra = 0.0 if (clat, clon) == (lat, lon) else distance_m((lat, lon), (clat, clon))
    return grid.cell_of(clat, clon), extra


def _by_field(
    rf: RiskField, grid: Grid, points: Sequence[tuple[float, float]], scale: float, speed_ms: float
) -> list[tuple[float, float, float]]:
    """(seconds, exposure, worst) from the field's origin to each point; off the grid the rest
    of the way is great-circle at ``speed_ms``, free of threat. ``scale`` converts the field's
    planning speed to the mover's."""
    if not points:
        return []
    found = [nearest_cell(grid, lat, lon) for lat, lon in points]
    cells = np.array([c for c, _ in found], dtype=np.int64)
    seconds, exposure, worst = rf.along_paths(cells)
    return [
        (float(t) * scale + extra / speed_ms, float(e) * scale, float(w))
        for (_, extra), t, e, w in zip(found, seconds, exposure, worst, strict=True)
    ]


def _threat_at(fields: Fields, mode: Mode, lat: float, lon: float) -> float:
    cell, extra = nearest_cell(fields.grid, lat, lon)
    return 0.0 if extra > 0 else float(fields.threat[mode][cell])


def _transits(
    fields: Fields, scene: Scene, site: Site, movers: Sequence[Available], figures: PlanningFigures
) -> dict[str, Reach | None]:
    """How every mover gets to ``site`` (None: it cannot, by range or endurance)."""
    out: dict[str, Reach | None] = {}
    on_scene = figures.on_scene_s + figures.on_scene_per_person_s * len(scene.conditions)
    person = (scene.lat, scene.lon)
    here = (site.lat, site.lon)
    air = fields.air.get(site.name if site.kind != "person" else "")
    by_kind: dict[str, list[Available]] = {}
    for a in movers:
        by_kind.setdefault(movement(a.asset), []).append(a)
    rotary_kmh = MODE_SPEED_KMH[Mode.ROTARY_WING_LOW]
    ground_kmh = MODE_SPEED_KMH[Mode.GROUND_VEHICLE]
    for kind, group in by_kind.items():
        bases = [(a.asset.base.lat, a.asset.base.lon) for a in group]
        if kind == Movement.ROTARY and air is not None:
            legs = [
                _by_field(air, fields.air_grid, [b], rotary_kmh / a.asset.speed_kmh, a.asset.speed_kmh / 3.6)[
                    0
                ]
                for a, b in zip(group, bases, strict=True)
            ]
        elif kind == Movement.GROUND:
            to_site = 0.0 if site.kind == "person" else distance_m(person, here)
            legs = []
            for a, b in zip(group, bases, strict=True):
                v = min(a.asset.speed_kmh, ground_kmh)
                t, e, w = _by_field(
                    fields.ground, fields.ground_grid, [b], ground_kmh / v, v / 3.6 / figures.road_factor
                )[0]
                legs.append((t + to_site / (v / 3.6), e, w))
        else:
            legs = []
            for a, b in zip(group, bases, strict=True):
                if kind == Movement.FOOT and a.with_persons:
                    legs.append((0.0, 0.0, 0.0))
                    continue
                factor = figures.road_factor if kind == Movement.FOOT else 1.0
                legs.append((distance_m(b, here) * factor / (a.asset.speed_kmh / 3.6), 0.0, 0.0))
        mode = {
            Movement.FIXED_WING: Mode.FIXED_WING_MEDIUM,
            Movement.SURFACE: Mode.GROUND_VEHICLE,
            Movement.ROTARY: Mode.ROTARY_WING_LOW,
            Movement.GROUND: Mode.GROUND_VEHICLE,
            Movement.FOOT: Mode.DISMOUNTED,
        }[kind]
        at_site = _threat_at(fields, mode, site.lat, site.lon)
        for a, (t, e, w) in zip(group, legs, strict=True):
            if not math.isfinite(t):
                out[a.asset.asset_id] = None
                continue
            if kind in (Movement.FIXED_WING, Movement.SURFACE):
                e += at_site * on_scene  # holding station (or alongside) at the site
            one_way_m = t * a.asset.speed_kmh / 3.6
            round_trip = kind in (Movement.ROTARY, Movement.FIXED_WING, Movement.SURFACE)
            if (2 if round_trip else 1) * one_way_m > a.asset.range_km * 1000 and not a.with_persons:
                out[a.asset.asset_id] = None
                continue
            if a.asset.endurance_h is not None:
                needed = 2 * t + (figures.station_s if kind == Movement.FIXED_WING else on_scene)
                if needed > a.asset.endurance_h * 3600:
                    out[a.asset.asset_id] = None
                    continue
            out[a.asset.asset_id] = Reach(a.launch_s + t, e, w, site_threat=at_site)
    return out


def _return_leg(
    fields: Fields, site: Site, facility: Site, a: Available, figures: PlanningFigures
) -> tuple[float, float]:
    """Seconds and exposure from the site to the medical facility for the recovery vehicle."""
    kind = movement(a.asset)
    target = (facility.lat, facility.lon)
    if kind == Movement.ROTARY:
        air = fields.air.get(site.name if site.kind != "person" else "")
        if air is not None:
            kmh = MODE_SPEED_KMH[Mode.ROTARY_WING_LOW]
            t, e, _ = _by_field(
                air, fields.air_grid, [target], kmh / a.asset.speed_kmh, a.asset.speed_kmh / 3.6
            )[0]
            return t, e
    if kind == Movement.GROUND:
        kmh = MODE_SPEED_KMH[Mode.GROUND_VEHICLE]
        v = min(a.asset.speed_kmh, kmh)
        t, e, _ = _by_field(
            fields.ground, fields.ground_grid, [target], kmh / v, v / 3.6 / figures.road_factor
        )[0]
        return t, e
    return distance_m((site.lat, site.lon), target) / (a.asset.speed_kmh / 3.6), 0.0


@dataclass(frozen=True)
class _AtSite:
    """One method at one site, while its candidates are being found."""

    key: str
    method: Method
    site: Site
    reach: dict[str, Reach | None]
    persons_walk_s: float
    persons_exposure: float
    facility: Site | None  # None: back to the vehicle's own base


def combinations(
    scene: Scene,
    fields: Fields,
    available: Sequence[Available],
    methods: Sequence[Method],
    *,
    threat_medium: float,
    c2_required: bool,
    dark: list[tuple[float, float]] | None,
    figures: PlanningFigures = FIGURES,
) -> Plan:
    """One combination per open method and pickup site (see the module docstring)."""
    person = Site("the person's position", "person", scene.lat, scene.lon)
    plan = Plan([], {}, {}, {}, [], {})
    on_scene = figures.on_scene_s + figures.on_scene_per_person_s * len(scene.conditions)
    hurt = [c for c in scene.conditions if c is not Condition.UNINJURED]
    tau = figures.tau_seriously_injured_s if Condition.SERIOUSLY_INJURED in hurt else figures.tau_injured_s
    carry = 1.0 if scene.all_mobile else figures.carry_factor
    reaches: dict[str, dict[str, Reach | None]] = {}
    for method in methods:
        if method in (Method.NEGOTIATED, Method.LOCATE_FIRST):
            continue
        sites = (
            [(person, 0.0, 0.0)] if method in AT_THE_PERSON else [(s, t, e) for s, t, e, _ in fields.sites]
        )
        if not sites:
            plan.infeasible.append(f"{method.label}: no pickup site within half a day's movement on foot")
        for site, walk_s, walk_exposure in sites:
            if site.name not in reaches:
                reaches[site.name] = _transits(fields, scene, site, available, figures)
            at = _AtSite(
                f"{method.value}@{site.name}",
                method,
                site,
                reaches[site.name],
                walk_s * carry,
                walk_exposure * carry,
                min(scene.medical, key=lambda m: distance_m((site.lat, site.lon), (m.lat, m.lon)))
                if scene.medical
                else None,
            )
            roles = {
                TaskRole.RECOVERY_VEHICLE: _candidates(
                    at, TaskRole.RECOVERY_VEHICLE, available, fields, plan, figures, threat_medium
                ),
                TaskRole.ISR: _candidates(at, TaskRole.ISR, available, fields, plan, figures, threat_medium),
            }
            for role in _situational_roles(at, fields, scene, figures, threat_medium, c2_required):
                roles[role] = _candidates(at, role, available, fields, plan, figures, threat_medium)
            missing = [r.value for r, c in roles.items() if not c]
            if missing:
                plan.infeasible.append(
                    f"{method.label} at {site.name}: nobody available for {', '.join(missing)}"
                )
                continue
            handoffs = 2 if method is Method.SOF_ASSISTED_LINKUP else 1
            fixed = handoffs * -math.log(figures.handoff_reliability)
            ready = 0.0
            if method is Method.UNASSISTED_EVASION:
                ready = at.persons_walk_s
                fixed += at.persons_exposure / GROUND_EXPOSURE_SCALE_S
            plan.combos.append(
                Combo(
                    at.key,
                    roles,
                    escort=_candidates(
                        at, TaskRole.ESCORT_FIRES, available, fields, plan, figures, threat_medium
                    ),
                    medical=_candidates(at, TaskRole.MEDICAL, available, fields, plan, figures, threat_medium)
                    if hurt
                    else None,
                    ready_s=round(ready),
                    on_scene_s=on_scene,
                    dark=dark,
                    casualty_rate=1 / tau if hurt else 0.0,
                    fixed_log_risk=fixed,
                )
            )
            plan.methods[at.key] = (method, site)
            plan.medical_site[at.key] = at.facility or Site(
                "the recovery vehicle's base", "base", site.lat, site.lon
            )
            plan.handoffs[at.key] = handoffs
    return plan


def _situational_roles(
    at: _AtSite,
    fields: Fields,
    scene: Scene,
    figures: PlanningFigures,
    threat_medium: float,
    c2_required: bool,
) -> list[TaskRole]:
    roles = []
    if at.method is Method.SOF_ASSISTED_LINKUP:
        roles.append(TaskRole.LINKUP_MOVEMENT)
    site_air = _threat_at(fields, Mode.ROTARY_WING_LOW, at.site.lat, at.site.lon)
    person_air = _threat_at(fields, Mode.ROTARY_WING_LOW, scene.lat, scene.lon)
    if c2_required or max(site_air, person_air) >= threat_medium:
        roles.append(TaskRole.AIRBORNE_C2)
    if (
        at.method is not Method.MARITIME_SURFACE_PICKUP
        and _ground_threat_near(fields, at.site, figures) >= threat_medium
    ):
        roles.append(TaskRole.GROUND_SECURITY)
    return roles


def _candidates(
    at: _AtSite,
    role: TaskRole,
    available: Sequence[Available],
    fields: Fields,
    plan: Plan,
    figures: PlanningFigures,
    threat_medium: float,
) -> list[Candidate]:
    wanted = role_capabilities(role, at.method)
    out = []
    for a in available:
        r = at.reach.get(a.asset.asset_id)
        if r is None or not (a.capabilities & wanted):
            continue
        if role is TaskRole.LINKUP_MOVEMENT:
            # the team reaches the persons, then brings them to the site
            r = Reach(r.arrival_s + at.persons_walk_s, r.exposure_s + at.persons_exposure, r.worst)
        c = _candidate(a, r, figures)
        if role is TaskRole.RECOVERY_VEHICLE:
            back = at.facility or Site("base", "base", a.asset.base.lat, a.asset.base.lon)
            ret_s, ret_e = _return_leg(fields, at.site, back, a, figures)
            if not math.isfinite(ret_s):
                continue
            c = replace(
                c,
                exposure_s=c.exposure_s + ret_e,
                return_s=round(ret_s),
                medical=bool(set(a.asset.capabilities) & MEDICAL_CAPABILITIES),
                needs_escort=max(r.worst, r.site_threat) >= threat_medium,
            )
        plan.reach[(at.key, a.asset.asset_id)] = r
        out.append(c)
    return out


def _candidate(a: Available, r: Reach, figures: PlanningFigures) -> Candidate:
    reliability = figures.reliability.get(a.asset.readiness, 0.95)
    return Candidate(
        a.asset.asset_id,
        a.asset.component_id,
        round(r.arrival_s),
        r.exposure_s,
        -math.log(reliability),
        disruption=0 if a.operation is None else 6 - a.operation[2],
        exposure_scale_s=EXPOSURE_SCALE_S
        if movement(a.asset) in (Movement.ROTARY, Movement.FIXED_WING)
        else GROUND_EXPOSURE_SCALE_S,
    )


def _ground_threat_near(fields: Fields, site: Site, figures: PlanningFigures) -> float:
    """The worst dismounted threat within the security radius of a site."""
    grid = fields.grid
    if not grid.contains(site.lat, site.lon):
        return 0.0
    r, c = grid.cell_of(site.lat, site.lon)
    dr = max(1, round(figures.security_radius_m / grid.cell_height_m))
    dc = max(1, round(figures.security_radius_m / max(grid.cell_width_m, 1.0)))
    window = fields.threat[Mode.DISMOUNTED][max(0, r - dr) : r + dr + 1, max(0, c - dc) : c + dc + 1]
    return float(window.max())
