"""The person's whole journey: custody, reintegration and accounting, person by person, on a
stream of its own (``person``); the interagency track and the information collection plan of an
incident (``casefile``). It adds three facts to the incident's stream: a component named to
receive a person, a hand-off that changes the person's duty status, and a person accounted for."""

from __future__ import annotations

from typing import Any

from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec, StreamKind
from jprcc.core.store.tables import casefiles, person_journeys
from jprcc.journey import appliers, http, projections
from jprcc.journey import authorization as a
from jprcc.journey import commands as cmd
from jprcc.journey import events as ev
from jprcc.journey.handlers import JourneyPolicy, case_subject, handle_case, handle_person, person_subject
from jprcc.journey.plan import load
from jprcc.journey.queries import JourneyQueries
from jprcc.journey.timeline import LINES

REINTEGRATION = (
    "only the JPRCC, or the PRCC of the person's component, of the component running the phase or of "
    "the component holding the person"
)
DECISION = "only the JPRCC director or the PRCC of the person's component"
CASE = "only the JPRCC or the PRCC of a person's component"

PERSON_RULES: dict[type[Any], tuple[Any, str]] = {
    cmd.RecordHandOff: (
        a.record_handoff,
        "only whoever speaks for the recording side: a component's custodian by its PRCC or liaison "
        "officer, any other (a captor, the ICRC, an embassy) by the JPRCC",
    ),
    cmd.AcknowledgeHandOff: (
        a.acknowledge_handoff,
        "only whoever speaks for the other side of the hand-off, and not the one who recorded it",
    ),
    cmd.BeginPhase: (a.reintegration_work, REINTEGRATION),
    cmd.AssignTeamMember: (a.reintegration_work, REINTEGRATION),
    cmd.CompleteChecklistItem: (a.reintegration_work, REINTEGRATION),
    cmd.DecidePhase: (a.phase_decision, DECISION),
    cmd.EndJourney: (a.end_journey, DECISION + "; remains identified: the director only"),
}
CASE_RULES: dict[type[Any], tuple[Any, str]] = {
    cmd.AddInteragencyActor: (a.case_work, CASE),
    cmd.RaiseInteragencyRequest: (a.case_work, CASE),
    cmd.DecideInteragencyRequest: (a.director_or_jfc, "only the JPRCC director or the JFC approves"),
    cmd.CompleteInteragencyRequest: (a.case_work, CASE),
    cmd.AddCaseEntry: (a.case_work, CASE),
    cmd.AddCollectionItem: (
        a.add_collection_item,
        "only the JPRCC or the PRCC of a component the incident involves",
    ),
    cmd.CompleteCollectionItem: (
        a.complete_collection_item,
        "only the JPRCC or the PRCC of the component the item is assigned to",
    ),
}


def _commands() -> list[CommandSpec]:
    specs = [
        CommandSpec(c, rule, why, handle_person, person_subject, needs=JourneyPolicy)
        for c, (rule, why) in PERSON_RULES.items()
    ]
    specs += [
        CommandSpec(c, rule, why, handle_case, case_subject, needs=JourneyPolicy)
        for c, (rule, why) in CASE_RULES.items()
    ]
    return specs


def _policy(node: Any) -> JourneyPolicy:
    return JourneyPolicy(load(node.settings.reintegration_plan, node.settings.phase_two_minimum_h))


CAPABILITY = Capability(
    name="journey",
    summary="Each isolated person's journey: custody hand-offs, reintegration phases, accounting; "
    "the interagency track and the information collection plan.",
    commands=_commands(),
    events=(
        ev.JourneyOpened,
        ev.HandOffRecorded,
        ev.HandOffAcknowledged,
        ev.PhaseBegun,
        ev.TeamMemberAssigned,
        ev.ChecklistItemDone,
        ev.PhaseDecided,
        ev.JourneyEnded,
        ev.ReceivingComponentNamed,
        ev.IncidentShared,
        ev.PersonCustodyChanged,
        ev.PersonAccountedFor,
        ev.CasefileOpened,
        ev.InteragencyActorAdded,
        ev.InteragencyRequestRaised,
        ev.InteragencyRequestDecided,
        ev.InteragencyRequestCompleted,
        ev.CaseEntryAdded,
        ev.CollectionItemAdded,
        ev.CollectionItemCompleted,
    ),
    streams=(
        StreamKind(
            "person", starts=ev.JourneyOpened, start=appliers.start_journey, after_apply=appliers.count
        ),
        StreamKind(
            "casefile", starts=ev.CasefileOpened, start=appliers.start_casefile, after_apply=appliers.count
        ),
    ),
    appliers={
        "person": appliers.PERSON_APPLIERS,
        "casefile": appliers.CASEFILE_APPLIERS,
        "incident": appliers.INCIDENT_APPLIERS,
    },
    timeline=LINES,
    read_models=(
        ReadModel(
            name="journeys",
            tables=(person_journeys, casefiles),
            on_state={
                "incident": projections.project_incident,
                "person": projections.project_journey,
                "casefile": projections.project_casefile,
            },
        ),
    ),
    services=(ServiceSpec(JourneyPolicy, _policy), ServiceSpec(JourneyQueries, JourneyQueries)),
    actions=http.ACTIONS,
    cli=(
        CliGroup(
            "persons",
            "jprcc.journey.cli:persons_app",
            "Each isolated person's journey: custody hand-offs, reintegration, accounting.",
        ),
        CliGroup(
            "casefile",
            "jprcc.journey.cli:casefile_app",
            "An incident's interagency track and information collection plan.",
        ),
    ),
)
