"""The costly work before a search command is decided, run by the bus only once the actor is
authorized: opening an evasion plan for an evader's destinations (itself an audited, authorized
command), hashing a forcing file, simulating a model once, allocating effort for a plan.

An observer who asks for a week of 200,000 particles is refused before any of it runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jprcc.core.errors import RuleViolation
from jprcc.core.model import Context
from jprcc.locate import commands as cmd
from jprcc.locate import model as loc
from jprcc.locate import search_plan
from jprcc.locate.service import Locate
from jprcc.records import commands as records_cmd
from jprcc.records.sealing import RecordSeal


def epa_destinations(opened: dict[str, Any]) -> list[dict[str, Any]]:
    """The destinations of every evasion plan in an opened EPA part, each once (name, lat, lon,
    weight), as they are sealed."""
    found: dict[str, dict[str, Any]] = {}
    for plan in opened.get("plans", {}).values():
        for d in plan.get("destinations", []):
            found.setdefault(d["name"], {"name": d["name"], "lat": d["lat"], "lon": d["lon"], "weight": 1.0})
    return list(found.values())


class SearchPreparation:
    """Prepares ``DefineSearchModel`` and ``AdoptSearchPlan`` for the bus (``CommandSpec.prepare``)."""

    def __init__(self, bus: Any, locate: Locate, seal: RecordSeal) -> None:
        self.bus = bus
        self.locate = locate
        self.seal = seal

    def model(self, c: cmd.DefineSearchModel, ctx: Context) -> cmd.DefineSearchModel:
        model = c.model
        movement = model.movement
        if isinstance(movement, loc.EvaderMovement) and movement.from_epa:
            opened = self.bus.handle(
                records_cmd.OpenRecord(person_ref=movement.from_epa, part="epa", incident_id=c.incident_id),
                ctx.actor,
            ).value
            found = epa_destinations(opened)
            if not found:
                raise RuleViolation(
                    f"{movement.from_epa} has no evasion plan with destinations on file",
                    field="destinations_from_epa",
                )
            if len(movement.destinations) + len(found) > loc.MAX_DESTINATIONS:
                raise RuleViolation(
                    f"at most {loc.MAX_DESTINATIONS} destinations, with the {len(found)} of the evasion plan",
                    field="destinations",
                )
            sealed = self.seal.seal(movement.from_epa, c.incident_id, found)
            movement = replace(movement, sealed_destinations=sealed)
        if isinstance(movement, loc.MaritimeDrift) and movement.forcing:
            movement = replace(movement, forcing_sha256=self.locate.forcing_digest(movement.forcing))
        model = replace(model, movement=movement)
        loc.check_model(model, ctx.now)
        incident = self.locate.queries.incident(ctx.actor, c.incident_id)
        self.locate.check(incident, model)  # refused here, before anything is recorded
        return replace(c, model=model)

    def plan(self, c: cmd.AdoptSearchPlan, ctx: Context) -> cmd.AdoptSearchPlan:
        if c.plan is not None:
            return c
        proposal = search_plan.propose(
            self.locate, ctx.actor, c.incident_id, list(c.assets), c.at, c.law, c.cells
        )
        return replace(c, plan=replace(proposal.plan, remarks=c.remarks))


def prepare_model(c: cmd.DefineSearchModel, ctx: Context, preparation: SearchPreparation) -> Any:
    return preparation.model(c, ctx)


def prepare_plan(c: cmd.AdoptSearchPlan, ctx: Context, preparation: SearchPreparation) -> Any:
    return preparation.plan(c, ctx)
