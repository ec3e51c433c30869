"""One line of plain language per incident event."""

from __future__ import annotations

from jprcc.brokering import events as ev
from jprcc.core import events as core_ev
from jprcc.core.model import DutyStatus
from jprcc.core.timeline import Describer

# --- incident lines

INCIDENT_LINES: dict[type[core_ev.Event], Describer] = {  # incidents (brokering and casework)
    ev.IncidentReported: lambda e: (
        f"Isolating event reported: {e.title} ({len(e.persons)} person(s), owner {e.owning_component}, "
        f"via {e.channel.value}, {e.source_confidence.value.replace('_', ' ')})"
    ),
    ev.OrganicRecoveryDeclared: lambda e: f"Organic recovery declared by the owning component: {e.plan}",
    ev.AssistanceRequested: lambda e: (
        ("Component cannot recover; " if e.cannot_recover else "")
        + f"assistance requested ({', '.join(c.value for c in e.capabilities_needed) or 'any'}): {e.reason}"
    ),
    ev.CapabilityPollOpened: lambda e: f"Capability poll {e.poll_id} sent to {', '.join(e.component_ids)}",
    ev.CapabilityPollAnswered: lambda e: (
        f"{e.component_id} offers {', '.join(f'{o.asset_id} ({o.capability.value})' for o in e.offers)}"
        if e.offers
        else f"{e.component_id} cannot provide: {e.cannot_reason}"
    ),
    ev.SupportNominated: lambda e: (
        f"JPRCC nominates {e.supported_component} as supported; supporting: "
        + ", ".join(sorted({c.component_id for c in e.contributions} - {e.supported_component}))
    ),
    ev.NominationApproved: lambda e: (
        f"JFC approved {e.nomination_id}: support directive {e.directive_id} in force; TACON unchanged"
    ),
    ev.NominationRejected: lambda e: f"JFC rejected {e.nomination_id}: {e.reason}",
    ev.SupportTaskAccepted: lambda e: f"{e.component_id} accepted its support task",
    ev.SupportTaskDeclined: lambda e: f"{e.component_id} declined its support task: {e.reason}",
    ev.RecoveryBegun: lambda e: "Recovery under way" + (f": {e.remarks}" if e.remarks else ""),
    ev.RecoveryAborted: lambda e: f"Recovery aborted: {e.reason}",
    ev.IncidentReplanned: lambda e: f"Re-planning: {e.reason}",
    ev.PersonsRecovered: lambda e: f"Recovered: {', '.join(e.person_ids)}",
    ev.HandedToReintegration: lambda e: f"Handed to reintegration ({e.receiving_team})",
    ev.IncidentClosed: lambda e: f"Incident closed: {e.disposition.value.replace('_', ' ')}",
    ev.PersonsDetained: lambda e: f"Detained by {e.detaining_party}: {', '.join(e.person_ids)}",
    ev.PersonsReleased: lambda e: (
        f"Released by the captor, not yet in friendly hands: {', '.join(e.person_ids)}"
    ),
    ev.DeliberateRecoveryOrdered: lambda e: (
        f"JFC orders a recovery by force of {', '.join(e.person_ids)} beside the negotiation: {e.reason}"
    ),
    ev.DutyStatusChanged: lambda e: (
        f"{e.person_id} escaped captivity and is evading: back on the recovery track ({e.remarks})"
        if e.previous is DutyStatus.CAPTURED and e.status is DutyStatus.EVADING
        else f"{e.person_id}: {e.previous.value} → {e.status.value}"
        + (" (remains identified)" if e.remains_identified else "")
    ),
    ev.ConditionChanged: lambda e: (
        f"{e.person_id} condition: {e.previous.value} → {e.condition.value}"
        + (f" ({e.remarks})" if e.remarks else "")
    ),
    ev.TaskStatusChanged: lambda e: f"PR task {e.task.value}: {e.previous.value} → {e.status.value}",
    ev.NarrativeEntryAdded: lambda e: f"{e.author}: {e.text}",
    ev.CheckedIn: lambda e: f"Check-in by {e.by}" + (f": {e.remarks}" if e.remarks else ""),
    ev.CheckInIntervalSet: lambda e: f"Check-in interval set to {e.interval_s // 60} min",
    ev.PositionUpdated: lambda e: f"Position updated ({e.channel.value}, ±{e.uncertainty_m:.0f} m)",
    ev.IncidentOverdue: lambda e: f"OVERDUE: no update since {e.last_update_at:%d%H%MZ %b %y}",
    ev.DustwunRedesignationDue: lambda e: f"DUSTWUN for {e.person_id} passed 10 days: redesignate",
    ev.TaconTransferRequested: lambda e: (
        f"TACON transfer requested: {', '.join(e.asset_ids)} from {e.from_component} to {e.to_component}"
    ),
    ev.TaconTransferApproved: lambda e: f"JFC approved TACON transfer {e.request_id}",
    ev.TaconTransferRejected: lambda e: f"JFC rejected TACON transfer {e.request_id}: {e.reason}",
}
