"""Your turn: each user's inbox holds what waits for them, and only that, at each step of the flow.
Run on SQLite and PostgreSQL (the ``turns`` read model is written in the command's transaction)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.brokering import commands as cmd
from jprcc.brokering.inbox import Inbox, InboxOut
from jprcc.core.model import RelayChannel
from jprcc.core.node import Node
from jprcc.core.values import OnBehalf
from tests import article
from tests.api_helpers import Api
from tests.conftest import Cast


def inbox(node: Node, cast: Cast, username: str) -> InboxOut:
    return node.service(Inbox).of(cast[username])


def kinds(node: Node, cast: Cast, username: str) -> list[tuple[str, str]]:
    return [(i.incident_id, i.kind) for i in inbox(node, cast, username).items]


class TestEachActorGetsTheirTurn:
    def test_assistance_requested_waits_for_the_jprcc_to_poll(self, node, cast, clock):
        node.bus.handle(article.report_command(article.INCIDENT, clock), cast["controller"])
        node.bus.handle(
            cmd.RequestAssistance(
                incident_id=article.INCIDENT, capabilities_needed=(), reason="no lift", cannot_recover=True
            ),
            cast["controller"],
        )
        [item] = inbox(node, cast, "controller").items
        assert (item.kind, item.action) == ("assistance_requested", "open_poll")
        assert item.incident_id == article.INCIDENT
        assert item.position.mgrs
        assert inbox(node, cast, "jfc").items == []

    def test_a_poll_waits_on_each_polled_component_until_it_answers(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        polled = {"jfacc", "jflcc", "jfsocc", "jfmcc"}
        for user in polled:
            assert (article.INCIDENT, "answer_poll") in kinds(node, cast, user), user
        article.answer_all(node, cast, clock)
        for user in polled:
            assert (article.INCIDENT, "answer_poll") not in kinds(node, cast, user), user

    def test_answers_in_tell_the_jprcc_to_nominate_and_the_nomination_waits_for_the_jfc(
        self, node, cast, clock
    ):
        article.to_poll(node, cast, clock)
        article.answer_all(node, cast, clock)
        [answers] = [i for i in inbox(node, cast, "director").items if i.kind == "answers_in"]
        assert answers.asks.startswith("All answers are in")
        assert answers.urgent
        article.nominate(node, cast, clock)
        assert kinds(node, cast, "jfc") == [(article.INCIDENT, "approve_nomination")]
        assert all(i.kind != "answers_in" for i in inbox(node, cast, "director").items)

    def test_a_directive_waits_for_each_supporter_then_for_the_supported_to_begin(self, node, cast, clock):
        article.to_directive(node, cast, clock)
        assert kinds(node, cast, "jfc") == []
        for user in ("jfacc", "jflcc", "jfsocc"):
            assert (article.INCIDENT, "accept_task") in kinds(node, cast, user)
        [begin] = [i for i in inbox(node, cast, "jfmcc").items if i.kind == "begin_recovery"]
        assert not begin.urgent
        assert "3 supporting task(s) not yet accepted" in begin.asks
        for component in ("JFACC", "JFLCC", "JFSOCC"):
            node.bus.handle(
                cmd.AcceptSupportTask(incident_id=article.INCIDENT, component_id=component),
                cast[component.lower()],
            )
        [begin] = [i for i in inbox(node, cast, "jfmcc").items if i.kind == "begin_recovery"]
        assert begin.urgent
        assert begin.asks == "Begin the recovery"
        node.bus.handle(cmd.BeginRecovery(incident_id=article.INCIDENT), cast["jfmcc"])
        assert [k for k in kinds(node, cast, "jfmcc") if k[1] == "begin_recovery"] == []

    def test_a_recorded_answer_waits_for_its_party_to_confirm(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        node.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id=article.INCIDENT,
                component_id="JFLCC",
                cannot_reason="every team committed",
                on_behalf=OnBehalf("Maj Reyes", RelayChannel.PHONE),
            ),
            cast["controller"],
        )
        [confirm] = [i for i in inbox(node, cast, "jflcc").items if i.action == "confirm_record"]
        assert "as given by Maj Reyes" in confirm.asks
        assert not confirm.urgent

    def test_an_overdue_check_in_is_in_the_jprcc_and_owner_inboxes_not_in_others(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        clock.advance(timedelta(hours=3))
        assert (article.INCIDENT, "overdue") in kinds(node, cast, "controller")
        owner = node.queries.incident(cast["controller"], article.INCIDENT).owning_component.lower()
        assert (article.INCIDENT, "overdue") in kinds(node, cast, owner)
        assert all(k != "overdue" for _, k in kinds(node, cast, "jfc"))

    def test_urgent_items_come_first_and_the_count_counts_them(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        article.answer_all(node, cast, clock)
        box = inbox(node, cast, "controller")
        assert box.urgent == sum(i.urgent for i in box.items)
        flags = [i.urgent for i in box.items]
        assert flags == sorted(flags, reverse=True)

    def test_observers_have_no_inbox(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        assert inbox(node, cast, "observer").items == []


class TestSpeakableIds:
    def test_an_incident_reported_without_an_id_gets_the_next_number(self, sqlite_node, sqlite_cast, clock):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            api = Api(client, sqlite_cast)
            body = _report_body(clock)
            first = api.post("controller", "/api/incidents", body, status=201)["incident_id"]
            second = api.post("controller", "/api/incidents", body, status=201)["incident_id"]
            assert (first, second) == ("PR-0001", "PR-0002")
            assert api.get("controller", "/api/inbox") == {"items": [], "urgent": 0, "parties": ["jprcc"]}


def _report_body(clock) -> dict[str, object]:
    return {
        "title": "VIPER 11",
        "owning_component": "JFACC",
        "isolating_event_at": (clock.now - timedelta(minutes=5)).isoformat(),
        "position": {"lat": 34.5, "lon": 36.1},
        "uncertainty_m": 500,
        "channel": "voice",
        "source_confidence": "probably_true",
        "persons": [{"name": "Capt A. Example", "component_id": "JFACC"}],
        "environment": "land",
    }
