"""Recovery options for an incident: read the theater, the poll and the threat; assemble; explain.

Reads only. ``RecoveryOptions.generate`` returns an ``OptionSet``: the non-dominated options
ranked by the JPRCC's weights, what else was considered, what could not be done and why. The
route fields of an incident are kept in a ``RouteCache`` on the node, so re-weighting or
re-running (the planner's loop) does not recompute them while the scene and the layers in force
are unchanged. ``draft_nomination`` turns an option into the nomination command that adopts it.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jprcc.domain import commands as cmd
from jprcc.domain import decision
from jprcc.domain.decision import Decision
from jprcc.domain.errors import NotFound, RuleViolation
from jprcc.domain.incident import Incident, Person, Stage
from jprcc.domain.model import (
    Actor,
    DutyStatus,
    Environment,
    PRTask,
    RecoveryPointKind,
    SupportKind,
    TaskStatus,
)
from jprcc.domain.options import Method, Situation, TaskRole, open_methods
from jprcc.domain.records import Contribution, OptionChoice
from jprcc.domain.theater import Component
from jprcc.planning import light
from jprcc.planning.options import RISK_POINTS, Assignment, Weights, assemble
from jprcc.planning.packages import (
    Available,
    Fields,
    Plan,
    Scene,
    Site,
    combinations,
    movement,
    nearest_cell,
    prepare,
)
from jprcc.planning.threat import Grid, Mode
from jprcc.service.intel import Intel
from jprcc.service.queries import Queries

PLANNING_RADIUS_M = 150_000.0
PLANNING_CELL_M = 250.0
DARK_HORIZON = timedelta(hours=36)
MAX_ALTERNATIVES = 5

ROLE_TASKS = {
    TaskRole.RECOVERY_VEHICLE: "Recovery vehicle: pick up the persons at {site} and take them to {facility}",
    TaskRole.LINKUP_MOVEMENT: "Move the persons to {site} for the linkup",
    TaskRole.ESCORT_FIRES: "Escort and fires for the recovery vehicle",
    TaskRole.ISR: "ISR over the persons, {site} and the route",
    TaskRole.AIRBORNE_C2: "Airborne C2 for the package",
    TaskRole.GROUND_SECURITY: "Ground security of {site}",
    TaskRole.MEDICAL: "Medical care of the hurt from pickup to {facility}",
}


class RouteCache:
    """The route fields of the last few incidents, by everything they depend on."""

    def __init__(self, size: int = 8) -> None:
        self._items: OrderedDict[tuple[object, ...], Fields] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: tuple[object, ...]) -> Fields | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], fields: Fields) -> None:
        with self._lock:
            self._items[key] = fields
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class AssetRole:
    role: TaskRole
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    launch_at: datetime
    on_station_at: datetime
    offered: bool
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
    p_success: float
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

    def choice(self) -> OptionChoice:
        return OptionChoice(
            option_id=self.option_id,
            method=self.method.value,
            supported_component=self.supported_component,
            summary=self.summary,
            score=round(self.score, 3),
            minutes_to_medical=round(self.minutes_to_medical, 1),
            p_success=round(self.p_success, 4),
            disruption=self.disruption,
            tacon_transfer=bool(self.tacon_transfers),
        )

    @property
    def minutes_to_medical(self) -> float:
        if self.at_medical_at is None or self.launch_at is None:
            return 0.0
        return max(0.0, (self.at_medical_at - self.launch_at).total_seconds() / 60)

    @property
    def summary(self) -> str:
        lead = next((a for a in self.assets if a.role is TaskRole.RECOVERY_VEHICLE), None)
        where = "" if self.site.kind == "person" else f" at {self.site.name}"
        who = f", {lead.callsign} ({lead.component_id}) recovers" if lead else ""
        return f"{self.method.label}{where}{who}"[:300]


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

    def find(self, option_id: str) -> Option:
        for option in [*self.options, *self.also_considered]:
            if option.option_id == option_id:
                return option
        raise NotFound(
            f"no option {option_id} for incident {self.incident_id} now: the situation has changed; "
            "generate the options again",
            field="option_id",
        )


class RecoveryOptions:
    """Options for the incidents of a node (see the module docstring)."""

    def __init__(self, queries: Queries, intel: Intel, cache: RouteCache) -> None:
        self.queries = queries
        self.intel = intel
        self.cache = cache

    def generate(
        self, actor: Actor, incident_id: str, weights: Weights | None = None, tacon: bool = False
    ) -> OptionSet:
        started = time.perf_counter()
        weights = weights or Weights()
        now = self.queries.clock()
        incident = self.queries.incident(actor, incident_id)
        if incident.stage in (Stage.RECOVERED, Stage.REINTEGRATION, Stage.CLOSED):
            raise RuleViolation(
                f"incident {incident_id} is {incident.stage.value}: there is nobody left to recover",
                field="incident_id",
            )
        matrix, _ = self.intel.matrix()
        out = OptionSet(incident_id, now, weights, None, [], [], [], [], [], tacon, False, 0.0)
        at_large = [
            p
            for p in incident.persons.values()
            if p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED)
        ]
        situation = Situation(
            detained=incident.stage is Stage.DETAINED
            or any(p.duty_status is DutyStatus.CAPTURED for p in at_large),
            uncertainty_m=incident.uncertainty_m,
            locate_limit_m=matrix.location_certain_within_m,
            at_sea=incident.environment is Environment.MARITIME,
            coastal=incident.environment is Environment.LITTORAL,
            all_mobile=all(p.condition.value == "uninjured" for p in at_large),
        )
        out.methods, out.closed = open_methods(situation)
        available, notes = self.available(incident, now)
        out.infeasible += notes
        if out.methods == [Method.NEGOTIATED]:
            out.options = [self._negotiated(incident)]
        elif out.methods == [Method.LOCATE_FIRST]:
            out.options = [self._locate_first(incident, available, now)]
        else:
            self._recoveries(out, incident, available, at_large, matrix, now)
        out.seconds = time.perf_counter() - started
        return out

    # --- what may serve ------------------------------------------------------------------

    def available(self, incident: Incident, now: datetime) -> tuple[list[Available], list[str]]:
        """The assets that may serve this incident; a capability poll's answers restrict them."""
        operations = {o.operation_id: o for o in self.queries.operations()}
        poll = incident.poll
        notes = []
        if poll is not None:
            for component_id, answer in sorted(poll.answers.items()):
                if answer.cannot_reason:
                    notes.append(
                        f"{component_id} answered the poll that it cannot help: {answer.cannot_reason}"
                    )
        units = {p.unit.strip().upper() for p in incident.persons.values()}
        person_components = {p.component_id for p in incident.persons.values()}
        found = []
        for status in self.queries.assets(None):
            asset = status.asset
            delay = asset.readiness.launch_delay
            if delay is None or status.tasked_incident_id not in (None, incident.incident_id):
                continue
            capabilities = frozenset(asset.capabilities)
            launch_s = delay.total_seconds()
            offered = released = False
            if poll is not None and asset.component_id in poll.answers:
                offers = [o for o in poll.answers[asset.component_id].offers if o.asset_id == asset.asset_id]
                if not offers:
                    continue
                capabilities = frozenset(o.capability for o in offers)
                launch_s = max(launch_s, min((o.available_at - now).total_seconds() for o in offers))
                offered, released = True, any(o.release_from_operation for o in offers)
            operation = None
            if asset.commitment is not None:
                op = operations.get(asset.commitment.operation_id)
                name = op.name if op else asset.commitment.operation_id
                operation = (asset.commitment.operation_id, name, asset.commitment.priority)
            found.append(
                Available(
                    asset,
                    capabilities,
                    max(0.0, launch_s),
                    operation,
                    with_persons=asset.callsign.strip().upper() in units
                    and asset.component_id in person_components,
                    offered=offered,
                    released=released,
                )
            )
        return found, notes

    # --- the scene and its route fields ---------------------------------------------------

    def scene(self, incident: Incident, at_large: list[Person]) -> Scene:
        points = self.queries.recovery_points()
        meet = [p for p in points if p.kind is not RecoveryPointKind.MEDICAL_FACILITY]
        care = [p for p in points if p.kind is RecoveryPointKind.MEDICAL_FACILITY]
        return Scene(
            incident.position.lat,
            incident.position.lon,
            incident.uncertainty_m,
            tuple(p.condition for p in at_large),
            at_sea=incident.environment is Environment.MARITIME,
            coastal=incident.environment is Environment.LITTORAL,
            sites=tuple(Site(p.name, p.kind.value, p.position.lat, p.position.lon) for p in meet),
            medical=tuple(Site(p.name, p.kind.value, p.position.lat, p.position.lon) for p in care),
        )

    def fields(self, incident: Incident, scene: Scene, now: datetime) -> tuple[Fields, bool]:
        """The incident's route fields, and whether they came from the cache."""
        envelopes, zones, names = self.intel.sources(now)
        grid = Grid.around(scene.lat, scene.lon, PLANNING_RADIUS_M, PLANNING_CELL_M)
        key = (
            incident.incident_id,
            scene.lat,
            scene.lon,
            tuple(names),
            id(self.intel.terrain),
            grid,
            scene.sites,
        )
        found = self.cache.get(key)
        if found is not None:
            return found, True
        from jprcc.planning.threat import threat_field

        threat = {m: threat_field(grid, envelopes, zones, m) for m in Mode}
        fields = prepare(grid, threat, self.intel.travel, scene)
        self.cache.put(key, fields)
        return fields, False

    # --- recoveries -------------------------------------------------------------------

    def _recoveries(
        self,
        out: OptionSet,
        incident: Incident,
        available: list[Available],
        at_large: list[Person],
        matrix: decision.Matrix,
        now: datetime,
    ) -> None:
        scene = self.scene(incident, at_large)
        fields, out.warm = self.fields(incident, scene, now)
        out.decision = self._decide(incident, scene, fields, available, matrix, now)
        dark = dark_windows(scene.lat, scene.lon, now) if out.decision.wait_for_darkness else None
        plan = combinations(
            scene,
            fields,
            available,
            out.methods,
            threat_medium=matrix.threat_medium,
            c2_required=out.decision.approach is decision.Approach.EXTERNAL_SUPPORTED,
            dark=dark,
        )
        out.infeasible += plan.infeasible
        front, others, unsolved = assemble(plan.combos, out.weights)
        for key in unsolved:
            out.infeasible.append(_why_unsolved(plan, key))
        by_id = {a.asset.asset_id: a for a in available}
        render = _Renderer(incident, plan, fields, by_id, out.weights, now, self.queries.components())
        out.options = [render(a) for a in front]
        out.also_considered = [render(a, dominated=True) for a in others[:MAX_ALTERNATIVES]]
        if out.tacon:
            out.options = [v for o in out.options for v in (o, *_tacon_variant(o, incident))]

    def _decide(
        self,
        incident: Incident,
        scene: Scene,
        fields: Fields,
        available: list[Available],
        matrix: decision.Matrix,
        now: datetime,
    ) -> Decision:
        """The matrix's reading of the situation: threat at the person, the best way in by air."""
        cell, _ = nearest_cell(fields.grid, scene.lat, scene.lon)
        at_person = float(fields.threat[Mode.ROTARY_WING_LOW][cell])
        way_in = fields.air.get("")
        bases = [a.asset.base for a in available if movement(a.asset) == "rotary"]
        on_route = at_person
        if way_in is not None and bases:
            import numpy as np

            cells = np.array([nearest_cell(fields.air_grid, b.lat, b.lon)[0] for b in bases], dtype=np.int64)
            on_route = float(way_in.along_paths(cells)[2].min())
        return decision.assess(
            matrix,
            threat_at_person=at_person,
            threat_on_route=on_route,
            dark=light.is_dark(scene.lat, scene.lon, now),
            injured=not scene.all_mobile,
            uncertainty_m=incident.uncertainty_m,
            authenticated=incident.tasks.get(PRTask.LOCATE) is TaskStatus.COMPLETE,
        )

    def _negotiated(self, incident: Incident) -> Option:
        option = _empty_option(incident, Method.NEGOTIATED, incident.owning_component)
        option.notes = [
            f"held by {incident.detaining_party or 'a detaining party'}: the interagency cell works the "
            "diplomatic and ICRC channels; no recovery force is planned",
        ]
        return option

    def _locate_first(self, incident: Incident, available: list[Available], now: datetime) -> Option:
        from jprcc.planning.packages import distance_m

        here = (incident.position.lat, incident.position.lon)
        searchers = []
        for a in available:
            if "isr" not in {c.value for c in a.capabilities}:
                continue
            base = (a.asset.base.lat, a.asset.base.lon)
            seconds = a.launch_s + distance_m(base, here) / (a.asset.speed_kmh / 3.6)
            if 2 * distance_m(base, here) <= a.asset.range_km * 1000:
                searchers.append((seconds, a))
        searchers.sort(key=lambda x: x[0])
        option = _empty_option(incident, Method.LOCATE_FIRST, incident.owning_component)
        option.assets = [
            _asset_role(TaskRole.ISR, a, now, now + timedelta(seconds=s)) for s, a in searchers[:3]
        ]
        option.components = sorted({a.component_id for a in option.assets})
        option.notes = [
            f"position uncertain to ±{incident.uncertainty_m:.0f} m: search with ISR, fix and authenticate "
            "the person, then generate recovery options again"
        ]
        if option.assets:
            option.on_scene_at = option.assets[0].on_station_at
        return option


def dark_windows(
    lat: float, lon: float, now: datetime, step: timedelta = timedelta(minutes=5)
) -> list[tuple[float, float]]:
    """Periods of darkness (sun below civil twilight) over the next ``DARK_HORIZON``, in seconds
    from ``now``, found to within ``step``."""
    windows: list[tuple[float, float]] = []
    start: float | None = None
    t = timedelta(0)
    while t <= DARK_HORIZON:
        dark = light.is_dark(lat, lon, now + t)
        s = t.total_seconds()
        if dark and start is None:
            start = s
        elif not dark and start is not None:
            windows.append((start, s - step.total_seconds()))
            start = None
        t += step
    if start is not None:
        windows.append((start, DARK_HORIZON.total_seconds()))
    return windows


def _why_unsolved(plan: Plan, key: str) -> str:
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
    if combo.dark is not None:
        return f"{method.label}{where}: no package can be there inside a period of darkness"
    return f"{method.label}{where}: no package fills every role with different assets"


def _option_id(signature: object, tacon: bool = False) -> str:
    digest = hashlib.sha1(repr((signature, tacon)).encode()).hexdigest()[:8].upper()
    return f"OPT-{digest}"


def _asset_role(role: TaskRole, a: Available, now: datetime, on_station: datetime) -> AssetRole:
    return AssetRole(
        role,
        a.asset.asset_id,
        a.asset.callsign,
        a.asset.asset_type,
        a.asset.component_id,
        now + timedelta(seconds=a.launch_s),
        on_station,
        a.offered,
        a.released,
        a.with_persons,
        None if a.operation is None else f"{a.operation[1]} (priority {a.operation[2]})",
    )


def _empty_option(incident: Incident, method: Method, supported: str) -> Option:
    site = Site("the person's position", "person", incident.position.lat, incident.position.lon)
    return Option(
        option_id=_option_id((incident.incident_id, method.value)),
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
        p_success=0.0,
        disruption=0,
        disrupted=[],
        components=[supported],
        handoffs=0,
        score=0.0,
        score_terms={},
    )


@dataclass
class _Renderer:
    """An assignment as the JPRCC reads it: who does what, when, at what risk, at whose cost."""

    incident: Incident
    plan: Plan
    fields: Fields
    available: dict[str, Available]
    weights: Weights
    now: datetime
    components: list[Component]

    def __call__(self, a: Assignment, dominated: bool = False) -> Option:
        method, site = self.plan.methods[a.combo]

        def at(seconds: float) -> datetime:
            return self.now + timedelta(seconds=seconds)

        vehicle = self.available[a.vehicle.asset_id]
        roles = []
        for role, c in sorted(a.chosen.items(), key=lambda rc: list(TaskRole).index(rc[0])):
            reach = self.plan.reach[(a.combo, c.asset_id)]
            roles.append(_asset_role(role, self.available[c.asset_id], self.now, at(seconds=reach.arrival_s)))
        comps = sorted({r.component_id for r in roles})
        disrupted = [
            f"{r.operation} loses {r.callsign} ({r.component_id})" for r in roles if r.operation is not None
        ]
        notes = self._notes(a, roles, comps)
        reach = self.plan.reach[(a.combo, vehicle.asset.asset_id)]
        option = Option(
            option_id=_option_id(a.signature()),
            method=method,
            site=site,
            supported_component=vehicle.asset.component_id,
            assets=roles,
            launch_at=at(seconds=vehicle.launch_s),
            on_scene_at=at(seconds=a.pickup_s),
            recovery_at=at(seconds=a.pickup_s + self._on_scene(a)),
            at_medical_at=at(seconds=a.medical_s),
            medical_facility=self.plan.medical_site[a.combo].name,
            exposure_s=round(sum(c.exposure_s for c in a.chosen.values()), 1),
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
        )
        if a.pickup_s > max(c.arrival_s for c in a.chosen.values()) + 1 and method not in (
            Method.UNASSISTED_EVASION,
        ):
            option.notes.append(f"the pickup waits for darkness: {option.on_scene_at:%d %H%MZ}")
        return option

    def _on_scene(self, a: Assignment) -> float:
        return a.medical_s - a.pickup_s - a.vehicle.return_s

    def _notes(self, a: Assignment, roles: list[AssetRole], comps: list[str]) -> list[str]:
        notes = []
        poll = self.incident.poll
        for r in roles:
            source = self.available[r.asset_id]
            if poll is not None and not source.offered:
                notes.append(f"{r.callsign} not offered yet: ask {r.component_id} in the capability poll")
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
            field_ = self.fields.air.get("" if site.kind == "person" else site.name)
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


def _tacon_variant(option: Option, incident: Incident) -> list[Option]:
    """The same package led by the persons' own component, the recovery vehicle under its TACON."""
    owner = incident.owning_component
    if option.supported_component == owner:
        return []
    lead = next(a for a in option.assets if a.role is TaskRole.RECOVERY_VEHICLE)
    transfer = f"TACON of {lead.callsign} from {lead.component_id} to {owner}"
    variant = Option(**{**option.__dict__})
    variant.option_id = _option_id(option.option_id, tacon=True)
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
            tuple(a.asset_id for a in roles),
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
        adopted_option=option.choice(),
        alternatives=alternatives[: MAX_ALTERNATIVES * 2],
    )
