"""Locate: the search case of an incident — how the person is thought to move, what each piece
of information said, and the searches planned.

The case lives on the incident (``Incident.search``), so replaying the incident to a past time
shows what the planners knew then. The map itself is not stored: it is recomputed from the case
(the model carries its random seed), by ``jprcc.locate.service``.

Events (incident stream)      state
----------------------------  --------------------------------------------------------------
SearchModelDefined            ``model`` replaced, ``revision`` + 1 (information is kept: it is
                              about the world, not the model, and is applied to the new one)
SearchInformationRecorded     appended to ``information``
SearchPlanAdopted             appended to ``plans``
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from jprcc.core.errors import RuleViolation
from jprcc.core.model import Position

MAX_PARTICLES = 200_000
MIN_PARTICLES = 1_000
MAX_HORIZON_H = 168.0
MAX_RADIUS_M = 500_000.0

KNOT_MS = 1852.0 / 3600.0


class DetectionLaw(enum.StrEnum):
    RANDOM = "random"  # POD = 1 − e^(−C)
    INVERSE_CUBE = "inverse_cube"  # POD = erf(√π·C/2)


@dataclass(frozen=True)
class Destination:
    """Where an evader is heading (a recovery point, the friendly lines); weights are relative."""

    name: str
    position: Position
    weight: float = 1.0


@dataclass(frozen=True)
class MaritimeDrift:
    """Leeway drift of an object in the water (Allen & Plourde 1999 classes, see the guide)."""

    kind: Literal["maritime"]
    object_class: str
    wind_east_ms: float = 0.0
    wind_north_ms: float = 0.0
    current_east_ms: float = 0.0
    current_north_ms: float = 0.0
    forcing: str | None = None  # a NetCDF file of wind and current known to the node
    forcing_sha256: str | None = None


MAX_DESTINATIONS = 20


def destinations_from(opened: list[dict[str, Any]]) -> tuple[Destination, ...]:
    """Destinations as they are sealed (name, lat, lon, weight each)."""
    return tuple(
        Destination(str(d["name"]), Position(float(d["lat"]), float(d["lon"])), float(d.get("weight", 1.0)))
        for d in opened
    )


@dataclass(frozen=True)
class EvaderMovement:
    """An evader on land (``jprcc.locate.planning.evader``)."""

    kind: Literal["evader"]
    destinations: tuple[Destination, ...]
    from_epa: str | None = None  # the person_ref whose evasion plan gave the destinations
    walk_kmh: float = 2.0  # cross-country pace on the flat, by night, carrying kit
    move_night: float = 0.85
    move_day: float = 0.05
    heading_sigma_deg: float = 35.0
    avoidance: float = 1.5
    fitness_sigma: float = 0.25
    swim_m: float = 0.0  # the widest water the evader swims across (0: water is a wall)
    sealed_destinations: str | None = None
    """The destinations taken from ``from_epa``'s evasion plan, sealed under that person's data key
    (``jprcc.records.sealing``): never in clear in the log or the incident's document. The
    simulation opens them and heads for ``destinations`` and these."""


@dataclass(frozen=True)
class Stationary:
    """A person who stays put: injured, trapped, or hiding."""

    kind: Literal["stationary"]


Movement = MaritimeDrift | EvaderMovement | Stationary


@dataclass(frozen=True)
class SearchModel:
    start: datetime  # the time of the last known position
    position: Position
    radius95_m: float  # 95 % of the start positions lie within this of ``position``
    movement: Movement
    horizon_h: float = 48.0
    step_s: float = 900.0
    particles: int = 20_000
    seed: int = 0
    rest_of_world: float = 0.01
    remarks: str = ""

    @property
    def steps(self) -> int:
        """Whole steps covering the horizon (the last may reach a little past it)."""
        return max(1, math.ceil(self.horizon_h * 3600 / self.step_s - 1e-9))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.horizon_h)


@dataclass(frozen=True)
class Fix:
    """A beacon or radio direction-finding fix with its error ellipse."""

    kind: Literal["fix"]
    position: Position
    semi_major_m: float
    semi_minor_m: float
    orientation_deg: float = 0.0  # bearing of the major axis, clockwise from true north
    confidence: float = 0.95  # probability inside the ellipse


@dataclass(frozen=True)
class Bearing:
    """A line of bearing from an observer (direction finding, a sighting)."""

    kind: Literal["bearing"]
    observer: Position
    bearing_deg: float
    sigma_deg: float = 5.0


@dataclass(frozen=True)
class Report:
    """A voice report of where the person is, believed within ``radius_m`` (95 %)."""

    kind: Literal["report"]
    position: Position
    radius_m: float


@dataclass(frozen=True)
class Searched:
    """An area searched without finding the person (negative information)."""

    kind: Literal["searched"]
    polygon: tuple[Position, ...]
    sweep_width_m: float
    track_spacing_m: float
    ended_at: datetime
    law: DetectionLaw = DetectionLaw.RANDOM
    asset: str = ""
    signal_probability: float = 1.0
    """For an electronic (listening) search: the probability the person was transmitting while it
    ran (their signalling schedule); 1 for a search by sight. It multiplies the detection."""

    @property
    def coverage(self) -> float:
        return self.sweep_width_m / self.track_spacing_m


Clue = Fix | Bearing | Report | Searched


@dataclass(frozen=True)
class Information:
    info_id: str
    at: datetime  # the time it is about (a search: when it began)
    body: Clue
    reliability: float
    source: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class PlannedArea:
    asset: str
    corners: tuple[Position, ...]  # the rectangle, clockwise from its north-west corner
    width_m: float
    height_m: float
    sweep_width_m: float
    track_spacing_m: float
    track_length_m: float
    coverage: float
    probability_of_detection: float
    probability_of_containment: float


@dataclass(frozen=True)
class SearchAsset:
    """An asset given to the search: its sweep width, search speed and time on task."""

    name: str
    sweep_width_m: float
    speed_kt: float
    hours: float
    searches: Literal["any", "water", "land"] = "any"
    #: the chance the person transmits while this asset listens (their signalling schedule: a
    #: beacon switched on five minutes an hour, a radio call at set times); 1 for a search by sight
    signal_probability: float = 1.0

    @property
    def track_length_m(self) -> float:
        return self.speed_kt * KNOT_MS * self.hours * 3600.0

    @property
    def effort_m2(self) -> float:
        return self.sweep_width_m * self.track_length_m


@dataclass(frozen=True)
class SearchPlan:
    plan_id: str
    at: datetime  # when the searches are to be flown or walked
    areas: tuple[PlannedArea, ...]
    probability_of_success: float
    cumulative_probability_of_success: float
    optimal_probability_of_success: float
    model_revision: int
    adopted_by: str
    adopted_at: datetime
    remarks: str = ""


@dataclass
class SearchCase:
    model: SearchModel | None = None
    revision: int = 0
    defined_by: str = ""
    defined_at: datetime | None = None
    information: list[Information] = field(default_factory=list)
    plans: list[SearchPlan] = field(default_factory=list)


# --- rules ---------------------------------------------------------------------------------


def _require(ok: bool, message: str, name: str) -> None:
    if not ok:
        raise RuleViolation(message, field=name)


def _fraction(value: float, name: str, low: float = 0.0, high: float = 1.0) -> None:
    _require(math.isfinite(value) and low <= value <= high, f"{name} must be {low:g} to {high:g}", name)


def check_model(model: SearchModel, now: datetime) -> None:
    _require(model.start <= now, "the last known position is in the future", "start")
    # the local east/north frame serves neither the poles nor the 180° meridian
    _require(abs(model.position.lat) <= 80, "Locate serves latitudes from 80°S to 80°N", "position")
    _require(abs(model.position.lon) <= 178, "Locate does not serve the 2° either side of 180°", "position")
    _require(
        0 < model.radius95_m <= MAX_RADIUS_M,
        f"radius95_m must be over 0 and at most {MAX_RADIUS_M:.0f} m",
        "radius95_m",
    )
    _require(
        0 < model.horizon_h <= MAX_HORIZON_H,
        f"horizon_h must be over 0 and at most {MAX_HORIZON_H:.0f} h",
        "horizon_h",
    )
    _require(60 <= model.step_s <= 3600, "step_s must be 60 to 3600 s", "step_s")
    _require(
        model.horizon_h * 3600 / model.step_s <= 2000, "the horizon holds more than 2000 steps", "step_s"
    )
    _require(
        MIN_PARTICLES <= model.particles <= MAX_PARTICLES,
        f"particles must be {MIN_PARTICLES} to {MAX_PARTICLES}",
        "particles",
    )
    _require(0 <= model.seed < 2**63, "seed must be 0 to 2^63 - 1", "seed")
    _fraction(model.rest_of_world, "rest_of_world", 1e-6, 0.5)
    movement = model.movement
    if isinstance(movement, MaritimeDrift):
        for name in ("wind_east_ms", "wind_north_ms", "current_east_ms", "current_north_ms"):
            value = getattr(movement, name)
            _require(math.isfinite(value) and abs(value) <= 60, f"{name} must be -60 to 60 m/s", name)
    elif isinstance(movement, EvaderMovement):
        _require(
            len(movement.destinations) <= MAX_DESTINATIONS,
            f"at most {MAX_DESTINATIONS} destinations",
            "destinations",
        )
        for d in movement.destinations:
            _require(
                math.isfinite(d.weight) and d.weight > 0, "a destination's weight must be over 0", "weight"
            )
        _fraction(movement.walk_kmh, "walk_kmh", 0.1, 10.0)
        _fraction(movement.move_night, "move_night")
        _fraction(movement.move_day, "move_day")
        _fraction(movement.heading_sigma_deg, "heading_sigma_deg", 0.0, 180.0)
        _fraction(movement.avoidance, "avoidance", 0.0, 100.0)
        _fraction(movement.fitness_sigma, "fitness_sigma", 0.0, 2.0)
        _fraction(movement.swim_m, "swim_m", 0.0, 2000.0)


def check_information(info: Information, now: datetime) -> None:
    _require(info.at <= now + timedelta(minutes=5), "the information is about a time in the future", "at")
    _fraction(info.reliability, "reliability", 1e-3, 1.0)
    body = info.body
    if isinstance(body, Fix):
        _require(
            0 < body.semi_minor_m <= body.semi_major_m <= MAX_RADIUS_M,
            "the ellipse needs 0 < semi_minor_m <= semi_major_m <= 500 km",
            "semi_major_m",
        )
        _fraction(body.confidence, "confidence", 0.01, 0.999)
        _fraction(body.orientation_deg, "orientation_deg", 0.0, 360.0)
    elif isinstance(body, Bearing):
        _fraction(body.bearing_deg, "bearing_deg", 0.0, 360.0)
        _fraction(body.sigma_deg, "sigma_deg", 0.1, 45.0)
    elif isinstance(body, Report):
        _require(0 < body.radius_m <= MAX_RADIUS_M, "radius_m must be over 0 and at most 500 km", "radius_m")
    else:
        _require(3 <= len(body.polygon) <= 100, "a searched area has 3 to 100 corners", "polygon")
        _require(
            0 < body.sweep_width_m <= 100_000,
            "sweep_width_m must be over 0 and at most 100 km",
            "sweep_width_m",
        )
        _require(
            0 < body.track_spacing_m <= 100_000,
            "track_spacing_m must be over 0 and at most 100 km",
            "track_spacing_m",
        )
        _require(
            0 < body.signal_probability <= 1,
            "signal_probability is a probability over 0 and at most 1",
            "signal_probability",
        )
        _require(body.ended_at >= info.at, "the search ended before it began", "ended_at")
        _require(body.ended_at <= now + timedelta(minutes=5), "the search ends in the future", "ended_at")
        lons = [p.lon for p in body.polygon]
        _require(max(lons) - min(lons) <= 180, "areas across the 180° meridian are not supported", "polygon")
        n = len(body.polygon)
        twice_area = sum(
            body.polygon[i].lon * body.polygon[(i + 1) % n].lat
            - body.polygon[(i + 1) % n].lon * body.polygon[i].lat
            for i in range(n)
        )
        _require(abs(twice_area) > 1e-10, "the area has no extent: its corners lie on one line", "polygon")


def check_plan(plan: SearchPlan, case: SearchCase) -> None:
    _require(case.model is not None, "define the search model before planning a search", "model")
    _require(len(plan.areas) > 0, "a plan needs at least one search area", "areas")
    _require(
        plan.model_revision == case.revision,
        "the plan was made on another model revision; plan again",
        "model_revision",
    )
