"""Recovery options for an incident: read the theater, the poll and the threat; assemble; explain.

Reads only. ``RecoveryOptions.generate`` returns an ``OptionSet``: the non-dominated options
ranked by the JPRCC's weights, what else was considered, what could not be done and why. The
route fields of an incident are kept in a ``RouteCache`` on the node, so re-weighting or
re-running (the planner's loop) does not recompute them while the scene and the layers in force
are unchanged. ``draft_nomination`` turns an option into the nomination command that adopts it.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import datetime, timedelta

from jprcc.brokering.incident import Incident, Person, Stage
from jprcc.core.cache import LruCache
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, DutyStatus, Environment, RecoveryPointKind
from jprcc.core.queries import Queries
from jprcc.intel import decision
from jprcc.intel.planning import light
from jprcc.intel.planning.threat import Grid, Mode
from jprcc.intel.service import Intel
from jprcc.options.model import (
    GROUND_OR_SOF,
    Method,
    PlannerControl,
    Scope,
    Situation,
    TaskRole,
    open_methods,
)
from jprcc.options.option_set import (
    DARK_HORIZON,
    MAX_ALTERNATIVES,
    Option,
    OptionSet,
    Renderer,
    asset_role,
    empty_option,
    tacon_variant,
    why_unsolved,
)
from jprcc.options.planning.courses import Assignment, Weights, assemble
from jprcc.options.planning.fields import (
    Available,
    Fields,
    Scene,
    Site,
    distance_m,
    platform_of,
    prepare,
)
from jprcc.options.planning.packages import combinations

PLANNING_RADIUS_M = 150_000.0
PLANNING_CELL_M = 250.0


class RouteCache(LruCache[Fields]):
    """The route fields of the last few incidents, by everything they depend on."""


class RecoveryOptions:
    """Options for the incidents of a node (see the module docstring)."""

    def __init__(self, queries: Queries, intel: Intel, cache: RouteCache) -> None:
        self.queries = queries
        self.intel = intel
        self.cache = cache

    def generate(
        self,
        actor: Actor,
        incident_id: str,
        weights: Weights | None = None,
        tacon: bool = False,
        at: datetime | None = None,
        control: PlannerControl | None = None,
    ) -> OptionSet:
        """The options as of ``at`` (default now): planned from then, under the light of then.

        A past ``at`` reads the incident as it stood then (its position, its persons, its poll);
        the theater (assets, their readiness and taskings) and the intelligence in force are read
        as they stand now. A future ``at`` plans a package launched from then.

        ``control`` restricts the options (whose assets, which methods and assets not, a risk
        ceiling, a latest pickup); ``OptionSet.restrictions`` says what each restriction removed."""
        started = time.perf_counter()
        weights = weights or Weights()
        control = control or PlannerControl()
        clock = self.queries.clock()
        now = at or clock
        incident = self.queries.incident(
            actor, incident_id, as_of=at if at is not None and at < clock else None
        )
        if incident.stage in (Stage.RECOVERED, Stage.REINTEGRATION, Stage.CLOSED):
            raise RuleViolation(
                f"incident {incident_id} is {incident.stage.value}: there is nobody left to recover",
                field="incident_id",
            )
        matrix, _ = self.intel.matrix()
        out = OptionSet(
            incident_id, now, weights, None, [], [], [], [], [], tacon, False, 0.0, control=control
        )
        out_there = [
            p
            for p in incident.persons.values()
            if p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED)
        ]
        ordered = set(incident.deliberate_recovery)
        raided = [p for p in out_there if p.held and p.person_id in ordered]
        held = [p for p in out_there if p.held and p.person_id not in ordered]
        at_large = [p for p in out_there if not p.held] + raided
        situation = Situation(
            detained=not at_large,
            uncertainty_m=incident.uncertainty_m,
            locate_limit_m=matrix.location_certain_within_m,
            at_sea=incident.environment is Environment.MARITIME,
            coastal=incident.environment is Environment.LITTORAL,
            all_mobile=all(p.condition.value == "uninjured" for p in at_large),
            raid=bool(raided),
        )
        out.methods, out.closed = open_methods(situation)
        dropped = [m for m in out.methods if m in control.exclude_methods]
        if dropped and len(dropped) < len(out.methods):
            out.methods = [m for m in out.methods if m not in control.exclude_methods]
            out.restrictions += [f"excluded by the planner: {m.label.lower()}" for m in dropped]
        elif dropped:
            out.restrictions.append(
                f"{dropped[0].label.lower()} is the only course this situation allows: not excluded"
            )
        if held and at_large:
            names = ", ".join(p.name for p in held)
            out.closed.append(f"{names} held: the negotiated track runs beside the recovery of the others")
        available, notes = self.available(incident, now)
        out.infeasible += notes
        available, removed = restrict(available, incident, control)
        out.restrictions += removed
        if out.methods == [Method.NEGOTIATED]:
            out.options = [self._negotiated(incident)]
        elif out.methods == [Method.LOCATE_FIRST]:
            out.options = [self._locate_first(incident, available, now)]
        else:
            self._recoveries(out, actor, incident, available, at_large, matrix, now, control)
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
            if delay is None:
                continue
            capabilities = frozenset(asset.capabilities)
            launch_s = delay.total_seconds()
            sequence = None
            if status.tasked_incident_id not in (None, incident.incident_id):
                # serving another incident's directive: it may serve this one in sequence, from
                # its base once that directive's window has ended
                if status.tasked_until is None:
                    continue
                sequence = (status.tasked_incident_id, status.tasked_until)
                launch_s = max(launch_s, (status.tasked_until - now).total_seconds())
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
                    sequence=sequence,
                )
            )
        return aboard(found, notes), notes

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
            held=any(p.held for p in at_large),
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
        actor: Actor,
        incident: Incident,
        available: list[Available],
        at_large: list[Person],
        matrix: decision.Matrix,
        now: datetime,
        control: PlannerControl,
    ) -> None:
        scene = self.scene(incident, at_large)
        _check_planning_area(scene.lat, scene.lon)
        fields, out.warm = self.fields(incident, scene, now)
        # one picture: the matrix reads the situation exactly as the incident's assessment does
        out.decision = self.intel.assess(actor, incident, at=now).decision
        windows = light.dark_windows(scene.lat, scene.lon, now, DARK_HORIZON)
        clock = light.dark_clock(windows, now, DARK_HORIZON)
        out.dark_minutes_left = clock.dark_minutes_left
        out.first_light_at, out.last_light_at = clock.first_light, clock.last_light
        # the row that decides is the one that holds at the pickup: if the matrix would want a
        # daylight pickup put off to darkness, every pickup is timed inside a dark window
        out.darkness_wanted = decision.daylight_forbidden(matrix, out.decision)
        dark = [_seconds(now, w) for w in windows] if out.darkness_wanted else None
        latest = None if control.latest_pickup is None else (control.latest_pickup - now).total_seconds()
        if latest is not None and latest <= 0:
            raise RuleViolation(
                "the latest pickup must be after the time the options are planned for", field="latest_pickup"
            )
        dark = by_latest(dark, latest)
        plan = combinations(
            scene,
            fields,
            available,
            out.methods,
            threat_medium=matrix.threat_medium,
            c2_required=out.decision.approach is decision.Approach.EXTERNAL_SUPPORTED,
            dark=dark,
            optional_roles=frozenset(out.decision.optional_roles),
        )
        out.infeasible += plan.infeasible
        front, others, unsolved = assemble(plan.combos, out.weights)
        daylight: list[Assignment] = []
        if dark is not None:
            # what the matrix forbids, shown for what it costs: the packages that could be there
            # sooner in daylight, flagged
            free, _, _ = assemble(
                [replace(c, dark=by_latest(None, latest)) for c in plan.combos], out.weights
            )
            soonest = min((a.pickup_s for a in front), default=math.inf)
            daylight = [a for a in free if a.pickup_s < soonest]
        out.proven_optimal = all(a.proven_optimal for a in [*front, *others, *daylight])
        for key in unsolved:
            out.infeasible.append(why_unsolved(plan, key, latest_pickup=control.latest_pickup))
        by_id = {a.asset.asset_id: a for a in available}
        render = Renderer(
            incident,
            plan,
            fields,
            by_id,
            out.weights,
            now,
            self.queries.components(),
            matrix=matrix,
            decided=out.decision,
            dark_now=clock,
        )
        out.options = [render(a) for a in front] + [render(a, variant="daylight") for a in daylight]
        out.also_considered = [render(a, dominated=True) for a in others[:MAX_ALTERNATIVES]]
        if control.max_risk is not None:
            self._ceiling(out, control.max_risk)
        if out.tacon:
            out.options = [v for o in out.options for v in (o, *tacon_variant(o, incident))]

    def _ceiling(self, out: OptionSet, max_risk: float) -> None:
        """Remove the options above the risk ceiling. When what is left holds no ground or
        special-operations course, the best such course within the ceiling is proposed from what
        else was considered (the assembly searches each course's least risky package, so if none
        is there, none exists)."""
        floor = 1 - max_risk

        def within(o: Option) -> bool:
            return o.p_success is not None and o.p_success >= floor - 1e-9

        over = [o for o in out.options if not within(o)]
        out.options = [o for o in out.options if within(o)]
        out.also_considered = [o for o in out.also_considered if within(o)]
        if over:
            worst = min(o.p_success or 0.0 for o in over)
            out.restrictions.append(
                f"risk ceiling {max_risk:.2f}: {len(over)} option(s) removed, P(success) down to {worst:.2f}"
            )
        if not over or any(o.method in GROUND_OR_SOF for o in out.options):
            return
        ground = [o for o in out.also_considered if o.method in GROUND_OR_SOF]
        if not ground:
            out.restrictions.append(
                f"no ground or special-operations option is within the risk ceiling {max_risk:.2f}"
            )
            return
        best = max(ground, key=lambda o: o.p_success or 0.0)
        best.dominated = False
        best.notes.insert(
            0, f"proposed: the ground / special-operations course within the risk ceiling {max_risk:.2f}"
        )
        out.options.append(best)
        out.also_considered = [o for o in out.also_considered if o is not best]

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


def _seconds(now: datetime, window: tuple[datetime, datetime]) -> tuple[float, float]:
    return (window[0] - now).total_seconds(), (window[1] - now).total_seconds()


def by_latest(
    windows: list[tuple[float, float]] | None, latest: float | None
) -> list[tuple[float, float]] | None:
    """The windows a pickup must fall in, cut at the latest pickup (seconds from now); None: any time."""
    if latest is None:
        return windows
    if windows is None:
        return [(0.0, latest)]
    return [(start, min(end, latest)) for start, end in windows if start < latest]


def restrict(
    available: list[Available], incident: Incident, control: PlannerControl
) -> tuple[list[Available], list[str]]:
    """The assets left by the planner's scope and exclusions, and a line for what each removed."""
    removed: list[str] = []
    kept = available
    poll = incident.poll
    if control.scope is Scope.POLLED and poll is not None:
        polled = set(poll.component_ids)
        outside = sorted({a.asset.component_id for a in kept if a.asset.component_id not in polled})
        if outside:
            count = sum(1 for a in kept if a.asset.component_id not in polled)
            removed.append(
                f"only the polled components: {count} asset(s) of {', '.join(outside)} left out "
                "(ask for all components to see them)"
            )
            kept = [a for a in kept if a.asset.component_id in polled]
    if control.exclude_assets:
        gone = sorted(a.asset.callsign for a in kept if a.asset.asset_id in control.exclude_assets)
        known = {a.asset.asset_id for a in available}
        if gone:
            removed.append(f"excluded by the planner: {', '.join(gone)}")
        unknown = sorted(control.exclude_assets - known)
        if unknown:
            removed.append(f"not available anyway: {', '.join(unknown)}")
        kept = [a for a in kept if a.asset.asset_id not in control.exclude_assets]
    return kept, removed


def aboard(found: list[Available], notes: list[str]) -> list[Available]:
    """Assets that ride in or aboard another move with it: from its base, at its speed, within its
    range and endurance, launching when both can. One whose carrier cannot serve does not serve
    (a note says so): a team on a ship does not walk ashore."""
    by_id = {a.asset.asset_id: a for a in found}
    out = []
    for a in found:
        carrier_id = a.asset.carried_by
        if carrier_id is None:
            out.append(a)
            continue
        carrier = by_id.get(carrier_id)
        if carrier is None:
            notes.append(f"{a.asset.callsign} rides in {carrier_id}, which cannot serve now: left out")
            continue
        c = carrier.asset
        moved = replace(
            a.asset,
            base=c.base,
            base_name=f"aboard {c.callsign}",
            speed_kmh=c.speed_kmh,
            range_km=c.range_km,
            endurance_h=c.endurance_h,
            platform=platform_of(c),
        )
        out.append(replace(a, asset=moved, launch_s=max(a.launch_s, carrier.launch_s)))
    return out
