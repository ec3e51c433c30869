"""Recovery options: generated for an incident, compared side by side, one adopted by a nomination."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, OptionsDep, QueriesDep
from jprcc.api.views import IncidentDetail
from jprcc.brokering.http import IncidentId
from jprcc.core.errors import RuleViolation
from jprcc.core.model import SupportKind
from jprcc.options.option_set import draft_nomination
from jprcc.options.planning.courses import Weights
from jprcc.options.views import OptionSetOut

router = APIRouter(prefix="/api/incidents", tags=["recovery options"])
OptionId = Annotated[str, Path(pattern=r"^OPT-[0-9A-F]{8}$", description="e.g. OPT-932A3072")]
Weight = Annotated[float, Query(ge=0, le=1000)]


def weights(
    w_time: Weight = 1.0, w_risk: Weight = 1.0, w_disruption: Weight = 1.0, tacon: bool = False
) -> tuple[Weights, bool]:
    """The JPRCC's weighting (score = time · hours + risk · risk points + disruption · points),
    and whether TACON-transfer options are wanted too."""
    try:
        return Weights(w_time, w_risk, w_disruption), tacon
    except ValueError as exc:
        raise RuleViolation(str(exc), field="w_time") from exc


WeightsDep = Annotated[tuple[Weights, bool], Depends(weights)]


class AdoptIn(s.Body):
    rationale: s.RequiredText = Field(description="Why this option is adopted over the others.")
    support_kind: SupportKind = SupportKind.DIRECT
    expected_version: int | None = None


@router.get("/{incident_id}/options", summary="Recovery options, non-dominated, ranked by the weights")
def list_options(
    incident_id: IncidentId, options: OptionsDep, actor: CurrentActor, chosen: WeightsDep
) -> OptionSetOut:
    w, tacon = chosen
    return OptionSetOut.of(options.generate(actor, incident_id, w, tacon))


@router.post(
    "/{incident_id}/options/{option_id}/nomination",
    summary="Nominate the supported and supporting components from an option",
)
def nominate_option(
    incident_id: IncidentId,
    option_id: OptionId,
    body: AdoptIn,
    options: OptionsDep,
    queries: QueriesDep,
    bus: BusDep,
    actor: CurrentActor,
    chosen: WeightsDep,
) -> IncidentDetail:
    w, tacon = chosen
    generated = options.generate(actor, incident_id, w, tacon)
    incident = queries.incident(actor, incident_id)
    command = draft_nomination(incident, generated, option_id, body.rationale, body.support_kind)
    return IncidentDetail.of(
        bus.handle(replace(command, expected_version=body.expected_version), actor).value, actor, bus.registry
    )
