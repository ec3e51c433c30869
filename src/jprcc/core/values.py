"""Records shared by commands, events and state: persons, offers, contributions, relationships.

The offers, contributions and relationships an incident holds are written in its document on every
command, by orjson, which writes a dataclass with ``__slots__`` at a third of the speed of one with
a ``__dict__`` (0.86 against 0.32 µs an offer): they are not slotted. (An incident of the demo holds
sixteen; its document took 22.6 µs to write, now 14.8.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.model import Capability, Condition, DutyStatus, RelationshipKind, RelayChannel


@dataclass(frozen=True, slots=True)
class PersonReport:
    """An isolated person as first reported. ``person_ref`` links to an ISOPREP when known."""

    name: str
    service: str
    component_id: str
    unit: str
    condition: Condition = Condition.UNKNOWN
    duty_status: DutyStatus = DutyStatus.ISOLATED
    person_ref: str | None = None


@dataclass(frozen=True)
class Offer:
    """One asset a polled component can provide, for one capability, from a time on.

    ``release_from_operation`` is the component's explicit release of the asset from a
    higher-priority operation it is committed to; without it such an asset cannot be offered.
    """

    asset_id: str
    capability: Capability
    available_at: datetime
    release_from_operation: bool = False
    remarks: str = ""


@dataclass(frozen=True)
class Contribution:
    """What one component provides to a recovery: which assets, doing what."""

    component_id: str
    asset_ids: tuple[str, ...]
    task: str


@dataclass(frozen=True)
class CommandRelationship:
    """A command relationship: kind, from (the giving component), to (the receiving one),
    scope (assets and incident), and its begin and end. ``end`` is ``None`` while open-ended
    (a support relationship lasts until its directive ends); TACON always has an end."""

    relationship_id: str
    kind: RelationshipKind
    from_component: str
    to_component: str
    incident_id: str
    asset_ids: tuple[str, ...]
    begin: datetime
    end: datetime | None
    source_id: str
    statement: str

    def overlaps(self, begin: datetime, end: datetime | None) -> bool:
        """True when [self.begin, self.end) intersects [begin, end); ``None`` is open-ended.
        An empty interval (a transfer cancelled before it began) overlaps nothing."""
        if self.end is not None and self.end <= self.begin:
            return False
        starts_before_other_ends = end is None or self.begin < end
        other_starts_before_self_ends = self.end is None or begin < self.end
        return starts_before_other_ends and other_starts_before_self_ends

    def ended_at(self, at: datetime) -> CommandRelationship:
        """This relationship ended at ``at`` (or at its planned end, if that is earlier)."""
        end = at if self.end is None or at < self.end else self.end
        end = max(end, self.begin)
        return CommandRelationship(
            relationship_id=self.relationship_id,
            kind=self.kind,
            from_component=self.from_component,
            to_component=self.to_component,
            incident_id=self.incident_id,
            asset_ids=self.asset_ids,
            begin=self.begin,
            end=end,
            source_id=self.source_id,
            statement=self.statement,
        )


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """A decision given by voice and recorded by the JPRCC for the one who gave it: who gave it
    (name and rank, as said on the line) and how it came (phone, radio, ...). The recorder is the
    event's actor; the party it was recorded for may later confirm or dispute it."""

    given_by: str
    channel: RelayChannel


@dataclass(frozen=True, slots=True)
class OptionChoice:
    """A recovery option as a nomination records it: adopted, or weighed and set aside.

    The figures are those the option had when it was generated, so that the record says what
    the planners saw; ``tacon_transfer`` is true only for an option that moves tactical control.
    """

    option_id: str
    method: str
    supported_component: str
    summary: str
    score: float
    minutes_to_medical: float
    p_success: float | None  # None for a track that commits no forces
    disruption: int
    tacon_transfer: bool = False
    package: OptionPackage | None = None
    """The adopted option's package as the JFC approves it (alternatives carry only the summary)."""


@dataclass(frozen=True, slots=True)
class OptionPackage:
    """What the JFC's decision rests on: each asset's role, the times, the light at the pickup,
    why P(success) is what it is, and what other operations lose. Lines of plain language, as
    the planners saw them when the option was generated."""

    assets: tuple[str, ...]
    launch_at: datetime | None
    on_scene_at: datetime | None
    recovery_at: datetime | None
    at_medical_at: datetime | None
    medical_facility: str
    light_at_pickup: str
    matrix_row_at_pickup: int | None
    threat_on_route: float
    reasons: tuple[str, ...]
    disrupted: tuple[str, ...]
