"""Recovery options through the API: compared side by side, one adopted by a nomination."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from jprcc.demo import load_demo
from jprcc.options.service import RecoveryOptions
from tests import article
from tests.api_helpers import Api
from tests.conftest import T0, Cast, load_theater, make_node

PATH = f"/api/incidents/{article.INCIDENT}/options"


@pytest.fixture
def polled(sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock) -> Iterator[Api]:
    """The article's incident with every component's answer in, waiting for a nomination."""
    node, cast = sqlite_node, sqlite_cast
    article.to_poll(node, cast, clock)
    article.answer_all(node, cast, clock)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        yield Api(client, cast)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    folder = tmp_path_factory.mktemp("options")
    node = make_node(f"sqlite:///{folder / 'demo.sqlite3'}", folder, ManualClock(T0))
    load_demo(node)
    yield node
    node.close()


@pytest.fixture
def demo_api(demo: Node) -> Iterator[Api]:
    passwords = {u: f"demo-{u}" for u in ("controller", "observer", "jfsocc", "jfacc", "jflcc", "jfmcc")}
    with TestClient(create_app(demo, sweep_alerts=False)) as client:
        yield Api(client, Cast({}, passwords))


class TestComparing:
    def test_the_demos_article_incident_shows_the_articles_package_first_on_its_map(self, demo_api):
        found = demo_api.get("controller", "/api/incidents/PR-RAVEN21/options")
        top = found["options"][0]
        assert top["method"] == "sof_assisted_linkup"
        assert top["site"]["name"] == "LZ FALCON"
        assert top["supported_component"] == "JFMCC"
        assert {(a["role"], a["asset_id"], a["component_id"]) for a in top["assets"]} == {
            ("recovery_vehicle", "KNIGHT-41", "JFMCC"),
            ("isr", "STARLIGHT-21", "JFACC"),
            ("airborne_c2", "SENTRY-31", "JFACC"),
            ("ground_security", "SABER-TROOP", "JFLCC"),
            ("linkup_movement", "RAVEN-21", "JFSOCC"),
        }
        assert top["tacon_transfers"] == []
        assert not found["tacon_options"]
        assert len(top["route"]) >= 2
        assert len(top["walk"]) >= 2
        assert top["site"]["position"]["mgrs"]
        assert found["matrix"]["matrix_row"] >= 1
        assert set(top["score_terms"]) == {"time", "risk", "disruption"}
        assert top["score"] == pytest.approx(sum(top["score_terms"].values()), abs=0.01)

    def test_weights_re_rank_and_are_echoed(self, demo_api):
        found = demo_api.get(
            "controller", "/api/incidents/PR-DRAGOON/options", w_time="5", w_risk="0.5", w_disruption="0"
        )
        assert found["weights"] == {"time": 5.0, "risk": 0.5, "disruption": 0.0}
        scores = [o["score"] for o in found["options"]]
        assert scores == sorted(scores)
        for option in found["options"]:
            assert option["score_terms"]["time"] == pytest.approx(
                5 * option["minutes_to_medical"] / 60, abs=0.01
            )
            assert option["score_terms"]["disruption"] == 0
        assert demo_api.get("controller", "/api/incidents/PR-DRAGOON/options")["route_fields_reused"]

    def test_a_detained_person_and_an_uncertain_position_get_their_one_answer(self, demo_api):
        held = demo_api.get("controller", "/api/incidents/PR-CARGO7/options")
        assert [o["method"] for o in held["options"]] == ["negotiated"]
        lost = demo_api.get("controller", "/api/incidents/PR-LANTERN/options")
        assert [o["method"] for o in lost["options"]] == ["locate_first"]

    def test_a_component_sees_options_only_for_incidents_it_is_involved_in(self, demo_api):
        demo_api.get("jfsocc", "/api/incidents/PR-RAVEN21/options")
        demo_api.get("jfsocc", "/api/incidents/PR-DRAGOON/options", status=404)  # as though none


class TestBadRequests:
    @pytest.mark.parametrize(
        ("params", "status", "field"),
        [
            ({"w_time": "-1"}, 422, "w_time"),
            ({"w_risk": "nan"}, 422, "w_risk"),
            ({"w_time": "0", "w_risk": "0", "w_disruption": "0"}, 422, "w_time"),
            ({"tacon": "perhaps"}, 422, "tacon"),
        ],
    )
    def test_bad_weights_are_refused_naming_the_field(self, demo_api, params, status, field):
        answer = demo_api.get("controller", "/api/incidents/PR-RAVEN21/options", status=status, **params)
        assert field in str(answer)

    def test_a_planning_area_over_a_pole_or_across_the_180th_meridian_is_refused(self, demo_api):
        for where, name in (
            ({"lat": 85.0, "lon": 10.0}, "PR-POLE"),
            ({"lat": 10.0, "lon": 179.5}, "PR-DATELINE"),
        ):
            demo_api.post(
                "controller",
                "/api/incidents",
                {
                    "incident_id": name,
                    "title": "far away",
                    "owning_component": "JFACC",
                    "isolating_event_at": "2026-11-25T01:00:00Z",
                    "position": where,
                    "uncertainty_m": 100,
                    "channel": "voice",
                    "source_confidence": "confirmed",
                    "environment": "land",
                    "persons": [
                        {"name": "Capt X", "service": "USAF", "component_id": "JFACC", "unit": "X 1"}
                    ],
                },
                status=201,
            )
            answer = demo_api.get("controller", f"/api/incidents/{name}/options", status=422)
            assert answer["field"] == "position"
            assert "180° meridian" in answer["message"]

    def test_an_unknown_incident_is_404(self, demo_api):
        demo_api.get("controller", "/api/incidents/PR-NOSUCH/options", status=404)


class TestAdopting:
    def test_a_nomination_adopts_an_option_records_the_alternatives_and_becomes_the_directive(self, polled):
        found = polled.get("controller", PATH)
        top = found["options"][0]
        incident = polled.post(
            "controller",
            f"{PATH}/{top['option_id']}/nomination",
            {"rationale": "Only ready rotary-wing recovery vehicle in range; the team can reach LZ FALCON."},
        )
        assert incident["stage"] == "nominated"
        nomination = incident["nominations"][-1]
        assert nomination["adopted_option"]["option_id"] == top["option_id"]
        assert nomination["adopted_option"]["tacon_transfer"] is False
        assert top["option_id"] not in {a["option_id"] for a in nomination["alternatives"]}
        assert nomination["supported_component"] == "JFMCC"
        assert {(c["component_id"], tuple(c["asset_ids"])) for c in nomination["contributions"]} == {
            ("JFMCC", ("KNIGHT-41",)),
            ("JFACC", ("STARLIGHT-21", "SENTRY-31")),
            ("JFLCC", ("SABER-TROOP",)),
            ("JFSOCC", ("RAVEN-21",)),
        }
        assert "LZ FALCON" in next(
            c["task"] for c in nomination["contributions"] if c["component_id"] == "JFMCC"
        )
        approved = polled.post(
            "jfc",
            f"/api/incidents/{article.INCIDENT}/nomination/approval",
            {"nomination_id": nomination["nomination_id"]},
        )
        assert approved["stage"] == "directive_in_force"
        assert approved["directive"]["supported_component"] == "JFMCC"

    def test_a_nomination_must_say_why_and_name_an_option_that_exists_now(self, polled):
        polled.post("controller", f"{PATH}/OPT-00000000/nomination", {"rationale": "x"}, status=404)
        polled.post("controller", f"{PATH}/not-an-id/nomination", {"rationale": "x"}, status=422)
        top = polled.get("controller", PATH)["options"][0]["option_id"]
        polled.post("controller", f"{PATH}/{top}/nomination", {"rationale": ""}, status=422)
        assert polled.get("controller", f"/api/incidents/{article.INCIDENT}")["stage"] == "capability_poll"

    def test_a_component_officer_cannot_nominate_and_a_tacon_option_is_not_nominated_as_support(self, polled):
        top = polled.get("controller", PATH)["options"][0]["option_id"]
        polled.post("jfmcc", f"{PATH}/{top}/nomination", {"rationale": "we lead"}, status=403)
        tacon = [o for o in polled.get("controller", PATH, tacon="true")["options"] if o["tacon_transfers"]]
        assert tacon
        assert tacon[0]["notes"][0].startswith("REQUIRES A TACON TRANSFER")
        answer = polled.client.post(
            f"{PATH}/{tacon[0]['option_id']}/nomination",
            params={"tacon": "true"},
            json={"rationale": "x"},
            headers=polled.headers("controller"),
        )
        assert answer.status_code == 422
        assert "TACON" in answer.text
        assert polled.get("controller", f"/api/incidents/{article.INCIDENT}")["stage"] == "capability_poll"


class TestAuthorizedFirst:
    def test_a_nomination_from_an_option_is_refused_before_any_option_is_generated(
        self, demo: Node, demo_api: Api, monkeypatch: pytest.MonkeyPatch
    ):
        def generate(*args: object, **kwargs: object) -> None:
            raise AssertionError("options generated for an actor who may not nominate")

        monkeypatch.setattr(demo.service(RecoveryOptions), "generate", generate)
        path = "/api/incidents/PR-RAVEN21/options/OPT-00000000/nomination"
        for user in ("observer", "jfmcc"):
            refused = demo_api.post(user, path, {"rationale": "we can do it"}, status=403)
            assert "only the JPRCC nominates" in refused["message"]


class TestARaidOnAHoldingSite:
    """The JFC orders a detained soldier recovered by force: the options are a raid, and only an
    assault force secures the holding site."""

    @pytest.fixture
    def ordered(self, tmp_path) -> Iterator[Api]:
        clock = ManualClock(T0)
        node = make_node(f"sqlite:///{tmp_path / 'raid.sqlite3'}", tmp_path, clock)
        cast = load_theater(node, clock)
        with TestClient(create_app(node, sweep_alerts=False)) as client:
            api = Api(client, cast)
            api.post(
                "jflcc",
                "/api/incidents",
                {
                    "incident_id": "PR-RAID",
                    "title": "convoy commander held in a farm compound",
                    "owning_component": "JFLCC",
                    "isolating_event_at": (T0 - timedelta(hours=30)).isoformat(),
                    "position": {"lat": 40.64, "lon": 8.68},  # 13 km from FOB ECHO
                    "uncertainty_m": 150,
                    "channel": "voice",
                    "source_confidence": "probably_true",
                    "environment": "land",
                    "persons": [{"name": "1LT S. Moreno", "component_id": "JFLCC"}],
                },
                status=201,
            )
            api.post(
                "jflcc",
                "/api/incidents/PR-RAID/detention",
                {"person_ids": ["PR-RAID-P1"], "detaining_party": "HAWK CELL"},
            )
            assert [
                o["method"] for o in api.get("controller", "/api/incidents/PR-RAID/options")["options"]
            ] == ["negotiated"]
            api.post(
                "jfc",
                "/api/incidents/PR-RAID/deliberate-recovery",
                {"person_ids": ["PR-RAID-P1"], "reason": "about to be moved across the mountains"},
            )
            yield api
        node.close()

    def test_the_options_are_a_raid_secured_by_an_assault_force(self, ordered):
        found = ordered.get("controller", "/api/incidents/PR-RAID/options", scope="all")
        assert found["matrix"]["matrix_row"] == 1
        assert found["matrix"]["approval"] == "jfc"
        assert found["options"], found["infeasible"]
        assert {o["method"] for o in found["options"]} <= {"rotary_wing_recovery", "ground_recovery"}
        assert any("recovery by force of detained persons" in c for c in found["closed"])
        for option in found["options"]:
            security = [a for a in option["assets"] if a["role"] == "ground_security"]
            assert security, option["title"]
            assert {a["asset_id"] for a in security} <= {"TRIDENT-3", "RAVEN-21", "NSW-RIB-11"}
