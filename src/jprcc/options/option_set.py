"""Recovery options as the JPRCC reads them, and the nomination that adopts one.

``Option`` is one course of action with everything the side-by-side table shows; ``OptionSet``
is what ``RecoveryOptions.generate`` answers. ``Renderer`` turns a solved assignment into an
``Option``; ``draft_nomination`` turns an ``Option`` into the ``NominateSupport`` command that
adopts it, with the alternatives and the reason.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Incident
from jprcc.core.errors import NotFound, RuleViolation
from jprcc.core.model import SupportKind
from jprcc.core.theater.model import Component
from jprcc.core.values import Contribution, OptionChoice, OptionPackage
from jprcc.intel import decision
from jprcc.intel.decision import Decision, Matrix
from jprcc.intel.planning import light
from jprcc.intel.planning.light import DarkClock, Light
from jprcc.options.model import Method, PlannerControl, TaskRole
from jprcc.options.planning.courses import RISK_POINTS, Assignment, Weights
from jprcc.options.planning.fields import Available, Fields, Site, movement, nearest_cell
from jprcc.options.planning.packages import UNFILLED, Plan

MAX_ALTERNATIVES = 5
DARK_HORIZON = timedelta(hours=36)

ROLE_TASKS = {
    TaskRole.RECOVERY_VEHICLE: "Recovery vehicle: pick up the persons at {site} and take them to {facility}",
    TaskRole.LINKUP_MOVEMENT: "Move the persons to {site} for the linkup",
    TaskRole.ESCORT_FIRES: "Escort and fires for the recovery vehicle",
    TaskRole.ISR: "ISR over the persons, {site} and the route",
    TaskRole.AIRBORNE_C2: "Airborne C2 for the package",
    TaskRole.GROUND_SECURITY: "Ground security of {site}",
    TaskRole.MEDICAL: "Medical care of the hurt from pickup to {facility}",
    TaskRole.SEAD_EW: "Suppress the air defences covering {site} and the route (SEAD/EW)",
    TaskRole.ON_SCENE_COMMANDER: "On-scene command of the assets at {site}",
}


#: how a role is named in a sentence, where its value does not read well
ROLE_NAMES = {
    TaskRole.SEAD_EW: "SEAD/EW",
    TaskRole.AIRBORNE_C2: "airborne C2",
    TaskRole.ISR: "ISR",
}


@dataclass(frozen=True)
class AssetRole:
    role: TaskRole
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    launch_at: datetime
    on_station_at: datetime
    offered: bool | None  # None: no capability poll is open
    released: bool
    with_persons: bool
    operation: str | None  # "IRON GATE (priority 1)" when it leaves another operation


@dataclass
class Option:
    option_id: str
    method: Method
    site: Site
    supported_component: str
    assets: list[AssetRole]
    launch_at: datetime | None
    on_scene_at: datetime | None
    recovery_at: datetime | None
    at_medical_at: datetime | None
    medical_facility: str
    exposure_s: float
    threat_on_route: float
    p_success: float | None  # None: no recovery force is planned (negotiated, locate first)
    disruption: int
    disrupted: list[str]
    components: list[str]
    handoffs: int
    score: float
    score_terms: dict[str, float]
    notes: list[str] = field(default_factory=list)
    tacon_transfers: list[str] = field(default_factory=list)
    route: list[tuple[float, float]] = field(default_factory=list)
    walk: list[tuple[float, float]] = field(default_factory=list)
    dominated: bool = False
    minutes_to_medical: float = 0.0  # from the time the options were generated
    light: dict[str, Light] = field(default_factory=dict)  # "launch", "on_scene", "pickup"
    decision_at_pickup: Decision | None = None  # the matrix row that holds at the pickup time
    first_light_at: datetime | None = None  # the end of darkness at the site after the options' time
    flags: list[str] = field(default_factory=list)
    """What the JPRCC must not miss: a pickup in daylight where the matrix wants darkness."""

    def choice(self, *, with_package: bool = False) -> OptionChoice:
        """The option as a nomination records it; the adopted one carries its whole package."""
        return OptionChoice(
            option_id=self.option_id,
            method=self.method.value,
            supported_component=self.supported_component,
            summary=self.summary,
            score=round(self.score, 3),
            minutes_to_medical=round(self.minutes_to_medical, 1),
            p_success=None if self.p_success is None else round(self.p_success, 4),
            disruption=self.disruption,
            tacon_transfer=bool(self.tacon_transfers),
            package=self.package() if with_package else None,
        )

    def package(self) -> OptionPackage:
        """What the JFC reads before approving: each asset's role and times, the light at the
        pickup, why P(success) is what it is, and what other operations lose."""
        pickup = self.light.get("pickup")
        reasons = [
            f"worst threat on the way in {self.threat_on_route:.0%}; "
            f"{self.exposure_s / 60:.0f} threat-minutes for every mover together",
            *self.flags,
            *self.notes,
        ]
        return OptionPackage(
            assets=tuple(_asset_line(a, self.site.name, self.medical_facility) for a in self.assets),
            launch_at=self.launch_at,
            on_scene_at=self.on_scene_at,
            recovery_at=self.recovery_at,
            at_medical_at=self.at_medical_at,
            medical_facility=self.medical_facility,
            light_at_pickup=pickup.describe() if pickup is not None else "",
            matrix_row_at_pickup=None if self.decision_at_pickup is None else self.decision_at_pickup.row,
            threat_on_route=round(self.threat_on_route, 4),
            reasons=tuple(dict.fromkeys(reasons)),
            disrupted=tuple(self.disrupted),
        )

    @property
    def summary(self) -> str:
        lead = next((a for a in self.assets if a.role is TaskRole.RECOVERY_VEHICLE), None)
        where = "" if self.site.kind == "person" else f" at {self.site.name}"
        who = f", {lead.callsign} ({lead.component_id}) recovers" if lead else ""
        return f"{self.method.label}{where}{who}"[:300]


def _asset_line(a: AssetRole, site: str, facility: str) -> str:
    """``PEDRO 66 (HH-60W, JFACC): Recovery vehicle: ... — launches 14 1412Z, on station 14 1450Z``."""
    task = ROLE_TASKS[a.role].format(site=site, facility=facility)
    line = f"{a.callsign} ({a.asset_type}, {a.component_id}): {task} — launches {a.launch_at:%d %H%MZ}"
    line += f", on station {a.on_station_at:%d %H%MZ}"
    if a.operation:
        line += f"; leaves {a.operation}"
    return line


@dataclass
class OptionSet:
    incident_id: str
    generated_at: datetime
    weights: Weights
    decision: Decision | None
    methods: list[Method]
    closed: list[str]
    options: list[Option]
    also_considered: list[Option]
    infeasible: list[str]
    tacon: bool
    warm: bool
    seconds: float
    proven_optimal: bool = True
    """Every solve finished within its work limit (else the options are feasible, maybe not best)."""
    dark_minutes_left: float = 0.0  # at the person, from ``generated_at`` (0 in daylight)
    first_light_at: datetime | None = None
    last_light_at: datetime | None = None
    darkness_wanted: bool = False  # the matrix wants this situation's pickup in darkness
    control: PlannerControl = field(default_factory=PlannerControl)
    restrictions: list[str] = field(default_factory=list)
    """What each of the planner's restrictions removed."""

    def find(self, option_id: str) -> Option:
        for option in [*self.options, *self.also_considered]:
            if option.option_id == option_id:
                return option
        raise NotFound(
            f"no option {option_id} for incident {self.incident_id} now: the situation has changed; "
            "generate the options again",
            field="option_id",
        )


def why_unsolved(plan: Plan, key: str, latest_pickup: datetime | None = None) -> str:
    method, site = plan.methods[key]
    combo = next(c for c in plan.combos if c.key == key)
    where = "" if site.kind == "person" else f" at {site.name}"
    vehicles = combo.roles.get(TaskRole.RECOVERY_VEHICLE, [])
    if vehicles and all(v.needs_escort for v in vehicles) and not combo.escort:
        return f"{method.label}{where}: every way in is threatened and nobody is available for escort_fires"
    if combo.medical is not None and not combo.medical and not any(v.medical for v in vehicles):
        return (
            f"{method.label}{where}: nobody is available for medical care and no recovery vehicle carries it"
        )
    if combo.security is not None and not combo.security and not any(v.secure for v in vehicles):
        return (
            f"{method.label}{where}: nobody is available for ground security and no recovery vehicle "
            "brings its own (pararescue or a security element aboard)"
        )
    if latest_pickup is not None:
        return (
            f"{method.label}{where}: no package can pick up by the latest pickup {latest_pickup:%d %H%MZ}"
            + (" inside a period of darkness" if len(combo.dark or []) > 1 else "")
        )
    if combo.dark is not None:
        return f"{method.label}{where}: no package can be there inside a period of darkness"
    return f"{method.label}{where}: no package fills every role with different assets"


def option_id(signature: object, tacon: bool = False) -> str:
    digest = hashlib.sha1(repr((signature, tacon)).encode()).hexdigest()[:8].upper()
    return f"OPT-{digest}"


def asset_role(
    role: TaskRole, a: Available, now: datetime, on_station: datetime, poll_open: bool
) -> AssetRole:
    return AssetRole(
        role,
        a.asset.asset_id,
        a.asset.callsign,
        a.asset.asset_type,
        a.asset.component_id,
        now + timedelta(seconds=a.launch_s),
        on_station,
        a.offered if poll_open else None,
        a.released,
        a.with_persons,
        None if a.operation is None else f"{a.operation[1]} (priority {a.operation[2]})",
    )


def empty_option(incident: Incident, method: Method, supported: str) -> Option:
    site = Site("the person's position", "person", incident.position.lat, incident.position.lon)
    return Option(
        option_id=option_id((incident.incident_id, method.value)),
        method=method,
        site=site,
        supported_component=supported,
        assets=[],
        launch_at=None,
        on_scene_at=None,
        recovery_at=None,
        at_medical_at=None,
        medical_facility="",
        exposure_s=0.0,
        threat_on_route=0.0,
        p_success=None,
        disruption=0,
        disrupted=[],
        components=[supported],
        handoffs=0,
        score=0.0,
        score_terms={},
    )


@dataclass
class Renderer:
    """An assignment as the JPRCC reads it: who does what, when, at what risk, at whose cost."""

    incident: Incident
    plan: Plan
    fields: Fields
    available: dict[str, Available]
    weights: Weights
    now: datetime
    components: list[Component]
    matrix: Matrix | None = None
    decided: Decision | None = None
    dark_now: DarkClock | None = None
    _windows: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)

    def __call__(self, a: Assignment, dominated: bool = False, variant: str = "") -> Option:
        """``variant`` tells apart two timings of the same package (a daylight alternative)."""
        method, site = self.plan.methods[a.combo]

        def at(seconds: float) -> datetime:
            return self.now + timedelta(seconds=seconds)

        vehicle = self.available[a.vehicle.asset_id]
        poll_open = self.incident.poll is not None
        roles = []
        empty = [(role, c) for role, c in a.chosen.items() if c.asset_id.startswith(UNFILLED)]
        for role, c in sorted(a.chosen.items(), key=lambda rc: list(TaskRole).index(rc[0])):
            if c.asset_id.startswith(UNFILLED):
                continue
            arrival = at(seconds=c.arrival_s)
            roles.append(asset_role(role, self.available[c.asset_id], self.now, arrival, poll_open))
        comps = sorted({r.component_id for r in roles})
        disrupted = [
            f"{r.operation} loses {r.callsign} ({r.component_id})" for r in roles if r.operation is not None
        ]
        notes = [
            f"no {ROLE_NAMES.get(role, role.value.replace('_', ' '))}: nobody is available, and the "
            f"matrix row can do without; P(success) x{math.exp(-c.log_unreliability):.2f}"
            for role, c in empty
        ] + self._notes(a, roles, comps)
        reach = self.plan.reach[(a.combo, TaskRole.RECOVERY_VEHICLE, vehicle.asset.asset_id)]
        # the vehicle launches to be at the site for the pickup, not earlier than it can
        launch_s = max(vehicle.launch_s, a.pickup_s - reach.transit_s)
        option = Option(
            option_id=option_id((a.signature(), variant) if variant else a.signature()),
            method=method,
            site=site,
            supported_component=vehicle.asset.component_id,
            assets=roles,
            launch_at=at(seconds=launch_s),
            on_scene_at=at(seconds=a.pickup_s),
            recovery_at=at(seconds=a.pickup_s + self._on_scene(a)),
            at_medical_at=at(seconds=a.medical_s),
            medical_facility=self.plan.facility[(a.combo, vehicle.asset.asset_id)].name,
            # what the package is exposed to at its work (not the stand-off and suppression orbits)
            exposure_s=round(
                sum(c.exposure_s for c in a.chosen.values() if math.isfinite(c.exposure_scale_s)), 1
            ),
            threat_on_route=round(max(reach.worst, reach.site_threat), 3),
            p_success=a.p_success,
            disruption=a.disruption,
            disrupted=disrupted,
            components=comps,
            handoffs=self.plan.handoffs[a.combo] + len(comps) - 1,
            score=a.score(self.weights),
            score_terms={
                "time": self.weights.time * a.medical_s / 3600,
                "risk": self.weights.risk * RISK_POINTS * a.log_risk,
                "disruption": float(self.weights.disruption * a.disruption),
            },
            notes=notes,
            route=self._route(method, site, vehicle),
            walk=self._walk(method, site),
            dominated=dominated,
            minutes_to_medical=a.medical_s / 60,
        )
        if a.waiting_s > 60:
            waited = f"{a.waiting_s / 3600:.1f} h"
            option.notes.append(f"the pickup waits {waited} for darkness: {option.on_scene_at:%d %H%MZ}")
        self._light(option, vehicle)
        return option

    def _light(self, o: Option, vehicle: Available) -> None:
        """The light at launch (at the base), on scene and at the pickup (at the site); the
        matrix read again at the pickup; a flag where the pickup falls in daylight against it."""
        if o.launch_at is None or o.on_scene_at is None or o.recovery_at is None:
            return
        base = vehicle.asset.base
        o.light = {
            "launch": light.light(base.lat, base.lon, o.launch_at),
            "on_scene": light.light(o.site.lat, o.site.lon, o.on_scene_at),
            "pickup": light.light(o.site.lat, o.site.lon, o.recovery_at),
        }
        if o.site.key not in self._windows:
            self._windows[o.site.key] = light.dark_windows(o.site.lat, o.site.lon, self.now, DARK_HORIZON)
        windows = self._windows[o.site.key]
        horizon_end = self.now + DARK_HORIZON
        o.first_light_at = next((end for _, end in windows if self.now < end < horizon_end), None)
        pickup = o.light["pickup"]
        if self.matrix is None or self.decided is None:
            return
        then = decision.at_pickup(self.matrix, self.decided, dark=pickup.dark, moonlit=pickup.moonlit)
        o.decision_at_pickup = then
        if then.wait_for_darkness and not pickup.dark:
            flag = (
                f"DAYLIGHT PICKUP at {o.recovery_at:%d %H%MZ} ({pickup.describe()}): matrix row {then.row} "
            )
            flag += "wants this pickup in darkness"
            now = self.dark_now
            if now is not None and now.dark and now.first_light is not None:
                late = (o.recovery_at - now.first_light).total_seconds() / 60
                flag += (
                    f"; {late:.0f} min after first light ({now.first_light:%d %H%MZ}), "
                    f"with {now.dark_minutes_left:.0f} min of dark left now"
                )
            elif now is not None and now.last_light is not None:
                flag += f"; it is light now and the next darkness begins {now.last_light:%d %H%MZ}"
            o.flags.append(flag)
        elif then.row != self.decided.row:
            o.notes.append(
                f"at the pickup ({pickup.describe()}) the matrix reads row {then.row} "
                f"({then.approach.value}), not row {self.decided.row} as now"
            )
        if pickup.dark and o.at_medical_at is not None:
            crossed = light.first_light_within(windows, o.recovery_at, o.at_medical_at, horizon_end)
            if crossed is not None:
                o.notes.append(f"the way out runs past first light ({crossed:%d %H%MZ})")

    def _on_scene(self, a: Assignment) -> float:
        return a.medical_s - a.pickup_s - a.vehicle.return_s

    def _notes(self, a: Assignment, roles: list[AssetRole], comps: list[str]) -> list[str]:
        notes = []
        poll = self.incident.poll
        for r in roles:
            source = self.available[r.asset_id]
            if poll is not None and not source.offered:
                notes.append(f"{r.callsign} not offered yet: ask {r.component_id} in the capability poll")
            if source.sequence is not None:
                other, free = source.sequence
                notes.append(
                    f"{r.callsign} serves incident {other} first: it joins in sequence, free from "
                    f"{free:%d %H%MZ} (launching from its base); offer it from then on"
                )
            if (
                source.operation is not None
                and source.operation[2] < self.incident.priority
                and not source.released
            ):
                notes.append(
                    f"{r.callsign} is committed to {source.operation[1]} (priority {source.operation[2]}), "
                    f"which outranks this incident: {r.component_id} must release it"
                )
        if len(comps) == 1:
            notes.append(f"everything from {comps[0]}: an organic recovery, no nomination needed")
        notes.append("support relationships only: TACON of every asset stays with its component")
        return notes

    def _route(self, method: Method, site: Site, vehicle: Available) -> list[tuple[float, float]]:
        base = (vehicle.asset.base.lat, vehicle.asset.base.lon)
        kind = movement(vehicle.asset)
        field_ = None
        if kind == "rotary":
            field_ = self.fields.air.get(site.key)  # filed under the site's key, as packages reads it
            grid = self.fields.air_grid
        elif kind == "ground":
            field_, grid = self.fields.ground, self.fields.ground_grid
        if field_ is None:
            return [base, (site.lat, site.lon)]
        cell, _ = nearest_cell(grid, *base)
        try:
            cells = field_.field.path_to(cell)
        except ValueError:
            return [base, (site.lat, site.lon)]
        path = [grid.centre_of(c) for c in reversed(cells)]
        return _thin([base, *path, (site.lat, site.lon)])

    def _walk(self, method: Method, site: Site) -> list[tuple[float, float]]:
        if site.kind == "person":
            return []
        cell, _ = nearest_cell(self.fields.grid, site.lat, site.lon)
        try:
            cells = self.fields.foot.field.path_to(cell)
        except ValueError:
            return []
        return _thin([self.fields.grid.centre_of(c) for c in cells])


def _thin(points: list[tuple[float, float]], most: int = 200) -> list[tuple[float, float]]:
    """At most ``most`` points of a path, its ends kept."""
    if len(points) <= most:
        return [(round(a, 5), round(b, 5)) for a, b in points]
    step = math.ceil(len(points) / most)
    kept = points[::step]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return [(round(a, 5), round(b, 5)) for a, b in kept]


def tacon_variant(option: Option, incident: Incident) -> list[Option]:
    """The same package led by the persons' own component, the recovery vehicle under its TACON."""
    owner = incident.owning_component
    if option.supported_component == owner:
        return []
    lead = next(a for a in option.assets if a.role is TaskRole.RECOVERY_VEHICLE)
    transfer = f"TACON of {lead.callsign} from {lead.component_id} to {owner}"
    variant = Option(**{**option.__dict__})
    variant.option_id = option_id(option.option_id, tacon=True)
    variant.supported_component = owner
    variant.tacon_transfers = [transfer]
    variant.notes = [
        f"REQUIRES A TACON TRANSFER: {transfer}, with a begin and an end, approved by the JFC; "
        "request it before nominating",
        *[n for n in option.notes if not n.startswith("support relationships only")],
    ]
    return [variant]


def draft_nomination(
    incident: Incident, options: OptionSet, option_id: str, rationale: str, support_kind: SupportKind
) -> cmd.NominateSupport:
    """The nomination that adopts ``option_id``, with the other options as its alternatives."""
    option = options.find(option_id)
    if option.tacon_transfers:
        raise RuleViolation(
            "a TACON option is not nominated as support: request the TACON transfer, then nominate",
            field="option_id",
        )
    if not option.assets or option.at_medical_at is None:
        raise RuleViolation(f"the {option.method.label.lower()} option commits no forces", field="option_id")
    if not rationale.strip():
        raise RuleViolation("say why this option is adopted", field="rationale")
    site = option.site.name
    grouped: dict[str, list[AssetRole]] = {}
    for a in option.assets:
        grouped.setdefault(a.component_id, []).append(a)
    contributions = tuple(
        Contribution(
            component,
            tuple(dict.fromkeys(a.asset_id for a in roles)),  # an asset in two roles is named once
            "; ".join(
                f"{a.callsign}: " + ROLE_TASKS[a.role].format(site=site, facility=option.medical_facility)
                for a in roles
            ),
        )
        for component, roles in grouped.items()
    )
    alternatives = tuple(
        o.choice() for o in [*options.options, *options.also_considered] if o.option_id != option_id
    )
    return cmd.NominateSupport(
        incident_id=incident.incident_id,
        supported_component=option.supported_component,
        contributions=contributions,
        support_kind=support_kind,
        priority=incident.priority,
        window_start=options.generated_at,
        window_end=option.at_medical_at + timedelta(hours=2),
        desired_effects=(
            f"{len(incident.persons)} isolated person(s) recovered to {option.medical_facility} by "
            f"{option.at_medical_at:%d %H%MZ}, without friendly losses"
        ),
        rationale=rationale.strip(),
        adopted_option=option.choice(with_package=True),
        alternatives=alternatives[: MAX_ALTERNATIVES * 2],
    )
