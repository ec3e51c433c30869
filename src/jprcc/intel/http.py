"""The intel actions: layers, the threat-decision matrix, assessments, light, threat maps.

One table (``ACTIONS``) drives the HTTP routes and the CLI (``jprcc intel ...``, in-process or
against a server). A write builds its command from the body and the path with ``command_from`` and
hands it to the bus; a read asks the ``Intel`` service. Query parameters are one model per action,
with the constraints the page and the tests rely on (a bad value is a 422 naming it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path, Response
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.brokering.incident import Incident
from jprcc.core import export
from jprcc.core.contract import Action, Call
from jprcc.core.model import Position, SourceConfidence
from jprcc.core.wire import command_from
from jprcc.intel import commands as cmd
from jprcc.intel import relief
from jprcc.intel.layers import IntelLayer, LayerBody
from jprcc.intel.planning.threat import Mode
from jprcc.intel.service import Intel, region
from jprcc.intel.views import AssessmentOut, DarkWindowOut, LightOut, MatrixOut, matrix_out

LayerId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
IncidentId = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
ROOT = "/api/intel"
TAGS = ("intelligence",)
PNG = "image/png"
TIFF = "image/tiff"


# --- bodies --------------------------------------------------------------------------------------


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


# --- queries -------------------------------------------------------------------------------------


class LayersQuery(BaseModel):
    include_withdrawn: bool = False
    in_force: bool = Field(default=False, description="Only layers valid now, not withdrawn (the map).")


class ModeQuery(BaseModel):
    mode: Mode = Mode.ROTARY_WING_LOW


class AssessQuery(ModeQuery):
    at: s.Instant | None = Field(
        default=None, description="Assess as of this time (default now); a past time reads the incident then."
    )


class AtQuery(BaseModel):
    at: s.Instant | None = Field(default=None, description="As of this time (default now).")


class LightQuery(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: s.Instant | None = None


class ThreatMapQuery(BaseModel):
    south: float = Field(ge=-85, le=85)
    west: float = Field(ge=-180, le=180)
    north: float = Field(ge=-85, le=85)
    east: float = Field(ge=-180, le=180)
    mode: Mode = Mode.ROTARY_WING_LOW
    cells: int = Field(default=500, ge=2, le=2000, description="Cells along the longer side.")
    format: Literal["png", "tiff"] = "png"
    at: s.Instant | None = None


# --- runs ----------------------------------------------------------------------------------------


def _intel(call: Call) -> Intel:
    intel: Intel = call.node.service(Intel)
    return intel


def list_layers(call: Call) -> list[IntelLayer]:
    q: LayersQuery = call.query
    intel = _intel(call)
    if q.in_force:
        return intel.layers(at=call.node.clock())
    return intel.layers(include_withdrawn=q.include_withdrawn)


def publish_layer(call: Call) -> IntelLayer:
    body: LayerIn = call.body
    command = command_from(cmd.PublishLayer, body, valid_from=body.valid_from or call.node.clock())
    layer: IntelLayer = call.node.bus.handle(command, call.actor).value
    return layer


def withdraw_layer(call: Call) -> None:
    call.node.bus.handle(command_from(cmd.WithdrawLayer, call.body, **call.path), call.actor)


def show_matrix(call: Call) -> MatrixOut:
    return matrix_out(_intel(call))


def publish_matrix(call: Call) -> MatrixOut:
    call.node.bus.handle(command_from(cmd.PublishDecisionMatrix, call.body), call.actor)
    return matrix_out(_intel(call))


def _incident_at(call: Call, at: datetime | None) -> Incident:
    """The incident as it stood at ``at`` (now when none, or when ``at`` is still to come)."""
    now = call.node.clock()
    incident: Incident = call.node.queries.incident(
        call.actor, call.path["incident_id"], as_of=at if at and at < now else None
    )
    return incident


def assess_incident(call: Call) -> AssessmentOut:
    q: AssessQuery = call.query
    incident = _incident_at(call, q.at)
    return AssessmentOut.of(_intel(call).assess(call.actor, incident, q.mode, q.at))


def dark_window(call: Call) -> DarkWindowOut:
    q: AtQuery = call.query
    incident = _incident_at(call, q.at)
    return DarkWindowOut.of(_intel(call).dark_window(incident, q.at or call.node.clock()))


def assess_point(call: Call) -> dict[str, float]:
    body: PointIn = call.body
    return _intel(call).at_point(body.position.to_domain(), body.at or call.node.clock())


def assess_route(call: Call) -> dict[str, dict[str, float]]:
    body: RouteIn = call.body
    return _intel(call).along_route([p.to_domain() for p in body.points], body.at or call.node.clock())


def assess_area(call: Call) -> dict[str, dict[str, float]]:
    body: AreaIn = call.body
    return _intel(call).over_area([p.to_domain() for p in body.polygon], body.at or call.node.clock())


def light_at(call: Call) -> LightOut:
    q: LightQuery = call.query
    return LightOut.model_validate(
        Intel.light_at(Position(q.lat, q.lon), q.at or call.node.clock()), from_attributes=True
    )


TileIndex = Annotated[int, Path(ge=0, le=2**18 - 1)]


def hillshade_tile(call: Call) -> Response:
    """A relief tile of the configured elevation; nothing (204) without one or outside it."""
    elevation = call.node.settings.terrain_elevation
    z, x, y = call.path["z"], call.path["x"], call.path["y"]
    cache = {"Cache-Control": "private, max-age=3600"}
    data = None if elevation is None or x >= 2**z or y >= 2**z else relief.tile_png(elevation, z, x, y)
    if data is None:
        return Response(status_code=204, headers=cache)
    return Response(data, media_type=PNG, headers=cache)


def threat_map(call: Call) -> bytes | Response:
    """The PNG as bytes; the GeoTIFF as a download (its own media type and file name)."""
    q: ThreatMapQuery = call.query
    grid = region(q.south, q.west, q.north, q.east, q.cells)
    field = _intel(call).field(grid, q.mode, q.at or call.node.clock())
    if q.format == "png":
        return export.png(field)
    return Response(
        export.geotiff(grid, field),
        media_type=TIFF,
        headers={"Content-Disposition": f'attachment; filename="threat-{q.mode.value}.tif"'},
    )


ACTIONS: tuple[Action, ...] = (
    Action(
        "intel.layers",
        "GET",
        ROOT + "/layers",
        "Threat, civil, PSYOP and weather layers",
        list_layers,
        query=LayersQuery,
        response=list[IntelLayer],
        tags=TAGS,
    ),
    Action(
        "intel.publish",
        "POST",
        ROOT + "/layers",
        "Publish a layer (a new version under an existing id)",
        publish_layer,
        body=LayerIn,
        response=IntelLayer,
        status_code=201,
        command=cmd.PublishLayer,
        tags=TAGS,
    ),
    Action(
        "intel.withdraw",
        "POST",
        ROOT + "/layers/{layer_id}/withdrawal",
        "Withdraw a layer",
        withdraw_layer,
        body=WithdrawIn,
        path_params={"layer_id": LayerId},
        status_code=204,
        command=cmd.WithdrawLayer,
        tags=TAGS,
    ),
    Action(
        "intel.matrix",
        "GET",
        ROOT + "/matrix",
        "The threat-decision matrix in force",
        show_matrix,
        response=MatrixOut,
        tags=TAGS,
    ),
    Action(
        "intel.publish_matrix",
        "PUT",
        ROOT + "/matrix",
        "Publish a new version of the matrix (JPRCC director)",
        publish_matrix,
        body=MatrixIn,
        response=MatrixOut,
        command=cmd.PublishDecisionMatrix,
        tags=TAGS,
    ),
    Action(
        "intel.assess",
        "GET",
        "/api/incidents/{incident_id}/assessment",
        "Assess an incident: threat, best routes, light, and the matrix's recommendation",
        assess_incident,
        query=AssessQuery,
        path_params={"incident_id": IncidentId},
        response=AssessmentOut,
        tags=(*TAGS, "incidents"),
    ),
    Action(
        "intel.dark_window",
        "GET",
        "/api/incidents/{incident_id}/dark-window",
        "The dark-window clock: dark left at the person, and windows of action that run past first light",
        dark_window,
        query=AtQuery,
        path_params={"incident_id": IncidentId},
        response=DarkWindowOut,
        tags=(*TAGS, "incidents"),
    ),
    Action(
        "intel.point",
        "POST",
        ROOT + "/assess/point",
        "Threat at a point, for each way of moving",
        assess_point,
        body=PointIn,
        response=dict[str, float],
        tags=TAGS,
    ),
    Action(
        "intel.route",
        "POST",
        ROOT + "/assess/route",
        "Mean and worst threat along a drawn route",
        assess_route,
        body=RouteIn,
        response=dict[str, dict[str, float]],
        tags=TAGS,
    ),
    Action(
        "intel.area",
        "POST",
        ROOT + "/assess/area",
        "Mean and worst threat over an area",
        assess_area,
        body=AreaIn,
        response=dict[str, dict[str, float]],
        tags=TAGS,
    ),
    Action(
        "intel.light",
        "GET",
        ROOT + "/light",
        "Sun and Moon at a place and time",
        light_at,
        query=LightQuery,
        response=LightOut,
        tags=TAGS,
    ),
    Action(
        "intel.threat_map",
        "GET",
        ROOT + "/threat-map",
        "The threat field over a region as a PNG or a GeoTIFF",
        threat_map,
        query=ThreatMapQuery,
        tags=TAGS,
        media_type=PNG,
        description="A PNG (image/png) to look at, or with format=tiff a GeoTIFF (image/tiff, "
        "float32, WGS-84) for GIS tools.",
    ),
    Action(
        "intel.hillshade",
        "GET",
        ROOT + "/hillshade/{z}/{x}/{y}.png",
        "A relief tile of the configured elevation (PNG, transparent where flat; 204 where none)",
        hillshade_tile,
        path_params={"z": Annotated[int, Path(ge=0, le=18)], "x": TileIndex, "y": TileIndex},
        tags=TAGS,
        media_type=PNG,
    ),
)
