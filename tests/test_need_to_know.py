"""Need-to-know and sessions: what a component may see, and when a session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.errors import RuleViolation
from jprcc.core.model import ComponentKind
from jprcc.core.node import Node
from jprcc.core.theater import commands as cmd
from tests import article
from tests.api_helpers import Api
from tests.conftest import Cast


@pytest.fixture
def api(sqlite_node: Node, sqlite_cast: Cast) -> Iterator[Api]:
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        yield Api(client, sqlite_cast)


def test_an_outsider_cannot_reach_an_incident_through_a_tacon_request(api, sqlite_node, sqlite_cast, clock):
    sqlite_node.bus.handle(article.report_command("PR-SOF", clock), sqlite_cast["jfsocc"])
    refused = api.post(
        "jflcc",
        "/api/incidents/PR-SOF/tacon-requests",
        {
            "asset_ids": ["MEDEVAC-7"],
            "from_component": "JFLCC",
            "to_component": "JFSOCC",
            "begin": "2026-11-25T03:00:00Z",
            "end": "2026-11-25T05:00:00Z",
            "reason": "a way in",
        },
        status=404,
    )
    assert refused == {"error": "not_found", "message": "unknown incident PR-SOF", "field": "incident_id"}
    api.get("jflcc", "/api/incidents/PR-SOF", status=404)


def test_other_components_see_that_an_asset_is_tasked_not_where(api, sqlite_node, sqlite_cast, clock):
    article.to_directive(sqlite_node, sqlite_cast, clock)
    knight = next(a for a in api.get("jfacc", "/api/assets") if a["asset_id"] == "KNIGHT-41")
    assert knight["tasked_incident_id"] == "(another incident)"
    own = next(a for a in api.get("jfmcc", "/api/assets") if a["asset_id"] == "KNIGHT-41")
    assert own["tasked_incident_id"] == article.INCIDENT


def test_component_status_lists_only_incidents_the_reader_may_see(api, sqlite_node, sqlite_cast, clock):
    sqlite_node.bus.handle(article.report_command("PR-SOF", clock), sqlite_cast["jfsocc"])
    assert api.get("jflcc", "/api/components/JFSOCC/status")["incidents_owned"] == []
    assert api.get("controller", "/api/components/JFSOCC/status")["incidents_owned"] == ["PR-SOF"]


def test_changing_your_own_password_needs_the_current_one_and_ends_your_sessions(api):
    headers = api.headers("jflcc")
    api.post("jflcc", "/api/users/jflcc/password", {"new_password": "a-new-passphrase"}, status=401)
    answer = api.client.post(
        "/api/users/jflcc/password",
        headers=headers,
        json={"new_password": "a-new-passphrase", "current_password": "demo-jflcc"},
    )
    assert answer.status_code == 204
    assert api.client.get("/api/incidents", headers=headers).status_code == 401
    login = api.client.post("/api/auth/token", data={"username": "jflcc", "password": "a-new-passphrase"})
    assert login.status_code == 200


def test_times_sent_with_an_offset_come_back_in_utc(api, sqlite_node, sqlite_cast, clock):
    sqlite_node.bus.handle(article.report_command("PR-SOF", clock), sqlite_cast["jfsocc"])
    detail = api.post(
        "controller",
        "/api/incidents/PR-SOF/tacon-requests",
        {
            "asset_ids": ["MEDEVAC-7"],
            "from_component": "JFLCC",
            "to_component": "JFSOCC",
            "begin": "2026-11-25T05:00:00+02:00",
            "end": "2026-11-25T09:00:00+02:00",
            "reason": "r",
        },
    )
    request = detail["tacon_requests"][0]
    assert (request["begin"], request["end"]) == ("2026-11-25T03:00:00Z", "2026-11-25T07:00:00Z")


def test_a_time_far_outside_any_operation_is_refused(api, sqlite_node, sqlite_cast, clock):
    sqlite_node.bus.handle(article.report_command("PR-SOF", clock), sqlite_cast["jfsocc"])
    refused = api.post(
        "controller",
        "/api/incidents/PR-SOF/tacon-requests",
        {
            "asset_ids": ["MEDEVAC-7"],
            "from_component": "JFLCC",
            "to_component": "JFSOCC",
            "begin": "0001-01-01T00:00:00+05:00",
            "end": "9999-12-31T23:59:59-05:00",
            "reason": "r",
        },
        status=422,
    )
    assert refused["field"] == "begin"


def test_component_ids_are_plain_identifiers(sqlite_node, sqlite_cast):
    with pytest.raises(RuleViolation, match="component_id"):
        sqlite_node.bus.handle(
            cmd.RegisterComponent(component_id="JF,X%", name="x", kind=ComponentKind.OTHER, prcc_name="x"),
            sqlite_cast["director"],
        )


def test_recovery_points_are_registered_by_the_jprcc_or_their_component_and_drawn_on_the_map(api):
    point = {
        "point_id": "LZ-HAWK",
        "name": "LZ HAWK",
        "kind": "landing_zone",
        "position": {"mgrs": "32TNK2985433365"},
        "component_id": "JFMCC",
    }
    api.post("jflcc", "/api/recovery-points", point, status=403)
    created = api.post("jfmcc", "/api/recovery-points", point, status=201)
    assert created["position"]["mgrs"].startswith("32TNK29854")
    api.post("controller", "/api/recovery-points", point, status=422)  # the id is taken
    bad = api.post(
        "controller", "/api/recovery-points", {**point, "point_id": "LZ-X", "kind": "beach"}, status=422
    )
    assert bad["field"] == "kind"
    drawn = api.get("observer", "/api/map")["recovery_points"]
    assert "LZ-HAWK" in {p["point_id"] for p in drawn}  # beside the theater's own
