"""Decisions of the search case: define the model, record information, adopt a plan."""

from __future__ import annotations

from dataclasses import replace

from jprcc.brokering.flow import Decisions
from jprcc.brokering.incident import Incident
from jprcc.brokering.rules import TheaterView
from jprcc.core import events as ev
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Context
from jprcc.locate import commands as cmd
from jprcc.locate.events import SearchInformationRecorded, SearchModelDefined, SearchPlanAdopted
from jprcc.locate.model import Information, check_information, check_model, check_plan

decides = Decisions()


@decides(cmd.DefineSearchModel, action="define the search model")
def define_search_model(
    c: cmd.DefineSearchModel, inc: Incident, view: TheaterView, ctx: Context
) -> list[ev.Event]:
    check_model(c.model, ctx.now)
    return [
        SearchModelDefined(
            at=ctx.now,
            incident_id=inc.incident_id,
            model=c.model,
            revision=inc.search.revision + 1,
            defined_by=ctx.actor.username,
        )
    ]


@decides(cmd.RecordSearchInformation, action="record search information")
def record_search_information(
    c: cmd.RecordSearchInformation, inc: Incident, view: TheaterView, ctx: Context
) -> list[ev.Event]:
    info = Information(
        info_id=f"I{len(inc.search.information) + 1}",
        at=c.at,
        body=c.body,
        reliability=c.reliability,
        source=c.source,
        recorded_by=ctx.actor.username,
        recorded_at=ctx.now,
    )
    check_information(info, ctx.now)
    return [SearchInformationRecorded(at=ctx.now, incident_id=inc.incident_id, information=info)]


@decides(cmd.AdoptSearchPlan, action="adopt a search plan")
def adopt_search_plan(
    c: cmd.AdoptSearchPlan, inc: Incident, view: TheaterView, ctx: Context
) -> list[ev.Event]:
    if c.plan is None:
        raise RuleViolation("no plan: give the search assets, or the plan's areas", field="assets")
    plan = replace(
        c.plan,
        plan_id=f"P{len(inc.search.plans) + 1}",
        adopted_by=ctx.actor.username,
        adopted_at=ctx.now,
    )
    check_plan(plan, inc.search)
    return [SearchPlanAdopted(at=ctx.now, incident_id=inc.incident_id, plan=plan)]
