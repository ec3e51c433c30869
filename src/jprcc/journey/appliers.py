"""How the journey's events change a person's journey, an incident's case file, and the incident.
Appliers record facts; they never refuse. Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jprcc.brokering.evolution import settle_status
from jprcc.brokering.incident import Incident
from jprcc.core import events as core_ev
from jprcc.journey import events as ev
from jprcc.journey.model import (
    Approval,
    CaseEntry,
    Casefile,
    CollectionItem,
    HandOff,
    InteragencyActor,
    InteragencyRequest,
    Journey,
    PhaseDecision,
    PhaseRecord,
)

Applier = Callable[[Any, Any], None]


def start_journey(e: ev.JourneyOpened) -> Journey:
    return Journey(e.person_id, e.incident_id, e.name, e.component_id, e.at, version=1)


def start_casefile(e: ev.CasefileOpened) -> Casefile:
    return Casefile(e.incident_id, e.at, version=1)


def count(state: Any, e: core_ev.Event) -> None:
    state.version += 1


def _handoff(j: Journey, e: ev.HandOffRecorded) -> None:
    j.custody.append(
        HandOff(
            handoff_id=e.handoff_id,
            giver=e.giver,
            receiver=e.receiver,
            location=e.location,
            at=e.happened_at,
            recorded_by=e.recorded_by,
            recorded_side=e.side,
            awaits=e.awaits,
            remarks=e.remarks,
        )
    )


def _acknowledged(j: Journey, e: ev.HandOffAcknowledged) -> None:
    h = j.handoff(e.handoff_id)
    assert h is not None
    h.awaits = tuple(s for s in h.awaits if s is not e.side)
    h.acknowledged_by = e.by
    h.acknowledged_at = e.at


def _phase(j: Journey, e: ev.PhaseBegun) -> None:
    j.medical_care = None
    j.phases.append(
        PhaseRecord(
            phase=e.phase,
            location=e.location,
            facility=e.facility,
            component_id=e.component_id,
            began_at=e.at,
            began_by=e.by,
            checklist=dict.fromkeys(e.checklist),
            minimum_until=e.minimum_until,
        )
    )


def _team(j: Journey, e: ev.TeamMemberAssigned) -> None:
    j.team[e.role] = e.name


def _item(j: Journey, e: ev.ChecklistItemDone) -> None:
    current = j.phase
    assert current is not None
    current.checklist[e.item] = e.at


def _decided(j: Journey, e: ev.PhaseDecided) -> None:
    current = j.phase
    assert current is not None
    current.decision = e.decision
    current.decided_at = e.at
    current.decided_by = e.by
    current.decision_reason = e.reason
    current.override_reason = e.override_reason
    if e.decision is PhaseDecision.MEDICAL:
        j.medical_care = e.medical_facility


def _ended(j: Journey, e: ev.JourneyEnded) -> None:
    j.end = e.end
    j.ended_at = e.at
    j.end_remarks = e.remarks


PERSON_APPLIERS: dict[type[core_ev.Event], Applier] = {
    ev.HandOffRecorded: _handoff,
    ev.HandOffAcknowledged: _acknowledged,
    ev.PhaseBegun: _phase,
    ev.TeamMemberAssigned: _team,
    ev.ChecklistItemDone: _item,
    ev.PhaseDecided: _decided,
    ev.JourneyEnded: _ended,
}


# --- the case file -------------------------------------------------------------------------------


def _actor(f: Casefile, e: ev.InteragencyActorAdded) -> None:
    f.actors[e.actor_id] = InteragencyActor(
        e.actor_id, e.organisation, e.kind, e.contact, e.role, e.need_to_know, e.by, e.at
    )


def _request(f: Casefile, e: ev.InteragencyRequestRaised) -> None:
    f.requests[e.request_id] = InteragencyRequest(
        e.request_id, e.kind, e.actor_id, e.text, e.due_at, e.source, e.by, e.at
    )


def _request_decided(f: Casefile, e: ev.InteragencyRequestDecided) -> None:
    r = f.requests[e.request_id]
    r.approval = Approval.APPROVED if e.approved else Approval.REFUSED
    r.decided_by = e.by
    r.decided_at = e.at
    r.decision_remarks = e.remarks


def _request_done(f: Casefile, e: ev.InteragencyRequestCompleted) -> None:
    r = f.requests[e.request_id]
    r.done_at = e.at
    r.outcome = e.outcome


def _entry(f: Casefile, e: ev.CaseEntryAdded) -> None:
    f.entries.append(CaseEntry(e.entry_id, e.happened_at, e.source, e.text, e.actor_id, e.by, e.at))
    f.entries.sort(key=lambda x: x.at)


def _collection(f: Casefile, e: ev.CollectionItemAdded) -> None:
    f.collection[e.item_id] = CollectionItem(e.item_id, e.item, e.by, e.at, e.assigned_to, e.due_at)


def _collection_done(f: Casefile, e: ev.CollectionItemCompleted) -> None:
    item = f.collection[e.item_id]
    item.done_at = e.at
    item.done_by = e.by
    item.result = e.result


CASEFILE_APPLIERS: dict[type[core_ev.Event], Applier] = {
    ev.InteragencyActorAdded: _actor,
    ev.InteragencyRequestRaised: _request,
    ev.InteragencyRequestDecided: _request_decided,
    ev.InteragencyRequestCompleted: _request_done,
    ev.CaseEntryAdded: _entry,
    ev.CollectionItemAdded: _collection,
    ev.CollectionItemCompleted: _collection_done,
}


# --- on the incident -----------------------------------------------------------------------------


def _receiving(incident: Incident, e: ev.ReceivingComponentNamed) -> None:
    if e.component_id not in incident.receiving_components:
        incident.receiving_components = (*incident.receiving_components, e.component_id)


def _shared(incident: Incident, e: ev.IncidentShared) -> None:
    if e.component_id not in incident.shared_with:
        incident.shared_with = (*incident.shared_with, e.component_id)


def _custody(incident: Incident, e: ev.PersonCustodyChanged) -> None:
    settle_status(incident, (e.person_id,), e.status, e.at)


def _accounted(incident: Incident, e: ev.PersonAccountedFor) -> None:
    incident.persons[e.person_id].end = e.end.value


INCIDENT_APPLIERS: dict[type[core_ev.Event], Applier] = {
    ev.ReceivingComponentNamed: _receiving,
    ev.IncidentShared: _shared,
    ev.PersonCustodyChanged: _custody,
    ev.PersonAccountedFor: _accounted,
}
