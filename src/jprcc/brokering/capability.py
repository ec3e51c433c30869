"""Brokering: the incident from report to close — the coordination flow, casework, TACON.

Its stream kind is ``incident``; other capabilities (the search case, the records' authentication)
add their own incident commands and appliers on it through their declarations.
"""

from __future__ import annotations

from typing import Any

from jprcc.brokering import authorization as a
from jprcc.brokering import casework, control, evolution, flow, http, inbox, offering, projections, relay
from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.handling import IncidentPolicy, incident_command
from jprcc.brokering.timeline import INCIDENT_LINES
from jprcc.core import authorization as core_rules
from jprcc.core import events as core_ev
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, Rule, ServiceSpec, StreamKind
from jprcc.core.store.tables import (
    incident_documents,
    incident_involvement,
    incident_narrative,
    incidents,
    relationships,
    turns,
)

OWNER_OR_SUPPORTED = "only the JPRCC or the owning or supported component's PRCC"
REPS = "only the JPRCC or the owning or supported component's representatives"
OWNER = "only the JPRCC or the owning component's PRCC"

RULES: dict[type[Any], tuple[Rule, str]] = {
    cmd.ReportIncident: (a.report, "only the JPRCC or the owning component's PRCC or liaison officer"),
    cmd.DeclareOrganicRecovery: (a.owner_prcc, "only the owning component's PRCC declares organic recovery"),
    cmd.RequestAssistance: (
        a.request_assistance,
        "only the owning component's PRCC asks for help (the JPRCC may record "
        "that the component cannot recover)",
    ),
    cmd.OpenCapabilityPoll: (core_rules.staff_only, "only the JPRCC polls the components"),
    cmd.AnswerCapabilityPoll: (a.named_component_prcc, "only the polled component's PRCC answers for it"),
    cmd.NominateSupport: (core_rules.staff_only, "only the JPRCC nominates"),
    cmd.ApproveNomination: (core_rules.jfc_only, "only the JFC approves a nomination"),
    cmd.RejectNomination: (core_rules.jfc_only, "only the JFC rejects a nomination"),
    cmd.AcceptSupportTask: (a.named_component_prcc, "only the supporting component's PRCC accepts its task"),
    cmd.DeclineSupportTask: (
        a.named_component_prcc,
        "only the supporting component's PRCC declines its task",
    ),
    cmd.BeginRecovery: (a.supported_prcc, "only the supported component's PRCC begins the recovery"),
    cmd.AbortRecovery: (a.supported_prcc, "only the supported component's PRCC aborts the recovery"),
    cmd.Replan: (core_rules.staff_only, "only the JPRCC re-plans"),
    cmd.RecordRecovery: (a.staff_or_owner_or_supported_prcc, OWNER_OR_SUPPORTED),
    cmd.HandToReintegration: (a.staff_or_owner_prcc, OWNER),
    cmd.CloseIncident: (core_rules.director_only, "only the JPRCC director closes an incident"),
    cmd.DeclareDetained: (a.staff_or_owner_prcc, OWNER),
    cmd.RecordRelease: (a.staff_or_owner_prcc, OWNER),
    cmd.ChangeDutyStatus: (
        a.duty_status,
        "isolated or evading: the JPRCC or the owning component's PRCC; missing, DUSTWUN or "
        "deceased: the JPRCC director or the person's own component's PRCC; remains identified: "
        "the director only",
    ),
    cmd.OrderDeliberateRecovery: (
        core_rules.jfc_only,
        "only the JFC orders a recovery by force of detained persons",
    ),
    cmd.ChangeCondition: (a.staff_or_reps_of_owner_or_supported, REPS),
    cmd.UpdateTask: (a.staff_or_owner_or_supported_prcc, OWNER_OR_SUPPORTED),
    cmd.AddNarrativeEntry: (
        a.narrative,
        "observers read only; component roles write only on incidents that involve their component",
    ),
    cmd.CheckIn: (a.staff_or_reps_of_owner_or_supported, REPS),
    cmd.SetCheckInInterval: (core_rules.staff_only, "only the JPRCC sets the check-in interval"),
    cmd.UpdatePosition: (a.staff_or_reps_of_owner_or_supported, REPS),
    cmd.RequestTaconTransfer: (a.tacon_request, "only the JPRCC or the PRCC of either component"),
    cmd.ApproveTaconTransfer: (core_rules.jfc_only, "only the JFC approves a TACON transfer"),
    cmd.RejectTaconTransfer: (core_rules.jfc_only, "only the JFC rejects a TACON transfer"),
    cmd.ConfirmRelayedDecision: (relay.record_party, "only the one a decision was recorded for confirms it"),
    cmd.DisputeRelayedDecision: (relay.record_party, "only the one a decision was recorded for disputes it"),
    cmd.ResolveRelayedDispute: (core_rules.staff_only, "only the JPRCC resolves a disputed record"),
    cmd.RaiseOverdueAlert: (core_rules.system_only, "alerts come from the clock"),
    cmd.RaiseDustwunAlert: (core_rules.system_only, "alerts come from the clock"),
}

RELAYED = " (or the JPRCC, recording it on their behalf as given by voice)"
for _command, (_rule, _why) in list(RULES.items()):
    if issubclass(_command, cmd.RelayableCommand):
        RULES[_command] = (relay.relayed_or(_rule), _why + RELAYED)

INBOX_HELP = "What waits for you now; what you may offer; decisions recorded on your behalf."
HELP = "The incident board, incident pages, and every step from report to close."

#: issued by the clock, never by a user's action
CLOCK_COMMANDS = (cmd.RaiseOverdueAlert, cmd.RaiseDustwunAlert)


def _commands() -> list[CommandSpec]:
    steps = [*flow.decides.steps, *casework.decides.steps, *control.decides.steps, *relay.decides.steps]
    return [
        incident_command(step, *RULES[step.command], internal=step.command in CLOCK_COMMANDS)
        for step in steps
    ]


EVENTS: tuple[type[core_ev.Event], ...] = (
    ev.IncidentReported,
    ev.OrganicRecoveryDeclared,
    ev.AssistanceRequested,
    ev.CapabilityPollOpened,
    ev.CapabilityPollAnswered,
    ev.SupportNominated,
    ev.NominationApproved,
    ev.NominationRejected,
    ev.SupportTaskAccepted,
    ev.SupportTaskDeclined,
    ev.RecoveryBegun,
    ev.RecoveryAborted,
    ev.IncidentReplanned,
    ev.PersonsRecovered,
    ev.HandedToReintegration,
    ev.IncidentClosed,
    ev.PersonsDetained,
    ev.PersonsReleased,
    ev.DeliberateRecoveryOrdered,
    ev.DutyStatusChanged,
    ev.ConditionChanged,
    ev.TaskStatusChanged,
    ev.NarrativeEntryAdded,
    ev.CheckedIn,
    ev.CheckInIntervalSet,
    ev.PositionUpdated,
    ev.IncidentOverdue,
    ev.DustwunRedesignationDue,
    ev.TaconTransferRequested,
    ev.TaconTransferApproved,
    ev.TaconTransferRejected,
    ev.DecisionRelayed,
    ev.RelayedDecisionConfirmed,
    ev.RelayedDecisionDisputed,
    ev.RelayedDisputeResolved,
)


def _policy(node: Any) -> IncidentPolicy:
    return IncidentPolicy(check_in_interval_s=node.settings.check_in_interval_s)


CAPABILITY = Capability(
    name="brokering",
    summary="Incidents from report to close: organic recovery, assistance, polls, nomination, "
    "JFC approval, support directives, casework, TACON transfers.",
    commands=_commands(),
    events=EVENTS,
    streams=(
        StreamKind(
            kind="incident",
            starts=ev.IncidentReported,
            start=evolution.start,
            after_apply=evolution.after_apply,
            snapshot=projections.incident_snapshot,
        ),
    ),
    appliers={"incident": {**evolution.APPLIERS, **relay.APPLIERS}},
    timeline={**INCIDENT_LINES, **relay.LINES},
    read_models=(
        ReadModel(
            name="incidents",
            tables=(
                incidents,
                incident_involvement,
                incident_documents,
                incident_narrative,
                relationships,
                turns,
            ),
            guards=(incident_involvement,),
            on_event={ev.NarrativeEntryAdded: projections.project_narrative_entry},
            on_state={"incident": projections.project_incident},
        ),
    ),
    services=(ServiceSpec(IncidentPolicy, _policy), ServiceSpec(inbox.Inbox, inbox.build)),
    actions=http.ACTIONS + inbox.ACTIONS + offering.actions(http.IncidentId),
    cli=(
        CliGroup("incidents", "jprcc.brokering.cli:app", HELP),
        CliGroup("inbox", "jprcc.brokering.cli_inbox:app", INBOX_HELP),
    ),
)
