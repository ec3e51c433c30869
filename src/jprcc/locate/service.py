"""The probability map of an incident: simulate the search model, apply the information.

``Locate.picture`` reads the incident (now, or replayed ``as_of`` a past time), simulates its
search model (kept in a ``SimulationCache`` while the model is unchanged: the model carries its
seed, so the same case always gives the same map), reweights the particles by every piece of
information in the order of the times they are about, and bins the particles at the time asked
for onto a geographic grid. A drift at sea strands on the coast (``jprcc.locate.planning.coast``):
the picture says which particles lie on the shore and how much probability each cell holds there.
``jprcc.locate.search_plan`` turns a picture into search areas.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jprcc.brokering.incident import Incident
from jprcc.core.cache import LruCache
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, Position
from jprcc.core.queries import Queries
from jprcc.intel.planning import light
from jprcc.intel.planning.threat import Grid, Mode, travel_seconds
from jprcc.intel.service import Intel
from jprcc.locate.model import (
    Bearing,
    EvaderMovement,
    Fix,
    Information,
    MaritimeDrift,
    Report,
    SearchCase,
    Searched,
    SearchModel,
    destinations_from,
)
from jprcc.locate.planning import coast, leeway, update
from jprcc.locate.planning.allocate import pod_inverse_cube, pod_random
from jprcc.locate.planning.cloud import (
    SIGMA_PER_95,
    Frame,
    Track,
    inside_polygon_xy,
    map_grid,
    probability_map,
    seed,
    stationary,
)
from jprcc.locate.planning.coast import Coast
from jprcc.locate.planning.evader import EvaderParameters, Ground, evade

Array = NDArray[np.float64]
EVADER_CELLS = 1500  # the evader's ground raster: at most this many cells a side
COAST_CELLS = 2000  # the drift's coast raster: at most this many cells a side,
COAST_CELL_M = 50.0  # and cells of at least this (the packaged coastline is good to about 100 m)
MAX_DRIFT_REACH_M = 600_000.0  # past this from the last known position nothing strands
MAP_CELLS = 200
SMOOTH_CELLS = 1.5  # the map's kernel, in cells: a few particles a cell are mostly sampling noise


@dataclass(frozen=True)
class Simulation:
    frame: Frame
    track: Track
    start: datetime
    coast: Coast | None = None  # a drift at sea with land in reach: where it strands
    notes: tuple[str, ...] = ()
    coast_source: str = ""  # a drift at sea: what its coast was made from, in words


class SimulationCache(LruCache[Simulation]):
    """The simulations of the last few search models, by everything they depend on."""

    def __init__(self, size: int = 6) -> None:
        super().__init__(size)


@dataclass(frozen=True)
class Applied:
    """What one piece of information did to the map."""

    info_id: str
    kind: str
    at: datetime
    applied: bool
    note: str = ""
    evidence: float = float("nan")
    rest_after: float = float("nan")
    moved: float = 0.0  # probability that left the searched area (searches)


@dataclass(frozen=True)
class Picture:
    incident_id: str
    at: datetime
    revision: int
    model: SearchModel
    simulation: Simulation
    weights: Array
    x: Array  # positions at ``at``, metres east of the model's origin
    y: Array
    rest_of_world: float
    cumulative_probability_of_success: float
    grid: Grid
    probability: Array  # (rows, cols): probability in each cell, on the shore included
    applied: list[Applied] = field(default_factory=list)
    stranded: NDArray[np.bool_] | None = None  # which particles lie stranded on the shore at ``at``
    shore: Array | None = None  # (rows, cols): the probability stranded on the shore in each cell

    @property
    def stranded_probability(self) -> float:
        """The probability that the person is stranded on the shore (of the whole, as the cells)."""
        return 0.0 if self.stranded is None else float(self.weights[self.stranded].sum())

    @property
    def mean(self) -> Position:
        w = self.weights / max(self.weights.sum(), 1e-300)
        lat, lon = self.simulation.frame.to_latlon(float(w @ self.x), float(w @ self.y))
        return Position(round(float(lat), 6), round(float(lon), 6))

    def radius_m(self, fraction: float) -> float:
        """Radius about the mean holding ``fraction`` of the probability on the map."""
        w = self.weights / max(self.weights.sum(), 1e-300)
        mx, my = float(w @ self.x), float(w @ self.y)
        d = np.hypot(self.x - mx, self.y - my)
        order = np.argsort(d)
        reached = np.searchsorted(np.cumsum(w[order]), fraction)
        return float(d[order][min(int(reached), d.size - 1)])


class Locate:
    """The probability maps of a node's incidents."""

    def __init__(
        self, queries: Queries, intel: Intel, cache: SimulationCache, forcing_dir: Path, seal: Any = None
    ) -> None:
        self.queries = queries
        self.intel = intel
        self.cache = cache
        self.forcing_dir = forcing_dir
        self.seal = seal  # opens destinations sealed from an evasion plan (jprcc.records.sealing)

    # --- simulation ---------------------------------------------------------------------

    def simulate(self, incident_id: str, model: SearchModel) -> Simulation:
        movement = model.movement
        forcing = movement.forcing if isinstance(movement, MaritimeDrift) else None
        if forcing and self.forcing_digest(forcing) != movement.forcing_sha256:  # type: ignore[union-attr]
            raise RuleViolation(
                f"the forcing file {forcing} has changed since the model was defined", field="forcing"
            )
        # the evader reads the threat layers in force at its start: a new layer version is a new map
        layers = tuple(self.intel.sources(model.start)[2]) if isinstance(movement, EvaderMovement) else ()
        key = (incident_id, model, layers)
        found = self.cache.get(key)
        if found is None:
            found = self._simulate(self._opened(incident_id, model))
            self.cache.put(key, found)
        return found

    def _opened(self, incident_id: str, model: SearchModel) -> SearchModel:
        """The model with the destinations sealed from an evasion plan opened, to be simulated."""
        movement = model.movement
        if not isinstance(movement, EvaderMovement) or not movement.sealed_destinations:
            return model
        if self.seal is None or movement.from_epa is None:
            raise RuleViolation("this node cannot open the sealed destinations", field="from_epa")
        opened = self.seal.open(movement.from_epa, incident_id, movement.sealed_destinations)
        every = (*movement.destinations, *destinations_from(opened))
        return replace(model, movement=replace(movement, destinations=every, sealed_destinations=None))

    def _simulate(self, model: SearchModel) -> Simulation:
        rng = np.random.default_rng(model.seed)
        frame = Frame(model.position.lat, model.position.lon)
        x0, y0 = seed(rng, model.particles, model.radius95_m)
        steps = model.steps
        times = np.arange(steps + 1, dtype=np.float64) * model.step_s
        movement = model.movement
        if isinstance(movement, MaritimeDrift):
            return self._drift(rng, model, movement, frame, x0, y0)
        if isinstance(movement, EvaderMovement):
            return self._evader(rng, model, movement, frame, x0, y0, steps)
        return Simulation(frame, stationary(x0, y0, times), model.start)

    def _drift(
        self,
        rng: np.random.Generator,
        model: SearchModel,
        movement: MaritimeDrift,
        frame: Frame,
        x0: Array,
        y0: Array,
    ) -> Simulation:
        """Leeway drift that strands on the coast: the theater's terrain where it has data, the
        packaged coastline elsewhere, over everywhere the drift can reach."""
        from jprcc.locate import coastline

        obj = leeway.OBJECTS[movement.object_class]
        forcing = self.forcing(movement, frame, model.start)
        horizon_s = model.steps * model.step_s
        # everywhere a particle can get to: the seeding's widest draw, the fastest drift, a margin
        reach = 2.2 * model.radius95_m + leeway.reach_m(obj, forcing, horizon_s) + 2000
        reach = min(reach, MAX_DRIFT_REACH_M)
        shore, source = coast.build(
            frame,
            reach,
            max(COAST_CELL_M, 2 * reach / COAST_CELLS),
            self.intel.terrain,
            coastline.land_on,
            coastline.NAME,
        )
        notes: list[str] = []
        if shore is not None:
            # the seeding's own generator: the particles' leeway draws do not depend on the coast
            seeding = np.random.default_rng([model.seed, 1])
            x0, y0, moved, stuck = coast.to_water(shore, x0, y0, seeding)
            if stuck.any():
                notes.append(
                    "the last known position lies on land with no sea within the drift's reach: "
                    "nothing can drift; check the position"
                )
            elif moved:
                notes.append(
                    f"{moved / x0.size:.1%} of the start positions lay on land and were moved to the nearest "
                    "water"
                )
        track = leeway.drift(rng, x0, y0, obj, forcing, frame, model.steps, model.step_s, coast=shore)
        return Simulation(frame, track, model.start, shore, tuple(notes), source)

    def forcing(self, movement: MaritimeDrift, frame: Frame, start: datetime) -> leeway.Forcing:
        if movement.forcing is None:
            return leeway.Forcing.constant(
                movement.wind_east_ms,
                movement.wind_north_ms,
                movement.current_east_ms,
                movement.current_north_ms,
            )
        from jprcc.locate.forcing import read_forcing

        return read_forcing(self.forcing_path(movement.forcing), start, movement.forcing_sha256)

    def forcing_path(self, name: str) -> Path:
        path = (self.forcing_dir / name).resolve()
        if path.parent != self.forcing_dir.resolve() or not path.is_file():
            raise RuleViolation(f"no forcing file {name!r} in the node's forcing folder", field="forcing")
        return path

    def forcing_digest(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.forcing_path(name).open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def check(self, incident: Incident, model: SearchModel) -> None:
        """Refuse a model that cannot be drawn now, before it is recorded."""
        trial = copy.copy(incident)
        trial.search = SearchCase(
            model, incident.search.revision + 1, "", None, list(incident.search.information)
        )
        try:
            picture = self.picture_of(trial, None, None, 50)
        except RuleViolation:
            raise
        except (ValueError, ArithmeticError) as exc:
            raise RuleViolation(f"the model cannot be simulated: {exc}", field="model") from exc
        track = picture.simulation.track
        lost = ~(np.isfinite(track.x_m) & np.isfinite(track.y_m))
        if lost.any():
            step, particle = (int(i) for i in np.argwhere(lost)[0])
            raise RuleViolation(
                f"the model's simulation loses particle {particle} at step {step} (a position that is not a "
                "finite number): check the forcing and the movement figures",
                field="model",
            )

    def _evader(
        self,
        rng: np.random.Generator,
        model: SearchModel,
        movement: EvaderMovement,
        frame: Frame,
        x0: Array,
        y0: Array,
        steps: int,
    ) -> Simulation:
        night = self._darkness(model, steps)
        # how far a fit evader can get: the expected moving time, a third more for lucky draws,
        # at the pace of the fittest (lognormal 95th percentile), plus the start's error
        moving_s = float(np.where(night, movement.move_night, movement.move_day).sum()) * model.step_s * 1.33
        fastest_ms = movement.walk_kmh / 3.6 * math.exp(1.645 * movement.fitness_sigma)
        reach_m = min(model.radius95_m + fastest_ms * moving_s + 2000, 200_000.0)
        cell_m = max(50.0, 2 * reach_m / EVADER_CELLS)
        grid = Grid.around(model.position.lat, model.position.lon, reach_m, cell_m)
        steep, wet = self.intel.terrain.on_grid(grid)
        seconds = travel_seconds(grid, Mode.DISMOUNTED, movement.walk_kmh, slope=steep, water=wet)
        speed = np.where(np.isfinite(seconds), grid.cell_m / seconds, 0.0).astype(np.float32)
        threat = self.intel.field(grid, Mode.DISMOUNTED, model.start).astype(np.float32)
        dx, dy = frame.to_xy(
            np.array([d.position.lat for d in movement.destinations]),
            np.array([d.position.lon for d in movement.destinations]),
        )
        west, _ = frame.to_xy(model.position.lat, grid.west)
        _, north = frame.to_xy(grid.north, model.position.lon)
        ground = Ground(float(west), float(north), grid.cell_height_m, speed, threat)
        params = EvaderParameters(
            step_s=model.step_s,
            move_night=movement.move_night,
            move_day=movement.move_day,
            heading_sigma_deg=movement.heading_sigma_deg,
            avoidance=movement.avoidance,
            fitness_sigma=movement.fitness_sigma,
            swim_m=movement.swim_m,
        )
        destinations = np.column_stack([dx, dy]) if movement.destinations else np.zeros((0, 2))
        weights = np.array([d.weight for d in movement.destinations])
        track = evade(rng, x0, y0, destinations, weights, ground, night, params)
        notes = () if movement.destinations else ("no destinations: the evader hides where they are",)
        return Simulation(frame, track, model.start, notes=notes)

    @staticmethod
    def _darkness(model: SearchModel, steps: int) -> NDArray[np.bool_]:
        """Whether the Sun is below civil twilight at the last known position, mid-step."""
        when = [model.start + timedelta(seconds=(s + 0.5) * model.step_s) for s in range(steps)]
        sun, _ = light.sun_position(
            model.position.lat, model.position.lon, [light.julian_day(t) for t in when]
        )
        return np.asarray(sun < light.CIVIL)

    # --- the picture --------------------------------------------------------------------

    def picture(
        self,
        actor: Actor,
        incident_id: str,
        at: datetime | None = None,
        as_of: datetime | None = None,
        cells: int = MAP_CELLS,
    ) -> Picture:
        incident = self.queries.incident(actor, incident_id, as_of)
        return self.picture_of(incident, at, as_of, cells)

    def picture_of(
        self, incident: Incident, at: datetime | None, as_of: datetime | None, cells: int = MAP_CELLS
    ) -> Picture:
        case = incident.search
        model = case.model
        if model is None:
            raise RuleViolation(
                f"incident {incident.incident_id} has no search model yet: define one first", field="model"
            )
        now = as_of or self.queries.clock()
        when = at or min(now, model.end)
        if not model.start <= when <= model.end:
            raise RuleViolation(
                f"the map covers {model.start.isoformat()} to {model.end.isoformat()}; extend the horizon",
                field="at",
            )
        sim = self.simulate(incident.incident_id, model)
        weights = np.full(model.particles, (1 - model.rest_of_world) / model.particles)
        rest = model.rest_of_world
        not_found = 1.0
        applied = []
        for info in sorted(case.information, key=lambda i: i.at):
            weights, rest, result, factor, sim = self._apply(sim, model, info, weights, rest)
            not_found *= factor
            applied.append(result)
        t = (when - model.start).total_seconds()
        x, y = sim.track.at(t)
        grid = map_grid(sim.frame, x, y, weights, cells)
        if sim.track.stranded_s is None:
            probability = probability_map(sim.frame, x, y, weights, grid, smooth_cells=SMOOTH_CELLS)
            return Picture(
                incident.incident_id, when, case.revision, model, sim, weights, x, y, rest, 1 - not_found,
                grid, probability, applied,
            )  # fmt: skip
        # the kernel smooths the sampling noise of a cloud at sea; what is stranded lies on the shore
        # line, and is binned as it lies (smoothed, it would spread out to sea and inland)
        stranded = sim.track.stranded(t)
        afloat = np.where(stranded, 0.0, weights)
        shore = probability_map(sim.frame, x, y, np.where(stranded, weights, 0.0), grid)
        probability = probability_map(sim.frame, x, y, afloat, grid, smooth_cells=SMOOTH_CELLS) + shore
        return Picture(
            incident.incident_id, when, case.revision, model, sim, weights, x, y, rest, 1 - not_found, grid,
            probability, applied, stranded, shore,
        )  # fmt: skip

    def _apply(
        self, sim: Simulation, model: SearchModel, info: Information, weights: Array, rest: float
    ) -> tuple[Array, float, Applied, float, Simulation]:
        """One piece of information applied: the weights and rest after it, what it did, the
        factor of not having found the person (searches), and the simulation (a reliable fix far
        from the cloud re-seeds particles at the fix: their tracks are moved to pass through it)."""
        body = info.body
        if not model.start <= info.at <= model.end:
            note = "about a time outside the model (before the last known position or past the horizon)"
            return weights, rest, Applied(info.info_id, body.kind, info.at, False, note), 1.0, sim
        x, y = sim.track.at((info.at - model.start).total_seconds())
        frame = sim.frame
        moved = 0.0
        factor = 1.0
        if isinstance(body, Fix | Report):
            fx, fy = frame.to_xy(body.position.lat, body.position.lon)
            if isinstance(body, Fix):
                cov = update.ellipse_covariance(
                    body.semi_major_m, body.semi_minor_m, body.orientation_deg, body.confidence
                )
            else:
                cov = np.eye(2) * (body.radius_m * SIGMA_PER_95) ** 2
            region = _region_m2(x, y, weights)
            post = update.after_fix(
                weights, rest, x, y, (float(fx), float(fy)), cov, info.reliability, region
            )
            moved_to = update.reseed(rest, post, info.reliability)
            if moved_to is not None:
                sim = _through_the_fix(
                    sim, model, info, moved_to.particles, (float(fx), float(fy)), cov, x, y
                )
                post = update.Posterior(moved_to.weights, moved_to.rest, post.evidence)
                note = (
                    f"the fix lies outside the cloud: {moved_to.particles.size} particles re-seeded there "
                    f"with {moved_to.mass:.0%} of the probability; consider redefining the model from it"
                )
                result = Applied(info.info_id, body.kind, info.at, True, note, post.evidence, post.rest)
                return post.weights, post.rest, result, 1.0, sim
        elif isinstance(body, Bearing):
            ox, oy = frame.to_xy(body.observer.lat, body.observer.lon)
            post = update.after_bearing(
                weights,
                rest,
                x,
                y,
                (float(ox), float(oy)),
                body.bearing_deg,
                body.sigma_deg,
                info.reliability,
            )
        else:
            x, y = sim.track.at(_mid_search(model, info, body))
            post, moved = _searched(frame, body, x, y, weights, rest)
            factor = post.evidence  # the probability that this search would not have found the person
        result = Applied(info.info_id, body.kind, info.at, True, "", post.evidence, post.rest, moved)
        return post.weights, post.rest, result, factor, sim


def _through_the_fix(
    sim: Simulation,
    model: SearchModel,
    info: Information,
    chosen: NDArray[np.int64],
    fix: tuple[float, float],
    covariance: Array,
    x: Array,
    y: Array,
) -> Simulation:
    """The simulation with the ``chosen`` particles' whole tracks moved so that at the fix's time
    each stands at a point drawn from the fix's error ellipse: they move as their originals would
    have, from the fix (the cached simulation is not changed). A moved particle no longer counts as
    stranded: its original's shore is not where it is."""
    seed = int.from_bytes(hashlib.sha256(f"{model.seed}:{info.info_id}".encode()).digest()[:8], "big")
    at_fix = np.random.default_rng(seed).multivariate_normal(fix, covariance, size=chosen.size)
    track = sim.track
    x_m, y_m = track.x_m.copy(), track.y_m.copy()
    x_m[:, chosen] += (at_fix[:, 0] - x[chosen]).astype(np.float32)
    y_m[:, chosen] += (at_fix[:, 1] - y[chosen]).astype(np.float32)
    stranded_s = None
    if track.stranded_s is not None:
        stranded_s = track.stranded_s.copy()
        stranded_s[chosen] = np.inf
    return replace(sim, track=Track(track.times_s, x_m, y_m, stranded_s))


def _mid_search(model: SearchModel, info: Information, body: Searched) -> float:
    """The middle of the search, clamped to the model's horizon, in seconds after its start."""
    mid = info.at + (body.ended_at - info.at) / 2
    return min(max((mid - model.start).total_seconds(), 0.0), model.horizon_h * 3600)


def _searched(
    frame: Frame, body: Searched, x: Array, y: Array, weights: Array, rest: float
) -> tuple[update.Posterior, float]:
    corners = [frame.to_xy(p.lat, p.lon) for p in body.polygon]
    inside = inside_polygon_xy([(float(cx), float(cy)) for cx, cy in corners], x, y)
    law = pod_random if body.law.value == "random" else pod_inverse_cube
    pod = float(law(np.asarray(body.coverage)))
    detection = np.where(inside, pod * body.signal_probability, 0.0)  # heard only if transmitting
    before = float(weights[inside].sum())
    post = update.after_search(weights, rest, detection)
    return post, before - float(post.weights[inside].sum())


def _region_m2(x: Array, y: Array, weights: Array) -> float:
    """The area the map covers (the box of the particles that carry weight), at least 1 km²."""
    held = weights > 0
    xs, ys = x[held], y[held]
    if xs.size == 0:
        return 1e6
    return max(float(np.ptp(xs)) * float(np.ptp(ys)), 1e6)
