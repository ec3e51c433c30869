"""Locate: the probability map of an incident, the information that shapes it, search plans."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, NodeDep, QueriesDep
from jprcc.brokering.http import Awareness, IncidentId
from jprcc.brokering.incident import Incident
from jprcc.core import export
from jprcc.core.model import Actor
from jprcc.locate import commands as cmd
from jprcc.locate import search_plan
from jprcc.locate.model import SearchPlan
from jprcc.locate.planning.leeway import OBJECTS
from jprcc.locate.service import Locate
from jprcc.locate.views import (
    AdoptPlanIn,
    InformationIn,
    LocateOut,
    PlanIn,
    SearchModelIn,
    define_command,
    locate_out,
)

router = APIRouter(prefix="/api", tags=["locate"])
Cells = Annotated[int, Query(ge=20, le=1000, description="Cells along each side of the map.")]
MapTime = Annotated[s.Instant | None, Query(description="The time the map is for (default: now).")]


def get_locate(node: NodeDep) -> Locate:
    return node.service(Locate)


LocateDep = Annotated[Locate, Depends(get_locate)]


@router.get("/incidents/{incident_id}/locate", summary="The probability map's numbers, information and plans")
def show(
    incident_id: IncidentId,
    locate: LocateDep,
    actor: CurrentActor,
    at: MapTime = None,
    as_of: Awareness = None,
    cells: Cells = 200,
) -> LocateOut:
    return locate_out(locate, actor, incident_id, at, as_of, cells)


@router.get(
    "/incidents/{incident_id}/locate/map",
    summary="The probability map as a PNG or a GeoTIFF (probability per cell)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/tiff": {}}}},
)
def probability_map(
    incident_id: IncidentId,
    locate: LocateDep,
    actor: CurrentActor,
    at: MapTime = None,
    as_of: Awareness = None,
    cells: Cells = 200,
    format: Literal["png", "tiff"] = "png",
) -> Response:
    picture = locate.picture(actor, incident_id, at, as_of, cells)
    if format == "png":
        return Response(
            export.png(picture.probability, export.probability_colour(picture.probability)),
            media_type="image/png",
        )
    return Response(
        export.geotiff(picture.grid, picture.probability),
        media_type="image/tiff",
        headers={"Content-Disposition": f'attachment; filename="{incident_id}-probability.tif"'},
    )


@router.put("/incidents/{incident_id}/locate/model", summary="Define (or redefine) the search model")
def define_model(
    incident_id: IncidentId, body: SearchModelIn, locate: LocateDep, bus: BusDep, actor: CurrentActor
) -> LocateOut:
    bus.handle(define_command(locate, actor, incident_id, body), actor)
    return locate_out(locate, actor, incident_id)


@router.post(
    "/incidents/{incident_id}/locate/information",
    status_code=201,
    summary="Record a fix, a bearing, a report or a search",
)
def record_information(
    incident_id: IncidentId, body: InformationIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> dict[str, Any]:
    incident = bus.handle(body.command(incident_id), actor).value
    info = incident.search.information[-1]
    return {"info_id": info.info_id, "version": incident.version}


@router.post(
    "/incidents/{incident_id}/locate/plan",
    summary="Propose search areas for the assets (nothing is recorded)",
)
def propose_plan(incident_id: IncidentId, body: PlanIn, locate: LocateDep, actor: CurrentActor) -> SearchPlan:
    return _propose(locate, actor, incident_id, body).plan


@router.post(
    "/incidents/{incident_id}/locate/plans", status_code=201, summary="Adopt the proposed search areas"
)
def adopt_plan(
    incident_id: IncidentId, body: AdoptPlanIn, locate: LocateDep, bus: BusDep, actor: CurrentActor
) -> SearchPlan:
    command = cmd.AdoptSearchPlan(
        incident_id=incident_id,
        expected_version=body.expected_version,
        assets=tuple(a.to_service() for a in body.assets),
        at=body.at,
        law=body.law,
        cells=body.cells,
        remarks=body.remarks,
    )
    incident: Incident = bus.handle(command, actor).value
    return incident.search.plans[-1]


@router.get("/locate/objects", summary="The leeway classes for drift at sea")
def objects() -> list[dict[str, Any]]:
    return [{"key": o.key, "description": o.description} for o in OBJECTS.values()]


@router.get("/locate/forcing", summary="The NetCDF wind and current files in the node's forcing folder")
def forcing_files(node: NodeDep, actor: CurrentActor) -> list[str]:
    folder = node.settings.effective_forcing_dir
    return sorted(p.name for p in folder.glob("*.nc")) if folder.is_dir() else []


def _propose(locate: Locate, actor: Actor, incident_id: str, body: PlanIn) -> search_plan.Proposal:
    assets = [a.to_service() for a in body.assets]
    return search_plan.propose(locate, actor, incident_id, assets, body.at, body.law, body.cells)
