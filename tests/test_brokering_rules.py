"""The brokering rules as given / when / then on the pure deciders: no store, no bus, milliseconds.

``given`` folds past events into an incident with the node's own appliers; ``when`` asks the
command's decision (the step its capability declares, behind the checks common to every incident
command); ``then`` reads the new events, or the refusal. The same rules run through the bus and
the store in test_brokering.py; here they are fast enough to be many.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jprcc.brokering import casework, control, flow
from jprcc.brokering import commands as cmd
from jprcc.brokering import events as ev
from jprcc.brokering.decide import decide_incident
from jprcc.brokering.incident import Incident, Stage
from jprcc.brokering.rules import TheaterView
from jprcc.core.contract import Registry
from jprcc.core.errors import InvalidTransition, RuleViolation
from jprcc.core.model import (
    Actor,
    Capability,
    ComponentKind,
    Context,
    DutyStatus,
    Environment,
    Position,
    Readiness,
    RelationshipKind,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
)
from jprcc.core.node import shipped_capabilities
from jprcc.core.theater.model import Asset, Commitment, Component
from jprcc.core.values import Contribution, Offer, PersonReport

REGISTRY = Registry(shipped_capabilities())
STEPS = {s.command: s for s in (*flow.decides.steps, *casework.decides.steps, *control.decides.steps)}
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
INC = "PR-G1"
DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
COMPONENTS = {
    c: Component(c, c, kind, f"{c} PRCC")
    for c, kind in (
        ("JFACC", ComponentKind.AIR),
        ("JFLCC", ComponentKind.LAND),
        ("JFMCC", ComponentKind.MARITIME),
        ("JFSOCC", ComponentKind.SPECIAL_OPERATIONS),
    )
}


def asset(asset_id: str, component: str, *capabilities: Capability, committed: int | None = None) -> Asset:
    return Asset(
        asset_id=asset_id,
        callsign=asset_id,
        asset_type="test",
        component_id=component,
        capabilities=capabilities,
        base=Position(40.0, 9.0),
        base_name="base",
        speed_kmh=250.0,
        range_km=900.0,
        endurance_h=4.0,
        readiness=Readiness.READY,
        commitment=Commitment("OP-HARD-RAIN", committed) if committed else None,
    )


ASSETS = {
    "KNIGHT41": asset("KNIGHT41", "JFMCC", Capability.ROTARY_WING_RECOVERY),
    "REAPER55": asset("REAPER55", "JFACC", Capability.ISR, committed=1),  # outranks a priority-2 incident
    "CAV3": asset("CAV3", "JFLCC", Capability.ARMORED_RECONNAISSANCE),
}


@dataclass
class Given:
    """The incident as its past events leave it, and the world the next decision sees."""

    events: list[ev.Event] = field(default_factory=list)
    taskings: dict[str, str] = field(default_factory=dict)
    at: datetime = T0

    def incident(self) -> Incident | None:
        found: Incident | None = REGISTRY.fold("incident", self.events)
        return found

    def when(self, command: cmd.IncidentCommand, actor: Actor = DIRECTOR) -> list[ev.Event]:
        """The events ``command`` produces; they are kept, as the log would keep them."""
        self.at += timedelta(minutes=5)
        view = TheaterView(
            components=COMPONENTS, assets=ASSETS, taskings=self.taskings, default_check_in_s=1800
        )
        new = decide_incident(command, self.incident(), STEPS[type(command)], view, Context(actor, self.at))
        self.events.extend(new)
        return new


def reported(environment: Environment = Environment.LAND) -> Given:
    given = Given()
    given.when(
        cmd.ReportIncident(
            incident_id=INC,
            title="SANDY 02 down",
            owning_component="JFSOCC",
            isolating_event_at=T0 - timedelta(minutes=10),
            position=Position(40.1, 9.3),
            uncertainty_m=800,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.PROBABLY_TRUE,
            persons=(
                PersonReport("Sgt A", "USA", "JFSOCC", "ODA 1"),
                PersonReport("Sgt B", "USA", "JFSOCC", "ODA 1"),
            ),
            environment=environment,
            priority=2,
        )
    )
    return given


NEEDED = (Capability.ROTARY_WING_RECOVERY, Capability.ISR, Capability.ARMORED_RECONNAISSANCE)


def polled() -> Given:
    given = reported()
    given.when(
        cmd.RequestAssistance(incident_id=INC, capabilities_needed=NEEDED, reason="r", cannot_recover=True)
    )
    given.when(
        cmd.OpenCapabilityPoll(
            incident_id=INC, component_ids=("JFACC", "JFLCC", "JFMCC"), capabilities_needed=()
        )
    )
    return given


def nomination(**overrides: Any) -> cmd.NominateSupport:
    fields: dict[str, Any] = {
        "incident_id": INC,
        "supported_component": "JFMCC",
        "contributions": (
            Contribution("JFMCC", ("KNIGHT41",), "pick-up"),
            Contribution("JFLCC", ("CAV3",), "screen the LZ"),
        ),
        "support_kind": SupportKind.DIRECT,
        "priority": 1,
        "window_start": T0,
        "window_end": T0 + timedelta(hours=6),
        "desired_effects": "recovered before first light",
    }
    return cmd.NominateSupport(**{**fields, **overrides})


def answered() -> Given:
    """The maritime component offers its helicopter, land its armoured reconnaissance."""
    given = polled()
    soon = T0 + timedelta(minutes=40)
    helo = Offer("KNIGHT41", Capability.ROTARY_WING_RECOVERY, soon)
    given.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFMCC", offers=(helo,)))
    cav = Offer("CAV3", Capability.ARMORED_RECONNAISSANCE, soon)
    given.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFLCC", offers=(cav,)))
    return given


def directive() -> Given:
    given = answered()
    given.when(nomination())
    pending = given.incident()
    assert pending is not None
    assert pending.pending_nomination is not None
    given.when(cmd.ApproveNomination(incident_id=INC, nomination_id=pending.pending_nomination.nomination_id))
    return given


class TestTheFlow:
    def test_a_report_opens_the_incident_with_its_persons_isolated(self):
        incident = reported().incident()
        assert incident is not None
        assert incident.stage is Stage.REPORTED
        assert [p.duty_status for p in incident.persons.values()] == [DutyStatus.ISOLATED] * 2

    def test_nothing_is_nominated_before_the_components_are_polled(self):
        given = reported()
        with pytest.raises(InvalidTransition, match="cannot nominate"):
            given.when(nomination())

    def test_organic_recovery_is_declared_only_while_reported(self):
        given = polled()
        with pytest.raises(InvalidTransition):
            given.when(cmd.DeclareOrganicRecovery(incident_id=INC, plan="our own helo"))

    def test_the_jfcs_approval_puts_a_support_directive_in_force(self):
        incident = directive().incident()
        assert incident is not None
        assert incident.stage is Stage.DIRECTIVE_IN_FORCE
        assert incident.directive is not None
        assert incident.directive.supported_component == "JFMCC"


class TestCommandRelationships:
    def test_a_support_directive_transfers_no_tacon(self):
        incident = directive().incident()
        assert incident is not None
        assert {r.kind for r in incident.relationships} == {RelationshipKind.SUPPORT_DIRECT}
        assert not any(r.kind.transfers_control for r in incident.relationships)

    def test_supporting_components_support_the_supported_one(self):
        incident = directive().incident()
        assert incident is not None
        assert {(r.from_component, r.to_component) for r in incident.relationships} == {("JFLCC", "JFMCC")}

    def test_a_tacon_transfer_needs_an_end_after_its_begin(self):
        given = directive()
        with pytest.raises(RuleViolation):
            given.when(
                cmd.RequestTaconTransfer(
                    incident_id=INC,
                    asset_ids=("CAV3",),
                    from_component="JFLCC",
                    to_component="JFMCC",
                    begin=T0 + timedelta(hours=2),
                    end=T0 + timedelta(hours=1),
                    reason="one commander on the objective",
                )
            )

    def test_closing_ends_every_relationship(self):
        given = directive()
        given.when(cmd.CloseIncident(incident_id=INC, disposition="false_alarm"))
        incident = given.incident()
        assert incident is not None
        assert all(r.end is not None for r in incident.relationships)


class TestAssets:
    def test_an_asset_serving_another_directive_cannot_be_nominated(self):
        given = answered()
        given.taskings = {"KNIGHT41": "PR-OTHER"}
        with pytest.raises(RuleViolation, match="KNIGHT41"):
            given.when(nomination())

    def test_an_asset_may_not_be_offered_by_another_component(self):
        given = polled()
        offer = Offer("KNIGHT41", Capability.ROTARY_WING_RECOVERY, T0 + timedelta(minutes=30))
        with pytest.raises(RuleViolation):
            given.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFACC", offers=(offer,)))

    def test_an_asset_committed_elsewhere_is_offered_only_when_released(self):
        given = polled()
        held = Offer("REAPER55", Capability.ISR, T0 + timedelta(minutes=30))
        with pytest.raises(RuleViolation, match="REAPER55"):
            given.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFACC", offers=(held,)))
        released = Offer("REAPER55", Capability.ISR, T0 + timedelta(minutes=30), release_from_operation=True)
        given.when(cmd.AnswerCapabilityPoll(incident_id=INC, component_id="JFACC", offers=(released,)))


class TestPersons:
    def test_detention_switches_to_the_non_military_track(self):
        given = polled()
        given.when(cmd.DeclareDetained(incident_id=INC, person_ids=(f"{INC}-P1",), detaining_party="militia"))
        incident = given.incident()
        assert incident is not None
        assert incident.persons[f"{INC}-P1"].duty_status is DutyStatus.CAPTURED

    def test_a_person_is_recovered_only_once(self):
        given = reported()
        given.when(cmd.DeclareOrganicRecovery(incident_id=INC, plan="own helo"))
        given.when(cmd.RecordRecovery(incident_id=INC))
        with pytest.raises(InvalidTransition):
            given.when(cmd.RecordRecovery(incident_id=INC))

    def test_dustwun_is_redesignated_after_ten_days(self):
        given = reported()
        given.when(
            cmd.ChangeDutyStatus(
                incident_id=INC, person_id=f"{INC}-P2", status=DutyStatus.DUSTWUN, remarks=""
            )
        )
        given.at += timedelta(days=10, minutes=1)
        given.when(cmd.RaiseDustwunAlert(incident_id=INC, person_id=f"{INC}-P2"), Actor.system("clock"))
        assert isinstance(given.events[-1], ev.DustwunRedesignationDue)


def test_the_given_when_then_rules_run_in_milliseconds():
    import time

    started = time.perf_counter()
    for _ in range(20):
        directive()
    assert (time.perf_counter() - started) / 20 < 0.05  # a whole flow, folded and decided, well under 50 ms
