"""PR intelligence preparation: layers, the threat-decision matrix, assessments, light, threat maps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, IntelDep, QueriesDep
from jprcc.api.views import PositionOut
from jprcc.domain import commands as cmd
from jprcc.domain.decision import Approach, Approval
from jprcc.domain.errors import RuleViolation
from jprcc.domain.intel import IntelLayer, LayerBody
from jprcc.domain.model import SourceConfidence
from jprcc.planning.threat import Grid, Mode
from jprcc.service import export
from jprcc.service.intel import Assessment, Intel, finite

router = APIRouter(prefix="/api", tags=["intelligence"])
LayerId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
MAX_CELLS = 1_000_000


class LayerIn(s.Body):
    layer_id: s.Identifier
    name: s.Name
    source: Annotated[str, Field(min_length=1, max_length=200)]
    confidence: SourceConfidence
    valid_from: s.Instant | None = Field(default=None, description="Default: now.")
    valid_to: s.Instant | None = None
    body: Annotated[LayerBody, Field(discriminator="kind")]


class WithdrawIn(s.Body):
    reason: s.RequiredText


class MatrixIn(s.Body):
    text: Annotated[str, Field(min_length=1, max_length=200_000, description="The matrix as YAML.")]


class MatrixRowOut(BaseModel):
    when: dict[str, list[str]]
    recommend: Approach
    approval: Approval
    why: str


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
    dark: bool
    sunrise: datetime | None
    sunset: datetime | None


class AssessmentOut(BaseModel):
    """The matrix's recommendation for an incident, with the facts and reasons behind it."""

    incident_id: str
    mode: Mode
    at: datetime
    recommendation: Approach
    approval: Approval
    why: str
    matrix_row: int
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
        from jprcc.domain.model import Position

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


class PointIn(s.Body):
    position: s.PositionIn
    at: s.Instant | None = None


class RouteIn(s.Body):
    points: list[s.PositionIn] = Field(min_length=2, max_length=500)
    at: s.Instant | None = None


class AreaIn(s.Body):
    polygon: list[s.PositionIn] = Field(min_length=3, max_length=500)
    at: s.Instant | None = None


@router.get("/intel/layers", summary="Threat, civil, PSYOP and weather layers")
def list_layers(intel: IntelDep, actor: CurrentActor, include_withdrawn: bool = False) -> list[IntelLayer]:
    return intel.layers(include_withdrawn=include_withdrawn)


@router.post("/intel/layers", status_code=201, summary="Publish a layer (a new version under an existing id)")
def publish_layer(body: LayerIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor) -> IntelLayer:
    layer: IntelLayer = bus.handle(
        cmd.PublishLayer(
            layer_id=body.layer_id,
            name=body.name,
            source=body.source,
            confidence=body.confidence,
            valid_from=body.valid_from or queries.clock(),
            valid_to=body.valid_to,
            body=body.body,
        ),
        actor,
    ).value
    return layer


@router.post("/intel/layers/{layer_id}/withdrawal", status_code=204, summary="Withdraw a layer")
def withdraw_layer(layer_id: LayerId, body: WithdrawIn, bus: BusDep, actor: CurrentActor) -> None:
    bus.handle(cmd.WithdrawLayer(layer_id=layer_id, reason=body.reason), actor)


def _matrix_out(intel: Intel) -> MatrixOut:
    matrix, text = intel.matrix()
    rows = [
        MatrixRowOut(
            when={k: list(v) for k, v in r.when.items()},
            recommend=r.recommend,
            approval=r.approval,
            why=r.why,
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


@router.get("/intel/matrix", summary="The threat-decision matrix in force")
def get_matrix(intel: IntelDep, actor: CurrentActor) -> MatrixOut:
    return _matrix_out(intel)


@router.put("/intel/matrix", summary="Publish a new version of the matrix (JPRCC director)")
def put_matrix(body: MatrixIn, bus: BusDep, intel: IntelDep, actor: CurrentActor) -> MatrixOut:
    bus.handle(cmd.PublishDecisionMatrix(text=body.text), actor)
    return _matrix_out(intel)


@router.get(
    "/incidents/{incident_id}/assessment",
    tags=["incidents"],
    summary="Assess an incident: threat, best routes, light, and the matrix's recommendation",
)
def assess_incident(
    incident_id: LayerId, intel: IntelDep, actor: CurrentActor, mode: Mode = Mode.ROTARY_WING_LOW
) -> AssessmentOut:
    incident = intel.queries.incident(actor, incident_id)
    return AssessmentOut.of(intel.assess(actor, incident, mode))


@router.post("/intel/assess/point", summary="Threat at a point, for each way of moving")
def assess_point(body: PointIn, intel: IntelDep, actor: CurrentActor) -> dict[str, float]:
    return intel.at_point(body.position.to_domain(), body.at or intel.queries.clock())


@router.post("/intel/assess/route", summary="Mean and worst threat along a drawn route")
def assess_route(body: RouteIn, intel: IntelDep, actor: CurrentActor) -> dict[str, dict[str, float]]:
    return intel.along_route([p.to_domain() for p in body.points], body.at or intel.queries.clock())


@router.post("/intel/assess/area", summary="Mean and worst threat over an area")
def assess_area(body: AreaIn, intel: IntelDep, actor: CurrentActor) -> dict[str, dict[str, float]]:
    return intel.over_area([p.to_domain() for p in body.polygon], body.at or intel.queries.clock())


@router.get("/intel/light", summary="Sun and Moon at a place and time")
def light_at(
    queries: QueriesDep,
    actor: CurrentActor,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    at: s.Instant | None = None,
) -> LightOut:
    from jprcc.domain.model import Position

    return LightOut.model_validate(
        Intel.light_at(Position(lat, lon), at or queries.clock()), from_attributes=True
    )


@router.get(
    "/intel/threat-map",
    summary="The threat field over a region as a PNG or a GeoTIFF",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/tiff": {}}}},
)
def threat_map(
    intel: IntelDep,
    actor: CurrentActor,
    south: Annotated[float, Query(ge=-85, le=85)],
    west: Annotated[float, Query(ge=-180, le=180)],
    north: Annotated[float, Query(ge=-85, le=85)],
    east: Annotated[float, Query(ge=-180, le=180)],
    mode: Mode = Mode.ROTARY_WING_LOW,
    cells: Annotated[int, Query(ge=2, le=2000, description="Cells along the longer side.")] = 500,
    format: Literal["png", "tiff"] = "png",
    at: s.Instant | None = None,
) -> Response:
    if not (south < north and west < east):
        raise RuleViolation("the region needs south < north and west < east", field="north")
    ratio = (north - south) / (east - west)
    rows, cols = (
        (cells, max(2, round(cells / ratio))) if ratio >= 1 else (max(2, round(cells * ratio)), cells)
    )
    if rows * cols > MAX_CELLS:
        raise RuleViolation(f"at most {MAX_CELLS} cells", field="cells")
    grid = Grid(south, west, north, east, rows, cols)
    field = intel.field(grid, mode, at or intel.queries.clock())
    if format == "png":
        return Response(export.png(field), media_type="image/png")
    return Response(
        export.geotiff(grid, field),
        media_type="image/tiff",
        headers={"Content-Disposition": f'attachment; filename="threat-{mode.value}.tif"'},
    )
