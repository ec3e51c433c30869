"""Brokering: the state machine that takes an incident from report to close.

::

    REPORTED ──declare organic──▶ ORGANIC_RECOVERY ──record recovery──────────────┐
       │                               │                                           │
       └──────request assistance───────┘  (owner asks, or JPRCC finds it cannot)   │
                       ▼                                                           │
    ASSISTANCE_REQUESTED ──open poll──▶ CAPABILITY_POLL ──nominate──▶ NOMINATED     │
                                         ▲   ▲   ▲ answers            │ │         │
                                         │   │   └────JFC rejects─────┘ │         │
                                         │   └──replan──┐         JFC approves     │
                                         │              │               ▼          │
                                         │        DIRECTIVE_IN_FORCE (support      │
                                         │           │  ▲    directive; TACON      │
                                         │    begin  │  │    stays with owners)    │
                                         │           ▼  │ abort                    │
                                         └──replan── RECOVERY_UNDERWAY             │
                                                     │ record recovery             │
                                                     ▼                             │
    DETAINED ──record release──────────────────▶ RECOVERED ◀──────────────────────┘
       ▲ declare detained (any open stage before recovery): the non-military track,
       │ recorded, not planned
                                                 RECOVERED ──hand to reintegration──▶
    REINTEGRATION ──close──▶ CLOSED    (any open stage may also close, with a disposition)

Every function here takes the command, the incident, a ``TheaterView`` and the
``Context``; it returns the events to record or raises a ``DomainError`` saying why not.
Who may issue each command is decided separately, in ``authorization``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.incident import Incident, Stage, SupportTaskStatus
from jprcc.brokering.rules import (
    CHECK_IN_RANGE_S,
    MAX_CLOCK_SKEW,
    MAX_UNCERTAINTY_M,
    TheaterView,
    require,
    require_asset_available,
    require_component,
    require_no_control_overlap,
    require_priority,
    require_text,
    require_time_order,
)
from jprcc.core import events as core_ev
from jprcc.core.errors import Conflict, RuleViolation
from jprcc.core.model import AT_LARGE, Context, RelationshipKind
from jprcc.core.values import CommandRelationship

S = Stage
Decider = Callable[[Any, Any, Any, Context], list[core_ev.Event]]
"""(command, the incident — None for a command that creates one —, the view, context) → events."""

TACON_STATEMENT = (
    "Support relationship only: tactical control (TACON) of every asset named in this "
    "directive remains with its owning component. The supported commander sets priority, "
    "timing and desired effects; each supporting commander keeps the tactics. This directive "
    "transfers no command authority."
)

#: the stages in which persons may still be declared detained
BEFORE_RECOVERY = (
    S.REPORTED,
    S.ORGANIC_RECOVERY,
    S.ASSISTANCE_REQUESTED,
    S.CAPABILITY_POLL,
    S.NOMINATED,
    S.DIRECTIVE_IN_FORCE,
    S.RECOVERY_UNDERWAY,
)


@dataclass(frozen=True)
class Step:
    """A decision and where in the flow it may be taken (``stages`` None: any open stage);
    ``creates``: the command starts the incident (it is decided on ``None``)."""

    command: type[cmd.IncidentCommand]
    decide: Decider
    stages: tuple[Stage, ...] | None
    action: str
    creates: bool = False


class Decisions:
    """A module's own table of incident decisions, filled by its ``@decides`` decorators. Each
    module keeps one; a capability lists the tables it brings (nothing global)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __call__(
        self,
        command_type: type[cmd.IncidentCommand],
        stages: tuple[Stage, ...] | None = None,
        action: str = "",
        creates: bool = False,
    ) -> Callable[[Decider], Decider]:
        """Declare the decision for ``command_type``, taken only in ``stages``."""

        def declare(fn: Decider) -> Decider:
            self.steps.append(
                Step(command_type, fn, stages, action or fn.__name__.replace("_", " "), creates)
            )
            return fn

        return declare


decides = Decisions()


@decides(cmd.ReportIncident, action="report an isolating event", creates=True)
def report_incident(
    c: cmd.ReportIncident, existing: Incident | None, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    if existing is not None:
        raise Conflict(f"incident {c.incident_id} already exists", field="incident_id")
    require_text(c.incident_id, "incident_id", limit=64)
    require_text(c.title, "title", limit=200)
    require_component(view, c.owning_component, "owning_component")
    require(
        c.isolating_event_at <= ctx.now + MAX_CLOCK_SKEW,
        "isolating_event_at is in the future",
        "isolating_event_at",
    )
    require(
        0 <= c.uncertainty_m <= MAX_UNCERTAINTY_M,
        f"uncertainty_m must be 0 to {MAX_UNCERTAINTY_M:.0f} m",
        "uncertainty_m",
    )
    require_priority(c.priority)
    require(bool(c.persons), "an incident needs at least one isolated person", "persons")
    interval = view.default_check_in_s if c.check_in_interval_s is None else c.check_in_interval_s
    require(interval in CHECK_IN_RANGE_S, "check_in_interval_s must be 60 s to 7 days", "check_in_interval_s")
    for i, p in enumerate(c.persons):
        require_text(p.name, f"persons[{i}].name", limit=200)
        require_component(view, p.component_id, f"persons[{i}].component_id")
        require(
            p.duty_status in AT_LARGE,
            "a newly reported person is isolated, evading, missing or DUSTWUN",
            f"persons[{i}].duty_status",
        )
    return [
        ev.IncidentReported(
            at=ctx.now,
            incident_id=c.incident_id,
            title=c.title,
            owning_component=c.owning_component,
            isolating_event_at=c.isolating_event_at,
            position=c.position,
            uncertainty_m=c.uncertainty_m,
            channel=c.channel,
            source_confidence=c.source_confidence,
            persons=tuple(ev.ReportedPerson(f"{c.incident_id}-P{i + 1}", p) for i, p in enumerate(c.persons)),
            environment=c.environment,
            priority=c.priority,
            summary=c.summary,
            check_in_interval_s=interval,
            reported_by=ctx.actor.username,
        )
    ]


@decides(cmd.DeclareOrganicRecovery, stages=(S.REPORTED,), action="declare organic recovery")
def declare_organic_recovery(
    c: cmd.DeclareOrganicRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_text(c.plan, "plan")
    return [ev.OrganicRecoveryDeclared(at=ctx.now, incident_id=inc.incident_id, plan=c.plan)]


@decides(cmd.RequestAssistance, stages=(S.REPORTED, S.ORGANIC_RECOVERY), action="request assistance")
def request_assistance(
    c: cmd.RequestAssistance, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_text(c.reason, "reason")
    require(
        bool(c.capabilities_needed) or c.cannot_recover,
        "state the capabilities needed (or that the component cannot recover)",
        "capabilities_needed",
    )
    return [
        ev.AssistanceRequested(
            at=ctx.now,
            incident_id=inc.incident_id,
            capabilities_needed=c.capabilities_needed,
            reason=c.reason,
            cannot_recover=c.cannot_recover,
        )
    ]


@decides(
    cmd.OpenCapabilityPoll,
    stages=(S.ASSISTANCE_REQUESTED, S.CAPABILITY_POLL),
    action="open a capability poll",
)
def open_capability_poll(
    c: cmd.OpenCapabilityPoll, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require(bool(c.component_ids), "poll at least one component", "component_ids")
    require(len(set(c.component_ids)) == len(c.component_ids), "a component is polled once", "component_ids")
    for i, component_id in enumerate(c.component_ids):
        require_component(view, component_id, f"component_ids[{i}]")
    capabilities = c.capabilities_needed or inc.assistance_capabilities
    require(bool(capabilities), "state the capabilities the poll asks for", "capabilities_needed")
    if c.respond_by is not None:
        require(c.respond_by > ctx.now, "respond_by must be in the future", "respond_by")
    polls = 1 if inc.poll is None else int(inc.poll.poll_id.rsplit("Q", 1)[1]) + 1
    return [
        ev.CapabilityPollOpened(
            at=ctx.now,
            incident_id=inc.incident_id,
            poll_id=f"{inc.incident_id}/Q{polls}",
            component_ids=c.component_ids,
            capabilities_needed=capabilities,
            respond_by=c.respond_by,
        )
    ]


@decides(
    cmd.AnswerCapabilityPoll, stages=(S.CAPABILITY_POLL, S.NOMINATED), action="answer the capability poll"
)
def answer_capability_poll(
    c: cmd.AnswerCapabilityPoll, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    poll = inc.poll
    assert poll is not None
    require(
        c.component_id in poll.component_ids,
        f"component {c.component_id} was not polled for incident {inc.incident_id}",
        "component_id",
    )
    require(
        bool(c.offers) != bool(c.cannot_reason and c.cannot_reason.strip()),
        "answer with offers, or with the reason the component cannot provide",
        "offers",
    )
    for i, offer in enumerate(c.offers):
        field = f"offers[{i}]"
        asset = require_asset_available(
            view,
            inc,
            offer.asset_id,
            c.component_id,
            released=offer.release_from_operation,
            field=f"{field}.asset_id",
            available_at=offer.available_at,
        )
        require(
            offer.capability in asset.capabilities,
            f"asset {asset.asset_id} has no {offer.capability.value} capability",
            f"{field}.capability",
        )
    return [
        ev.CapabilityPollAnswered(
            at=ctx.now,
            incident_id=inc.incident_id,
            poll_id=poll.poll_id,
            component_id=c.component_id,
            offers=c.offers,
            cannot_reason=c.cannot_reason if not c.offers else None,
            answered_by=ctx.actor.username,
        )
    ]


def _check_contributions(c: cmd.NominateSupport, inc: Incident, view: TheaterView) -> None:
    poll = inc.poll
    assert poll is not None
    require(bool(c.contributions), "a nomination needs contributions", "contributions")
    seen: set[str] = set()
    for i, contribution in enumerate(c.contributions):
        field = f"contributions[{i}]"
        require_component(view, contribution.component_id, f"{field}.component_id")
        require(bool(contribution.asset_ids), "each contribution names its assets", f"{field}.asset_ids")
        require_text(contribution.task, f"{field}.task")
        for j, asset_id in enumerate(contribution.asset_ids):
            afield = f"{field}.asset_ids[{j}]"
            require(asset_id not in seen, f"asset {asset_id} appears in two contributions", afield)
            seen.add(asset_id)
            offer = poll.offered(contribution.component_id, asset_id)
            require(
                offer is not None,
                f"asset {asset_id} was not offered by {contribution.component_id} in the capability poll",
                afield,
            )
            assert offer is not None
            require_asset_available(
                view,
                inc,
                asset_id,
                contribution.component_id,
                released=offer.release_from_operation,
                field=afield,
                available_at=offer.available_at,
            )


@decides(cmd.NominateSupport, stages=(S.CAPABILITY_POLL,), action="nominate")
def nominate_supported_component(
    c: cmd.NominateSupport, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_component(view, c.supported_component, "supported_component")
    _check_contributions(c, inc, view)
    require(
        any(x.component_id != c.supported_component for x in c.contributions),
        "a nomination names at least one supporting component besides the supported one "
        "(otherwise the component recovers organically)",
        "contributions",
    )
    require_priority(c.priority)
    require_time_order(c.window_start, c.window_end, "window_end")
    require(c.window_end > ctx.now, "the timing window has already closed", "window_end")
    require_text(c.desired_effects, "desired_effects")
    _check_option(c)
    return [
        ev.SupportNominated(
            at=ctx.now,
            incident_id=inc.incident_id,
            nomination_id=f"{inc.incident_id}/N{len(inc.nominations) + 1}",
            supported_component=c.supported_component,
            contributions=c.contributions,
            support_kind=c.support_kind,
            priority=c.priority,
            window_start=c.window_start,
            window_end=c.window_end,
            desired_effects=c.desired_effects,
            rationale=c.rationale,
            nominated_by=ctx.actor.username,
            adopted_option=c.adopted_option,
            alternatives=c.alternatives,
        )
    ]


def _check_option(c: cmd.NominateSupport) -> None:
    """An adopted option says why, and is not also among the alternatives."""
    if c.adopted_option is None:
        require(not c.alternatives, "alternatives are recorded beside an adopted option", "alternatives")
        return
    require(
        c.adopted_option.supported_component == c.supported_component,
        f"the adopted option {c.adopted_option.option_id} makes {c.adopted_option.supported_component} "
        f"the supported component, not {c.supported_component}",
        "supported_component",
    )
    require_text(c.rationale, "rationale")
    ids = [a.option_id for a in c.alternatives]
    require(c.adopted_option.option_id not in ids, "the adopted option is not an alternative", "alternatives")
    require(len(set(ids)) == len(ids), "each alternative is listed once", "alternatives")
    require(len(ids) <= 20, "at most 20 alternatives", "alternatives")


def _pending(inc: Incident, nomination_id: str) -> Any:
    pending = inc.pending_nomination
    if pending is None or pending.nomination_id != nomination_id:
        raise RuleViolation(
            f"no pending nomination {nomination_id} on incident {inc.incident_id}"
            + (f" (the pending one is {pending.nomination_id})" if pending else ""),
            field="nomination_id",
        )
    return pending


@decides(cmd.ApproveNomination, stages=(S.NOMINATED,), action="approve a nomination")
def approve_nomination(
    c: cmd.ApproveNomination, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    n = _pending(inc, c.nomination_id)
    poll = inc.poll
    assert poll is not None
    require(
        n.window_end > ctx.now, "the nomination's timing window has closed: nominate again", "nomination_id"
    )
    for contribution in n.contributions:
        for asset_id in contribution.asset_ids:
            offer = poll.offered(contribution.component_id, asset_id)
            require(
                offer is not None,
                f"{contribution.component_id} no longer offers {asset_id}: nominate again",
                "nomination_id",
            )
            require_asset_available(
                view,
                inc,
                asset_id,
                contribution.component_id,
                released=bool(offer and offer.release_from_operation),
                field="nomination_id",
                available_at=offer.available_at if offer else None,
            )
    elsewhere = TheaterView(control=[r for r in view.control if r.incident_id != inc.incident_id])
    require_no_control_overlap(elsewhere, n.asset_ids, ctx.now, n.window_end, "nomination_id")
    directive_id = f"{inc.incident_id}/D{len(inc.past_directives) + 1}"
    kind = RelationshipKind.for_support(n.support_kind)
    relationships = []
    for k, supporter in enumerate(n.supporting_components):
        assets = tuple(a for x in n.contributions if x.component_id == supporter for a in x.asset_ids)
        # an asset serving another incident's directive joins in sequence, when it is offered from
        later: dict[str, datetime] = {}
        for a in assets:
            offer = poll.offered(supporter, a)
            if offer is not None and view.taskings.get(a) not in (None, inc.incident_id):
                later[a] = max(ctx.now, offer.available_at)
        groups = [(ctx.now, tuple(a for a in assets if a not in later))]
        groups += [(t, tuple(a for a in assets if later.get(a) == t)) for t in sorted(set(later.values()))]
        for j, (begin, group) in enumerate(g for g in groups if g[1]):
            sequence = "".join(
                f"; {a} joins in sequence after incident {view.taskings[a]}, from {begin:%d %H%MZ}"
                for a in group
                if a in later
            )
            relationships.append(
                CommandRelationship(
                    relationship_id=f"{directive_id}/R{k + 1}" + (f".{j}" if j else ""),
                    kind=kind,
                    from_component=supporter,
                    to_component=n.supported_component,
                    incident_id=inc.incident_id,
                    asset_ids=group,
                    begin=begin,
                    end=None,
                    source_id=directive_id,
                    statement=(
                        f"{supporter} supports {n.supported_component} ({n.support_kind.value} support) "
                        f"with {', '.join(group)}; TACON remains with {supporter}{sequence}."
                    ),
                )
            )
    return [
        ev.NominationApproved(
            at=ctx.now,
            incident_id=inc.incident_id,
            nomination_id=n.nomination_id,
            directive_id=directive_id,
            approved_by=ctx.actor.username,
            remarks=c.remarks,
            tacon_statement=TACON_STATEMENT,
            relationships=tuple(relationships),
        )
    ]


@decides(cmd.RejectNomination, stages=(S.NOMINATED,), action="reject a nomination")
def reject_nomination(
    c: cmd.RejectNomination, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _pending(inc, c.nomination_id)
    require_text(c.reason, "reason")
    return [
        ev.NominationRejected(
            at=ctx.now,
            incident_id=inc.incident_id,
            nomination_id=c.nomination_id,
            reason=c.reason,
            rejected_by=ctx.actor.username,
        )
    ]


def _support_task_answer(inc: Incident, component_id: str, status: SupportTaskStatus) -> None:
    task = inc.support_tasks.get(component_id)
    require(
        task is not None,
        f"component {component_id} has no support task on incident {inc.incident_id}",
        "component_id",
    )
    assert task is not None
    if task.status == status:
        raise Conflict(f"{component_id}'s support task is already {status}", field="component_id")


@decides(cmd.AcceptSupportTask, stages=(S.DIRECTIVE_IN_FORCE,), action="answer a support task")
def accept_support_task(
    c: cmd.AcceptSupportTask, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _support_task_answer(inc, c.component_id, SupportTaskStatus.ACCEPTED)
    return [
        ev.SupportTaskAccepted(
            at=ctx.now, incident_id=inc.incident_id, component_id=c.component_id, remarks=c.remarks
        )
    ]


@decides(cmd.DeclineSupportTask, stages=(S.DIRECTIVE_IN_FORCE,), action="answer a support task")
def decline_support_task(
    c: cmd.DeclineSupportTask, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    _support_task_answer(inc, c.component_id, SupportTaskStatus.DECLINED)
    require_text(c.reason, "reason")
    return [
        ev.SupportTaskDeclined(
            at=ctx.now, incident_id=inc.incident_id, component_id=c.component_id, reason=c.reason
        )
    ]


@decides(cmd.BeginRecovery, stages=(S.DIRECTIVE_IN_FORCE,), action="begin the recovery")
def begin_recovery(
    c: cmd.BeginRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    waiting = sorted(k for k, t in inc.support_tasks.items() if t.status is not SupportTaskStatus.ACCEPTED)
    require(not waiting, f"support tasks not yet accepted by {', '.join(waiting)}", "incident_id")
    return [ev.RecoveryBegun(at=ctx.now, incident_id=inc.incident_id, remarks=c.remarks)]


@decides(cmd.AbortRecovery, stages=(S.RECOVERY_UNDERWAY,), action="abort the recovery")
def abort_recovery(
    c: cmd.AbortRecovery, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_text(c.reason, "reason")
    return [ev.RecoveryAborted(at=ctx.now, incident_id=inc.incident_id, reason=c.reason)]


@decides(cmd.Replan, stages=(S.NOMINATED, S.DIRECTIVE_IN_FORCE, S.RECOVERY_UNDERWAY), action="re-plan")
def replan(c: cmd.Replan, inc: Incident, view: TheaterView, ctx: Context) -> list[core_ev.Event]:
    require_text(c.reason, "reason")
    directive = inc.directive.directive_id if inc.directive else None
    return [
        ev.IncidentReplanned(
            at=ctx.now, incident_id=inc.incident_id, reason=c.reason, superseded_directive_id=directive
        )
    ]


@decides(cmd.HandToReintegration, stages=(S.RECOVERED,), action="hand to reintegration")
def hand_to_reintegration(
    c: cmd.HandToReintegration, inc: Incident, view: TheaterView, ctx: Context
) -> list[core_ev.Event]:
    require_text(c.receiving_team, "receiving_team", limit=200)
    return [
        ev.HandedToReintegration(
            at=ctx.now, incident_id=inc.incident_id, receiving_team=c.receiving_team, remarks=c.remarks
        )
    ]
