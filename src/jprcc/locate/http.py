"""The locate actions: the probability map of an incident, the information that shapes it, search
plans, and the reference lists a planner needs (leeway classes, forcing files).

One table (``ACTIONS``) drives the HTTP routes and the CLI (``jprcc locate ...``, in-process or
against a server). Every read of an incident's map reads the incident first, as its reader — so
need-to-know refuses a reader before any particle is simulated. The writes hand their command to
the bus, which authorizes before the costly preparation (``jprcc.locate.preparation``): a model is
simulated, and a plan's effort allocated, only for an actor who may record them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from fastapi import Response
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.brokering.http import IncidentId
from jprcc.brokering.incident import Incident
from jprcc.core import export
from jprcc.core.contract import Action, Call
from jprcc.core.wire import command_from
from jprcc.locate import commands as cmd
from jprcc.locate import search_plan
from jprcc.locate.model import SearchPlan
from jprcc.locate.planning.leeway import OBJECTS
from jprcc.locate.service import Locate
from jprcc.locate.views import (
    AdoptPlanIn,
    InformationIn,
    LeewayClassOut,
    LocateOut,
    PlanIn,
    RecordedOut,
    SearchModelIn,
    define_command,
    locate_out,
)

ONE = "/api/incidents/{incident_id}/locate"
TAGS = ("locate",)
ID = {"incident_id": IncidentId}


class MapQuery(BaseModel):
    """Which map: the time it is for, what was known (a replay), and its resolution."""

    at: s.Instant | None = Field(default=None, description="The time the map is for (default: now).")
    as_of: s.Instant | None = Field(default=None, description="Replay the incident as of this time.")
    cells: int = Field(default=200, ge=20, le=1000, description="Cells along each side of the map.")


class MapFileQuery(MapQuery):
    format: Literal["png", "tiff"] = "png"
    layer: Literal["probability", "stranded"] = Field(
        default="probability",
        description="``stranded``: only the probability stranded on the shore (a drift at sea), per cell.",
    )


def _locate(call: Call) -> Locate:
    locate: Locate = call.node.service(Locate)
    return locate


def show(call: Call) -> LocateOut:
    q: MapQuery = call.query
    return locate_out(_locate(call), call.actor, call.path["incident_id"], q.at, q.as_of, q.cells)


def probability_map(call: Call) -> Response:
    """A PNG to look at, or a GeoTIFF of the probability per cell (a download, with its name); the
    whole map, or only what has stranded on the shore."""
    q: MapFileQuery = call.query
    incident_id = call.path["incident_id"]
    picture = _locate(call).picture(call.actor, incident_id, q.at, q.as_of, q.cells)
    p = picture.probability
    if q.layer == "stranded":
        p = picture.shore if picture.shore is not None else np.zeros_like(p)
    if q.format == "png":
        return Response(export.png(p, export.probability_colour(p)), media_type="image/png")
    return Response(
        export.geotiff(picture.grid, p),
        media_type="image/tiff",
        headers={"Content-Disposition": f'attachment; filename="{incident_id}-{q.layer}.tif"'},
    )


def define_model(call: Call) -> LocateOut:
    """The cheap draft of the command here; the bus authorizes, then prepares (simulates) it."""
    locate, incident_id = _locate(call), call.path["incident_id"]
    call.node.bus.handle(define_command(locate, call.actor, incident_id, call.body), call.actor)
    return locate_out(locate, call.actor, incident_id)


def record_information(call: Call) -> RecordedOut:
    body: InformationIn = call.body
    command = command_from(cmd.RecordSearchInformation, body, **call.path)
    incident: Incident = call.node.bus.handle(command, call.actor).value
    return RecordedOut(info_id=incident.search.information[-1].info_id, version=incident.version)


def propose_plan(call: Call) -> SearchPlan:
    """A proposal records nothing: whoever may read the incident's map may ask for one (the page
    offers the form to every reader). ``propose`` reads the incident as the asker first, so a
    reader the incident is hidden from is refused before any simulation or allocation runs."""
    body: PlanIn = call.body
    assets = [a.to_service() for a in body.assets]
    incident_id = call.path["incident_id"]
    return search_plan.propose(
        _locate(call), call.actor, incident_id, assets, body.at, body.law, body.cells
    ).plan


def adopt_plan(call: Call) -> SearchPlan:
    """The bus authorizes the adoption before it allocates the effort (``prepare_plan``)."""
    command = command_from(cmd.AdoptSearchPlan, call.body, **call.path)
    incident: Incident = call.node.bus.handle(command, call.actor).value
    return incident.search.plans[-1]


def objects(call: Call) -> list[LeewayClassOut]:
    return [LeewayClassOut(key=o.key, description=o.description) for o in OBJECTS.values()]


def forcing_files(call: Call) -> list[str]:
    folder = call.node.settings.effective_forcing_dir
    return sorted(p.name for p in folder.glob("*.nc")) if folder.is_dir() else []


ACTIONS: tuple[Action, ...] = (
    Action(
        "locate.show",
        "GET",
        ONE,
        "The probability map's numbers, information and plans",
        show,
        query=MapQuery,
        path_params=ID,
        response=LocateOut,
        tags=TAGS,
    ),
    Action(
        "locate.map",
        "GET",
        ONE + "/map",
        "The probability map as a PNG or a GeoTIFF (probability per cell)",
        probability_map,
        query=MapFileQuery,
        path_params=ID,
        tags=TAGS,
        media_type="image/png",
        description="``format=png`` (the default) answers ``image/png``; ``format=tiff`` answers "
        "``image/tiff``, a GeoTIFF of the probability per cell (WGS-84), as an attachment. "
        "``layer=stranded`` gives only the probability stranded on the shore.",
    ),
    Action(
        "locate.model",
        "PUT",
        ONE + "/model",
        "Define (or redefine) the search model",
        define_model,
        body=SearchModelIn,
        path_params=ID,
        response=LocateOut,
        command=cmd.DefineSearchModel,
        tags=TAGS,
    ),
    Action(
        "locate.record",
        "POST",
        ONE + "/information",
        "Record a fix, a bearing, a report or a search",
        record_information,
        body=InformationIn,
        path_params=ID,
        response=RecordedOut,
        status_code=201,
        command=cmd.RecordSearchInformation,
        tags=TAGS,
    ),
    Action(
        "locate.propose",
        "POST",
        ONE + "/plan",
        "Propose search areas for the assets (nothing is recorded)",
        propose_plan,
        body=PlanIn,
        path_params=ID,
        response=SearchPlan,
        tags=TAGS,
    ),
    Action(
        "locate.adopt",
        "POST",
        ONE + "/plans",
        "Adopt the proposed search areas",
        adopt_plan,
        body=AdoptPlanIn,
        path_params=ID,
        response=SearchPlan,
        status_code=201,
        command=cmd.AdoptSearchPlan,
        tags=TAGS,
    ),
    Action(
        "locate.objects",
        "GET",
        "/api/locate/objects",
        "The leeway classes for drift at sea",
        objects,
        response=list[LeewayClassOut],
        tags=TAGS,
    ),
    Action(
        "locate.forcing",
        "GET",
        "/api/locate/forcing",
        "The NetCDF wind and current files in the node's forcing folder",
        forcing_files,
        response=list[str],
        tags=TAGS,
    ),
)
