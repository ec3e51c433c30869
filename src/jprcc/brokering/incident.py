"""The incident aggregate: its state, and how each event changes it (``apply``).

State is rebuilt by folding the incident's events in order, so the state at any past time
is the fold of the events up to that time. Decisions live in ``brokering``; this module
only records what the events say.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from jprcc.core.model import (
    DUSTWUN_LIMIT,
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    PRTask,
    RelayChannel,
    ReportChannel,
    SourceConfidence,
    SupportKind,
    TaskStatus,
)
from jprcc.core.values import CommandRelationship, Contribution, Offer, OptionChoice
from jprcc.locate.model import SearchCase


class Stage(enum.StrEnum):
    """Where the incident stands in the brokering flow (see ``jprcc.brokering.flow``)."""

    REPORTED = "reported"
    ORGANIC_RECOVERY = "organic_recovery"
    ASSISTANCE_REQUESTED = "assistance_requested"
    CAPABILITY_POLL = "capability_poll"
    NOMINATED = "nominated"
    DIRECTIVE_IN_FORCE = "directive_in_force"
    RECOVERY_UNDERWAY = "recovery_underway"
    RECOVERED = "recovered"
    REINTEGRATION = "reintegration"
    DETAINED = "detained"
    CLOSED = "closed"


@dataclass
class Person:
    person_id: str
    name: str
    service: str
    component_id: str
    unit: str
    condition: Condition
    duty_status: DutyStatus
    status_since: datetime
    person_ref: str | None = None
    remains_identified: bool = False
    dustwun_alerted: bool = False
    authenticated_by: str | None = None  # who verified an answer of the person's ISOPREP
    authenticated_at: datetime | None = None
    end: str | None = None  # how the person's journey ended (the journey capability records it)

    @property
    def dustwun_due_at(self) -> datetime | None:
        """When a DUSTWUN status must be redesignated (10 days after it was declared)."""
        if self.duty_status is not DutyStatus.DUSTWUN:
            return None
        return self.status_since + DUSTWUN_LIMIT

    @property
    def accounted_for(self) -> bool:
        """Accounted for only when returned alive, or remains recovered and identified."""
        return self.duty_status is DutyStatus.RECOVERED or (
            self.duty_status is DutyStatus.DECEASED and self.remains_identified
        )

    @property
    def held(self) -> bool:
        return self.duty_status is DutyStatus.CAPTURED


@dataclass
class PollAnswer:
    component_id: str
    offers: tuple[Offer, ...]
    cannot_reason: str | None
    answered_by: str
    answered_at: datetime


@dataclass
class CapabilityPoll:
    poll_id: str
    component_ids: tuple[str, ...]
    capabilities_needed: tuple[Capability, ...]
    respond_by: datetime | None
    opened_at: datetime
    answers: dict[str, PollAnswer] = field(default_factory=dict)

    def offered(self, component_id: str, asset_id: str) -> Offer | None:
        answer = self.answers.get(component_id)
        if answer is None:
            return None
        return next((o for o in answer.offers if o.asset_id == asset_id), None)


class NominationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # superseded by a re-plan before the JFC decided


class SupportTaskStatus(enum.StrEnum):
    """A supporting component's answer to its support task."""

    TASKED = "tasked"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DirectiveStatus(enum.StrEnum):
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"
    COMPLETED = "completed"


class TaconRequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass
class Nomination:
    nomination_id: str
    supported_component: str
    contributions: tuple[Contribution, ...]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    rationale: str
    nominated_by: str
    nominated_at: datetime
    status: NominationStatus = NominationStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_remarks: str = ""
    adopted_option: OptionChoice | None = None
    alternatives: tuple[OptionChoice, ...] = ()

    @property
    def supporting_components(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for c in self.contributions:
            if c.component_id != self.supported_component:
                seen[c.component_id] = None
        return tuple(seen)

    @property
    def asset_ids(self) -> tuple[str, ...]:
        return tuple(a for c in self.contributions for a in c.asset_ids)


@dataclass
class SupportTask:
    component_id: str
    asset_ids: tuple[str, ...]
    task: str
    status: SupportTaskStatus = SupportTaskStatus.TASKED
    remarks: str = ""
    at: datetime | None = None


@dataclass
class SupportDirective:
    """The JFC-approved directive: who is supported, who supports with what, when, to what
    effect. TACON of every asset stays with its owning component (``tacon_statement``)."""

    directive_id: str
    nomination_id: str
    supported_component: str
    contributions: tuple[Contribution, ...]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    tacon_statement: str
    approved_by: str
    approved_at: datetime
    status: DirectiveStatus = DirectiveStatus.IN_FORCE
    ended_at: datetime | None = None


@dataclass
class TaconRequest:
    request_id: str
    asset_ids: tuple[str, ...]
    from_component: str
    to_component: str
    begin: datetime
    end: datetime
    reason: str
    requested_by: str
    requested_at: datetime
    status: TaconRequestStatus = TaconRequestStatus.REQUESTED
    decided_by: str | None = None
    decision_remarks: str = ""


class RelayStatus(enum.StrEnum):
    RECORDED = "recorded"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    RESOLVED = "resolved"  # a dispute the JPRCC settled


@dataclass
class RelayedDecision:
    """A decision the JPRCC recorded for its giver: ``party`` is the component it was recorded
    for, or ``JFC``."""

    record_id: str
    decision: str
    party: str
    given_by: str
    channel: RelayChannel
    recorded_by: str
    recorded_at: datetime
    status: RelayStatus = RelayStatus.RECORDED
    answered_by: str | None = None
    answered_at: datetime | None = None
    answer: str = ""
    resolution: str = ""


@dataclass
class NarrativeEntry:
    entry_id: str
    author: str
    at: datetime
    text: str


def narrative_entry_id(incident_id: str, n: int) -> str:
    """The id of an incident's ``n``-th narrative entry (from 1): ``PR-RAVEN21/L7``."""
    return f"{incident_id}/L{n}"


def narrative_ordinal(entry_id: str) -> int:
    """Where an entry stands in its incident's narrative (the ``n`` of its id)."""
    return int(entry_id.rsplit("/L", 1)[1])


@dataclass
class Incident:
    incident_id: str
    title: str
    owning_component: str
    isolating_event_at: datetime
    reported_at: datetime
    reported_by: str
    position: Position
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    environment: Environment
    priority: int
    summary: str
    check_in_interval_s: int
    persons: dict[str, Person]
    stage: Stage = Stage.REPORTED
    tasks: dict[PRTask, TaskStatus] = field(default_factory=dict)
    version: int = 0
    last_update_at: datetime | None = None
    overdue_alerted: bool = False
    organic_plan: str = ""
    assistance_capabilities: tuple[Capability, ...] = ()
    assistance_reason: str = ""
    cannot_recover: bool = False
    poll: CapabilityPoll | None = None
    nominations: list[Nomination] = field(default_factory=list)
    directive: SupportDirective | None = None
    past_directives: list[SupportDirective] = field(default_factory=list)
    support_tasks: dict[str, SupportTask] = field(default_factory=dict)
    relationships: list[CommandRelationship] = field(default_factory=list)
    tacon_requests: dict[str, TaconRequest] = field(default_factory=dict)
    narrative_count: int = 0
    """Entries in the case narrative. The entries themselves are a read model of their own
    (``incident_narrative``), appended to, never part of the state a command loads and stores: a
    long narrative does not make every command on the incident slower."""
    relayed: list[RelayedDecision] = field(default_factory=list)
    detaining_party: str = ""
    deliberate_recovery: tuple[str, ...] = ()
    """Detained persons the JFC ordered recovered by force, beside the negotiation."""
    receiving_components: tuple[str, ...] = ()
    """Components named to receive a person (a custody hand-off): they see the case from then on."""
    shared_with: tuple[str, ...] = ()
    """Components brought in for a task on the case (a collection item, an interagency actor's
    need-to-know): they see the incident."""
    reintegration_team: str = ""
    disposition: Disposition | None = None
    closed_at: datetime | None = None
    search: SearchCase = field(default_factory=SearchCase)

    # --- derived views ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.stage is not Stage.CLOSED

    @property
    def authenticated(self) -> bool:
        """Whether the contact is authenticated: a person still out there answered an ISOPREP
        question and the vault verified the answer. Completing the LOCATE task alone is not
        authentication: a located contact may still be bait."""
        return any(
            p.authenticated_by is not None
            for p in self.persons.values()
            if p.duty_status not in (DutyStatus.RECOVERED, DutyStatus.DECEASED)
        )

    @property
    def pending_nomination(self) -> Nomination | None:
        return next((n for n in self.nominations if n.status is NominationStatus.PENDING), None)

    @property
    def supported_component(self) -> str | None:
        if self.directive is not None and self.directive.status is DirectiveStatus.IN_FORCE:
            return self.directive.supported_component
        pending = self.pending_nomination
        return pending.supported_component if pending else None

    @property
    def overdue_at(self) -> datetime | None:
        if not self.is_open or self.last_update_at is None:
            return None
        return self.last_update_at + timedelta(seconds=self.check_in_interval_s)

    def active_relationships(self, at: datetime) -> list[CommandRelationship]:
        return [r for r in self.relationships if r.begin <= at and (r.end is None or r.end > at)]

    def involved_components(self) -> set[str]:
        """Components with a need to know: owner, polled, nominated, supported, supporting."""
        involved = {self.owning_component}
        involved.update(p.component_id for p in self.persons.values())
        involved.update(self.receiving_components)
        involved.update(self.shared_with)
        if self.poll is not None:
            involved.update(self.poll.component_ids)
        for n in self.nominations:
            involved.add(n.supported_component)
            involved.update(c.component_id for c in n.contributions)
        for r in self.relationships:
            involved.update((r.from_component, r.to_component))
        for t in self.tacon_requests.values():
            involved.update((t.from_component, t.to_component))
        return involved
