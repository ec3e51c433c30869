"""One line of plain language per event, for timelines, the live feed and reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jprcc.domain import events as ev
from jprcc.domain import isoprep_events as rec
from jprcc.domain import locate_events as le

Describer = Callable[[Any], str]

# --- theater lines

THEATER_LINES: dict[type[ev.Event], Describer] = {  # theater
    ev.ComponentRegistered: lambda e: f"Component {e.component_id} ({e.name}) registered; PRCC {e.prcc_name}",
    ev.AssetRegistered: lambda e: f"Asset {e.callsign} ({e.asset_type}) of {e.component_id} registered",
    ev.RecoveryPointRegistered: lambda e: (
        f"{e.kind.value.replace('_', ' ').capitalize()} {e.name} registered"
    ),
    ev.AssetReadinessChanged: lambda e: f"Asset {e.asset_id} readiness now {e.readiness.value}",
    ev.AssetCommitted: lambda e: f"Asset {e.asset_id} committed to {e.operation_id} (priority {e.priority})",
    ev.AssetReleased: lambda e: f"Asset {e.asset_id} released from {e.operation_id}: {e.reason}",
    ev.OperationPlanned: lambda e: f"Operation {e.name} of {e.component_id} planned (priority {e.priority})",
    ev.OperationEnded: lambda e: f"Operation {e.operation_id} ended",
}


# --- incident lines

INCIDENT_LINES: dict[type[ev.Event], Describer] = {  # incidents (brokering and casework)
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
    ev.PersonsReleased: lambda e: f"Released: {', '.join(e.person_ids)}",
    ev.DutyStatusChanged: lambda e: f"{e.person_id}: {e.previous.value} → {e.status.value}",
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


# --- accounts lines

ACCOUNTS_LINES: dict[type[ev.Event], Describer] = {  # accounts
    ev.UserCreated: lambda e: f"Account {e.username} created ({e.role.value})",
    ev.PasswordChanged: lambda e: f"Password of {e.username} changed",
    ev.UserActiveChanged: lambda e: f"Account {e.username} {'activated' if e.active else 'deactivated'}",
    ev.UserLoggedIn: lambda e: f"{e.username} logged in",
    ev.TokenRevoked: lambda e: f"{e.username} logged out",
}


# --- locate lines

LOCATE_LINES: dict[type[ev.Event], Describer] = {  # the search case
    le.SearchModelDefined: lambda e: (
        f"Search model r{e.revision} defined: {e.model.movement.kind} from the last known position "
        f"(±{e.model.radius95_m:.0f} m at {e.model.start:%d%H%MZ}), {e.model.particles:,} particles"
    ),
    le.SearchInformationRecorded: lambda e: (
        f"Locate {e.information.info_id}: {e.information.body.kind} about {e.information.at:%d%H%MZ}"
        + (f" ({e.information.source})" if e.information.source else "")
    ),
    le.SearchPlanAdopted: lambda e: (
        f"Search plan {e.plan.plan_id} adopted for {e.plan.at:%d%H%MZ}: "
        f"{', '.join(a.asset for a in e.plan.areas)}; POS {e.plan.probability_of_success:.0%}, "
        f"cumulative {e.plan.cumulative_probability_of_success:.0%}"
    ),
}

# --- intel lines

INTEL_LINES: dict[type[ev.Event], Describer] = {  # intelligence preparation
    ev.LayerPublished: lambda e: (
        f"Layer {e.layer.layer_id} v{e.layer.version} published: {e.layer.name} ({e.layer.body.kind}, "
        f"source {e.layer.source}, {e.layer.confidence.value.replace('_', ' ')})"
    ),
    ev.LayerWithdrawn: lambda e: f"Layer {e.layer_id} v{e.version} withdrawn by {e.by}: {e.reason}",
    ev.DecisionMatrixPublished: lambda e: f"Threat-decision matrix v{e.version} published by {e.by}",
}

# --- records lines

RECORDS_LINES: dict[type[ev.Event], Describer] = {  # isolated-personnel records: never a secret
    rec.IsoprepRecorded: lambda e: (
        f"ISOPREP of {e.name} ({e.component_id}) recorded by {e.recorded_by}"
        + ("" if e.complete else "; incomplete")
    ),
    rec.EpaFiled: lambda e: f"Evasion plan {e.mission_id} of {e.person_ref} filed by {e.filed_by}",
    rec.RecordOpened: lambda e: (
        f"{e.opened_by} opened the {e.part} of {e.person_ref}"
        + (f" for {e.incident_id}" if e.incident_id else "")
    ),
    rec.RecordUnlocked: lambda e: f"Record of {e.person_ref} unlocked by {e.unlocked_by}: {e.reason}",
    rec.AuthenticationAttempted: lambda e: (
        f"{e.person_id} "
        + ("authenticated" if e.matched else "not authenticated")
        + f" by {e.asked_by} ("
        + ("the number" if e.statement is None else f"statement {e.statement}")
        + ")"
        + ("; the record is now locked" if e.locked else "")
    ),
    rec.AuthenticationRefused: lambda e: (
        f"Authentication of {e.person_id} asked by {e.asked_by} refused ({e.reason.replace('_', ' ')})"
    ),
    rec.VaultKeyRotated: lambda e: f"Vault key rotated: {e.records} record keys re-wrapped",
}
