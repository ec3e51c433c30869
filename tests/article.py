"""The article's scenario, step by step, through the message bus.

A special-operations team is in distress; the maritime component leads the recovery with its
helicopter; air provides ISR and airborne C2; land provides armored reconnaissance; the
special-operations team moves the survivor to a linkup point; the JFC approves; every asset
stays under its own component.
"""

from __future__ import annotations

from datetime import timedelta

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Incident
from jprcc.core.clock import ManualClock
from jprcc.core.model import (
    Capability,
    Condition,
    Disposition,
    DutyStatus,
    Environment,
    Position,
    ReportChannel,
    SourceConfidence,
    SupportKind,
)
from jprcc.core.node import Node
from jprcc.core.values import Contribution, Offer, PersonReport
from tests.conftest import Cast

INCIDENT = "PR-ARTICLE"
STEP = timedelta(minutes=7)

CONTRIBUTIONS = (
    Contribution("JFMCC", ("KNIGHT-41",), "Recovery vehicle: pick up at linkup point LZ FALCON"),
    Contribution("JFACC", ("STARLIGHT-21", "SENTRY-31"), "ISR over the team; airborne C2 for the package"),
    Contribution("JFLCC", ("SABER-TROOP",), "Armored reconnaissance screen of the valley road"),
    Contribution("JFSOCC", ("RAVEN-21",), "Move the survivor to linkup point LZ FALCON"),
)
OFFERS = {
    "JFACC": (("STARLIGHT-21", Capability.ISR), ("SENTRY-31", Capability.AIRBORNE_C2)),
    "JFMCC": (("KNIGHT-41", Capability.ROTARY_WING_RECOVERY),),
    "JFLCC": (("SABER-TROOP", Capability.ARMORED_RECONNAISSANCE),),
    "JFSOCC": (("RAVEN-21", Capability.SPECIAL_OPERATIONS_TEAM),),
}


def report_command(incident_id: str, clock: ManualClock, priority: int = 1) -> cmd.ReportIncident:
    at = clock.now
    return cmd.ReportIncident(
        priority=priority,
        incident_id=incident_id,
        title="RAVEN 21 in distress",
        owning_component="JFSOCC",
        isolating_event_at=at - timedelta(minutes=15),
        position=Position(40.05, 9.35),
        uncertainty_m=300,
        channel=ReportChannel.VOICE,
        source_confidence=SourceConfidence.CONFIRMED,
        persons=(
            PersonReport("SFC O. Lindqvist", "USA", "JFSOCC", "RAVEN 21", Condition.SERIOUSLY_INJURED),
            PersonReport("SSG P. Adeyemi", "USA", "JFSOCC", "RAVEN 21", duty_status=DutyStatus.EVADING),
        ),
        environment=Environment.MOUNTAIN,
    )


def to_poll(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> Incident:
    """Report, ask for help, poll every component: the incident waits for answers."""
    node.bus.handle(report_command(incident_id, clock), cast["jfsocc"])
    clock.advance(STEP)
    node.bus.handle(
        cmd.RequestAssistance(
            incident_id=incident_id,
            reason="lift not mission capable",
            capabilities_needed=(Capability.ROTARY_WING_RECOVERY, Capability.ISR),
        ),
        cast["jfsocc"],
    )
    clock.advance(STEP)
    result = node.bus.handle(
        cmd.OpenCapabilityPoll(
            incident_id=incident_id,
            component_ids=("JFACC", "JFLCC", "JFMCC", "JFSOCC"),
            capabilities_needed=(),
        ),
        cast["controller"],
    )
    clock.advance(STEP)
    incident: Incident = result.value
    return incident


def answer_all(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> Incident:
    incident = None
    for component, offers in OFFERS.items():
        result = node.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id=incident_id,
                component_id=component,
                offers=tuple(Offer(a, c, clock.now) for a, c in offers),
            ),
            cast[component.lower()],
        )
        incident = result.value
        clock.advance(STEP)
    assert incident is not None
    return incident


def nominate(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> Incident:
    result = node.bus.handle(
        cmd.NominateSupport(
            incident_id=incident_id,
            supported_component="JFMCC",
            contributions=CONTRIBUTIONS,
            support_kind=SupportKind.DIRECT,
            priority=1,
            window_start=clock.now,
            window_end=clock.now + timedelta(hours=8),
            desired_effects="survivor recovered to Role 2 before first light",
        ),
        cast["controller"],
    )
    clock.advance(STEP)
    incident: Incident = result.value
    return incident


def to_directive(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> Incident:
    to_poll(node, cast, clock, incident_id)
    answer_all(node, cast, clock, incident_id)
    nominated = nominate(node, cast, clock, incident_id)
    assert nominated.pending_nomination is not None
    result = node.bus.handle(
        cmd.ApproveNomination(
            incident_id=incident_id, nomination_id=nominated.pending_nomination.nomination_id
        ),
        cast["jfc"],
    )
    clock.advance(STEP)
    incident: Incident = result.value
    return incident


def to_close(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> Incident:
    to_directive(node, cast, clock, incident_id)
    for component in ("JFACC", "JFLCC", "JFSOCC"):
        node.bus.handle(
            cmd.AcceptSupportTask(incident_id=incident_id, component_id=component), cast[component.lower()]
        )
        clock.advance(STEP)
    steps: list[tuple[str, cmd.IncidentCommand]] = [
        ("jfmcc", cmd.BeginRecovery(incident_id=incident_id)),
        ("jfmcc", cmd.RecordRecovery(incident_id=incident_id)),
        ("director", cmd.HandToReintegration(incident_id=incident_id, receiving_team="Role 2, phase I")),
    ]
    for who, command in steps:
        node.bus.handle(command, cast[who])
        clock.advance(STEP)
    return_everyone_to_duty(node, cast, clock, incident_id)
    incident: Incident = node.bus.handle(
        cmd.CloseIncident(incident_id=incident_id, disposition=Disposition.RECOVERED_AND_REINTEGRATED),
        cast["director"],
    ).value
    clock.advance(STEP)
    return incident


def return_everyone_to_duty(node: Node, cast: Cast, clock: ManualClock, incident_id: str = INCIDENT) -> None:
    """Each recovered person through a short phase I straight back to duty (the director's
    decision, its checklist cut short with a reason): every journey has an end."""
    from jprcc.journey import commands as jc
    from jprcc.journey.model import Phase, PhaseDecision

    incident = node.queries.incident(cast["director"], incident_id)
    for person_id in incident.persons:
        for command in (
            jc.BeginPhase(
                incident_id=incident_id,
                person_id=person_id,
                phase=Phase.I,
                location="Base ALPHA",
                facility="Role 2",
            ),
            jc.DecidePhase(
                incident_id=incident_id,
                person_id=person_id,
                decision=PhaseDecision.RETURN_TO_DUTY,
                reason="uninjured, debriefed, fit for duty",
                override_reason="short isolation: phase I checklist cut to the debrief",
            ),
        ):
            node.bus.handle(command, cast["director"])
            clock.advance(STEP)
