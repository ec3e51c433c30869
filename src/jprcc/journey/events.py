"""The journey's events: on a person's own stream, on the incident's case file, and the three
facts the incident itself must know (who is named to receive a person, a change of custody that
changes the duty status, and how a person's journey ended)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.brokering.events import IncidentEvent
from jprcc.core.events import Event, event
from jprcc.core.model import DutyStatus
from jprcc.journey.model import (
    ActorKind,
    Custodian,
    JourneyEnd,
    Phase,
    PhaseDecision,
    RequestKind,
    Side,
    TeamRole,
)


@dataclass(frozen=True, kw_only=True)
class PersonEvent(Event):
    stream_kind: ClassVar[str] = "person"
    incident_id: str
    person_id: str

    @property
    def stream_id(self) -> str:
        return f"person:{self.person_id}"


@event("journey_opened")
@dataclass(frozen=True, kw_only=True)
class JourneyOpened(PersonEvent):
    name: str
    component_id: str


@event("handoff_recorded")
@dataclass(frozen=True, kw_only=True)
class HandOffRecorded(PersonEvent):
    handoff_id: str
    giver: Custodian | None
    receiver: Custodian
    location: str
    happened_at: datetime
    recorded_by: str
    side: Side
    awaits: tuple[Side, ...]
    """Who must still acknowledge: the other side (unless a captor, or nobody), and the recorded
    side itself when the JPRCC recorded it on a component's behalf."""
    remarks: str


@event("handoff_acknowledged")
@dataclass(frozen=True, kw_only=True)
class HandOffAcknowledged(PersonEvent):
    handoff_id: str
    side: Side
    by: str
    remarks: str


@event("reintegration_phase_begun")
@dataclass(frozen=True, kw_only=True)
class PhaseBegun(PersonEvent):
    phase: Phase
    location: str
    facility: str
    component_id: str | None
    checklist: tuple[str, ...]
    minimum_until: datetime | None  # phase II: the earliest its decision may come without an override
    by: str


@event("reintegration_team_member_assigned")
@dataclass(frozen=True, kw_only=True)
class TeamMemberAssigned(PersonEvent):
    role: TeamRole
    name: str


@event("reintegration_checklist_item_done")
@dataclass(frozen=True, kw_only=True)
class ChecklistItemDone(PersonEvent):
    phase: Phase
    item: str
    by: str


@event("reintegration_phase_decided")
@dataclass(frozen=True, kw_only=True)
class PhaseDecided(PersonEvent):
    phase: Phase
    decision: PhaseDecision
    reason: str
    override_reason: str
    medical_facility: str
    by: str


@event("journey_ended")
@dataclass(frozen=True, kw_only=True)
class JourneyEnded(PersonEvent):
    end: JourneyEnd
    remarks: str


# --- what the incident must know -------------------------------------------------------------------


@event("receiving_component_named")
@dataclass(frozen=True, kw_only=True)
class ReceivingComponentNamed(IncidentEvent):
    """A component is named to receive a person: from now on it sees the incident."""

    person_id: str
    component_id: str


@event("incident_shared")
@dataclass(frozen=True, kw_only=True)
class IncidentShared(IncidentEvent):
    """A component is given a task on the case (a collection item) or named need-to-know for an
    interagency actor: it sees the incident from now on."""

    component_id: str
    reason: str


@event("person_custody_changed")
@dataclass(frozen=True, kw_only=True)
class PersonCustodyChanged(IncidentEvent):
    """A completed hand-off changed the person's duty status: out of the captor's hands (released)
    or into friendly hands (recovered)."""

    person_id: str
    custodian: Custodian
    status: DutyStatus


@event("person_accounted_for")
@dataclass(frozen=True, kw_only=True)
class PersonAccountedFor(IncidentEvent):
    person_id: str
    end: JourneyEnd


# --- the case file -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CasefileEvent(Event):
    stream_kind: ClassVar[str] = "casefile"
    incident_id: str

    @property
    def stream_id(self) -> str:
        return f"casefile:{self.incident_id}"


@event("casefile_opened")
@dataclass(frozen=True, kw_only=True)
class CasefileOpened(CasefileEvent):
    pass


@event("interagency_actor_added")
@dataclass(frozen=True, kw_only=True)
class InteragencyActorAdded(CasefileEvent):
    actor_id: str
    organisation: str
    kind: ActorKind
    contact: str
    role: str
    need_to_know: tuple[str, ...]
    by: str


@event("interagency_request_raised")
@dataclass(frozen=True, kw_only=True)
class InteragencyRequestRaised(CasefileEvent):
    request_id: str
    kind: RequestKind
    actor_id: str
    text: str
    source: str
    due_at: datetime | None
    by: str


@event("interagency_request_decided")
@dataclass(frozen=True, kw_only=True)
class InteragencyRequestDecided(CasefileEvent):
    request_id: str
    approved: bool
    remarks: str
    by: str


@event("interagency_request_completed")
@dataclass(frozen=True, kw_only=True)
class InteragencyRequestCompleted(CasefileEvent):
    request_id: str
    outcome: str
    by: str


@event("case_entry_added")
@dataclass(frozen=True, kw_only=True)
class CaseEntryAdded(CasefileEvent):
    entry_id: str
    happened_at: datetime
    source: str
    text: str
    actor_id: str | None
    by: str


@event("collection_item_added")
@dataclass(frozen=True, kw_only=True)
class CollectionItemAdded(CasefileEvent):
    item_id: str
    item: str
    assigned_to: str
    due_at: datetime | None
    by: str


@event("collection_item_completed")
@dataclass(frozen=True, kw_only=True)
class CollectionItemCompleted(CasefileEvent):
    item_id: str
    result: str
    by: str
