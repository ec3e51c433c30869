"""Whose turn it is: what each incident waits for, and from whom.

The brokering flow stalls whenever someone does not know the next step is theirs: a component
that was polled, a JFC with a nomination waiting, a supporting component with a task, a supported
component whose directive is in force. ``turns`` reads an incident's state and says, for each party
(a component's PRCC, the JFC, the JPRCC), what is asked of them, by when, and which of the page's
actions answers it. The ``turns`` read model keeps these rows in the write transaction, so that a
user's inbox is one indexed query, and the live feed tells the page when to read it again.

==================== ================================================================
party                what waits for it
==================== ================================================================
``component:X``      answer the capability poll; accept or decline the support task; begin
                     the recovery of the directive X is supported by; confirm a decision
                     the JPRCC recorded for X
``jfc``              approve or reject the nomination; decide a TACON transfer request;
                     confirm a decision the JPRCC recorded for the JFC
``jprcc``            poll the components (assistance requested); answers are in: nominate;
                     a task declined: re-plan; a nomination rejected: nominate again; a
                     recorded decision disputed
==================== ================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.brokering.incident import (
    Incident,
    NominationStatus,
    RelayStatus,
    Stage,
    SupportTaskStatus,
    TaconRequestStatus,
)

JFC = "jfc"
JPRCC = "jprcc"
OPTIONS = "generate_options"
"""The page's way to answer "answers are in": the recovery options, from which one is nominated."""


def component(component_id: str) -> str:
    return f"component:{component_id}"


@dataclass(frozen=True)
class Turn:
    """One thing an incident waits for from one party. ``action``: the page's action that
    answers it; ``urgent``: it holds up a recovery (a banner and a tone on the party's screens)."""

    party: str
    kind: str
    action: str
    asks: str
    since: datetime
    due_at: datetime | None = None
    urgent: bool = True


def turns(incident: Incident) -> list[Turn]:
    """Everything ``incident`` waits for now, one row per party and kind."""
    if not incident.is_open:
        return []
    return [
        *_poll(incident),
        *_nomination(incident),
        *_directive(incident),
        *_tacon(incident),
        *_records(incident),
    ]


def _since(incident: Incident) -> datetime:
    assert incident.last_update_at is not None
    return incident.last_update_at


def _poll(inc: Incident) -> list[Turn]:
    out: list[Turn] = []
    if inc.stage is Stage.ASSISTANCE_REQUESTED:
        needs = ", ".join(c.value.replace("_", " ") for c in inc.assistance_capabilities) or "any help"
        who = "cannot recover" if inc.cannot_recover else "asks for help"
        out.append(
            Turn(
                JPRCC,
                "assistance_requested",
                "open_poll",
                f"{inc.owning_component} {who}: {needs}",
                _since(inc),
            )
        )
    poll = inc.poll
    if poll is None or inc.stage is not Stage.CAPABILITY_POLL:
        return out
    needs = ", ".join(c.value.replace("_", " ") for c in poll.capabilities_needed)
    for c in poll.component_ids:
        if c not in poll.answers:
            out.append(
                Turn(
                    component(c),
                    "answer_poll",
                    "answer_poll",
                    f"Answer the capability poll: {needs}",
                    poll.opened_at,
                    poll.respond_by,
                )
            )
    answered = len(poll.answers)
    if answered and not inc.pending_nomination:
        rejected = any(n.status is NominationStatus.REJECTED for n in inc.nominations)
        if answered == len(poll.component_ids):
            asks = "All answers are in: nominate" + (" again (the JFC rejected the last)" if rejected else "")
        else:
            asks = f"{answered} of {len(poll.component_ids)} answers in"
        latest = max(a.answered_at for a in poll.answers.values())
        out.append(
            Turn(
                JPRCC,
                "answers_in",
                OPTIONS,
                asks,
                latest,
                poll.respond_by,
                urgent=answered == len(poll.component_ids),
            )
        )
    return out


def _nomination(inc: Incident) -> list[Turn]:
    n = inc.pending_nomination
    if n is None:
        return []
    option = n.adopted_option.summary if n.adopted_option else f"{n.supported_component} supported"
    return [
        Turn(JFC, "approve_nomination", "approve_nomination", f"Approve or reject: {option}", n.nominated_at)
    ]


def _directive(inc: Incident) -> list[Turn]:
    d = inc.directive
    if d is None or inc.stage is not Stage.DIRECTIVE_IN_FORCE:
        return []
    out = [
        Turn(
            component(c),
            "accept_task",
            "accept_task",
            f"Accept or decline your support task: {t.task}"[:300],
            d.approved_at,
            d.window_start,
        )
        for c, t in inc.support_tasks.items()
        if t.status is SupportTaskStatus.TASKED
    ]
    waiting = sum(t.status is SupportTaskStatus.TASKED for t in inc.support_tasks.values())
    begin = "Begin the recovery" + (f" ({waiting} supporting task(s) not yet accepted)" if waiting else "")
    out.append(
        Turn(
            component(d.supported_component),
            "begin_recovery",
            "begin_recovery",
            begin,
            d.approved_at,
            d.window_start,
            urgent=not waiting,
        )
    )
    declined = [c for c, t in inc.support_tasks.items() if t.status is SupportTaskStatus.DECLINED]
    if declined:
        out.append(
            Turn(
                JPRCC,
                "task_declined",
                "replan",
                f"{', '.join(declined)} declined its task: re-plan",
                _since(inc),
            )
        )
    return out


def _tacon(inc: Incident) -> list[Turn]:
    return [
        Turn(
            JFC,
            "approve_tacon",
            "approve_tacon",
            f"Decide TACON of {', '.join(t.asset_ids)}: {t.from_component} to {t.to_component}",
            t.requested_at,
            t.begin,
        )
        for t in inc.tacon_requests.values()
        if t.status is TaconRequestStatus.REQUESTED
    ]


def _records(inc: Incident) -> list[Turn]:
    out: list[Turn] = []
    for r in inc.relayed:
        if r.status is RelayStatus.RECORDED:
            party = JFC if r.party == "JFC" else component(r.party)
            asks = f"Confirm what the JPRCC recorded for you: {r.decision}, as given by {r.given_by}"
            out.append(
                Turn(party, f"confirm:{r.record_id}", "confirm_record", asks, r.recorded_at, urgent=False)
            )
        elif r.status is RelayStatus.DISPUTED:
            asks = f"{r.answered_by} disputes the record of {r.decision}: {r.answer}"[:300]
            out.append(
                Turn(JPRCC, f"disputed:{r.record_id}", "resolve_record", asks, r.answered_at or r.recorded_at)
            )
    return out
