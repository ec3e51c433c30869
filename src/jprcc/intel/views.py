"""What the intelligence endpoints and commands answer: the matrix, assessments, light."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from jprcc.api.views import PositionOut
from jprcc.core.model import Position
from jprcc.intel.decision import Approach, Approval
from jprcc.intel.planning.threat import Mode
from jprcc.intel.service import Assessment, DarkWindow, Intel, finite


class MatrixRowOut(BaseModel):
    when: dict[str, list[str]]
    recommend: Approach
    approval: Approval
    why: str
    wait_for_darkness: bool = False


class MatrixOut(BaseModel):
    version: int
    text: str
    threat_medium: float
    threat_high: float
    location_certain_within_m: float
    rows: list[MatrixRowOut]


class RouteRiskOut(BaseModel):
    destination: str
    kind: str
    position: PositionOut
    seconds: float | None
    exposure: float | None
    worst_threat: float
    path: list[tuple[float, float]]


class LightOut(BaseModel):
    sun_elevation: float
    moon_elevation: float
    moon_illumination: float
    dark: bool = Field(description="The Sun below civil twilight (6° under the horizon).")
    sunrise: datetime | None
    sunset: datetime | None
    moonlit: bool = Field(description="The Moon above the horizon and at least 25 % lit.")
    period: str = Field(description="day, twilight (civil) or night.")


class DarkWindowOut(BaseModel):
    """The dark-window clock of an incident: the dark left where the person is, and the windows
    of action that run into daylight."""

    incident_id: str
    at: datetime
    dark: bool
    dark_minutes_left: float = Field(description="Minutes of darkness left now (0 in daylight).")
    first_light_at: datetime | None = Field(description="The next end of darkness (civil dawn).")
    last_light_at: datetime | None = Field(description="The next beginning of darkness (civil dusk).")
    light: LightOut
    warnings: list[str] = Field(description="A nomination or directive window that runs past first light.")

    @classmethod
    def of(cls, w: DarkWindow) -> DarkWindowOut:
        return cls(
            incident_id=w.incident_id,
            at=w.clock.at,
            dark=w.clock.dark,
            dark_minutes_left=round(w.clock.dark_minutes_left, 1),
            first_light_at=w.clock.first_light,
            last_light_at=w.clock.last_light,
            light=LightOut.model_validate(w.light, from_attributes=True),
            warnings=w.warnings,
        )


class AssessmentOut(BaseModel):
    """The matrix's recommendation for an incident, with the facts and reasons behind it."""

    incident_id: str
    mode: Mode
    at: datetime
    recommendation: Approach
    approval: Approval
    why: str
    matrix_row: int = Field(description="The row that decided, counting from 1.")
    matrix_version: int
    situation: dict[str, str]
    reasons: list[str]
    threat_at_person: dict[str, float]
    routes: list[RouteRiskOut] = Field(description="Reachable destinations, best first.")
    unreachable: list[str] = Field(description="Destinations this way of moving cannot get to.")
    light: LightOut
    layers: list[str]

    @classmethod
    def of(cls, a: Assessment) -> AssessmentOut:
        routes = [
            RouteRiskOut(
                destination=r.destination.name,
                kind=r.destination.kind,
                position=PositionOut.of(Position(r.destination.lat, r.destination.lon)),
                seconds=finite(r.risk.seconds),
                exposure=finite(r.risk.exposure),
                worst_threat=r.risk.worst_threat,
                path=r.risk.path,
            )
            for r in a.routes
        ]
        d = a.decision
        return cls(
            incident_id=a.incident_id,
            mode=a.mode,
            at=a.at,
            recommendation=d.approach,
            approval=d.approval,
            why=d.why,
            matrix_row=d.row,
            matrix_version=a.matrix_version,
            situation=d.situation,
            reasons=d.reasons,
            threat_at_person=a.threat_at_person,
            routes=routes,
            unreachable=a.unreachable,
            light=LightOut.model_validate(a.light, from_attributes=True),
            layers=a.layers,
        )


def matrix_out(intel: Intel) -> MatrixOut:
    matrix, text = intel.matrix()
    rows = [
        MatrixRowOut(
            when={k: list(v) for k, v in r.when.items()},
            recommend=r.recommend,
            approval=r.approval,
            why=r.why,
            wait_for_darkness=r.wait_for_darkness,
        )
        for r in matrix.rows
    ]
    return MatrixOut(
        version=matrix.version,
        text=text,
        threat_medium=matrix.threat_medium,
        threat_high=matrix.threat_high,
        location_certain_within_m=matrix.location_certain_within_m,
        rows=rows,
    )
