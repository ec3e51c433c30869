"""Response bodies, and how the service's results become them. Positions carry MGRS too."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import starmap
from operator import attrgetter
from typing import TypeVar

from pydantic import BaseModel, Field

from jprcc.brokering.incident import Incident, NarrativeEntry, Stage
from jprcc.brokering.offered import available_actions
from jprcc.brokering.turns import Turn, turns
from jprcc.core import queries as q
from jprcc.core.contract import Registry
from jprcc.core.geo import to_mgrs
from jprcc.core.model import (
    Actor,
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Platform,
    Position,
    Readiness,
    RelationshipKind,
    RelayChannel,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
)
from jprcc.core.values import CommandRelationship, Contribution, Offer, OptionChoice

T = TypeVar("T")


class PositionOut(BaseModel):
    lat: float
    lon: float
    mgrs: str

    @classmethod
    def of(cls, p: Position) -> PositionOut:
        return cls(lat=p.lat, lon=p.lon, mgrs=to_mgrs(p))


class PersonOut(BaseModel):
    person_id: str
    name: str
    service: str
    component_id: str
    unit: str
    condition: Condition
    duty_status: DutyStatus
    status_since: datetime
    dustwun_due_at: datetime | None
    accounted_for: bool
    person_ref: str | None
    authenticated_by: str | None = Field(default=None, description="Who verified an ISOPREP answer.")
    authenticated_at: datetime | None = None
    remains_identified: bool = False
    end: str | None = Field(default=None, description="How the person's journey ended, once it has.")


class AssistanceOut(BaseModel):
    capabilities_needed: list[Capability]
    reason: str
    cannot_recover: bool


class PollAnswerOut(BaseModel):
    component_id: str
    offers: list[Offer]
    cannot_reason: str | None
    answered_by: str
    answered_at: datetime


class PollOut(BaseModel):
    poll_id: str
    component_ids: list[str]
    capabilities_needed: list[Capability]
    respond_by: datetime | None
    opened_at: datetime
    answers: list[PollAnswerOut]
    awaiting: list[str]


class NominationOut(BaseModel):
    nomination_id: str
    supported_component: str
    supporting_components: list[str]
    contributions: list[Contribution]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    rationale: str
    nominated_by: str
    nominated_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_remarks: str
    adopted_option: OptionChoice | None = Field(
        default=None, description="The recovery option this nomination adopts, as it was generated."
    )
    alternatives: list[OptionChoice] = Field(default=[], description="The options weighed and set aside.")


class DirectiveOut(BaseModel):
    """The support directive: priority, timing, effects, contributions, and TACON unchanged."""

    directive_id: str
    nomination_id: str
    supported_component: str
    contributions: list[Contribution]
    support_kind: SupportKind
    priority: int
    window_start: datetime
    window_end: datetime
    desired_effects: str
    tacon_statement: str
    approved_by: str
    approved_at: datetime
    status: str
    ended_at: datetime | None


class SupportTaskOut(BaseModel):
    component_id: str
    asset_ids: list[str]
    task: str
    status: str
    remarks: str
    at: datetime | None


class RelationshipOut(BaseModel):
    relationship_id: str
    kind: RelationshipKind
    transfers_control: bool
    from_component: str
    to_component: str
    incident_id: str
    asset_ids: list[str]
    begin: datetime
    end: datetime | None
    source_id: str
    statement: str

    @classmethod
    def of(cls, r: CommandRelationship) -> RelationshipOut:
        return cls(
            relationship_id=r.relationship_id,
            kind=r.kind,
            transfers_control=r.kind.transfers_control,
            from_component=r.from_component,
            to_component=r.to_component,
            incident_id=r.incident_id,
            asset_ids=list(r.asset_ids),
            begin=r.begin,
            end=r.end,
            source_id=r.source_id,
            statement=r.statement,
        )


class TaconRequestOut(BaseModel):
    request_id: str
    asset_ids: list[str]
    from_component: str
    to_component: str
    begin: datetime
    end: datetime
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decision_remarks: str


class NarrativeOut(BaseModel):
    entry_id: str
    author: str
    at: datetime
    text: str

    @classmethod
    def of(cls, n: NarrativeEntry) -> NarrativeOut:
        """The entry as answered (an entry never changes once written: every answer that carries it
        shares one, never altered)."""
        return _narrative_out(n.entry_id, n.author, n.at, n.text)


_ENTRY_FIELDS = attrgetter("entry_id", "author", "at", "text")


def _each_entry(made: Callable[[str, str, datetime, str], T], entries: Iterable[object]) -> Iterator[T]:
    """``made`` of each entry's fields, in order: every answer on an incident carries its latest
    hundred entries, so the loop and the cache's lookups run in C, not once per entry in Python."""
    return starmap(made, map(_ENTRY_FIELDS, entries))


@lru_cache(maxsize=8192)
def _narrative_out(entry_id: str, author: str, at: datetime, text: str) -> NarrativeOut:
    return NarrativeOut(entry_id=entry_id, author=author, at=at, text=text)


@lru_cache(maxsize=8192)
def _narrative_json(entry_id: str, author: str, at: datetime, text: str) -> bytes:
    """The entry as an answer writes it, serialized once (entries never change)."""
    entry = _narrative_out(entry_id, author, at, text)
    return entry.__pydantic_serializer__.to_json(entry, by_alias=True)


class SearchCaseOut(BaseModel):
    revision: int = Field(description="The search model's revision (0: none defined).")
    information: int
    plans: int


class WaitingOut(BaseModel):
    """One thing the incident waits for: from whom (``component:JFLCC``, ``jfc``, ``jprcc``), what
    is asked, by when, and the action that answers it."""

    party: str
    who: str = Field(description="The party in words: JFLCC, the JFC, the JPRCC.")
    kind: str
    action: str
    asks: str
    since: datetime
    due_at: datetime | None
    urgent: bool

    @classmethod
    def of(cls, t: Turn) -> WaitingOut:
        who = t.party.removeprefix("component:") if t.party.startswith("component:") else t.party.upper()
        return cls(
            party=t.party,
            who=who,
            kind=t.kind,
            action=t.action,
            asks=t.asks,
            since=t.since,
            due_at=t.due_at,
            urgent=t.urgent,
        )


class RelayedOut(BaseModel):
    """A decision given by voice and recorded by the JPRCC: for whom, as given by whom, how, by
    whom recorded, and the party's answer (recorded, confirmed, disputed, resolved)."""

    record_id: str
    decision: str
    party: str
    given_by: str
    channel: RelayChannel
    recorded_by: str
    recorded_at: datetime
    status: str
    answered_by: str | None
    answered_at: datetime | None
    answer: str
    resolution: str


# the narrative left out of a detail's JSON, where the entries go back in (a string's quotes are
# escaped, so only a key can read so)
_NO_NARRATIVE = b'"narrative":[]'


class IncidentDetail(BaseModel):
    incident_id: str
    version: int
    title: str
    stage: Stage
    owning_component: str
    supported_component: str | None
    involved_components: list[str]
    priority: int
    environment: Environment
    summary: str
    isolating_event_at: datetime
    reported_at: datetime
    reported_by: str
    position: PositionOut
    uncertainty_m: float
    channel: ReportChannel
    source_confidence: SourceConfidence
    check_in_interval_s: int
    last_update_at: datetime | None
    overdue_at: datetime | None
    persons: list[PersonOut]
    tasks: dict[str, str]
    organic_plan: str
    assistance: AssistanceOut | None
    poll: PollOut | None
    nominations: list[NominationOut]
    directive: DirectiveOut | None
    past_directives: list[DirectiveOut]
    support_tasks: list[SupportTaskOut]
    relationships: list[RelationshipOut]
    tacon_requests: list[TaconRequestOut]
    narrative: list[NarrativeOut] = Field(
        description="The latest entries of the case narrative (at most 100), oldest first; the earlier "
        "ones from GET /api/incidents/{incident_id}/narrative?before=..."
    )
    narrative_total: int = Field(description="Entries in the whole case narrative.")
    waiting_for: list[WaitingOut] = Field(
        description="What the incident waits for now, from whom: the page leads with it."
    )
    relayed: list[RelayedOut] = Field(
        description="Decisions the JPRCC recorded on their giver's behalf, and whether confirmed."
    )
    detaining_party: str
    deliberate_recovery: list[str] = Field(
        description="Detained persons the JFC ordered recovered by force, beside the negotiation."
    )
    receiving_components: list[str] = Field(description="Components named to receive a person.")
    reintegration_team: str
    disposition: Disposition | None
    closed_at: datetime | None
    search_case: SearchCaseOut = Field(
        description="What the search case holds: a page redraws its map when it changes."
    )
    allowed_actions: list[str] = Field(description="What the reader may do on this incident now.")

    def to_json(self) -> bytes:
        """The detail as its answer writes it (FastAPI's own serialization, by alias), but for
        the narrative entries, each serialized once per process and spliced in: every write on an
        incident answers its latest hundred entries, and they never change once written."""
        rest = self.model_copy(update={"narrative": []})
        written = rest.__pydantic_serializer__.to_json(rest, by_alias=True)
        at = written.find(_NO_NARRATIVE)
        if at < 0 or written.find(_NO_NARRATIVE, at + 1) >= 0:  # (a nested key of that name: no splice)
            return self.__pydantic_serializer__.to_json(self, by_alias=True)
        entries = b",".join(_each_entry(_narrative_json, self.narrative))
        return b"".join((written[:at], b'"narrative":[', entries, b"]", written[at + len(_NO_NARRATIVE) :]))

    @classmethod
    def of(
        cls,
        i: Incident,
        actor: Actor | None = None,
        registry: Registry | None = None,
        narrative: Sequence[NarrativeEntry] = (),
    ) -> IncidentDetail:
        """The incident's detail; its case narrative is a read model of its own, read beside it."""
        poll = None
        if i.poll is not None:
            poll = PollOut(
                poll_id=i.poll.poll_id,
                component_ids=list(i.poll.component_ids),
                capabilities_needed=list(i.poll.capabilities_needed),
                respond_by=i.poll.respond_by,
                opened_at=i.poll.opened_at,
                answers=[
                    PollAnswerOut.model_validate(a, from_attributes=True) for a in i.poll.answers.values()
                ],
                awaiting=[c for c in i.poll.component_ids if c not in i.poll.answers],
            )
        assistance = None
        if i.assistance_reason:
            assistance = AssistanceOut(
                capabilities_needed=list(i.assistance_capabilities),
                reason=i.assistance_reason,
                cannot_recover=i.cannot_recover,
            )
        return cls(
            incident_id=i.incident_id,
            version=i.version,
            title=i.title,
            stage=i.stage,
            owning_component=i.owning_component,
            supported_component=i.supported_component,
            involved_components=sorted(i.involved_components()),
            priority=i.priority,
            environment=i.environment,
            summary=i.summary,
            isolating_event_at=i.isolating_event_at,
            reported_at=i.reported_at,
            reported_by=i.reported_by,
            position=PositionOut.of(i.position),
            uncertainty_m=i.uncertainty_m,
            channel=i.channel,
            source_confidence=i.source_confidence,
            check_in_interval_s=i.check_in_interval_s,
            last_update_at=i.last_update_at,
            overdue_at=i.overdue_at,
            persons=[
                PersonOut(**{k: getattr(p, k) for k in PersonOut.model_fields if hasattr(p, k)})
                for p in i.persons.values()
            ],
            tasks={t.value: s.value for t, s in i.tasks.items()},
            organic_plan=i.organic_plan,
            assistance=assistance,
            poll=poll,
            nominations=[NominationOut.model_validate(n, from_attributes=True) for n in i.nominations],
            directive=DirectiveOut.model_validate(i.directive, from_attributes=True) if i.directive else None,
            past_directives=[DirectiveOut.model_validate(d, from_attributes=True) for d in i.past_directives],
            support_tasks=[
                SupportTaskOut.model_validate(t, from_attributes=True) for t in i.support_tasks.values()
            ],
            relationships=[RelationshipOut.of(r) for r in i.relationships],
            tacon_requests=[
                TaconRequestOut.model_validate(t, from_attributes=True) for t in i.tacon_requests.values()
            ],
            narrative=list(_each_entry(_narrative_out, narrative)),
            narrative_total=i.narrative_count,
            waiting_for=[WaitingOut.of(t) for t in turns(i)],
            relayed=[RelayedOut.model_validate(r, from_attributes=True) for r in i.relayed],
            detaining_party=i.detaining_party,
            deliberate_recovery=list(i.deliberate_recovery),
            receiving_components=list(i.receiving_components),
            reintegration_team=i.reintegration_team,
            disposition=i.disposition,
            closed_at=i.closed_at,
            search_case=SearchCaseOut(
                revision=i.search.revision, information=len(i.search.information), plans=len(i.search.plans)
            ),
            allowed_actions=(
                available_actions(registry, actor, i) if actor is not None and registry is not None else []
            ),
        )


class BoardRowOut(BaseModel):
    incident_id: str
    title: str
    stage: Stage
    owning_component: str
    supported_component: str | None
    priority: int
    environment: str
    isolating_event_at: datetime
    reported_at: datetime
    last_update_at: datetime
    overdue_at: datetime | None = Field(
        description="When the next check-in falls due: the last update plus the check-in interval "
        "(none once closed). The card counts down to it."
    )
    overdue: bool
    dustwun_due_at: datetime | None
    position: PositionOut
    uncertainty_m: float
    persons_count: int
    duty_statuses: list[str]
    tasks: dict[str, str]
    version: int
    check_in_interval_s: int = Field(description="Seconds between check-ins the JPRCC expects.")

    @classmethod
    def of(cls, r: q.BoardRow) -> BoardRowOut:
        fields = {k: getattr(r, k) for k in cls.model_fields if hasattr(r, k)}
        return cls(**fields, position=PositionOut.of(Position(r.lat, r.lon)))


class BoardOut(BaseModel):
    """The incident board: a page of incident cards, and counts over all that match."""

    rows: list[BoardRowOut] = Field(description="This page's cards, in the order asked for.")
    total: int = Field(description="How many incidents match the search and every filter, over all pages.")
    counts: dict[str, int] = Field(
        description="Per stage, how many match the search and every filter but the stage: a stage's "
        "count, clicked, filters to that many."
    )
    overdue: int = Field(description="Of those the counts cover, how many are overdue.")
    open_total: int = Field(description="Every open incident you may see, whatever the search and filters.")


class TimelineEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    event_type: str
    summary: str


class AlertOut(BaseModel):
    kind: str
    incident_id: str
    title: str
    due_at: datetime
    detail: str


class CommitmentOut(BaseModel):
    operation_id: str
    priority: int


class AssetOut(BaseModel):
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    capabilities: list[Capability]
    base: PositionOut
    base_name: str
    speed_kmh: float
    range_km: float
    endurance_h: float | None
    readiness: Readiness
    commitment: CommitmentOut | None
    tasked_incident_id: str | None
    tasked_until: datetime | None = Field(
        default=None,
        description="The end of the timing window of the support directive it serves: from then on it "
        "may serve another incident in sequence.",
    )
    platform: Platform | None = Field(description="As stated at registration (null: inferred for planning).")
    carried_by: str | None = Field(description="The asset it rides in or aboard.")

    @classmethod
    def of(cls, s: q.AssetStatus) -> AssetOut:
        a = s.asset
        commitment = (
            CommitmentOut(operation_id=a.commitment.operation_id, priority=a.commitment.priority)
            if a.commitment
            else None
        )
        return cls(
            asset_id=a.asset_id,
            callsign=a.callsign,
            asset_type=a.asset_type,
            component_id=a.component_id,
            capabilities=list(a.capabilities),
            base=PositionOut.of(a.base),
            base_name=a.base_name,
            speed_kmh=a.speed_kmh,
            range_km=a.range_km,
            endurance_h=a.endurance_h,
            readiness=a.readiness,
            commitment=commitment,
            tasked_incident_id=s.tasked_incident_id,
            tasked_until=s.tasked_until,
            platform=a.platform,
            carried_by=a.carried_by,
        )


class UserOut(BaseModel):
    username: str
    role: Role
    component_id: str | None
    full_name: str
    active: bool
    failed_logins: int = Field(default=0, description="Wrong passwords since the last login or unlock.")
    locked_at: datetime | None = Field(default=None, description="Locked after wrong passwords.")


class MeOut(UserOut):
    report_components: list[str] = Field(description="Components you may report an isolating event for.")


class ClockOut(BaseModel):
    """The node's time: in an exercise, scenario time, which may run faster than real time or stand still."""

    now: datetime = Field(description="The node's time when this answer was made.")
    speed: float = Field(description="Seconds of the node's time per real second (0: stopped; 1: real time).")


class ConfigOut(BaseModel):
    """What every screen needs before login: the marking and who this node is."""

    classification: str = Field(description="The banner of every page: in an exercise, its marking too.")
    exercise: str = Field(default="", description="The exercise this node runs; empty for real operations.")
    clock: ClockOut | None = None
    node_id: str
    version: str
    basemap_tiles: bool
    hillshade: bool = False


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    username: str
    role: Role
    component_id: str | None


class AuditOut(BaseModel):
    ok: bool
    records: int
    bad_seq: int | None
    bad_event_id: str | None
    reason: str


class Problem(BaseModel):
    """Every error answer: a stable code, a sentence, and the field it concerns."""

    error: str
    message: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None
