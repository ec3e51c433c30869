"""How the search case's events change an incident's case."""

from __future__ import annotations

from jprcc.brokering.evolution import Applier, applies
from jprcc.brokering.incident import (
    Incident,
)
from jprcc.core import events as ev
from jprcc.locate.events import SearchInformationRecorded, SearchModelDefined, SearchPlanAdopted

# --- locate appliers

LOCATE_APPLIERS: dict[type[ev.Event], Applier] = {}


@applies(SearchModelDefined, LOCATE_APPLIERS)
def _search_model(incident: Incident, e: SearchModelDefined) -> None:
    case = incident.search
    case.model, case.revision, case.defined_by, case.defined_at = e.model, e.revision, e.defined_by, e.at


@applies(SearchInformationRecorded, LOCATE_APPLIERS)
def _search_information(incident: Incident, e: SearchInformationRecorded) -> None:
    incident.search.information.append(e.information)


@applies(SearchPlanAdopted, LOCATE_APPLIERS)
def _search_plan(incident: Incident, e: SearchPlanAdopted) -> None:
    incident.search.plans.append(e.plan)
