"""Bad input: a clear 4xx that names the field and the rule, and nothing stored changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.node import Node
from tests.api_helpers import Api
from tests.conftest import Cast

INC = "PR-ERR"


@pytest.fixture
def api(sqlite_node: Node, sqlite_cast: Cast) -> Iterator[Api]:
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        yield Api(client, sqlite_cast)


def report(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "incident_id": INC,
        "title": "t",
        "owning_component": "JFSOCC",
        "isolating_event_at": "2026-11-25T01:00:00Z",
        "position": {"lat": 40.0, "lon": 9.0},
        "uncertainty_m": 300,
        "channel": "voice",
        "source_confidence": "confirmed",
        "environment": "land",
        "persons": [{"name": "A", "component_id": "JFSOCC"}],
    }
    body.update(changes)
    return body


@pytest.fixture
def unchanged(api: Api, sqlite_node: Node) -> Iterator[None]:
    """Every test here ends with the log exactly as it began (logins aside)."""
    api.headers("jfsocc")
    api.headers("controller")
    before = sqlite_node.queries.last_seq()
    yield
    assert sqlite_node.queries.last_seq() == before


@pytest.mark.usefixtures("unchanged")
class TestMalformedRequests:
    @pytest.mark.parametrize(
        ("position", "field", "rule"),
        [
            ({"lat": 91, "lon": 9}, "position.lat", "less_than_equal"),
            ({"lat": 40, "lon": -180.5}, "position.lon", "greater_than_equal"),
            ({"mgrs": "99ZZZ1234"}, "position.mgrs", "value_error"),
            ({"mgrs": "32TNK123"}, "position.mgrs", "value_error"),
            ({"lat": 40, "lon": 9, "mgrs": "32TNK2985433365"}, "position", "value_error"),
            ({"lat": 40}, "position", "value_error"),
        ],
    )
    def test_a_bad_position_names_the_field(self, api, position, field, rule):
        answer = api.client.post(
            "/api/incidents", json=report(position=position), headers=api.headers("jfsocc")
        )
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == "validation_error"
        assert body["field"] == field
        assert body["errors"][0]["rule"] == rule

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"uncertainty_m": "far"}, "uncertainty_m"),
            ({"uncertainty_m": -1}, "uncertainty_m"),
            ({"persons": "nobody"}, "persons"),
            ({"persons": []}, "persons"),
            ({"priority": 9}, "priority"),
            ({"channel": "pigeon"}, "channel"),
            ({"isolating_event_at": "2026-11-25T01:00:00"}, "isolating_event_at"),
            ({"isolating_event_at": "yesterday"}, "isolating_event_at"),
            ({"title": "x" * 201}, "title"),
            ({"title": "null\x00byte"}, "body"),
            ({"unexpected": 1}, "unexpected"),
        ],
    )
    def test_wrong_types_and_ranges_name_the_field(self, api, change, field):
        answer = api.client.post("/api/incidents", json=report(**change), headers=api.headers("jfsocc"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field

    def test_not_a_number_is_refused(self, api):
        raw = report()
        text = __import__("json").dumps(raw).replace('"uncertainty_m": 300', '"uncertainty_m": NaN')
        answer = api.client.post(
            "/api/incidents",
            content=text,
            headers={**api.headers("jfsocc"), "content-type": "application/json"},
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "uncertainty_m"

    def test_malformed_json_is_refused(self, api):
        answer = api.client.post(
            "/api/incidents",
            content=b'{"title": ',
            headers={**api.headers("jfsocc"), "content-type": "application/json"},
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["rule"] == "json_invalid"

    def test_an_oversized_body_is_refused_before_it_is_read(self, api):
        answer = api.client.post(
            "/api/incidents",
            content=b"x" * 2_000_000,
            headers={**api.headers("jfsocc"), "content-type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json() == {
            "error": "payload_too_large",
            "field": "body",
            "message": "request body exceeds the limit of 1048576 bytes",
        }

    def test_an_oversized_body_without_a_length_is_cut_off(self, api):
        def chunks() -> Iterator[bytes]:
            for _ in range(40):
                yield b"y" * 65536

        answer = api.client.post(
            "/api/incidents",
            content=chunks(),
            headers={**api.headers("jfsocc"), "content-type": "application/json"},
        )
        assert answer.status_code == 413

    def test_a_bad_id_in_the_path_is_refused(self, api):
        answer = api.client.get("/api/incidents/bad id!", headers=api.headers("controller"))
        assert answer.status_code == 422
        assert answer.json()["field"] == "incident_id"


@pytest.mark.usefixtures("unchanged")
class TestUnknownIdsAndRules:
    def test_an_unknown_incident_is_404(self, api):
        answer = api.client.get("/api/incidents/PR-NOPE", headers=api.headers("controller"))
        assert answer.status_code == 404
        assert answer.json() == {
            "error": "not_found",
            "message": "unknown incident PR-NOPE",
            "field": "incident_id",
        }
        answer = api.client.post(
            "/api/incidents/PR-NOPE/check-in", json={}, headers=api.headers("controller")
        )
        assert answer.status_code == 404

    def test_an_unknown_component_is_named(self, api):
        answer = api.client.post(
            "/api/incidents", json=report(owning_component="JFXXX"), headers=api.headers("controller")
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "owning_component"

    def test_a_future_isolating_event_is_refused(self, api):
        answer = api.client.post(
            "/api/incidents",
            json=report(isolating_event_at="2030-01-01T00:00:00Z"),
            headers=api.headers("jfsocc"),
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "isolating_event_at"


class TestStateConflicts:
    def test_an_unknown_asset_in_an_answer_is_named_and_nothing_is_recorded(self, api, sqlite_node):
        api.post("jfsocc", "/api/incidents", report(), status=201)
        api.post(
            "jfsocc",
            f"/api/incidents/{INC}/assistance-request",
            {"capabilities_needed": ["isr"], "reason": "r"},
        )
        api.post("controller", f"/api/incidents/{INC}/capability-poll", {"component_ids": ["JFACC"]})
        api.headers("jfacc")  # log in first: a login is itself recorded
        before = sqlite_node.queries.last_seq()
        refused = api.post(
            "jfacc",
            f"/api/incidents/{INC}/capability-poll/answers",
            {
                "component_id": "JFACC",
                "offers": [
                    {"asset_id": "GHOST-1", "capability": "isr", "available_at": "2026-11-25T03:00:00Z"}
                ],
            },
            status=422,
        )
        assert refused == {
            "error": "rule_violation",
            "message": "unknown asset GHOST-1",
            "field": "offers[0].asset_id",
        }
        assert sqlite_node.queries.last_seq() == before

    def test_a_step_out_of_order_is_a_409(self, api):
        api.post("jfsocc", "/api/incidents", report(), status=201)
        refused = api.post(
            "jfc", f"/api/incidents/{INC}/nomination/approval", {"nomination_id": f"{INC}/N1"}, status=409
        )
        assert refused["error"] == "invalid_transition"
        assert "reported" in refused["message"]

    def test_a_stale_version_is_a_409_naming_expected_version(self, api):
        created = api.post("jfsocc", "/api/incidents", report(), status=201)
        api.post("controller", f"/api/incidents/{INC}/narrative", {"text": "one"})
        refused = api.post(
            "jfsocc",
            f"/api/incidents/{INC}/narrative",
            {"text": "two", "expected_version": created["version"]},
            status=409,
        )
        assert refused["error"] == "concurrency_conflict"
        assert refused["field"] == "expected_version"

    def test_reporting_the_same_id_twice_is_a_409(self, api):
        api.post("jfsocc", "/api/incidents", report(), status=201)
        assert api.post("jfsocc", "/api/incidents", report(), status=409)["field"] == "incident_id"


class TestAuthentication:
    def test_no_token_is_401(self, api):
        answer = api.client.get("/api/incidents")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"

    def test_a_wrong_password_is_401_and_says_nothing_about_the_account(self, api):
        for username in ("jfc", "nobody"):
            answer = api.client.post(
                "/api/auth/token", data={"username": username, "password": "wrong-password"}
            )
            assert answer.status_code == 401
            assert answer.json()["message"] == "invalid username or password, or the account is inactive"

    def test_a_logged_out_token_stops_working(self, api):
        headers = api.headers("controller")
        assert api.client.post("/api/auth/logout", headers=headers).status_code == 204
        assert api.client.get("/api/incidents", headers=headers).status_code == 401

    def test_a_deactivated_account_cannot_use_its_token(self, api):
        headers = api.headers("jflcc")
        api.post("director", "/api/users/jflcc/active", {"active": False})
        assert api.client.get("/api/incidents", headers=headers).status_code == 401

    def test_me_says_who_you_are(self, api):
        me = api.get("jfmcc", "/api/me")
        assert (me["username"], me["role"], me["component_id"]) == ("jfmcc", "prcc_officer", "JFMCC")


def test_logging_out_with_a_dead_token_still_clears_the_cookie(api):
    api.headers("controller")
    first = api.client.post("/api/auth/logout")
    assert first.status_code == 204
    assert "jprcc_token" in first.headers.get("set-cookie", "")
    again = api.client.post("/api/auth/logout", headers={"Authorization": "Bearer not-a-token"})
    assert again.status_code == 204
