"""The journey's commands: custody, reintegration and the end of a person's journey; the case
file's interagency track and information collection plan. Each names its incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command
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
class PersonCommand(Command):
    incident_id: str
    person_id: str


@dataclass(frozen=True, kw_only=True)
class RecordHandOff(PersonCommand):
    """One side of a custody hand-off says it happened; the other side acknowledges it.

    ``giver`` is needed only for the first hand-off the chain knows of (otherwise the giver is
    whoever holds the person now); a captured person's first giver defaults to the captor."""

    receiver: Custodian
    location: str
    at: datetime
    side: Side
    giver: Custodian | None = None
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class AcknowledgeHandOff(PersonCommand):
    handoff_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class BeginPhase(PersonCommand):
    phase: Phase
    location: str
    facility: str
    component_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class AssignTeamMember(PersonCommand):
    role: TeamRole
    name: str


@dataclass(frozen=True, kw_only=True)
class CompleteChecklistItem(PersonCommand):
    item: str


@dataclass(frozen=True, kw_only=True)
class DecidePhase(PersonCommand):
    """The decision that ends the current phase: go on, return to duty, or into medical care.
    Ending phase II before its minimum time needs ``override_reason``."""

    decision: PhaseDecision
    reason: str
    override_reason: str = ""
    medical_facility: str = ""


@dataclass(frozen=True, kw_only=True)
class EndJourney(PersonCommand):
    end: JourneyEnd
    remarks: str = ""


# --- the case file -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CasefileCommand(Command):
    incident_id: str


@dataclass(frozen=True, kw_only=True)
class AddInteragencyActor(CasefileCommand):
    organisation: str
    kind: ActorKind
    contact: str
    role: str
    need_to_know: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RaiseInteragencyRequest(CasefileCommand):
    kind: RequestKind
    actor_id: str
    text: str
    source: str
    due_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DecideInteragencyRequest(CasefileCommand):
    request_id: str
    approve: bool
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class CompleteInteragencyRequest(CasefileCommand):
    request_id: str
    outcome: str


@dataclass(frozen=True, kw_only=True)
class AddCaseEntry(CasefileCommand):
    at: datetime
    source: str
    text: str
    actor_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class AddCollectionItem(CasefileCommand):
    item: str
    assigned_to: str
    due_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CompleteCollectionItem(CasefileCommand):
    item_id: str
    result: str
