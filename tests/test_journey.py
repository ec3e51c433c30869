"""The person's journey through the store and the API: hand-offs recorded by one side and
acknowledged by the other, reintegration to return to duty, the reintegration board and the
person's timeline, need-to-know on the interagency track, and bad input answered with a 4xx that
names the field and the rule while nothing stored changes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.maintenance import rebuild_read_models
from jprcc.core.node import Node
from jprcc.journey.queries import JourneyQueries
from tests.api_helpers import Api
from tests.conftest import Cast

INC = "PR-HOLT"
P1, P2 = f"{INC}-P1", f"{INC}-P2"
JOURNEY = f"/api/incidents/{INC}/persons/{{person}}/journey"


@pytest.fixture
def api(sqlite_node: Node, sqlite_cast: Cast) -> Iterator[Api]:
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        yield Api(client, sqlite_cast)


def journey(person: str = P1, tail: str = "") -> str:
    return JOURNEY.format(person=person) + tail


def when(clock: Any, minutes: int = 0) -> str:
    return (clock.now + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def detained(api: Api, clock: Any) -> Api:
    """Two drivers of the land component seized at a checkpoint by a militia."""
    api.post(
        "jflcc",
        "/api/incidents",
        {
            "incident_id": INC,
            "title": "CARGO: two drivers seized at a checkpoint",
            "owning_component": "JFLCC",
            "isolating_event_at": when(clock, -60),
            "position": {"lat": 40.5, "lon": 9.1},
            "uncertainty_m": 200,
            "channel": "voice",
            "source_confidence": "probably_true",
            "environment": "land",
            "persons": [
                {"name": "SPC N. Holt", "component_id": "JFLCC"},
                {"name": "PFC R. Ames", "component_id": "JFLCC"},
            ],
        },
        status=201,
    )
    api.post(
        "jflcc",
        f"/api/incidents/{INC}/detention",
        {"person_ids": [P1, P2], "detaining_party": "LIBERATION FRONT militia"},
    )
    return api


def test_a_released_driver_is_flown_out_by_another_component_and_returns_to_duty(detained, clock):
    api = detained
    # the ICRC receives the driver from the captor: released, not yet in friendly hands
    icrc = {"kind": "icrc", "name": "ICRC delegation"}
    out = api.post(
        "controller",
        journey(tail="/handoffs"),
        {"receiver": icrc, "location": "Orgosolo", "at": when(clock), "side": "receiver"},
    )
    assert out["duty_status"] == "released"
    assert out["custodian"].startswith("ICRC delegation")
    # the ICRC hands him to KNIGHT 41 (JFMCC): maritime is named and sees the case at once
    knight = {"kind": "aircraft", "name": "KNIGHT 41", "component_id": "JFMCC"}
    api.get("jfmcc", f"/api/incidents/{INC}", status=404)  # not yet involved: as though none
    out = api.post(
        "controller",
        journey(tail="/handoffs"),
        {"receiver": knight, "location": "LZ FALCON", "at": when(clock, 1), "side": "giver"},
    )
    assert out["custody"][-1]["waits_for"] == "receiver"
    assert out["duty_status"] == "released"
    api.get("jfmcc", f"/api/incidents/{INC}")
    # only the other side acknowledges: not the JPRCC user who recorded it, not another component
    api.post("controller", journey(tail="/handoffs/H2/acknowledgement"), status=403)
    api.post("jflcc", journey(tail="/handoffs/H2/acknowledgement"), status=403)
    out = api.post("jfmcc", journey(tail="/handoffs/H2/acknowledgement"), {"remarks": "aboard, uninjured"})
    assert out["duty_status"] == "recovered"
    assert out["lifecycle"] == "in_friendly_custody"
    assert "begin reintegration phase I" in out["next_decision"]
    # phase I to return to duty, the director deciding
    api.post("jflcc", journey(tail="/phases"), {"phase": "I", "location": "Base ALPHA", "facility": "Role 3"})
    out = api.post("jflcc", journey(tail="/team"), {"role": "sere_psychologist", "name": "Dr. M. Keane"})
    assert out["team"] == {"sere_psychologist": "Dr. M. Keane"}
    for item in [i["item"] for i in out["phases"][0]["checklist"]]:
        out = api.post("jflcc", journey(tail="/checklist"), {"item": item})
    assert all(i["done_at"] for i in out["phases"][0]["checklist"])
    out = api.post(
        "director",
        journey(tail="/decision"),
        {"decision": "return_to_duty", "reason": "fit; short captivity"},
    )
    assert out["ended"] is True
    assert out["end"] == "returned_to_duty"
    summaries = [e["summary"] for e in out["timeline"]]
    assert summaries[0].startswith("Isolating event reported")
    assert any("Detained by LIBERATION FRONT" in s for s in summaries)
    assert any("hand-off H2 acknowledged" in s for s in summaries)
    assert "journey ended, accounted for — returned to duty" in summaries[-1]
    assert not any(s.startswith(f"{P1} accounted for") for s in summaries), "said once, not twice"
    # the board: the other driver still held, this one only with ended shown
    board = api.get("director", "/api/persons")
    assert [r["person_id"] for r in board] == [P2]
    assert board[0]["lifecycle"] == "captured"
    everyone = {r["person_id"]: r for r in api.get("director", "/api/persons", include_ended=True)}
    assert everyone[P1]["lifecycle"] == "returned_to_duty"


def test_the_read_models_equal_a_rebuild_from_the_log(detained, clock, sqlite_node):
    api = detained
    api.post(
        "controller",
        journey(tail="/handoffs"),
        {
            "receiver": {"kind": "embassy", "name": "Embassy"},
            "location": "Capital",
            "at": when(clock),
            "side": "receiver",
        },
    )
    api.post(
        "director",
        journey(tail="/phases"),
        {"phase": "I", "location": "Capital", "facility": "Embassy clinic"},
    )
    api.post(
        "controller",
        f"/api/incidents/{INC}/casefile/actors",
        {"organisation": "ICRC", "kind": "icrc", "contact": "M. Roux", "role": "intermediary"},
    )
    before = (
        api.get("director", "/api/persons"),
        api.get("director", journey()),
        api.get("director", f"/api/incidents/{INC}/casefile"),
    )
    rebuild_read_models(sqlite_node.database, sqlite_node.registry)
    after = (
        api.get("director", "/api/persons"),
        api.get("director", journey()),
        api.get("director", f"/api/incidents/{INC}/casefile"),
    )
    assert after == before


class TestNeedToKnow:
    def test_the_interagency_track_is_for_the_jprcc_the_jfc_and_the_persons_component(self, detained, clock):
        api = detained
        api.post(
            "controller",
            f"/api/incidents/{INC}/casefile/actors",
            {
                "organisation": "Embassy",
                "kind": "embassy",
                "contact": "Consul R. Ibarra",
                "role": "negotiation lead",
            },
        )
        api.post(
            "jflcc",
            f"/api/incidents/{INC}/casefile/entries",
            {
                "at": when(clock),
                "source": "Consul, by phone",
                "text": "Captors ask for a prisoner exchange",
                "actor_id": "A1",
            },
        )
        api.post(
            "jflcc",
            f"/api/incidents/{INC}/casefile/collection",
            {"item": "Where are the drivers held?", "assigned_to": "JFSOCC"},
        )
        for reader in ("director", "controller", "jfc", "jflcc"):
            f = api.get(reader, f"/api/incidents/{INC}/casefile")
            assert [a["contact"] for a in f["actors"]] == ["Consul R. Ibarra"], reader
            assert f["partial"] is False
        # an observer sees the collection plan, not the interagency contacts
        f = api.get("observer", f"/api/incidents/{INC}/casefile")
        assert (f["actors"], f["entries"], f["partial"]) == ([], [], True)
        assert [i["item"] for i in f["collection"]] == ["Where are the drivers held?"]
        # a component the incident does not involve sees nothing of it, not even that it exists
        api.get("jfmcc", f"/api/incidents/{INC}/casefile", status=404)
        api.get("jfmcc", journey(), status=404)

    def test_an_actor_named_need_to_know_is_seen_by_that_component_only(self, detained, clock):
        api = detained
        api.post(
            "director",
            f"/api/incidents/{INC}/casefile/collection",
            {"item": "Pattern of life at the compound", "assigned_to": "JFSOCC"},
        )
        api.post(
            "controller",
            f"/api/incidents/{INC}/casefile/actors",
            {
                "organisation": "Agency",
                "kind": "intelligence_agency",
                "contact": "Station",
                "role": "HUMINT",
                "need_to_know": ["JFSOCC"],
            },
        )
        api.post(
            "controller",
            f"/api/incidents/{INC}/casefile/actors",
            {"organisation": "ICRC", "kind": "icrc", "contact": "M. Roux", "role": "intermediary"},
        )
        f = api.get("jfsocc", f"/api/incidents/{INC}/casefile")
        assert [a["organisation"] for a in f["actors"]] == ["Agency"]
        assert f["partial"] is True

    def test_approval_is_the_directors_or_the_jfcs(self, detained, clock):
        api = detained
        api.post(
            "controller",
            f"/api/incidents/{INC}/casefile/actors",
            {"organisation": "ICRC", "kind": "icrc", "contact": "M. Roux", "role": "intermediary"},
        )
        due = when(clock, 24 * 60)
        f = api.post(
            "jflcc",
            f"/api/incidents/{INC}/casefile/requests",
            {
                "kind": "request",
                "actor_id": "A1",
                "text": "Proof of life",
                "source": "JFLCC commander",
                "due_at": due,
            },
        )
        assert f["requests"][0]["approval"] == "pending"
        assert "decide_request" not in f["allowed_actions"]  # the PRCC raises, it does not approve
        assert "decide_request" in api.get("jfc", f"/api/incidents/{INC}/casefile")["allowed_actions"]
        assert api.get("observer", f"/api/incidents/{INC}/casefile")["allowed_actions"] == []
        api.post(
            "controller", f"/api/incidents/{INC}/casefile/requests/R1/decision", {"approve": True}, status=403
        )
        f = api.post("jfc", f"/api/incidents/{INC}/casefile/requests/R1/decision", {"approve": True})
        assert f["requests"][0]["approval"] == "approved"


def _bad(
    api: Api, path: str, body: dict[str, Any], status: int, field: str, words: str, who: str = "controller"
) -> None:
    answer = api.client.post(path, json=body, headers=api.headers(who))
    assert answer.status_code == status, answer.text
    problem = answer.json()
    fields = [problem.get("field")] + [e.get("field") for e in problem.get("errors", [])]
    assert any(f is not None and f.endswith(field) for f in fields), problem
    assert words in answer.text, problem


class TestBadInput:
    @pytest.fixture
    def unchanged(self, detained: Api, sqlite_node: Node) -> Iterator[Api]:
        detained.post(
            "controller",
            journey(tail="/handoffs"),
            {
                "receiver": {"kind": "icrc", "name": "ICRC"},
                "location": "Orgosolo",
                "at": (sqlite_node.clock() - timedelta(minutes=5)).isoformat(),
                "side": "receiver",
            },
        )
        for who in ("jflcc", "director", "jfmcc"):
            detained.headers(who)
        before = sqlite_node.queries.last_seq()
        page = detained.get("director", journey())
        yield detained
        assert sqlite_node.queries.last_seq() == before, "nothing stored changed"
        assert detained.get("director", journey()) == page

    def test_a_hand_off_to_oneself(self, unchanged, clock):
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {
                "receiver": {"kind": "icrc", "name": "ICRC"},
                "location": "x",
                "at": when(clock),
                "side": "giver",
            },
            422,
            "receiver",
            "holds the person already",
        )

    def test_a_phase_out_of_order(self, unchanged, clock):
        _bad(
            unchanged,
            journey(P2, "/phases"),
            {"phase": "II", "location": "x", "facility": "y"},
            422,
            "person_id",
            "friendly hands",
            "director",
        )
        _bad(
            unchanged,
            journey(tail="/phases"),
            {"phase": "IV", "location": "x", "facility": "y"},
            422,
            "phase",
            "I",
            "director",
        )

    def test_an_unknown_custodian(self, unchanged, clock):
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {
                "receiver": {"kind": "aircraft", "name": "ATLAS 9", "component_id": "JFXX"},
                "location": "x",
                "at": when(clock),
                "side": "giver",
            },
            422,
            "receiver.component_id",
            "unknown",
        )
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {"receiver": {"kind": "hotel", "name": "x"}, "location": "x", "at": when(clock), "side": "giver"},
            422,
            "kind",
            "captor",
        )

    def test_a_date_before_the_isolating_event(self, unchanged, clock):
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {
                "receiver": {"kind": "embassy", "name": "Embassy"},
                "location": "x",
                "at": when(clock, -24 * 60),
                "side": "giver",
            },
            422,
            "at",
            "before the isolating event",
        )
        _bad(
            unchanged,
            f"/api/incidents/{INC}/casefile/entries",
            {"at": when(clock, -24 * 60), "source": "s", "text": "t"},
            422,
            "at",
            "before the isolating event",
        )

    def test_wrong_types_unknown_ids_and_missing_fields(self, unchanged, clock):
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {"receiver": "ICRC", "location": "x", "at": when(clock), "side": "giver"},
            422,
            "receiver",
            "",
        )
        _bad(
            unchanged,
            journey(tail="/handoffs"),
            {
                "receiver": {"kind": "embassy", "name": "E"},
                "location": "x",
                "at": "yesterday",
                "side": "giver",
            },
            422,
            "at",
            "",
        )
        _bad(
            unchanged,
            journey(f"{INC}-P9", "/phases"),
            {"phase": "I", "location": "x", "facility": "y"},
            404,
            "person_id",
            "no person",
        )
        _bad(
            unchanged,
            "/api/incidents/PR-NONE/persons/PR-NONE-P1/journey/phases",
            {"phase": "I", "location": "x", "facility": "y"},
            404,
            "incident_id",
            "unknown incident",
        )
        _bad(unchanged, journey(tail="/handoffs/H7/acknowledgement"), {}, 404, "handoff_id", "no hand-off")
        _bad(unchanged, journey(tail="/decision"), {"decision": "continue"}, 422, "reason", "")
        _bad(
            unchanged,
            f"/api/incidents/{INC}/casefile/requests",
            {"kind": "request", "actor_id": "A9", "text": "t", "source": "s"},
            404,
            "actor_id",
            "no interagency actor",
        )

    def test_a_huge_body_and_control_characters(self, unchanged, clock):
        _bad(
            unchanged,
            f"/api/incidents/{INC}/casefile/collection",
            {"item": "x" * 20_000, "assigned_to": "JPRCC"},
            422,
            "item",
            "",
        )
        _bad(
            unchanged,
            journey(tail="/team"),
            {"role": "chaplain", "name": "a" * 300},
            422,
            "name",
            "",
            "jflcc",
        )


def test_a_journey_on_either_store(node, cast, clock):
    """The same hand-off and phase, through the bus, on SQLite and PostgreSQL: the board row, the
    incident's duty status and the receiving component's need-to-know move together."""
    from jprcc.brokering import commands as cmd
    from jprcc.journey import commands as jc
    from jprcc.journey.model import Custodian, CustodianKind, Phase, Side
    from tests import article

    node.bus.handle(article.report_command("PR-EITHER", clock), cast["jfsocc"])
    node.bus.handle(
        cmd.DeclareDetained(incident_id="PR-EITHER", person_ids=("PR-EITHER-P1",), detaining_party="militia"),
        cast["jfsocc"],
    )
    person = {"incident_id": "PR-EITHER", "person_id": "PR-EITHER-P1"}
    node.bus.handle(
        jc.RecordHandOff(
            **person,
            receiver=Custodian(CustodianKind.VESSEL, "WARSHIP 61", "JFMCC"),
            location="Porto ALPHA",
            at=clock.now,
            side=Side.RECEIVER,
        ),
        cast["controller"],  # the JPRCC names the ship; the ship's component confirms
    )
    assert "JFMCC" in node.queries.incident(cast["jfmcc"], "PR-EITHER").involved_components()
    node.bus.handle(jc.AcknowledgeHandOff(**person, handoff_id="H1"), cast["jfmcc"])
    node.bus.handle(
        jc.BeginPhase(**person, phase=Phase.I, location="WARSHIP 61", facility="sick bay"), cast["jfmcc"]
    )
    rows = {r.person_id: r for r in node.service(JourneyQueries).board(cast["jfmcc"])}
    assert rows["PR-EITHER-P1"].lifecycle == "phase_I"
    assert rows["PR-EITHER-P1"].duty_status == "recovered"
    assert "JFMCC" in node.queries.incident(cast["jfmcc"], "PR-EITHER").involved_components()


def test_the_operators_guide_shows_the_board_and_a_journey():
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs"
    guide = (docs / "operators-guide.md").read_text(encoding="utf-8")
    for picture in ("images/reintegration-board.png", "images/person-journey.png"):
        assert f"]({picture})" in guide
        assert (docs / picture).read_bytes()[:4] == b"\x89PNG"


def test_area_reports_are_those_within_25_km_measured_on_the_ground(
    detained, clock, sqlite_node, sqlite_cast
):
    """East of the checkpoint at 40.5° N, a degree of longitude is 85 km, not 111: a PSYOP theme
    20 km east is in the incident's area, one 30 km east is not."""
    from jprcc.core.model import Position, SourceConfidence
    from jprcc.intel import commands as intel_cmd
    from jprcc.intel.layers import PsyopTheme

    lat, lon = 40.5, 9.1
    per_km = 1 / (111.32 * math.cos(math.radians(lat)))
    for name, km in (("NEAR", 20), ("FAR", 30)):
        west = lon + km * per_km
        square = (
            Position(lat - 0.05, west),
            Position(lat + 0.05, west),
            Position(lat + 0.05, west + 0.1),
            Position(lat - 0.05, west + 0.1),
        )
        sqlite_node.bus.handle(
            intel_cmd.PublishLayer(
                layer_id=f"PSYOP-{name}",
                name=name,
                source="PSYOP task force",
                confidence=SourceConfidence.CONFIRMED,
                valid_from=clock.now - timedelta(hours=1),
                body=PsyopTheme("psyop", square, "reward for returning coalition personnel"),
            ),
            sqlite_cast["controller"],
        )
    reports = detained.get("director", f"/api/incidents/{INC}/casefile")["area_reports"]
    ours = [
        (r["layer_id"], round(r["distance_km"]))
        for r in reports
        if r["layer_id"] in ("PSYOP-NEAR", "PSYOP-FAR")
    ]
    assert ours == [("PSYOP-NEAR", 20)]
