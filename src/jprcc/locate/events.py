"""The events of the search case (registered with the rest in ``events``): incident events, so
that replaying an incident replays what the planners knew."""

from __future__ import annotations

from dataclasses import dataclass

from jprcc.brokering.events import IncidentEvent
from jprcc.core.events import event
from jprcc.locate.model import Information, SearchModel, SearchPlan


@event("search_model_defined")
@dataclass(frozen=True, kw_only=True)
class SearchModelDefined(IncidentEvent):
    model: SearchModel
    revision: int
    defined_by: str


@event("search_information_recorded")
@dataclass(frozen=True, kw_only=True)
class SearchInformationRecorded(IncidentEvent):
    information: Information


@event("search_plan_adopted")
@dataclass(frozen=True, kw_only=True)
class SearchPlanAdopted(IncidentEvent):
    plan: SearchPlan
