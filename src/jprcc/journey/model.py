"""The journey of one isolated person, and the case file of an incident's interagency work.

A person's journey is a stream of its own (``person:<person id>``): who holds the person (the
custody chain, each hand-off recorded by one side and acknowledged by the other), the
reintegration phases I, II and III with their team, checklists and the decision that ends each,
and how the journey ended. The incident keeps what the brokering flow decides on (the duty
status); the journey keeps everything that happens to the person beside and after it.

The lifecycle a person moves through, each on their own::

    isolated ─► evading / missing / DUSTWUN / captured ─► released or recovered
      ─► in friendly custody ─► reintegration phase I ─► II ─► III
      ─► returned to duty | medically retired        (deceased ─► remains identified)

An incident's case file (``casefile:<incident id>``) holds the negotiated / diplomatic track —
interagency actors with their need-to-know, requests and taskings with an approval and a due
time, sourced and dated entries — and the information collection plan.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class CustodianKind(enum.StrEnum):
    """Who may hold a person. A captor is hostile; the intermediaries are neither side."""

    CAPTOR = "captor"
    NEGOTIATOR = "negotiator"
    ICRC = "icrc"
    NGO = "ngo"
    HOST_NATION = "host_nation"
    EMBASSY = "embassy"
    COMPONENT_UNIT = "component_unit"
    AIRCRAFT = "aircraft"
    VESSEL = "vessel"
    MEDICAL_FACILITY = "medical_facility"
    REINTEGRATION_TEAM = "reintegration_team"


#: custodians in whose hands the person is back in friendly custody
FRIENDLY = frozenset(
    {
        CustodianKind.EMBASSY,
        CustodianKind.COMPONENT_UNIT,
        CustodianKind.AIRCRAFT,
        CustodianKind.VESSEL,
        CustodianKind.MEDICAL_FACILITY,
        CustodianKind.REINTEGRATION_TEAM,
    }
)
#: custodians that belong to a component (the component's PRCC speaks for them)
COMPONENT_KINDS = frozenset({CustodianKind.COMPONENT_UNIT, CustodianKind.AIRCRAFT, CustodianKind.VESSEL})


@dataclass(frozen=True)
class Custodian:
    kind: CustodianKind
    name: str
    component_id: str | None = None
    """The component the custodian belongs to (a unit, an aircraft, a ship; a military hospital may
    name one too); the JPRCC speaks for custodians that belong to none (a captor, the ICRC)."""

    @property
    def friendly(self) -> bool:
        return self.kind in FRIENDLY

    def same_as(self, other: Custodian | None) -> bool:
        return (
            other is not None
            and self.kind is other.kind
            and self.name.strip().casefold() == other.name.strip().casefold()
            and self.component_id == other.component_id
        )

    def label(self) -> str:
        where = f", {self.component_id}" if self.component_id else ""
        return f"{self.name} ({self.kind.value.replace('_', ' ')}{where})"


class Side(enum.StrEnum):
    GIVER = "giver"
    RECEIVER = "receiver"


class HandOffStatus(enum.StrEnum):
    PENDING = "pending"  # recorded by one side, waiting for the other's acknowledgement
    COMPLETE = "complete"


@dataclass
class HandOff:
    handoff_id: str
    giver: Custodian | None  # None: the first custodian the chain knows of
    receiver: Custodian
    location: str
    at: datetime
    recorded_by: str
    recorded_side: Side
    awaits: tuple[Side, ...]  # the sides whose acknowledgement is still awaited
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    remarks: str = ""

    @property
    def status(self) -> HandOffStatus:
        return HandOffStatus.PENDING if self.awaits else HandOffStatus.COMPLETE

    @property
    def waits_for(self) -> Side | None:
        """The side whose acknowledgement is awaited next."""
        return self.awaits[0] if self.awaits else None

    def custodian(self, side: Side) -> Custodian | None:
        return self.receiver if side is Side.RECEIVER else self.giver


class Phase(enum.StrEnum):
    I = "I"  # noqa: E741 (doctrine's own name)
    II = "II"
    III = "III"

    @property
    def next(self) -> Phase | None:
        return {Phase.I: Phase.II, Phase.II: Phase.III, Phase.III: None}[self]


class PhaseDecision(enum.StrEnum):
    CONTINUE = "continue"  # to the next phase
    RETURN_TO_DUTY = "return_to_duty"
    MEDICAL = "medical"  # out of reintegration into medical care


class TeamRole(enum.StrEnum):
    MEDICAL = "medical"
    SERE_PSYCHOLOGIST = "sere_psychologist"
    DEBRIEFER = "debriefer"
    CHAPLAIN = "chaplain"
    LEGAL = "legal"
    PUBLIC_AFFAIRS = "public_affairs"
    FAMILY_LIAISON = "family_liaison"


class JourneyEnd(enum.StrEnum):
    RETURNED_TO_DUTY = "returned_to_duty"
    MEDICALLY_RETIRED = "medically_retired"
    REMAINS_IDENTIFIED = "remains_identified"


@dataclass(frozen=True)
class ReintegrationPlan:
    """The theater's reintegration plan: each phase's checklist, phase II's minimum time."""

    checklists: dict[Phase, tuple[str, ...]]
    phase_two_minimum: timedelta = timedelta(hours=72)


@dataclass
class PhaseRecord:
    phase: Phase
    location: str
    facility: str
    component_id: str | None  # the component (or none: a national facility) that runs the phase
    began_at: datetime
    began_by: str
    checklist: dict[str, datetime | None]  # item → when it was done
    minimum_until: datetime | None = None
    decision: PhaseDecision | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str = ""
    override_reason: str = ""


@dataclass
class Journey:
    person_id: str
    incident_id: str
    name: str
    component_id: str
    opened_at: datetime
    custody: list[HandOff] = field(default_factory=list)
    phases: list[PhaseRecord] = field(default_factory=list)
    team: dict[TeamRole, str] = field(default_factory=dict)
    medical_care: str | None = None  # where the person went when a phase decided "medical"
    end: JourneyEnd | None = None
    ended_at: datetime | None = None
    end_remarks: str = ""
    version: int = 0

    @property
    def custodian(self) -> Custodian | None:
        """Who holds the person now: the receiver of the last completed hand-off."""
        done = [h for h in self.custody if h.status is HandOffStatus.COMPLETE]
        return done[-1].receiver if done else None

    @property
    def pending(self) -> HandOff | None:
        return next((h for h in self.custody if h.status is HandOffStatus.PENDING), None)

    @property
    def phase(self) -> PhaseRecord | None:
        return self.phases[-1] if self.phases else None

    @property
    def in_reintegration(self) -> bool:
        p = self.phase
        return p is not None and p.decision is None

    def handoff(self, handoff_id: str) -> HandOff | None:
        return next((h for h in self.custody if h.handoff_id == handoff_id), None)


# --- the case file: the interagency track and the information collection plan --------------------


class ActorKind(enum.StrEnum):
    STATE_DEPARTMENT = "state_department"
    EMBASSY = "embassy"
    ICRC = "icrc"
    NEGOTIATOR = "negotiator"
    NGO = "ngo"
    HOST_NATION = "host_nation"
    INTELLIGENCE_AGENCY = "intelligence_agency"
    OTHER = "other"


class RequestKind(enum.StrEnum):
    REQUEST = "request"  # asked of an interagency actor
    TASKING = "tasking"  # given to one of our own


class Approval(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass
class InteragencyActor:
    actor_id: str
    organisation: str
    kind: ActorKind
    contact: str
    role: str
    need_to_know: tuple[str, ...]  # further components that may see this actor and its entries
    added_by: str
    added_at: datetime


@dataclass
class InteragencyRequest:
    request_id: str
    kind: RequestKind
    actor_id: str
    text: str
    due_at: datetime | None
    source: str
    raised_by: str
    raised_at: datetime
    approval: Approval = Approval.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_remarks: str = ""
    done_at: datetime | None = None
    outcome: str = ""


@dataclass
class CaseEntry:
    entry_id: str
    at: datetime  # when it happened, as the source dates it
    source: str
    text: str
    actor_id: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass
class CollectionItem:
    item_id: str
    item: str
    added_by: str
    added_at: datetime
    assigned_to: str  # a component, or JPRCC
    due_at: datetime | None
    done_at: datetime | None = None
    done_by: str | None = None
    result: str = ""


@dataclass
class Casefile:
    incident_id: str
    opened_at: datetime
    actors: dict[str, InteragencyActor] = field(default_factory=dict)
    requests: dict[str, InteragencyRequest] = field(default_factory=dict)
    entries: list[CaseEntry] = field(default_factory=list)
    collection: dict[str, CollectionItem] = field(default_factory=dict)
    version: int = 0
