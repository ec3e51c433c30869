"""After-action metrics, from any event log, exercise or real: per incident, how long each milestone
took from the isolating event, how long each brokering step lasted, the darkness that passed while
the cell coordinated, who was involved, and what was offered against what was chosen.

Pure: recorded events in, metrics out; ``DEFINITIONS`` says what each figure means (the after-action
report prints them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from jprcc.brokering import events as b
from jprcc.core.model import DutyStatus, Position
from jprcc.core.ports import RecordedEvent
from jprcc.intel.planning import light
from jprcc.journey import events as j
from jprcc.journey.model import Phase
from jprcc.locate import events as loc
from jprcc.locate.model import Fix
from jprcc.records import events as r

LOCATED_M = 1000.0
DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("isolated", "the isolating event's time, as reported; reported: when the report was recorded"),
    (
        "located",
        f"the first time the person's position was known within {LOCATED_M:.0f} m: the report's own "
        "uncertainty, a position update, or a beacon or DF fix whose error ellipse's semi-major axis is "
        "within it",
    ),
    ("authenticated", "the first matching authentication of any of the incident's persons"),
    ("directive", "the JFC's approval of a nomination: the support directive in force"),
    ("recovered", "the first recovery recorded, or the first person handed into friendly hands"),
    ("phase I", "the first reintegration phase I begun for any of the incident's persons"),
    (
        "brokering steps",
        "report → assistance requested → poll opened → answers in (the last answer before the nomination "
        "that was approved) → nominated → approved → execution (recovery begun) → recovered; a step is "
        "measured only when both its ends happened, in that order",
    ),
    (
        "dark minutes lost",
        "minutes of darkness (the Sun below civil twilight) at the person's last reported position between "
        "the request for assistance and the start of execution (or the end of the log, if execution has not "
        "begun); none when no assistance was requested",
    ),
    (
        "offered / chosen",
        "the assets offered in the poll answers, and those in the approved nomination; options weighed: the "
        "options the nomination recorded (adopted and set aside)",
    ),
)
MILESTONES = ("reported", "located", "authenticated", "directive", "recovered", "phase_one")
STEPS = (
    ("report → assistance request", "reported", "assistance"),
    ("assistance request → poll", "assistance", "poll"),
    ("poll → answers in", "poll", "answers"),
    ("answers in → nomination", "answers", "nominated"),
    ("nomination → approval", "nominated", "directive"),
    ("approval → execution", "directive", "execution"),
    ("execution → recovery", "execution", "recovered"),
)


@dataclass(frozen=True)
class Step:
    name: str
    began: datetime
    ended: datetime

    @property
    def minutes(self) -> float:
        return (self.ended - self.began).total_seconds() / 60


@dataclass
class IncidentMetrics:
    incident_id: str
    title: str
    owning_component: str
    isolated_at: datetime
    at: dict[str, datetime] = field(default_factory=dict)
    """When each milestone (``MILESTONES``) and brokering step end was reached."""
    position: Position | None = None
    steps: list[Step] = field(default_factory=list)
    dark_minutes_lost: float = 0.0
    components: set[str] = field(default_factory=set)
    relationships: list[str] = field(default_factory=list)
    offered: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    options_weighed: int = 0
    option_chosen: str = ""

    def minutes_at(self, when: datetime) -> float:
        """Minutes from the isolating event to ``when``."""
        return (when - self.isolated_at).total_seconds() / 60

    def minutes_to(self, milestone: str) -> float | None:
        """Minutes from the isolating event to ``milestone``; ``None`` if it has not happened."""
        when = self.at.get(milestone)
        return None if when is None else self.minutes_at(when)


def dark_minutes(position: Position, begin: datetime, end: datetime) -> float:
    """Minutes of darkness (the Sun below civil twilight) at ``position`` in [begin, end), sampled
    at the middle of each minute."""
    minutes = int((end - begin).total_seconds() // 60)
    if minutes <= 0:
        return 0.0
    jd = light.julian_day(begin) + (np.arange(minutes) + 0.5) / 1440.0
    elevation, _ = light.sun_position(position.lat, position.lon, jd)
    return float(np.count_nonzero(elevation < light.CIVIL))


@dataclass(frozen=True)
class Figures:
    """The after-action figures of a log: every incident's, as of a time, and how much was read."""

    incidents: list[IncidentMetrics]
    as_of: datetime
    events_read: int


def after_action(records: Iterable[RecordedEvent], as_of: datetime | None = None) -> Figures:
    """The figures of every incident reported in ``records`` (in log order), as of ``as_of`` (default:
    the last event's time, for a log whose clock has stopped: an exercise's, read afterwards)."""
    found: dict[str, IncidentMetrics] = {}
    answers: dict[str, list[tuple[datetime, str]]] = {}
    nominations: dict[str, dict[str, tuple[datetime, b.SupportNominated]]] = {}
    read, last = 0, None
    for record in records:
        e = record.event
        when = e.at  # when the fact took effect (a decision given by voice is recorded later)
        read, last = read + 1, when if last is None else max(last, when)
        if isinstance(e, b.IncidentReported):
            m = IncidentMetrics(e.incident_id, e.title, e.owning_component, e.isolating_event_at)
            m.at["reported"], m.position = when, e.position
            m.components.add(e.owning_component)
            if e.uncertainty_m <= LOCATED_M:
                m.at["located"] = when
            found[e.incident_id] = m
            continue
        m_or_none = found.get(getattr(e, "incident_id", ""))
        if m_or_none is not None:
            _fold(m_or_none, e, when, answers, nominations)
    end = as_of or last or datetime.now(UTC)
    for m in found.values():
        _steps(m)
        start = m.at.get("assistance")
        if start is not None and m.position is not None:
            m.dark_minutes_lost = dark_minutes(m.position, start, m.at.get("execution", end))
    incidents = sorted(found.values(), key=lambda m: (m.at["reported"], m.incident_id))
    return Figures(incidents, end, read)


def _first(m: IncidentMetrics, milestone: str, when: datetime) -> None:
    m.at.setdefault(milestone, when)


def _fold(
    m: IncidentMetrics,
    e: object,
    when: datetime,
    answers: dict[str, list[tuple[datetime, str]]],
    nominations: dict[str, dict[str, tuple[datetime, b.SupportNominated]]],
) -> None:
    if isinstance(e, b.PositionUpdated):
        m.position = e.position
        if e.uncertainty_m <= LOCATED_M:
            _first(m, "located", when)
    elif isinstance(e, loc.SearchInformationRecorded) and isinstance(e.information.body, Fix):
        if e.information.body.semi_major_m <= LOCATED_M:
            _first(m, "located", when)
    elif isinstance(e, r.AuthenticationAttempted) and e.matched:
        _first(m, "authenticated", when)
    elif isinstance(e, b.AssistanceRequested):
        _first(m, "assistance", when)
    elif isinstance(e, b.CapabilityPollOpened):
        _first(m, "poll", when)
        m.components.update(e.component_ids)
    elif isinstance(e, b.CapabilityPollAnswered):
        answers.setdefault(m.incident_id, []).append((when, e.component_id))
        m.offered.extend(f"{o.asset_id} ({e.component_id})" for o in e.offers)
    elif isinstance(e, b.SupportNominated):
        nominations.setdefault(m.incident_id, {})[e.nomination_id] = (when, e)
    elif isinstance(e, b.NominationApproved) and "directive" not in m.at:
        _approved(m, e, when, answers.get(m.incident_id, []), nominations.get(m.incident_id, {}))
    elif isinstance(e, b.RecoveryBegun):
        _first(m, "execution", when)
    elif isinstance(e, b.PersonsRecovered) or (
        isinstance(e, j.PersonCustodyChanged) and e.status is DutyStatus.RECOVERED
    ):  # recorded, or a hand-off into friendly hands (a released person flown out)
        _first(m, "recovered", when)
    elif isinstance(e, j.PhaseBegun) and e.phase is Phase.I:
        _first(m, "phase_one", when)


def _approved(
    m: IncidentMetrics,
    e: b.NominationApproved,
    when: datetime,
    answers: list[tuple[datetime, str]],
    nominations: dict[str, tuple[datetime, b.SupportNominated]],
) -> None:
    """The directive in force: what was nominated and when, the answers it rested on, what it chose."""
    m.at["directive"] = when
    nominated_at, nomination = nominations[e.nomination_id]
    m.at["nominated"] = nominated_at
    before = [t for t, _ in answers if t <= nominated_at]
    if before:
        m.at["answers"] = max(before)
    m.chosen = [f"{a} ({c.component_id})" for c in nomination.contributions for a in c.asset_ids]
    m.components.update(c.component_id for c in nomination.contributions)
    adopted = nomination.adopted_option
    m.options_weighed = (adopted is not None) + len(nomination.alternatives)
    m.option_chosen = adopted.summary if adopted is not None else ""
    m.relationships = [
        f"{_kind(rel.kind.value)} {rel.from_component} → {rel.to_component} ({', '.join(rel.asset_ids)})"
        for rel in e.relationships
    ]


def _kind(value: str) -> str:
    """'support_direct' → 'direct support'; 'tacon' → 'TACON'."""
    kind, _, flavour = value.partition("_")
    return f"{flavour} {kind}" if kind == "support" and flavour else value.upper()


def _steps(m: IncidentMetrics) -> None:
    for name, begin, end in STEPS:
        began, ended = m.at.get(begin), m.at.get(end)
        if began is not None and ended is not None and ended >= began:
            m.steps.append(Step(name, began, ended))


def csv_rows(metrics: Iterable[IncidentMetrics]) -> list[list[str]]:
    """One row per incident: the milestones in minutes from isolation, each step's minutes, the
    dark minutes lost, who was involved and what was offered against what was chosen."""
    header = [
        "incident_id",
        "title",
        "owning_component",
        "isolated_at",
        *(f"min_to_{name}" for name in MILESTONES),
        *(f"step_min: {name}" for name, _, _ in STEPS),
        "dark_minutes_lost",
        "components",
        "relationships",
        "offered",
        "chosen",
        "options_weighed",
        "option_chosen",
    ]
    rows = [header]
    for m in metrics:
        steps = {s.name: s.minutes for s in m.steps}
        rows.append(
            [
                m.incident_id,
                m.title,
                m.owning_component,
                m.isolated_at.isoformat(),
                *(_num(m.minutes_to(name)) for name in MILESTONES),
                *(_num(steps.get(name)) for name, _, _ in STEPS),
                _num(m.dark_minutes_lost),
                " ".join(sorted(m.components)),
                "; ".join(m.relationships),
                "; ".join(m.offered),
                "; ".join(m.chosen),
                str(m.options_weighed),
                m.option_chosen,
            ]
        )
    return rows


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
