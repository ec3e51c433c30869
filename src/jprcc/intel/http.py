"""PR intelligence preparation: layers, the threat-decision matrix, assessments, light, threat maps."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, IntelDep, QueriesDep
from jprcc.core import export
from jprcc.core.model import Position, SourceConfidence
from jprcc.intel import commands as cmd
from jprcc.intel.layers import IntelLayer, LayerBody
from jprcc.intel.planning.threat import Mode
from jprcc.intel.service import Intel, region
from jprcc.intel.views import AssessmentOut, LightOut, MatrixOut, matrix_out

router = APIRouter(prefix="/api", tags=["intelligence"])
LayerId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]


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
def list_layers(
    intel: IntelDep,
    actor: CurrentActor,
    include_withdrawn: bool = False,
    in_force: Annotated[bool, Query(description="Only layers valid now, not withdrawn (the map).")] = False,
) -> list[IntelLayer]:
    if in_force:
        return intel.layers(at=intel.queries.clock())
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


@router.get("/intel/matrix", summary="The threat-decision matrix in force")
def get_matrix(intel: IntelDep, actor: CurrentActor) -> MatrixOut:
    return matrix_out(intel)


@router.put("/intel/matrix", summary="Publish a new version of the matrix (JPRCC director)")
def put_matrix(body: MatrixIn, bus: BusDep, intel: IntelDep, actor: CurrentActor) -> MatrixOut:
    bus.handle(cmd.PublishDecisionMatrix(text=body.text), actor)
    return matrix_out(intel)


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
    grid = region(south, west, north, east, cells)
    field = intel.field(grid, mode, at or intel.queries.clock())
    if format == "png":
        return Response(export.png(field), media_type="image/png")
    return Response(
        export.geotiff(grid, field),
        media_type="image/tiff",
        headers={"Content-Disposition": f'attachment; filename="threat-{mode.value}.tif"'},
    )
