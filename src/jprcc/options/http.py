"""The recovery-options actions: options generated for an incident and compared side by side, and a
nomination that adopts one.

One table (``ACTIONS``) drives the HTTP routes and the CLI (``jprcc options ...``, in-process or
against a server). Options decide nothing: the nomination is brokering's ``NominateSupport``
(the same command ``incidents.nominate`` issues), drafted from the chosen option.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.api.views import IncidentDetail
from jprcc.brokering import commands as cmd
from jprcc.brokering.http import IncidentId, incident_answer
from jprcc.brokering.offered import PROBES
from jprcc.core.contract import Action, Call, Subject, authorize
from jprcc.core.errors import RuleViolation
from jprcc.core.model import SupportKind
from jprcc.options.model import Method, PlannerControl, Scope
from jprcc.options.option_set import draft_nomination
from jprcc.options.planning.courses import Weights
from jprcc.options.service import RecoveryOptions
from jprcc.options.views import OptionSetOut

ROOT = "/api/incidents/{incident_id}/options"
OptionId = Annotated[str, Path(pattern=r"^OPT-[0-9A-F]{8}$", description="e.g. OPT-932A3072")]
TAGS = ("recovery options",)


class WeightsQuery(BaseModel):
    """The JPRCC's weighting (score = time · hours + risk · risk points + disruption · points),
    and whether TACON-transfer options are wanted too."""

    w_time: float = Field(default=1.0, ge=0, le=1000)
    w_risk: float = Field(default=1.0, ge=0, le=1000)
    w_disruption: float = Field(default=1.0, ge=0, le=1000)
    tacon: bool = False

    def weights(self) -> Weights:
        try:
            return Weights(self.w_time, self.w_risk, self.w_disruption)
        except ValueError as exc:
            raise RuleViolation(str(exc), field="w_time") from exc


class AdoptIn(s.Body):
    rationale: s.RequiredText = Field(description="Why this option is adopted over the others.")
    support_kind: SupportKind = SupportKind.DIRECT
    expected_version: int | None = None


class ControlQuery(WeightsQuery):
    """The planner's restrictions; the answer says what each removed."""

    scope: Scope = Field(
        default=Scope.POLLED,
        description="polled: with a poll open, only the polled components' assets; all: everyone's.",
    )
    exclude_method: list[Method] = Field(
        default_factory=list, max_length=10, description="Methods not to use."
    )
    exclude_asset: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=200, description="Assets not to use (asset ids)."
    )
    max_risk: float | None = Field(
        default=None, gt=0, le=1, description="The highest acceptable risk of failure, 1 - P(success)."
    )
    latest_pickup: s.Instant | None = Field(
        default=None, description="The persons aboard by then at the latest."
    )

    def control(self) -> PlannerControl:
        return PlannerControl(
            self.scope,
            frozenset(self.exclude_method),
            frozenset(self.exclude_asset),
            self.max_risk,
            self.latest_pickup,
        )


class OptionsQuery(ControlQuery):
    at: s.Instant | None = Field(
        default=None,
        description="Plan as of this time (default now): the light, the dark windows and the launch times "
        "are those of this time; a past time reads the incident as it stood then.",
    )


def show(call: Call) -> OptionSetOut:
    q: OptionsQuery = call.query
    options: RecoveryOptions = call.node.service(RecoveryOptions)
    generated = options.generate(
        call.actor, call.path["incident_id"], q.weights(), q.tacon, q.at, q.control()
    )
    return OptionSetOut.of(generated)


def nominate(call: Call) -> IncidentDetail:
    """The nomination drafted from the option: the actor must be one who may nominate before the
    options are generated again (route fields cost seconds); the bus then authorizes the command
    itself, as for any nomination."""
    q: ControlQuery = call.query
    body: AdoptIn = call.body
    incident_id = call.path["incident_id"]
    node, actor = call.node, call.actor
    weights = q.weights()
    incident = node.queries.incident(actor, incident_id)
    subject = Subject(
        state=incident,
        involved=frozenset(incident.involved_components()),
        label=f"incident {incident.incident_id}",
    )
    authorize(node.registry, actor, PROBES["nominate"](actor, incident), subject)
    options: RecoveryOptions = node.service(RecoveryOptions)
    generated = options.generate(actor, incident_id, weights, q.tacon, control=q.control())
    drafted = draft_nomination(incident, generated, call.path["option_id"], body.rationale, body.support_kind)
    command = replace(drafted, expected_version=body.expected_version)
    return incident_answer(call, node.bus.handle(command, actor).value)


ACTIONS: tuple[Action, ...] = (
    Action(
        "options.show",
        "GET",
        ROOT,
        "Recovery options, non-dominated, ranked by the weights",
        show,
        query=OptionsQuery,
        path_params={"incident_id": IncidentId},
        response=OptionSetOut,
        tags=TAGS,
    ),
    Action(
        "options.nominate",
        "POST",
        ROOT + "/{option_id}/nomination",
        "Nominate the supported and supporting components from an option",
        nominate,
        body=AdoptIn,
        query=ControlQuery,
        path_params={"incident_id": IncidentId, "option_id": OptionId},
        response=IncidentDetail,
        command=cmd.NominateSupport,
        tags=TAGS,
    ),
)
