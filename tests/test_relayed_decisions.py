"""Decisions given by voice: the JPRCC records them on their giver's behalf, marked as such, and
the giver confirms or disputes the record. Through the bus, on the real store."""

from __future__ import annotations

import pytest

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import RelayStatus, Stage
from jprcc.core.errors import Conflict, NotAuthorized, NotFound, RuleViolation
from jprcc.core.model import Capability, RelayChannel
from jprcc.core.node import Node
from jprcc.core.values import Offer, OnBehalf
from tests import article
from tests.conftest import Cast

PHONE = OnBehalf("Maj Reyes, JFLCC PRCC", RelayChannel.PHONE)


@pytest.fixture
def n(sqlite_node: Node) -> Node:
    return sqlite_node


@pytest.fixture
def c(sqlite_cast: Cast) -> Cast:
    return sqlite_cast


def phoned_answer(n: Node, c: Cast, clock, on_behalf: OnBehalf | None = PHONE, actor: str = "controller"):
    article.to_poll(n, c, clock)
    offers = tuple(Offer(a, cap, clock.now) for a, cap in article.OFFERS["JFLCC"])
    return n.bus.handle(
        cmd.AnswerCapabilityPoll(
            incident_id=article.INCIDENT, component_id="JFLCC", offers=offers, on_behalf=on_behalf
        ),
        c[actor],
    ).value


def voice_approval(n: Node, c: Cast, clock):
    article.to_poll(n, c, clock)
    article.answer_all(n, c, clock)
    incident = article.nominate(n, c, clock)
    nomination = incident.pending_nomination
    assert nomination is not None
    return n.bus.handle(
        cmd.ApproveNomination(
            incident_id=article.INCIDENT,
            nomination_id=nomination.nomination_id,
            remarks="approved on the secure line",
            on_behalf=OnBehalf("Lt Gen Hale (JFC)", RelayChannel.RADIO),
        ),
        c["controller"],
    ).value


class TestRecordingOnBehalf:
    def test_a_phoned_in_answer_counts_as_the_components_and_is_marked_as_relayed(self, n, c, clock):
        incident = phoned_answer(n, c, clock)
        assert incident.poll is not None
        assert "JFLCC" in incident.poll.answers
        [record] = incident.relayed
        assert record.party == "JFLCC"
        assert record.given_by == "Maj Reyes, JFLCC PRCC"
        assert record.channel is RelayChannel.PHONE
        assert record.recorded_by == c["controller"].username
        assert record.status is RelayStatus.RECORDED

    def test_the_timeline_shows_who_gave_it_how_and_who_recorded_it(self, n, c, clock):
        phoned_answer(n, c, clock)
        lines = [e.summary for e in n.queries.timeline(c["controller"], article.INCIDENT)]
        answer = next(i for i, line in enumerate(lines) if line.startswith("JFLCC offers"))
        relayed = lines[answer + 1]
        assert relayed.startswith("Recorded on behalf of JFLCC: answer the capability poll")
        assert "given by Maj Reyes, JFLCC PRCC by phone" in relayed
        assert f"recorded by {c['controller'].username}" in relayed

    def test_a_voice_approval_puts_the_directive_in_force_and_is_marked_for_the_jfc(self, n, c, clock):
        incident = voice_approval(n, c, clock)
        assert incident.stage is Stage.DIRECTIVE_IN_FORCE
        [record] = incident.relayed
        assert record.party == "JFC"
        assert record.decision.startswith("approve a nomination ")
        lines = [e.summary for e in n.queries.timeline(c["jfc"], article.INCIDENT)]
        assert any("Recorded on behalf of JFC" in line and "by radio" in line for line in lines)

    def test_assistance_recorded_by_the_controller_says_what_the_component_asked(self, n, c, clock):
        n.bus.handle(article.report_command(article.INCIDENT, clock), c["controller"])
        incident = n.bus.handle(
            cmd.RequestAssistance(
                incident_id=article.INCIDENT,
                capabilities_needed=(Capability.ROTARY_WING_RECOVERY,),
                reason="no lift left tonight",
                on_behalf=OnBehalf("Cdr Okafor, JFMCC PRCC", RelayChannel.PHONE),
            ),
            c["controller"],
        ).value
        assert incident.stage is Stage.ASSISTANCE_REQUESTED
        assert incident.cannot_recover is False
        assert incident.assistance_capabilities == (Capability.ROTARY_WING_RECOVERY,)
        assert incident.relayed[0].party == incident.owning_component


class TestWhoMayRecord:
    def test_only_the_jprcc_records_on_someones_behalf(self, n, c, clock):
        with pytest.raises(NotAuthorized):
            phoned_answer(n, c, clock, actor="jflcc")

    def test_without_on_behalf_the_controller_still_cannot_answer_for_a_component(self, n, c, clock):
        with pytest.raises(NotAuthorized):
            phoned_answer(n, c, clock, on_behalf=None)

    def test_a_blank_giver_is_refused_naming_the_field(self, n, c, clock):
        with pytest.raises(RuleViolation) as refused:
            phoned_answer(n, c, clock, on_behalf=OnBehalf("  ", RelayChannel.PHONE))
        assert refused.value.field == "on_behalf.given_by"
        assert n.queries.incident(c["controller"], article.INCIDENT).poll.answers == {}  # type: ignore[union-attr]


class TestConfirmOrDispute:
    def test_the_component_confirms_its_phoned_answer(self, n, c, clock):
        record = phoned_answer(n, c, clock).relayed[0]
        incident = n.bus.handle(
            cmd.ConfirmRelayedDecision(incident_id=article.INCIDENT, record_id=record.record_id),
            c["jflcc"],
        ).value
        assert incident.relayed[0].status is RelayStatus.CONFIRMED
        assert incident.relayed[0].answered_by == c["jflcc"].username

    def test_the_jfc_disputes_a_recorded_approval_with_a_reason_the_timeline_shows(self, n, c, clock):
        record = voice_approval(n, c, clock).relayed[0]
        incident = n.bus.handle(
            cmd.DisputeRelayedDecision(
                incident_id=article.INCIDENT, record_id=record.record_id, reason="I approved only the ISR"
            ),
            c["jfc"],
        ).value
        assert incident.relayed[0].status is RelayStatus.DISPUTED
        assert incident.stage is Stage.DIRECTIVE_IN_FORCE  # a dispute reverses nothing by itself
        lines = [e.summary for e in n.queries.timeline(c["controller"], article.INCIDENT)]
        assert lines[-1].startswith(f"DISPUTED by {c['jfc'].username}")

    def test_someone_else_cannot_confirm_a_record_made_for_another(self, n, c, clock):
        record = phoned_answer(n, c, clock).relayed[0]
        for other in ("jfmcc", "controller", "jfc"):
            with pytest.raises(NotAuthorized):
                n.bus.handle(
                    cmd.ConfirmRelayedDecision(incident_id=article.INCIDENT, record_id=record.record_id),
                    c[other],
                )

    def test_a_record_is_answered_once(self, n, c, clock):
        record = phoned_answer(n, c, clock).relayed[0]
        confirm = cmd.ConfirmRelayedDecision(incident_id=article.INCIDENT, record_id=record.record_id)
        n.bus.handle(confirm, c["jflcc"])
        with pytest.raises(Conflict):
            n.bus.handle(confirm, c["jflcc"])

    def test_an_unknown_record_is_not_found(self, n, c, clock):
        phoned_answer(n, c, clock)
        with pytest.raises((NotFound, NotAuthorized)):
            n.bus.handle(
                cmd.ConfirmRelayedDecision(incident_id=article.INCIDENT, record_id="PR-ARTICLE/R9"),
                c["jflcc"],
            )
