"""What the recovery-options endpoints and commands answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from jprcc.api.views import PositionOut
from jprcc.core.model import Position
from jprcc.intel.decision import Approach, Approval
from jprcc.intel.planning.light import Light
from jprcc.options.model import Method, TaskRole
from jprcc.options.option_set import Option, OptionSet


class AssetRoleOut(BaseModel):
    role: TaskRole
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    launch_at: datetime
    on_station_at: datetime
    offered: bool | None = Field(description="Offered in the capability poll; null while no poll is open.")
    released: bool = Field(description="Released by its component from the operation it serves.")
    with_persons: bool = Field(description="The isolated team itself.")
    operation: str | None = Field(description="The operation it would leave, with its priority.")


class LightThenOut(BaseModel):
    """The light at one place and time."""

    at: datetime
    period: str = Field(description="day, twilight (civil) or night")
    dark: bool = Field(description="The Sun below civil twilight.")
    sun_elevation: float
    moon_elevation: float
    moon_illumination: float = Field(description="Fraction of the Moon's disc lit, 0-1.")
    moonlit: bool = Field(description="The Moon above the horizon and at least 25 % lit.")
    summary: str

    @classmethod
    def of(cls, lit: Light) -> LightThenOut:
        return cls(
            at=lit.at,
            period=lit.period,
            dark=lit.dark,
            sun_elevation=round(lit.sun_elevation, 2),
            moon_elevation=round(lit.moon_elevation, 2),
            moon_illumination=round(lit.moon_illumination, 3),
            moonlit=lit.moonlit,
            summary=lit.describe(),
        )


class SiteOut(BaseModel):
    name: str
    kind: str
    position: PositionOut


class OptionOut(BaseModel):
    """One recovery option: who leads, who supports with what, when, at what risk and cost."""

    option_id: str
    method: Method
    method_label: str
    summary: str
    site: SiteOut
    supported_component: str
    assets: list[AssetRoleOut]
    launch_at: datetime | None
    on_scene_at: datetime | None
    recovery_at: datetime | None
    at_medical_at: datetime | None
    medical_facility: str
    minutes_to_medical: float
    exposure_s: float = Field(description="Threat-seconds of every mover in the option.")
    threat_on_route: float = Field(description="Worst threat on the recovery vehicle's way in (0-1).")
    p_success: float | None = Field(
        description="Estimated probability of success (model in the operator's guide); null: no force."
    )
    disruption: int = Field(description="Points for assets taken from other operations (6 - priority).")
    disrupted: list[str]
    components: list[str]
    handoffs: int = Field(description="Custody hand-offs of the persons plus coordination interfaces.")
    score: float
    score_terms: dict[str, float]
    notes: list[str]
    tacon_transfers: list[str]
    route: list[tuple[float, float]] = Field(description="The recovery vehicle's way in, (lat, lon).")
    walk: list[tuple[float, float]] = Field(description="The persons' way to the pickup site, (lat, lon).")
    dominated: bool
    light: dict[str, LightThenOut] = Field(
        description="The light at launch (at the base), on scene and at the pickup (at the site)."
    )
    matrix_row_at_pickup: int | None = Field(description="The matrix row that holds at the pickup time.")
    first_light_at: datetime | None = Field(description="The next end of darkness at the site.")
    flags: list[str] = Field(description="What must not be missed: a daylight pickup against the matrix.")

    @classmethod
    def of(cls, o: Option) -> OptionOut:
        return cls(
            option_id=o.option_id,
            method=o.method,
            method_label=o.method.label,
            summary=o.summary,
            site=SiteOut(
                name=o.site.name, kind=o.site.kind, position=PositionOut.of(Position(o.site.lat, o.site.lon))
            ),
            supported_component=o.supported_component,
            assets=[AssetRoleOut.model_validate(a, from_attributes=True) for a in o.assets],
            launch_at=o.launch_at,
            on_scene_at=o.on_scene_at,
            recovery_at=o.recovery_at,
            at_medical_at=o.at_medical_at,
            medical_facility=o.medical_facility,
            minutes_to_medical=round(o.minutes_to_medical, 1),
            exposure_s=o.exposure_s,
            threat_on_route=o.threat_on_route,
            p_success=None if o.p_success is None else round(o.p_success, 4),
            disruption=o.disruption,
            disrupted=o.disrupted,
            components=o.components,
            handoffs=o.handoffs,
            score=round(o.score, 3),
            score_terms={k: round(v, 3) for k, v in o.score_terms.items()},
            notes=o.notes,
            tacon_transfers=o.tacon_transfers,
            route=o.route,
            walk=o.walk,
            dominated=o.dominated,
            light={k: LightThenOut.of(v) for k, v in o.light.items()},
            matrix_row_at_pickup=None if o.decision_at_pickup is None else o.decision_at_pickup.row,
            first_light_at=o.first_light_at,
            flags=o.flags,
        )


class WeightsOut(BaseModel):
    time: float
    risk: float
    disruption: float


class MatrixReadingOut(BaseModel):
    recommendation: Approach
    approval: Approval
    matrix_row: int
    why: str
    wait_for_darkness: bool
    reasons: list[str]


class OptionSetOut(BaseModel):
    """The non-dominated options ranked by the weights, what else was weighed, what cannot be done."""

    incident_id: str
    generated_at: datetime
    weights: WeightsOut
    matrix: MatrixReadingOut | None
    methods: list[Method]
    closed: list[str] = Field(description="Why the other methods are closed.")
    options: list[OptionOut]
    also_considered: list[OptionOut] = Field(description="Dominated alternatives, best score first.")
    infeasible: list[str]
    tacon_options: bool
    route_fields_reused: bool
    seconds: float
    proven_optimal: bool = Field(
        description="False when the solver's work limit ran out before it proved an option best: "
        "the options are feasible and checked against each other, but a better one may exist."
    )
    dark_minutes_left: float = Field(description="Minutes of darkness left at the person (0 in daylight).")
    first_light_at: datetime | None = Field(description="The next end of darkness at the person.")
    last_light_at: datetime | None = Field(description="The next beginning of darkness at the person.")
    restrictions: list[str] = Field(description="What each of the planner's restrictions removed.")
    darkness_wanted: bool = Field(
        description="The matrix wants this situation's pickup in darkness: pickups are timed in the dark, "
        "and any sooner daylight package is listed with a flag."
    )

    @classmethod
    def of(cls, s: OptionSet) -> OptionSetOut:
        d = s.decision
        return cls(
            incident_id=s.incident_id,
            generated_at=s.generated_at,
            weights=WeightsOut(time=s.weights.time, risk=s.weights.risk, disruption=s.weights.disruption),
            matrix=None
            if d is None
            else MatrixReadingOut(
                recommendation=d.approach,
                approval=d.approval,
                matrix_row=d.row,
                why=d.why,
                wait_for_darkness=d.wait_for_darkness,
                reasons=d.reasons,
            ),
            methods=s.methods,
            closed=s.closed,
            options=[OptionOut.of(o) for o in s.options],
            also_considered=[OptionOut.of(o) for o in s.also_considered],
            infeasible=s.infeasible,
            tacon_options=s.tacon,
            route_fields_reused=s.warm,
            seconds=round(s.seconds, 3),
            proven_optimal=s.proven_optimal,
            dark_minutes_left=round(s.dark_minutes_left, 1),
            first_light_at=s.first_light_at,
            last_light_at=s.last_light_at,
            darkness_wanted=s.darkness_wanted,
            restrictions=s.restrictions,
        )
