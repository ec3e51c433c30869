"""Locate over HTTP: what the planners send (a search model, a piece of information, the assets
for a plan) and what they read back (the map's numbers, what each piece of information did, the
plans)."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, Field, StringConstraints, field_validator

from jprcc.api import schemas as s
from jprcc.core.geo import to_mgrs
from jprcc.core.model import Actor, Position
from jprcc.locate import commands as cmd
from jprcc.locate import model as loc
from jprcc.locate.model import SearchAsset
from jprcc.locate.planning.leeway import OBJECTS
from jprcc.locate.service import Locate, Picture

#: at most this many shore cells in an answer (the most probable; a long coast is a long list)
SHORE_CELLS = 500
Metres = Annotated[float, Field(gt=0, le=500_000)]
Fraction = Annotated[float, Field(ge=0, le=1)]
FileName = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]


class DestinationIn(s.Body):
    name: s.Name
    position: s.PositionIn
    weight: float = Field(default=1.0, gt=0, le=100, description="Relative likelihood of heading there.")


class MaritimeIn(s.Body):
    kind: Literal["maritime"]
    object_class: str = Field(default="PIW-1", description="A leeway class (GET /api/locate/objects).")
    wind_east_ms: float = Field(default=0.0, ge=-60, le=60, description="10 m wind toward east, m/s.")
    wind_north_ms: float = Field(default=0.0, ge=-60, le=60)
    current_east_ms: float = Field(
        default=0.0, ge=-10, le=10, description="Surface current toward east, m/s."
    )
    current_north_ms: float = Field(default=0.0, ge=-10, le=10)
    forcing: FileName | None = Field(default=None, description="A NetCDF file in the node's forcing folder.")

    @field_validator("object_class")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in OBJECTS:
            raise ValueError(f"unknown leeway class; one of {', '.join(OBJECTS)}")
        return value


class EvaderIn(s.Body):
    kind: Literal["evader"]
    destinations: list[DestinationIn] = Field(default_factory=list, max_length=20)
    destinations_from_epa: s.Identifier | None = Field(
        default=None,
        description="Take the destinations of this person's evasion plans (opening them is audited).",
    )
    walk_kmh: float = Field(default=2.0, ge=0.1, le=10)
    move_night: Fraction = 0.85
    move_day: Fraction = 0.05
    heading_sigma_deg: float = Field(default=35.0, ge=0, le=180)
    avoidance: float = Field(default=1.5, ge=0, le=100)
    fitness_sigma: float = Field(default=0.25, ge=0, le=2)
    swim_m: float = Field(
        default=0.0,
        ge=0,
        le=2000,
        description="The widest water (m) the evader swims across; 0, the default, makes rivers and "
        "lakes walls (a ford or a bridge is where the terrain's water mask has a gap).",
    )


class StationaryIn(s.Body):
    kind: Literal["stationary"]


class SearchModelIn(s.Body):
    movement: Annotated[MaritimeIn | EvaderIn | StationaryIn, Field(discriminator="kind")]
    start: s.Instant | None = Field(
        default=None, description="Time of the last known position (default: the isolating event)."
    )
    position: s.PositionIn | None = Field(
        default=None, description="Last known position (default: the incident's)."
    )
    radius95_m: Metres | None = Field(
        default=None, description="95 % radius of its error (default: the incident's uncertainty)."
    )
    horizon_h: float = Field(default=48.0, gt=0, le=168)
    step_s: float = Field(default=900.0, ge=60, le=3600)
    particles: int = Field(default=20_000, ge=1_000, le=200_000)
    seed: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="Random seed (default: drawn and recorded)."
    )
    rest_of_world: float = Field(default=0.01, ge=1e-6, le=0.5)
    remarks: s.Text = ""
    expected_version: s.Version = None


class FixIn(s.Body):
    kind: Literal["fix"]
    position: s.PositionIn
    semi_major_m: Metres
    semi_minor_m: Metres
    orientation_deg: float = Field(default=0.0, ge=0, le=360)
    confidence: float = Field(default=0.95, ge=0.01, le=0.999)


class BearingIn(s.Body):
    kind: Literal["bearing"]
    observer: s.PositionIn
    bearing_deg: float = Field(ge=0, le=360)
    sigma_deg: float = Field(default=5.0, ge=0.1, le=45)


class ReportIn(s.Body):
    kind: Literal["report"]
    position: s.PositionIn
    radius_m: Metres


class SearchedIn(s.Body):
    kind: Literal["searched"]
    polygon: list[s.PositionIn] = Field(min_length=3, max_length=100)
    sweep_width_m: float = Field(gt=0, le=100_000)
    track_spacing_m: float = Field(gt=0, le=100_000)
    ended_at: s.Instant
    law: loc.DetectionLaw = loc.DetectionLaw.RANDOM
    asset: Annotated[str, StringConstraints(max_length=64)] = ""
    signal_probability: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="An electronic (listening) search: the probability the person was transmitting while "
        "it ran (their signalling schedule). 1 for a search by sight.",
    )


class InformationIn(s.Body):
    """A piece of information; its fields carry the names of ``RecordSearchInformation``'s."""

    at: s.Instant = Field(description="The time it is about (a search: when it began).")
    body: Annotated[FixIn | BearingIn | ReportIn | SearchedIn, Field(discriminator="kind")]
    reliability: float = Field(default=1.0, gt=0, le=1, description="Probability the report is genuine.")
    source: s.Text = ""
    expected_version: s.Version = None


class AssetIn(s.Body):
    name: s.Name
    sweep_width_m: float = Field(gt=0, le=50_000)
    speed_kt: float = Field(gt=0, le=600)
    hours: float = Field(gt=0, le=48, description="Time on task in the search area.")
    searches: Literal["any", "water", "land"] = "any"
    signal_probability: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="For a listening (electronic) search: the chance the person transmits while the "
        "asset listens, from their signalling schedule; 1 for a search by sight.",
    )

    def to_service(self) -> SearchAsset:
        return SearchAsset(
            self.name, self.sweep_width_m, self.speed_kt, self.hours, self.searches, self.signal_probability
        )


class PlanIn(s.Body):
    assets: list[AssetIn] = Field(min_length=1, max_length=12)
    at: s.Instant | None = Field(default=None, description="When the searches will be made (default: now).")
    law: loc.DetectionLaw = Field(
        default=loc.DetectionLaw.RANDOM, description="Detection law for the areas' POD."
    )
    cells: int = Field(default=200, ge=20, le=1000)


class AdoptPlanIn(PlanIn):
    remarks: s.Text = ""
    expected_version: s.Version = None


class RecordedOut(BaseModel):
    """A piece of information recorded: its id, and the incident's version after it."""

    info_id: str
    version: int


class LeewayClassOut(BaseModel):
    key: str
    description: str


class ProbabilityMapOut(BaseModel):
    south: float
    west: float
    north: float
    east: float
    rows: int
    cols: int
    peak: float = Field(description="Probability in the most likely cell.")


class ShoreCellOut(BaseModel):
    """A cell of the map on the shore, and the probability stranded in it."""

    south: float
    west: float
    north: float
    east: float
    probability: float


class StrandedOut(BaseModel):
    """A drift at sea: how much of the probability has stranded on the shore, and where."""

    probability: float = Field(description="Probability that the object lies stranded on the shore by then.")
    cells: list[ShoreCellOut] = Field(
        description=f"The map's cells holding stranded probability, most first (at most {SHORE_CELLS})."
    )
    coast: str = Field(
        description="What the coast was made from: the theater's terrain, the packaged coastline."
    )


class AppliedOut(BaseModel):
    info_id: str
    kind: str
    at: datetime
    applied: bool
    note: str
    evidence: float | None
    rest_of_world_after: float | None
    moved: float = Field(description="Probability moved out of the searched area (searches).")
    reliability: float
    source: str
    recorded_by: str
    body: dict[str, Any]


class LocateOut(BaseModel):
    incident_id: str
    revision: int
    at: datetime
    model: dict[str, Any]
    particles: int
    rest_of_world: float
    cumulative_probability_of_success: float
    mean: dict[str, Any]
    containment_m: dict[str, float] = Field(
        description="Radius about the mean holding 50, 90 and 95 % of the map."
    )
    map: ProbabilityMapOut
    stranded: StrandedOut | None = Field(
        description="A drift at sea: the probability stranded on the shore (null for other models)."
    )
    information: list[AppliedOut]
    plans: list[dict[str, Any]]
    notes: list[str]

    @classmethod
    def of(
        cls, picture: Picture, information: list[loc.Information], plans: list[loc.SearchPlan]
    ) -> LocateOut:
        by_id = {i.info_id: i for i in information}
        g = picture.grid
        mean = picture.mean
        notes = list(picture.simulation.notes)
        stranded = _stranded(picture)
        if stranded is not None and stranded.probability >= 0.01:
            notes.append(
                f"{stranded.probability:.0%} of the probability has stranded on the shore: search the "
                "shoreline (the cells of the stranded layer) as well as the water"
            )
        if picture.rest_of_world > 0.5:
            notes.append(
                "more than half the probability is outside the model: the information no longer fits it; "
                "redefine the search model"
            )
        return cls(
            incident_id=picture.incident_id,
            revision=picture.revision,
            at=picture.at,
            model=_model(picture.model),
            particles=picture.model.particles,
            rest_of_world=round(picture.rest_of_world, 6),
            cumulative_probability_of_success=round(picture.cumulative_probability_of_success, 6),
            mean={"lat": mean.lat, "lon": mean.lon, "mgrs": to_mgrs(mean)},
            containment_m=_containment(picture),
            map=ProbabilityMapOut(
                south=g.south,
                west=g.west,
                north=g.north,
                east=g.east,
                rows=g.rows,
                cols=g.cols,
                peak=round(float(picture.probability.max()), 6),
            ),
            stranded=stranded,
            information=[_applied(a, by_id[a.info_id]) for a in picture.applied],
            plans=[asdict(p) for p in plans],
            notes=notes,
        )


def _model(model: loc.SearchModel) -> dict[str, Any]:
    """The model as read back: destinations taken from an evasion plan stay sealed (said, never
    shown); their names and positions are read through the record, where every read is audited."""
    out = asdict(model)
    movement = model.movement
    if isinstance(movement, loc.EvaderMovement):
        out["movement"]["sealed_destinations"] = bool(movement.sealed_destinations)
    return out


def _stranded(picture: Picture) -> StrandedOut | None:
    if not isinstance(picture.model.movement, loc.MaritimeDrift):
        return None
    shore = picture.shore
    cells: list[ShoreCellOut] = []
    if shore is not None:
        g = picture.grid
        dlat = (g.north - g.south) / g.rows
        dlon = (g.east - g.west) / g.cols
        flat = shore.ravel()
        held = np.flatnonzero(flat > 0)
        for k in held[np.argsort(-flat[held], kind="stable")][:SHORE_CELLS]:
            r, c = divmod(int(k), g.cols)
            cells.append(
                ShoreCellOut(
                    south=round(g.north - (r + 1) * dlat, 6),
                    west=round(g.west + c * dlon, 6),
                    north=round(g.north - r * dlat, 6),
                    east=round(g.west + (c + 1) * dlon, 6),
                    probability=round(float(flat[k]), 6),
                )
            )
    return StrandedOut(
        probability=round(picture.stranded_probability, 6),
        cells=cells,
        coast=picture.simulation.coast_source,
    )


def _containment(picture: Picture) -> dict[str, float]:
    return {str(round(f * 100)): round(picture.radius_m(f), 1) for f in (0.5, 0.9, 0.95)}


def _finite(value: float) -> float | None:
    return None if value != value else round(value, 6)


def _applied(a: Any, info: loc.Information) -> AppliedOut:
    return AppliedOut(
        info_id=a.info_id,
        kind=a.kind,
        at=a.at,
        applied=a.applied,
        note=a.note,
        evidence=_finite(a.evidence),
        rest_of_world_after=_finite(a.rest_after),
        moved=round(a.moved, 6),
        reliability=info.reliability,
        source=info.source,
        recorded_by=info.recorded_by,
        body=asdict(info.body),
    )


def search_model(
    body: SearchModelIn,
    incident_position: Position,
    incident_start: datetime,
    incident_uncertainty_m: float,
    forcing_sha256: str | None,
    seed: int,
) -> loc.SearchModel:
    """The domain's model from the request, with the incident's defaults filled in."""
    m = body.movement
    movement: loc.Movement
    if isinstance(m, MaritimeIn):
        wind, current = (m.wind_east_ms, m.wind_north_ms), (m.current_east_ms, m.current_north_ms)
        movement = loc.MaritimeDrift("maritime", m.object_class, *wind, *current, m.forcing, forcing_sha256)
    elif isinstance(m, EvaderIn):
        given = [loc.Destination(d.name, d.position.to_domain(), d.weight) for d in m.destinations]
        movement = loc.EvaderMovement(
            "evader", tuple(given), m.destinations_from_epa, m.walk_kmh, m.move_night,
            m.move_day, m.heading_sigma_deg, m.avoidance, m.fitness_sigma, m.swim_m,
        )  # fmt: skip
    else:
        movement = loc.Stationary("stationary")
    return loc.SearchModel(
        start=body.start or incident_start,
        position=body.position.to_domain() if body.position else incident_position,
        radius95_m=body.radius95_m or max(50.0, incident_uncertainty_m),
        movement=movement,
        horizon_h=body.horizon_h,
        step_s=body.step_s,
        particles=body.particles,
        seed=seed,
        rest_of_world=body.rest_of_world,
        remarks=body.remarks,
    )


def define_command(
    locate: Locate, actor: Actor, incident_id: str, body: SearchModelIn
) -> cmd.DefineSearchModel:
    """The command that defines the model, as asked: the incident's defaults filled in and a seed
    drawn when none is given. Nothing costly: the bus authorizes, then prepares it (EPA opened,
    forcing hashed, one trial simulation)."""
    incident = locate.queries.incident(actor, incident_id)
    seed = body.seed if body.seed is not None else secrets.randbits(63)
    model = search_model(
        body, incident.position, incident.isolating_event_at, incident.uncertainty_m, None, seed
    )
    return cmd.DefineSearchModel(incident_id=incident_id, expected_version=body.expected_version, model=model)


def locate_out(
    locate: Locate,
    actor: Actor,
    incident_id: str,
    at: datetime | None = None,
    as_of: datetime | None = None,
    cells: int = 200,
) -> LocateOut:
    incident = locate.queries.incident(actor, incident_id, as_of)
    picture = locate.picture_of(incident, at, as_of, cells)
    return LocateOut.of(picture, incident.search.information, incident.search.plans)
