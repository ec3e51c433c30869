"""Recovery options for an incident: read the theater, the poll and the threat; assemble; explain.

Reads only. ``RecoveryOptions.generate`` returns an ``OptionSet``: the non-dominated options
ranked by the JPRCC's weights, what else was considered, what could not be done and why. The
route fields of an incident are kept in a ``RouteCache`` on the node, so re-weighting or
re-running (the planner's loop) does not recompute them while the scene and the layers in force
are unchanged. ``draft_nomination`` turns an option into the nomination command that adopts it.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from jprcc.brokering.incident import Incident, Person, Stage
from jprcc.core.cache import LruCache
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, DutyStatus, Environment, PRTask, RecoveryPointKind, TaskStatus
from jprcc.core.queries import Queries
from jprcc.intel import decision
from jprcc.intel.decision import Decision
from jprcc.intel.planning import light
from jprcc.intel.planning.threat import Grid, Mode
from jprcc.intel.service import Intel
from jprcc.options.model import Method, Situation, TaskRole, open_methods
from jprcc.options.option_set import (
    MAX_ALTERNATIVES,
    Option,
    OptionSet,
    Renderer,
    asset_role,
    empty_option,
    tacon_variant,
    why_unsolved,
)
from jprcc.options.planning.courses import Weights, assemble
from jprcc.options.planning.fields import (
    Available,
    Fields,
    Scene,
    Site,
    distance_m,
    movement,
    nearest_cell,
    prepare,
)
from jprcc.options.planning.packages import combinations

PLANNING_RADIUS_M = 150_000.0
PLANNING_CELL_M = 250.0
DARK_HORIZON = timedelta(hours=36)


class RouteCache(LruCache[Fields]):
    """The route fields of the last few incidents, by everything they depend on."""


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
        out_there = [
            p
            for p in incident.persons.values()
            if p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED)
        ]
        held = [p for p in out_there if p.duty_status is DutyStatus.CAPTURED]
        at_large = [p for p in out_there if p.duty_status is not DutyStatus.CAPTURED]
        situation = Situation(
            detained=not at_large,
            uncertainty_m=incident.uncertainty_m,
            locate_limit_m=matrix.location_certain_within_m,
            at_sea=incident.environment is Environment.MARITIME,
            coastal=incident.environment is Environment.LITTORAL,
            all_mobile=all(p.condition.value == "uninjured" for p in at_large),
        )
        out.methods, out.closed = open_methods(situation)
        if held and at_large:
            names = ", ".join(p.name for p in held)
            out.closed.append(f"{names} held: the negotiated track runs beside the recovery of the others")
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
            sites=tuple(Site(p.name, p.kind.value, p.position.lat, p.position.lon, p.point_id) for p in meet),
            medical=tuple(
                Site(p.name, p.kind.value, p.position.lat, p.position.lon, p.point_id) for p in care
            ),
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
        from jprcc.intel.planning.threat import threat_field

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
        _check_planning_area(scene.lat, scene.lon)
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
        out.proven_optimal = all(a.proven_optimal for a in [*front, *others])
        for key in unsolved:
            out.infeasible.append(why_unsolved(plan, key))
        by_id = {a.asset.asset_id: a for a in available}
        render = Renderer(incident, plan, fields, by_id, out.weights, now, self.queries.components())
        out.options = [render(a) for a in front]
        out.also_considered = [render(a, dominated=True) for a in others[:MAX_ALTERNATIVES]]
        if out.tacon:
            out.options = [v for o in out.options for v in (o, *tacon_variant(o, incident))]

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
        option = empty_option(incident, Method.NEGOTIATED, incident.owning_component)
        option.notes = [
            f"held by {incident.detaining_party or 'a detaining party'}: the interagency cell works the "
            "diplomatic and ICRC channels; no recovery force is planned",
        ]
        return option

    def _locate_first(self, incident: Incident, available: list[Available], now: datetime) -> Option:
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
        option = empty_option(incident, Method.LOCATE_FIRST, incident.owning_component)
        option.assets = [
            asset_role(TaskRole.ISR, a, now, now + timedelta(seconds=s), incident.poll is not None)
            for s, a in searchers[:3]
        ]
        option.components = sorted({a.component_id for a in option.assets})
        option.notes = [
            f"position uncertain to ±{incident.uncertainty_m:.0f} m: search with ISR, fix and authenticate "
            "the person, then generate recovery options again"
        ]
        if option.assets:
            option.on_scene_at = option.assets[0].on_station_at
        return option


def _check_planning_area(lat: float, lon: float) -> None:
    """The planning grid is geographic: it must not reach a pole or cross the 180° meridian."""
    grid = Grid.around(lat, lon, PLANNING_RADIUS_M, PLANNING_CELL_M)
    if abs(lat) > 80 or grid.west < -180 or grid.east > 180:
        raise RuleViolation(
            f"recovery options are planned over {PLANNING_RADIUS_M / 1000:.0f} km around the person, "
            "between 80°S and 80°N and not across the 180° meridian; this position is outside that",
            field="position",
        )


def dark_windows(
    lat: float, lon: float, now: datetime, step: timedelta = timedelta(minutes=5)
) -> list[tuple[float, float]]:
    """Periods of darkness (sun below civil twilight) over the next ``DARK_HORIZON``, in seconds
    from ``now``, found to within ``step``: the Sun's elevation at every step in one call."""
    count = int(DARK_HORIZON / step) + 1
    offsets = [step * k for k in range(count)]
    elevation, _ = light.sun_position(lat, lon, [light.julian_day(now + t) for t in offsets])
    windows: list[tuple[float, float]] = []
    start: float | None = None
    for t, dark in zip(offsets, elevation < light.CIVIL, strict=True):
        s = t.total_seconds()
        if dark and start is None:
            start = s
        elif not dark and start is not None:
            windows.append((start, s - step.total_seconds()))
            start = None
    if start is not None:
        windows.append((start, DARK_HORIZON.total_seconds()))
    return windows
