"""From an incident's scene and route fields to the combinations the assembler solves.

``combinations`` turns the forces into candidates, one ``Combo`` per method and pickup site, each
candidate with when it is on station, the threat on its way, its reliability and the operation it
would leave. Planning figures (all in ``PlanningFigures``, explained in the operator's guide):

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
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from jprcc.core.model import Capability, Condition, Platform
from jprcc.intel.planning.threat import MODE_SPEED_KMH, Grid, Mode, RiskField
from jprcc.options.model import (
    AIR_METHODS,
    ASSAULT_CAPABILITIES,
    AT_THE_PERSON,
    MEDICAL_CAPABILITIES,
    SELF_SECURITY,
    Method,
    TaskRole,
    role_capabilities,
)
from jprcc.options.planning.courses import EXPOSURE_SCALE_S, GROUND_EXPOSURE_SCALE_S, Candidate, Combo
from jprcc.options.planning.fields import (
    FIGURES,
    Available,
    Fields,
    Movement,
    PlanningFigures,
    Scene,
    Site,
    distance_m,
    movement,
    nearest_cell,
    platform_of,
)


@dataclass(frozen=True)
class Reach:
    """How one asset gets to one site: when it is there, the threat on the way, its route."""

    arrival_s: float  # seconds from now until there (launch delay included)
    exposure_s: float
    worst: float
    site_threat: float = 0.0
    transit_s: float = 0.0  # seconds from launch until there
    one_way_m: float = 0.0


@dataclass
class Plan:
    """The combinations to solve, and what it takes to explain their answers."""

    combos: list[Combo]
    methods: dict[str, tuple[Method, Site]]
    reach: dict[tuple[str, TaskRole, str], Reach]  # (combo key, role, asset id) -> how it gets there
    facility: dict[tuple[str, str], Site]  # (combo key, vehicle id) -> where it takes the persons
    infeasible: list[str]
    handoffs: dict[str, int]


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
    air = fields.air.get(site.key)
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
                walk = distance_m(b, here) * factor / (a.asset.speed_kmh / 3.6)
                too_far = kind == Movement.FOOT and walk > figures.team_walk_limit_s
                legs.append((math.inf if too_far else walk, 0.0, 0.0))
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
            used_kmh = min(a.asset.speed_kmh, ground_kmh) if kind == Movement.GROUND else a.asset.speed_kmh
            one_way_m = t * used_kmh / 3.6
            round_trip = kind in (Movement.ROTARY, Movement.FIXED_WING, Movement.SURFACE)
            if (2 if round_trip else 1) * one_way_m > a.asset.range_km * 1000 and not a.with_persons:
                out[a.asset.asset_id] = None
                continue
            if a.asset.endurance_h is not None:
                needed = 2 * t + (figures.station_s if kind == Movement.FIXED_WING else on_scene)
                if needed > a.asset.endurance_h * 3600:
                    out[a.asset.asset_id] = None
                    continue
            out[a.asset.asset_id] = Reach(
                a.launch_s + t, e, w, site_threat=at_site, transit_s=t, one_way_m=one_way_m
            )
    return out


def _return_leg(
    fields: Fields, site: Site, facility: Site, a: Available, figures: PlanningFigures
) -> tuple[float, float]:
    """Seconds and exposure from the site to the medical facility for the recovery vehicle."""
    kind = movement(a.asset)
    target = (facility.lat, facility.lon)
    if kind == Movement.ROTARY:
        air = fields.air.get(site.key)
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
    reach: dict[str, Reach | None]  # every mover's way to the site
    to_person: dict[str, Reach | None]  # every mover's way to the persons (the linkup team's)
    persons_walk_s: float
    persons_exposure: float
    facilities: tuple[Site, ...]  # nearest first; a vehicle none of them suits returns to base
    on_scene_s: float


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
    optional_roles: frozenset[str] = frozenset(),
) -> Plan:
    """One combination per open method and pickup site (see the module docstring)."""
    person = Site("the person's position", "person", scene.lat, scene.lon)
    plan = Plan([], {}, {}, {}, [], {})
    on_scene = figures.on_scene_s + figures.on_scene_per_person_s * len(scene.conditions)
    hurt = [c for c in scene.conditions if c is not Condition.UNINJURED]
    tau = figures.tau_seriously_injured_s if Condition.SERIOUSLY_INJURED in hurt else figures.tau_injured_s
    carry = 1.0 if scene.all_mobile else figures.carry_factor
    reaches: dict[str, dict[str, Reach | None]] = {"": _transits(fields, scene, person, available, figures)}
    for method in methods:
        if method in (Method.NEGOTIATED, Method.LOCATE_FIRST):
            continue
        sites = (
            [(person, 0.0, 0.0)] if method in AT_THE_PERSON else [(s, t, e) for s, t, e, _ in fields.sites]
        )
        if not sites:
            plan.infeasible.append(f"{method.label}: no pickup site within half a day's movement on foot")
        for site, walk_s, walk_exposure in sites:
            if site.key not in reaches:
                reaches[site.key] = _transits(fields, scene, site, available, figures)
            at = _AtSite(
                f"{method.value}@{site.key or 'person'}",
                method,
                site,
                reaches[site.key],
                reaches[""],
                walk_s * carry,
                walk_exposure * carry,
                tuple(sorted(scene.medical, key=lambda m: distance_m((site.lat, site.lon), (m.lat, m.lon)))),
                on_scene,
            )

            def find(role: TaskRole, at: _AtSite = at) -> list[Candidate]:
                found = _candidates(at, role, available, fields, plan, figures, threat_medium, scene.held)
                if role.value in optional_roles:  # the row can do without: an "unfilled" choice
                    found.append(unfilled(role, figures))
                return found

            roles = {
                TaskRole.RECOVERY_VEHICLE: find(TaskRole.RECOVERY_VEHICLE),
                TaskRole.ISR: find(TaskRole.ISR),
            }
            situational = _situational_roles(at, fields, scene, figures, threat_medium, c2_required)
            for role in situational:
                if role is not TaskRole.GROUND_SECURITY:
                    roles[role] = find(role)
            missing = [r.value for r, c in roles.items() if not c]
            if missing:
                where = "" if site.kind == "person" else f" at {site.name}"
                plan.infeasible.append(f"{method.label}{where}: nobody available for {', '.join(missing)}")
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
                    escort=find(TaskRole.ESCORT_FIRES),
                    medical=find(TaskRole.MEDICAL) if hurt else None,
                    security=find(TaskRole.GROUND_SECURITY)
                    if TaskRole.GROUND_SECURITY in situational
                    else None,
                    ready_s=round(ready),
                    on_scene_s=on_scene,
                    dark=dark,
                    casualty_rate=1 / tau if hurt else 0.0,
                    fixed_log_risk=fixed,
                )
            )
            plan.methods[at.key] = (method, site)
            plan.handoffs[at.key] = handoffs
    return plan


UNFILLED = "(unfilled) "


def unfilled(role: TaskRole, figures: PlanningFigures) -> Candidate:
    """The choice of leaving an optional role empty: no asset, at a cost in P(success)."""
    return Candidate(
        UNFILLED + role.value, "", 0.0, log_unreliability=-math.log(figures.unfilled_reliability[role.value])
    )


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
    on_land = not scene.at_sea and at.method is not Method.MARITIME_SURFACE_PICKUP
    if on_land and (scene.held or _ground_threat_near(fields, at.site, figures) >= threat_medium):
        roles.append(TaskRole.GROUND_SECURITY)
    if at.method in AIR_METHODS:
        site_sam = _threat_at(fields, Mode.FIXED_WING_MEDIUM, at.site.lat, at.site.lon)
        person_sam = _threat_at(fields, Mode.FIXED_WING_MEDIUM, scene.lat, scene.lon)
        if max(site_sam, person_sam) >= threat_medium:
            roles.append(TaskRole.SEAD_EW)
        if max(site_air, person_air) >= threat_medium:
            roles.append(TaskRole.ON_SCENE_COMMANDER)
    return roles


def _candidates(
    at: _AtSite,
    role: TaskRole,
    available: Sequence[Available],
    fields: Fields,
    plan: Plan,
    figures: PlanningFigures,
    threat_medium: float,
    held: bool = False,
) -> list[Candidate]:
    wanted = role_capabilities(role, at.method)
    if held and role is TaskRole.GROUND_SECURITY:
        wanted = ASSAULT_CAPABILITIES  # a holding site is taken by an assault force, not screened
    out = []
    for a in available:
        if not (a.capabilities & wanted):
            continue
        if movement(a.asset) == Movement.SURFACE and at.method is not Method.MARITIME_SURFACE_PICKUP:
            continue  # boats serve pickups at sea, not sites ashore
        if (
            role is TaskRole.ESCORT_FIRES
            and not (a.capabilities & wanted) - {Capability.SURFACE_FIRES}
            and at.method is not Method.MARITIME_SURFACE_PICKUP
        ):
            continue  # surface fires (a ship's gun, artillery) cover a pickup at sea, not a flight inland
        r = at.reach.get(a.asset.asset_id)
        if role is TaskRole.LINKUP_MOVEMENT:
            # the team reaches the persons, then brings them to the site
            to_person = at.to_person.get(a.asset.asset_id)
            r = (
                None
                if to_person is None
                else replace(
                    to_person,
                    arrival_s=to_person.arrival_s + at.persons_walk_s,
                    exposure_s=to_person.exposure_s + at.persons_exposure,
                )
            )
        if r is None:
            continue
        c = _candidate(a, r, figures)
        if role in (TaskRole.SEAD_EW, TaskRole.ON_SCENE_COMMANDER) or _stands_off(role, a):
            # the suppression flight's exposure is its job, the on-scene commander's orbit stays
            # above the fight, and a manned C2 or ISR aircraft (AWACS, JSTARS, E-2D) works from a
            # stand-off orbit outside the threat rings: what the recovery risks from any of them is
            # its readiness, not the threat at the site
            c = replace(c, exposure_scale_s=math.inf)
        if role is TaskRole.RECOVERY_VEHICLE:
            back = _care(fields, at, a, r, figures)
            if back is None:
                continue
            facility, ret_s, ret_e = back
            plan.facility[(at.key, a.asset.asset_id)] = facility
            c = replace(
                c,
                exposure_s=c.exposure_s + ret_e,
                return_s=round(ret_s),
                medical=bool(set(a.asset.capabilities) & MEDICAL_CAPABILITIES),
                secure=bool(set(a.asset.capabilities) & SELF_SECURITY) and not held,
                needs_escort=max(r.worst, r.site_threat) >= threat_medium,
            )
        plan.reach[(at.key, role, a.asset.asset_id)] = r
        out.append(c)
    return out


def _stands_off(role: TaskRole, a: Available) -> bool:
    """A manned aircraft in the C2 or ISR role (an unmanned one orbits over the persons)."""
    if role not in (TaskRole.AIRBORNE_C2, TaskRole.ISR):
        return False
    return movement(a.asset) == Movement.FIXED_WING and platform_of(a.asset) is not Platform.UAS


def _care(
    fields: Fields, at: _AtSite, a: Available, r: Reach, figures: PlanningFigures
) -> tuple[Site, float, float] | None:
    """Where the recovery vehicle takes the persons: the nearest medical facility within its range
    and endurance after the way in, else back to its own base the way it came."""
    kind = movement(a.asset)
    speed_kmh = (
        min(a.asset.speed_kmh, MODE_SPEED_KMH[Mode.GROUND_VEHICLE])
        if kind == Movement.GROUND
        else a.asset.speed_kmh
    )
    for facility in at.facilities:
        ret_s, ret_e = _return_leg(fields, at.site, facility, a, figures)
        if not math.isfinite(ret_s):
            continue
        in_range = r.one_way_m + ret_s * speed_kmh / 3.6 <= a.asset.range_km * 1000 or a.with_persons
        endures = (
            a.asset.endurance_h is None or r.transit_s + at.on_scene_s + ret_s <= a.asset.endurance_h * 3600
        )
        if in_range and endures:
            return facility, ret_s, ret_e
    base = Site(
        f"{a.asset.base_name or a.asset.callsign} (its base)", "base", a.asset.base.lat, a.asset.base.lon
    )
    return base, r.transit_s, r.exposure_s


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
