"""The person's journey as given / when / then on the pure deciders: captivity both ways, custody
hand-offs, reintegration, accounting and closing. No store, no bus; the same rules run through
the store in test_journey.py.

``Case`` keeps one log of past events (the incident's, each person's, the case file's) and folds
each stream with the node's own appliers; ``when`` asks the decision of an incident command (the
brokering step) or of a journey command (the journey's decider), and keeps what it produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from jprcc.brokering import commands as cmd
from jprcc.brokering.decide import decide_incident
from jprcc.brokering.incident import Incident, Stage
from jprcc.brokering.rules import TheaterView
from jprcc.core.errors import Conflict, InvalidTransition, NotFound, RuleViolation
from jprcc.core.events import Event
from jprcc.core.model import Actor, Capability, Context, Disposition, DutyStatus, Role
from jprcc.core.values import Offer
from jprcc.journey import casework
from jprcc.journey import commands as jc
from jprcc.journey import decide as journey
from jprcc.journey import events as jev
from jprcc.journey.board import standing
from jprcc.journey.model import (
    ActorKind,
    Approval,
    Casefile,
    Custodian,
    CustodianKind,
    Journey,
    JourneyEnd,
    Phase,
    PhaseDecision,
    ReintegrationPlan,
    RequestKind,
    Side,
)
from jprcc.journey.plan import load
from tests.test_brokering_rules import ASSETS, COMPONENTS, INC, REGISTRY, STEPS, T0, nomination

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
P1, P2 = f"{INC}-P1", f"{INC}-P2"
PLAN = load(None)
CAPTOR = "LIBERATION FRONT"
ICRC = Custodian(CustodianKind.ICRC, "ICRC delegation")
EMBASSY = Custodian(CustodianKind.EMBASSY, "Embassy, consular section")
KNIGHT = Custodian(CustodianKind.AIRCRAFT, "KNIGHT 41", "JFMCC")
ROLE3 = Custodian(CustodianKind.MEDICAL_FACILITY, "Role 3, Base ALPHA", "JFACC")
CELL = Custodian(CustodianKind.REINTEGRATION_TEAM, "SOF reintegration cell", "JFSOCC")


@dataclass
class Case:
    events: list[Event] = field(default_factory=list)
    at: datetime = T0
    plan: ReintegrationPlan = PLAN

    def incident(self) -> Incident:
        found: Incident | None = REGISTRY.fold(
            "incident", [e for e in self.events if e.stream_kind == "incident"]
        )
        assert found is not None
        return found

    def journey(self, person_id: str) -> Journey | None:
        mine = [e for e in self.events if e.stream_id == f"person:{person_id}"]
        found: Journey | None = REGISTRY.fold("person", mine)
        return found

    def casefile(self) -> Casefile | None:
        found: Casefile | None = REGISTRY.fold(
            "casefile", [e for e in self.events if e.stream_kind == "casefile"]
        )
        return found

    def later(self, delta: timedelta) -> Case:
        self.at += delta
        return self

    def when(self, command: Any, actor: Actor = DIRECTOR) -> list[Event]:
        self.at += timedelta(minutes=5)
        ctx = Context(actor, self.at)
        if isinstance(command, jc.PersonCommand):
            view: Any = journey.PersonView(
                self.incident(), self.journey(command.person_id), COMPONENTS, command.person_id, self.plan
            )
            new = journey.decide(command, view, ctx)
        elif isinstance(command, jc.CasefileCommand):
            new = casework.decide_case(
                command, casework.CaseView(self.incident(), self.casefile(), COMPONENTS), ctx
            )
        else:
            incident = None if isinstance(command, cmd.ReportIncident) else self.incident()
            theater = TheaterView(components=COMPONENTS, assets=ASSETS, default_check_in_s=1800)
            new = decide_incident(command, incident, STEPS[type(command)], theater, ctx)
        self.events.extend(new)
        return new

    def status(self, person_id: str) -> DutyStatus:
        return self.incident().persons[person_id].duty_status


def reported() -> Case:
    from tests.test_brokering_rules import reported as brokering_reported

    return Case(events=list(brokering_reported().events), at=T0 + timedelta(minutes=5))


def detained() -> Case:
    case = reported()
    case.when(cmd.DeclareDetained(incident_id=INC, person_ids=(P1, P2), detaining_party=CAPTOR))
    return case


def recovered() -> Case:
    case = reported()
    case.when(cmd.DeclareOrganicRecovery(incident_id=INC, plan="our own helicopter"))
    case.when(cmd.RecordRecovery(incident_id=INC))
    return case


def handoff(receiver: Custodian, side: Side = Side.RECEIVER, person: str = P1, **kw: Any) -> jc.RecordHandOff:
    fields: dict[str, Any] = {"location": "Base ALPHA", "at": T0 + timedelta(minutes=1)}
    return jc.RecordHandOff(
        incident_id=INC, person_id=person, receiver=receiver, side=side, **{**fields, **kw}
    )


def phase(number: Phase, person: str = P1, component: str | None = None) -> jc.BeginPhase:
    return jc.BeginPhase(
        incident_id=INC,
        person_id=person,
        phase=number,
        location="Base ALPHA",
        facility="Role 3",
        component_id=component,
    )


def decision(choice: PhaseDecision, person: str = P1, override: str = "", **kw: Any) -> jc.DecidePhase:
    return jc.DecidePhase(
        incident_id=INC,
        person_id=person,
        decision=choice,
        reason="the team's assessment",
        override_reason=override,
        **kw,
    )


def through_phase(case: Case, number: Phase, person: str = P1) -> None:
    """Begin a phase and tick its whole checklist."""
    case.when(phase(number, person))
    for item in PLAN.checklists[number]:
        case.when(jc.CompleteChecklistItem(incident_id=INC, person_id=person, item=item))


def answer_and_approve(case: Case) -> None:
    """Maritime offers its helicopter, land its armoured reconnaissance; the JFC approves; land
    accepts its support task."""
    soon = case.at + timedelta(minutes=40)
    for component, offer in (
        ("JFMCC", Offer("KNIGHT41", Capability.ROTARY_WING_RECOVERY, soon)),
        ("JFLCC", Offer("CAV3", Capability.ARMORED_RECONNAISSANCE, soon)),
    ):
        case.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id=component, offers=(offer,)))
    case.when(nomination(window_start=case.at, window_end=case.at + timedelta(hours=6)))
    pending = case.incident().pending_nomination
    assert pending is not None
    case.when(
        cmd.ApproveNomination(incident_id=INC, nomination_id=pending.nomination_id), Actor("jfc", Role.JFC)
    )
    case.when(
        cmd.AcceptSupportTask(incident_id=INC, component_id="JFLCC"),
        Actor("land", Role.PRCC_OFFICER, "JFLCC"),
    )


class TestCaptivityBothWays:
    def test_release_is_not_recovery_the_persons_still_have_to_be_brought_out(self):
        case = detained()
        assert case.incident().stage is Stage.DETAINED
        case.when(cmd.RecordRelease(incident_id=INC, person_ids=(P1, P2)))
        assert case.status(P1) is DutyStatus.RELEASED
        assert case.incident().stage is Stage.REPORTED
        assert not case.incident().persons[P1].accounted_for

    def test_a_released_person_is_moved_under_a_support_directive(self):
        case = detained()
        case.when(cmd.RecordRelease(incident_id=INC, person_ids=(P1, P2)))
        case.when(
            cmd.RequestAssistance(
                incident_id=INC, capabilities_needed=(Capability.ROTARY_WING_RECOVERY,), reason="airlift"
            )
        )
        case.when(
            cmd.OpenCapabilityPoll(incident_id=INC, component_ids=("JFMCC", "JFLCC"), capabilities_needed=())
        )
        answer_and_approve(case)
        case.when(cmd.BeginRecovery(incident_id=INC))
        case.when(cmd.RecordRecovery(incident_id=INC))
        assert case.status(P1) is DutyStatus.RECOVERED
        assert case.incident().stage is Stage.RECOVERED

    def test_a_detained_person_is_not_recovered_by_force_unless_the_jfc_orders_it(self):
        case = detained()
        with pytest.raises(InvalidTransition):
            case.when(cmd.RequestAssistance(incident_id=INC, capabilities_needed=(), reason="raid"))
        case.when(
            cmd.OrderDeliberateRecovery(
                incident_id=INC, person_ids=(P1,), capabilities_needed=(), reason="raid"
            ),
            Actor("jfc", Role.JFC),
        )
        incident = case.incident()
        assert incident.stage is Stage.ASSISTANCE_REQUESTED, "brokered like any other recovery"
        assert incident.deliberate_recovery == (P1,)
        assert Capability.SPECIAL_OPERATIONS_TEAM in incident.assistance_capabilities

    def test_a_detained_person_recovered_by_a_raid_while_the_negotiation_runs(self):
        case = detained()
        case.when(
            cmd.OrderDeliberateRecovery(
                incident_id=INC, person_ids=(P1,), capabilities_needed=(), reason="raid"
            ),
            Actor("jfc", Role.JFC),
        )
        case.when(
            jc.AddInteragencyActor(
                incident_id=INC,
                organisation="ICRC",
                kind=ActorKind.ICRC,
                contact="M. Roux",
                role="neutral intermediary",
            )
        )
        case.when(
            cmd.OpenCapabilityPoll(incident_id=INC, component_ids=("JFMCC", "JFLCC"), capabilities_needed=())
        )
        answer_and_approve(case)
        case.when(cmd.BeginRecovery(incident_id=INC))
        with pytest.raises(RuleViolation, match="captured; cannot record their recovery"):
            case.when(cmd.RecordRecovery(incident_id=INC, person_ids=(P2,)))  # not ordered: still negotiated
        case.when(cmd.RecordRecovery(incident_id=INC))
        assert case.status(P1) is DutyStatus.RECOVERED
        assert case.status(P2) is DutyStatus.CAPTURED
        assert case.incident().stage is Stage.DETAINED, (
            "the other person is still held: the negotiation goes on"
        )
        assert case.casefile() is not None
        assert case.casefile().actors

    def test_a_captured_persons_status_does_not_change_silently(self):
        case = detained()
        with pytest.raises(RuleViolation, match="release, recovery, an escape"):
            case.when(cmd.ChangeDutyStatus(incident_id=INC, person_id=P1, status=DutyStatus.MISSING))
        with pytest.raises(RuleViolation) as refused:
            case.when(cmd.ChangeDutyStatus(incident_id=INC, person_id=P1, status=DutyStatus.EVADING))
        assert refused.value.field == "remarks"
        assert case.incident().stage is Stage.DETAINED

    def test_an_escape_puts_the_incident_back_on_the_recovery_track_and_says_so(self):
        case = detained()
        (event,) = case.when(
            cmd.ChangeDutyStatus(
                incident_id=INC,
                person_id=P1,
                status=DutyStatus.EVADING,
                remarks="ISR saw him leave the compound",
            )
        )
        assert case.incident().stage is Stage.REPORTED
        assert "escaped captivity" in REGISTRY.describe(event)

    def test_a_death_in_captivity_leaves_the_others_on_the_negotiated_track(self):
        case = detained()
        case.when(cmd.ChangeDutyStatus(incident_id=INC, person_id=P1, status=DutyStatus.DECEASED))
        assert case.incident().stage is Stage.DETAINED


class TestCustody:
    def test_out_of_the_captors_hands_the_person_is_released_without_the_captors_word(self):
        case = detained()
        new = case.when(handoff(ICRC))
        assert [type(e) for e in new] == [jev.JourneyOpened, jev.HandOffRecorded, jev.PersonCustodyChanged]
        assert case.journey(P1).custodian == ICRC  # type: ignore[union-attr]
        assert case.status(P1) is DutyStatus.RELEASED

    def test_a_hand_off_completes_only_when_the_other_side_acknowledges(self):
        case = detained()
        case.when(handoff(ICRC))
        case.when(handoff(KNIGHT, Side.GIVER))  # the JPRCC for the ICRC; the navy must confirm
        j = case.journey(P1)
        assert j is not None
        assert j.pending is not None
        assert j.pending.awaits == (Side.RECEIVER,)
        assert j.custodian == ICRC
        assert case.status(P1) is DutyStatus.RELEASED, "not in friendly hands until KNIGHT 41 says so"
        with pytest.raises(Conflict, match="waits for"):
            case.when(handoff(EMBASSY, Side.GIVER))
        navy = Actor("navy", Role.PRCC_OFFICER, "JFMCC")
        case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id=j.pending.handoff_id), navy)
        assert case.journey(P1).custodian == KNIGHT  # type: ignore[union-attr]
        assert case.status(P1) is DutyStatus.RECOVERED
        with pytest.raises(Conflict, match="acknowledged already"):
            case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H2"), navy)

    def test_inside_one_component_or_between_custodians_the_jprcc_speaks_for_it_is_recorded_once(self):
        case = detained()
        case.when(handoff(ICRC))
        case.when(handoff(EMBASSY, Side.GIVER))  # the JPRCC speaks for the ICRC and the embassy
        assert case.journey(P1).custodian == EMBASSY  # type: ignore[union-attr]
        air = Actor("air", Role.PRCC_OFFICER, "JFACC")
        jolly = Custodian(CustodianKind.AIRCRAFT, "JOLLY 11", "JFACC")
        other = Case(events=list(recovered().events), at=T0 + timedelta(minutes=30))
        other.when(handoff(ROLE3, Side.RECEIVER, giver=jolly), air)
        assert other.journey(P1).custodian == ROLE3  # type: ignore[union-attr]

    def test_recorded_by_the_jprcc_for_a_component_that_component_acknowledges_too(self):
        case = recovered()
        case.when(handoff(ROLE3, Side.RECEIVER, giver=KNIGHT))  # the director, for JFACC's Role 3
        j = case.journey(P1)
        assert j is not None
        assert j.custody[0].awaits == (Side.GIVER, Side.RECEIVER)
        navy, air = Actor("navy", Role.PRCC_OFFICER, "JFMCC"), Actor("air", Role.PRCC_OFFICER, "JFACC")
        case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H1"), navy)
        assert case.journey(P1).pending is not None  # type: ignore[union-attr]
        case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H1"), air)
        assert case.journey(P1).custodian == ROLE3  # type: ignore[union-attr]

    def test_the_receiving_component_sees_the_case_from_the_moment_it_is_named(self):
        case = detained()
        case.when(handoff(ICRC))
        assert "JFMCC" not in case.incident().involved_components()
        case.when(handoff(KNIGHT, Side.GIVER))  # recorded, not yet acknowledged
        assert "JFMCC" in case.incident().involved_components()

    def test_two_custody_hand_offs_across_components(self):
        case = recovered()
        air, navy, sof = (
            Actor(n, Role.PRCC_OFFICER, c)
            for n, c in (("air", "JFACC"), ("navy", "JFMCC"), ("sof", "JFSOCC"))
        )
        case.when(handoff(ROLE3, Side.RECEIVER, giver=KNIGHT), air)
        case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H1"), navy)
        case.when(handoff(CELL, Side.GIVER), air)
        case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H2"), sof)
        j = case.journey(P1)
        assert j is not None
        assert [(h.giver.name if h.giver else None, h.receiver.name) for h in j.custody] == [
            ("KNIGHT 41", "Role 3, Base ALPHA"),
            ("Role 3, Base ALPHA", "SOF reintegration cell"),
        ]
        assert {"JFACC", "JFSOCC"} <= case.incident().involved_components()

    @pytest.mark.parametrize(
        ("command", "field", "rule"),
        [
            (
                lambda: handoff(Custodian(CustodianKind.CAPTOR, CAPTOR)),
                "receiver",
                "holds the person already",
            ),
            (lambda: handoff(ICRC, at=T0 - timedelta(hours=1)), "at", "before the isolating event"),
            (lambda: handoff(ICRC, at=T0 + timedelta(days=2)), "at", "in the future"),
            (
                lambda: handoff(Custodian(CustodianKind.AIRCRAFT, "ATLAS 9", "JFXX")),
                "receiver.component_id",
                "unknown",
            ),
            (
                lambda: handoff(Custodian(CustodianKind.AIRCRAFT, "ATLAS 9")),
                "receiver.component_id",
                "belongs to a component",
            ),
            (lambda: handoff(ICRC, Side.GIVER), "side", "the captor records nothing"),
        ],
        ids=[
            "to-oneself",
            "before-isolation",
            "future",
            "unknown-custodian",
            "aircraft-without-component",
            "captor-records",
        ],
    )
    def test_a_bad_hand_off_is_refused_naming_the_field_and_the_rule(self, command, field, rule):
        case = detained()
        with pytest.raises(RuleViolation, match=rule) as refused:
            case.when(command())
        assert refused.value.field == field
        assert case.journey(P1) is None, "nothing recorded"

    def test_hand_offs_are_recorded_in_order(self):
        case = detained().later(timedelta(hours=2))
        case.when(handoff(ICRC, at=T0 + timedelta(hours=1)))
        with pytest.raises(RuleViolation, match="before the last hand-off") as refused:
            case.when(handoff(EMBASSY, Side.GIVER, at=T0 + timedelta(minutes=50)))
        assert refused.value.field == "at"

    def test_a_person_in_friendly_hands_is_not_handed_back_to_a_captor(self):
        case = recovered()
        with pytest.raises(RuleViolation) as refused:
            case.when(handoff(Custodian(CustodianKind.CAPTOR, "militia"), giver=KNIGHT))
        assert refused.value.field == "receiver.kind"

    def test_an_unknown_hand_off_is_not_found(self):
        case = detained()
        case.when(handoff(ICRC))
        with pytest.raises(NotFound) as refused:
            case.when(jc.AcknowledgeHandOff(incident_id=INC, person_id=P1, handoff_id="H9"))
        assert refused.value.field == "handoff_id"

    def test_an_unknown_person_is_not_found(self):
        case = detained()
        with pytest.raises(NotFound) as refused:
            case.when(handoff(ICRC, person=f"{INC}-P9"))
        assert refused.value.field == "person_id"


class TestReintegration:
    def test_reintegration_of_one_person_does_not_wait_for_the_others(self):
        case = detained()
        case.when(handoff(EMBASSY))  # the first released straight to the embassy
        assert case.status(P1) is DutyStatus.RECOVERED
        assert case.status(P2) is DutyStatus.CAPTURED
        case.when(phase(Phase.I))
        assert case.journey(P1).in_reintegration  # type: ignore[union-attr]

    def test_reintegration_begins_only_in_friendly_hands(self):
        case = detained()
        with pytest.raises(RuleViolation, match="in friendly hands") as refused:
            case.when(phase(Phase.I))
        assert refused.value.field == "person_id"

    @pytest.mark.parametrize("number", [Phase.II, Phase.III])
    def test_a_phase_out_of_order_is_refused(self, number):
        case = recovered()
        with pytest.raises(RuleViolation, match="out of order") as refused:
            case.when(phase(number))
        assert refused.value.field == "phase"

    def test_phase_two_lasts_its_minimum_unless_a_reason_is_given(self):
        case = recovered()
        through_phase(case, Phase.I)
        case.when(decision(PhaseDecision.CONTINUE))
        through_phase(case, Phase.II)
        case.later(timedelta(hours=71))
        with pytest.raises(RuleViolation, match="at least 72 h") as refused:
            case.when(decision(PhaseDecision.CONTINUE))
        assert refused.value.field == "decision"
        (decided,) = case.when(decision(PhaseDecision.CONTINUE, override="the family emergency at home"))
        assert isinstance(decided, jev.PhaseDecided)
        assert decided.override_reason

    def test_phase_two_may_end_after_its_minimum_without_a_reason(self):
        case = recovered()
        through_phase(case, Phase.I)
        case.when(decision(PhaseDecision.CONTINUE))
        through_phase(case, Phase.II)
        case.later(timedelta(hours=72))
        case.when(decision(PhaseDecision.CONTINUE))

    def test_the_minimum_is_the_theaters_to_configure(self):
        case = recovered()
        case.plan = ReintegrationPlan(PLAN.checklists, timedelta(hours=48))
        through_phase(case, Phase.I)
        case.when(decision(PhaseDecision.CONTINUE))
        through_phase(case, Phase.II)
        case.later(timedelta(hours=47))
        with pytest.raises(RuleViolation, match="at least 48 h"):
            case.when(decision(PhaseDecision.CONTINUE))
        case.later(timedelta(hours=1))
        case.when(decision(PhaseDecision.CONTINUE))

    def test_a_phase_ends_with_its_checklist_done_or_a_reason(self):
        case = recovered()
        case.when(phase(Phase.I))
        with pytest.raises(RuleViolation, match="checklist is not done"):
            case.when(decision(PhaseDecision.CONTINUE))
        with pytest.raises(RuleViolation, match="not on phase I's checklist") as refused:
            case.when(jc.CompleteChecklistItem(incident_id=INC, person_id=P1, item="Reunion with family"))
        assert refused.value.field == "item"

    def test_phase_three_is_the_last(self):
        case = recovered()
        for number in (Phase.I, Phase.II):
            through_phase(case, number)
            case.later(timedelta(hours=80))
            case.when(decision(PhaseDecision.CONTINUE))
        through_phase(case, Phase.III)
        with pytest.raises(RuleViolation, match="last phase"):
            case.when(decision(PhaseDecision.CONTINUE))
        case.when(decision(PhaseDecision.RETURN_TO_DUTY))
        j = case.journey(P1)
        assert j is not None
        assert j.end is JourneyEnd.RETURNED_TO_DUTY
        assert case.incident().persons[P1].end == "returned_to_duty"

    def test_medical_care_then_medical_retirement(self):
        case = recovered()
        case.when(phase(Phase.I))
        with pytest.raises(RuleViolation) as refused:
            case.when(decision(PhaseDecision.MEDICAL))
        assert refused.value.field == "medical_facility"
        case.when(decision(PhaseDecision.MEDICAL, medical_facility="Role 4, home station"))
        assert standing(case.incident().persons[P1], case.journey(P1)).lifecycle == "medical_care"
        case.when(jc.EndJourney(incident_id=INC, person_id=P1, end=JourneyEnd.MEDICALLY_RETIRED))
        assert case.journey(P1).end is JourneyEnd.MEDICALLY_RETIRED  # type: ignore[union-attr]
        with pytest.raises(Conflict, match="journey ended"):
            case.when(phase(Phase.II))


class TestAccounting:
    def test_accounted_for_as_deceased_only_once_the_remains_are_identified(self):
        case = reported()
        case.when(cmd.ChangeDutyStatus(incident_id=INC, person_id=P1, status=DutyStatus.DECEASED))
        end = jc.EndJourney(incident_id=INC, person_id=P1, end=JourneyEnd.REMAINS_IDENTIFIED)
        with pytest.raises(RuleViolation, match="once the remains are identified") as refused:
            case.when(end)
        assert refused.value.field == "end"
        case.when(
            cmd.ChangeDutyStatus(
                incident_id=INC, person_id=P1, status=DutyStatus.DECEASED, remains_identified=True
            )
        )
        case.when(end)
        assert case.incident().persons[P1].end == "remains_identified"

    @pytest.mark.parametrize("end", [JourneyEnd.RETURNED_TO_DUTY, JourneyEnd.MEDICALLY_RETIRED])
    def test_a_person_still_held_is_never_returned_to_duty(self, end):
        case = detained()
        with pytest.raises(RuleViolation, match="back in friendly hands"):
            case.when(jc.EndJourney(incident_id=INC, person_id=P1, end=end))

    def test_a_returned_person_returns_to_duty_through_reintegration(self):
        case = recovered()
        with pytest.raises(RuleViolation, match="through reintegration"):
            case.when(jc.EndJourney(incident_id=INC, person_id=P1, end=JourneyEnd.RETURNED_TO_DUTY))

    def test_the_incident_closes_only_when_every_person_has_an_end(self):
        case = recovered()
        for person in (P1, P2):
            case.when(phase(Phase.I, person))
        case.when(decision(PhaseDecision.RETURN_TO_DUTY, P1, override="short isolation"))
        close = cmd.CloseIncident(incident_id=INC, disposition=Disposition.RECOVERED_AND_REINTEGRATED)
        with pytest.raises(RuleViolation, match=f"not yet: {P2}") as refused:
            case.when(close)
        assert refused.value.field == "disposition"
        case.when(decision(PhaseDecision.RETURN_TO_DUTY, P2, override="short isolation"))
        case.when(close)
        assert case.incident().stage is Stage.CLOSED


class TestClocks:
    def test_dustwun_is_redesignated_within_ten_days_and_the_board_says_when(self):
        case = reported()
        case.when(cmd.ChangeDutyStatus(incident_id=INC, person_id=P1, status=DutyStatus.DUSTWUN))
        person = case.incident().persons[P1]
        row = standing(person, None)
        assert row.next_due == person.status_since + timedelta(days=10)
        assert "redesignate" in row.next_decision
        assert case.when(cmd.RaiseDustwunAlert(incident_id=INC, person_id=P1), Actor.system()) == []
        case.later(timedelta(days=10))
        (alert,) = case.when(cmd.RaiseDustwunAlert(incident_id=INC, person_id=P1), Actor.system())
        assert alert.type_name == "dustwun_redesignation_due"

    def test_the_board_shows_phase_twos_earliest_decision(self):
        case = recovered()
        through_phase(case, Phase.I)
        case.when(decision(PhaseDecision.CONTINUE))
        case.when(phase(Phase.II))
        j = case.journey(P1)
        assert j is not None
        assert j.phase is not None
        row = standing(case.incident().persons[P1], j)
        assert row.lifecycle == "phase_II"
        assert row.next_due == j.phase.began_at + timedelta(hours=72)


class TestTheCaseFile:
    def test_requests_carry_an_approval_and_a_due_time_and_are_done_only_once_approved(self):
        case = detained()
        case.when(
            jc.AddInteragencyActor(
                incident_id=INC,
                organisation="Embassy",
                kind=ActorKind.EMBASSY,
                contact="Consul R. Ibarra",
                role="negotiation lead",
            )
        )
        case.when(
            jc.RaiseInteragencyRequest(
                incident_id=INC,
                kind=RequestKind.REQUEST,
                actor_id="A1",
                text="Proof of life through the ICRC",
                source="JPRCC director",
                due_at=case.at + timedelta(hours=24),
            )
        )
        with pytest.raises(RuleViolation, match="only an approved request"):
            case.when(jc.CompleteInteragencyRequest(incident_id=INC, request_id="R1", outcome="o"))
        case.when(jc.DecideInteragencyRequest(incident_id=INC, request_id="R1", approve=True))
        case.when(
            jc.CompleteInteragencyRequest(incident_id=INC, request_id="R1", outcome="photo, dated today")
        )
        f = case.casefile()
        assert f is not None
        assert f.requests["R1"].approval is Approval.APPROVED
        assert f.requests["R1"].done_at

    def test_an_entry_is_sourced_and_dated_not_before_the_isolating_event(self):
        case = detained()
        with pytest.raises(RuleViolation, match="before the isolating event") as refused:
            case.when(jc.AddCaseEntry(incident_id=INC, at=T0 - timedelta(days=1), source="HUMINT", text="t"))
        assert refused.value.field == "at"
        with pytest.raises(RuleViolation) as blank:
            case.when(jc.AddCaseEntry(incident_id=INC, at=T0, source=" ", text="t"))
        assert blank.value.field == "source"

    def test_a_request_to_an_unknown_actor_is_not_found(self):
        case = detained()
        with pytest.raises(NotFound) as refused:
            case.when(
                jc.RaiseInteragencyRequest(
                    incident_id=INC, kind=RequestKind.REQUEST, actor_id="A7", text="t", source="s"
                )
            )
        assert refused.value.field == "actor_id"

    def test_the_collection_plan_is_assigned_to_a_component_or_the_jprcc(self):
        case = detained()
        case.when(jc.AddCollectionItem(incident_id=INC, item="Where is SPC Holt held?", assigned_to="JFSOCC"))
        case.when(jc.AddCollectionItem(incident_id=INC, item="Captor's demands", assigned_to="JPRCC"))
        with pytest.raises(RuleViolation) as refused:
            case.when(jc.AddCollectionItem(incident_id=INC, item="x", assigned_to="JFXX"))
        assert refused.value.field == "assigned_to"
        case.when(
            jc.CompleteCollectionItem(incident_id=INC, item_id="C1", result="compound at grid 32T NK 25 38")
        )
        f = case.casefile()
        assert f is not None
        assert f.collection["C1"].done_at is not None
        assert f.collection["C2"].done_at is None
