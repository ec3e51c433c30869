"""Locate: the probability map of an incident, the information that shapes it, search plans."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, IntelDep, NodeDep, QueriesDep
from jprcc.api.locate_views import (
    AdoptPlanIn,
    InformationIn,
    LocateOut,
    PlanIn,
    SearchModelIn,
    epa_destinations,
    search_model,
)
from jprcc.api.routes.incidents import Awareness, IncidentId
from jprcc.domain import commands as cmd
from jprcc.domain.model import Actor
from jprcc.planning.locate.leeway import OBJECTS
from jprcc.service import export, search_plan
from jprcc.service.locate import Locate
from jprcc.service.messagebus import MessageBus

router = APIRouter(prefix="/api", tags=["locate"])
Cells = Annotated[int, Query(ge=20, le=1000, description="Cells along each side of the map.")]
MapTime = Annotated[s.Instant | None, Query(description="The time the map is for (default: now).")]


def get_locate(node: NodeDep, intel: IntelDep) -> Locate:
    return Locate(node.queries, intel, node.locate_cache, node.settings.effective_forcing_dir)


LocateDep = Annotated[Locate, Depends(get_locate)]


def _out(
    locate: Locate, actor: Actor, incident_id: str, at: Any = None, as_of: Any = None, cells: int = 200
) -> LocateOut:
    incident = locate.queries.incident(actor, incident_id, as_of)
    picture = locate.picture_of(incident, at, as_of, cells)
    return LocateOut.of(picture, incident.search.information, incident.search.plans)


@router.get("/incidents/{incident_id}/locate", summary="The probability map's numbers, information and plans")
def show(
    incident_id: IncidentId,
    locate: LocateDep,
    actor: CurrentActor,
    at: MapTime = None,
    as_of: Awareness = None,
    cells: Cells = 200,
) -> LocateOut:
    return _out(locate, actor, incident_id, at, as_of, cells)


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
    incident = locate.queries.incident(actor, incident_id)
    movement = body.movement
    destinations = []
    epa = getattr(movement, "destinations_from_epa", None)
    if epa:
        opened = bus.handle(cmd.OpenRecord(person_ref=epa, part="epa", incident_id=incident_id), actor).value
        destinations = epa_destinations(opened)
    name = getattr(movement, "forcing", None)
    digest = locate.forcing_digest(name) if name else None
    seed = body.seed if body.seed is not None else secrets.randbits(63)
    model = search_model(
        body,
        incident.position,
        incident.isolating_event_at,
        incident.uncertainty_m,
        destinations,
        digest,
        seed,
    )
    bus.handle(
        cmd.DefineSearchModel(incident_id=incident_id, expected_version=body.expected_version, model=model),
        actor,
    )
    return _out(locate, actor, incident_id)


@router.post(
    "/incidents/{incident_id}/locate/information",
    status_code=201,
    summary="Record a fix, a bearing, a report or a search",
)
def record_information(
    incident_id: IncidentId, body: InformationIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> dict[str, Any]:
    command = cmd.RecordSearchInformation(
        incident_id=incident_id, expected_version=body.expected_version, at=body.at, body=body.clue(),
        reliability=body.reliability, source=body.source,
    )  # fmt: skip
    incident = bus.handle(command, actor).value
    info = incident.search.information[-1]
    return {"info_id": info.info_id, "version": incident.version}


@router.post(
    "/incidents/{incident_id}/locate/plan",
    summary="Propose search areas for the assets (nothing is recorded)",
)
def propose_plan(
    incident_id: IncidentId, body: PlanIn, locate: LocateDep, actor: CurrentActor
) -> dict[str, Any]:
    proposal = _propose(locate, actor, incident_id, body)
    return _plan_out(proposal)


@router.post(
    "/incidents/{incident_id}/locate/plans", status_code=201, summary="Adopt the proposed search areas"
)
def adopt_plan(
    incident_id: IncidentId, body: AdoptPlanIn, locate: LocateDep, bus: BusDep, actor: CurrentActor
) -> dict[str, Any]:
    proposal = _propose(locate, actor, incident_id, body)
    incident = _adopt(
        bus, actor, search_plan.adopt(proposal, incident_id, body.remarks, body.expected_version)
    )
    return {**_plan(incident.search.plans[-1]), "version": incident.version}


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


def _adopt(bus: MessageBus, actor: Actor, command: cmd.AdoptSearchPlan) -> Any:
    return bus.handle(command, actor).value


def _plan(plan: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(plan)


def _plan_out(proposal: search_plan.Proposal) -> dict[str, Any]:
    return _plan(proposal.plan)
