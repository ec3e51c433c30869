"""Locate: the search case of an incident — movement model, information as Bayesian updates,
search plans — recorded on the incident so that a replay shows what the planners knew."""

from __future__ import annotations

from typing import Any

from jprcc.brokering.authorization import (
    staff_or_owner_or_supported_prcc,
    staff_or_reps_of_owner_or_supported,
)
from jprcc.brokering.handling import incident_command
from jprcc.core.contract import Capability, CliGroup, Preparer, ServiceSpec
from jprcc.intel.service import Intel
from jprcc.locate import commands as cmd
from jprcc.locate import decide as locating
from jprcc.locate import events as le
from jprcc.locate import http
from jprcc.locate.appliers import LOCATE_APPLIERS
from jprcc.locate.legacy import seal_model_destinations
from jprcc.locate.preparation import SearchPreparation, prepare_model, prepare_plan
from jprcc.locate.service import Locate, SimulationCache
from jprcc.locate.timeline import LOCATE_LINES
from jprcc.records.sealing import RecordSeal

REPS = "only the JPRCC or the owning or supported component's representatives"
RULES = {
    cmd.DefineSearchModel: (staff_or_reps_of_owner_or_supported, REPS),
    cmd.RecordSearchInformation: (staff_or_reps_of_owner_or_supported, REPS),
    cmd.AdoptSearchPlan: (
        staff_or_owner_or_supported_prcc,
        "only the JPRCC or the owning or supported component's PRCC",
    ),
}


PREPARE: dict[type[Any], Preparer] = {cmd.DefineSearchModel: prepare_model, cmd.AdoptSearchPlan: prepare_plan}


def _locate(node: Any) -> Locate:
    settings = node.settings
    return Locate(
        node.queries,
        node.service(Intel),
        node.service(SimulationCache),
        settings.effective_forcing_dir,
        node.service(RecordSeal),
    )


HELP = "Where the isolated person is: the probability map, fixes, searches, plans."

CAPABILITY = Capability(
    name="locate",
    summary="Probability maps of where the isolated person is, Bayesian updates from fixes and "
    "searches, and search plans that spend effort best.",
    commands=[
        incident_command(
            step, *RULES[step.command], prepare=PREPARE.get(step.command), needs=SearchPreparation
        )
        for step in locating.decides.steps
    ],
    events=(le.SearchModelDefined, le.SearchInformationRecorded, le.SearchPlanAdopted),
    log_rewrites={le.SearchModelDefined: seal_model_destinations},
    appliers={"incident": LOCATE_APPLIERS},
    timeline=LOCATE_LINES,
    services=(
        ServiceSpec(SimulationCache, lambda node: SimulationCache(node.settings.locate_cache_models)),
        ServiceSpec(Locate, _locate),
        ServiceSpec(
            SearchPreparation,
            lambda node: SearchPreparation(node.bus, node.service(Locate), node.service(RecordSeal)),
        ),
    ),
    actions=http.ACTIONS,
    cli=(CliGroup("locate", "jprcc.locate.cli:app", HELP),),
)
