"""One line of plain language per journey and case-file event."""

from __future__ import annotations

from jprcc.core import events as core_ev
from jprcc.core.timeline import Describer
from jprcc.journey import events as ev


def _who(c: object) -> str:
    return c.label() if c is not None else "nobody (on their own)"  # type: ignore[attr-defined]


LINES: dict[type[core_ev.Event], Describer] = {
    ev.JourneyOpened: lambda e: f"{e.person_id} ({e.name}, {e.component_id}): journey record opened",
    ev.HandOffRecorded: lambda e: (
        f"{e.person_id}: hand-off {e.handoff_id} from {_who(e.giver)} to {e.receiver.label()} at "
        f"{e.location}, {e.happened_at:%d %H%MZ %b %y}, recorded by the {e.side.value}"
        + (
            f"; waits for the {' and the '.join(s.value for s in e.awaits)} to acknowledge"
            if e.awaits
            else ""
        )
    ),
    ev.HandOffAcknowledged: lambda e: (
        f"{e.person_id}: hand-off {e.handoff_id} acknowledged by {e.by} for the {e.side.value}"
    ),
    ev.PhaseBegun: lambda e: (
        f"{e.person_id}: reintegration phase {e.phase.value} begun at {e.facility}, {e.location}"
        + (f" ({e.component_id})" if e.component_id else "")
    ),
    ev.TeamMemberAssigned: lambda e: (
        f"{e.person_id}: {e.name} is the reintegration team's {e.role.value.replace('_', ' ')}"
    ),
    ev.ChecklistItemDone: lambda e: f"{e.person_id}: phase {e.phase.value} — {e.item}: done",
    ev.PhaseDecided: lambda e: (
        f"{e.person_id}: end of phase {e.phase.value} — {e.decision.value.replace('_', ' ')}: {e.reason}"
        + (f" (minimum overridden: {e.override_reason})" if e.override_reason else "")
        + (f"; to {e.medical_facility}" if e.medical_facility else "")
    ),
    ev.JourneyEnded: lambda e: (
        f"{e.person_id}: journey ended, accounted for — {e.end.value.replace('_', ' ')}"
        + (f" ({e.remarks})" if e.remarks else "")
    ),
    ev.ReceivingComponentNamed: lambda e: (
        f"{e.component_id} named to receive {e.person_id}: it sees this incident from now on"
    ),
    ev.IncidentShared: lambda e: f"Shared with {e.component_id}: {e.reason}",
    ev.PersonCustodyChanged: lambda e: (
        f"{e.person_id} now with {e.custodian.label()}: "
        + (
            "in friendly hands (recovered)"
            if e.status.value == "recovered"
            else "out of the captor's hands (released)"
        )
    ),
    ev.PersonAccountedFor: lambda e: f"{e.person_id} accounted for: {e.end.value.replace('_', ' ')}",
    ev.CasefileOpened: lambda e: "Interagency case file opened",
    ev.InteragencyActorAdded: lambda e: (
        f"Interagency actor {e.actor_id}: {e.contact}, {e.organisation} "
        f"({e.kind.value.replace('_', ' ')}), {e.role}"
    ),
    ev.InteragencyRequestRaised: lambda e: (
        f"{e.kind.value.capitalize()} {e.request_id} to {e.actor_id}: {e.text}"
        + (f" (due {e.due_at:%d %H%MZ %b %y})" if e.due_at else "")
    ),
    ev.InteragencyRequestDecided: lambda e: (
        f"{e.request_id} {'approved' if e.approved else 'refused'} by {e.by}"
        + (f": {e.remarks}" if e.remarks else "")
    ),
    ev.InteragencyRequestCompleted: lambda e: f"{e.request_id} done: {e.outcome}",
    ev.CaseEntryAdded: lambda e: f"Case entry ({e.source}, {e.happened_at:%d %H%MZ %b %y}): {e.text}",
    ev.CollectionItemAdded: lambda e: (
        f"Collection item {e.item_id} for {e.assigned_to}: {e.item}"
        + (f" (due {e.due_at:%d %H%MZ %b %y})" if e.due_at else "")
    ),
    ev.CollectionItemCompleted: lambda e: f"Collection item {e.item_id} done: {e.result}",
}
