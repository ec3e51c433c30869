"""The poll form lists what the server will take: each asset with what offering it now would meet."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from jprcc.api.app import create_app
from tests import article
from tests.api_helpers import Api


class TestWhatAComponentMayOffer:
    def test_each_asset_carries_what_the_server_would_say_and_how_far_it_is(
        self, sqlite_node, sqlite_cast, clock
    ):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            api = Api(client, sqlite_cast)
            answer = api.get("jfsocc", f"/api/incidents/{article.INCIDENT}/capability-poll/offerable")
            assert answer["component_id"] == "JFSOCC"
            assert answer["capabilities_needed"]
            by_id = {a["asset_id"]: a for a in answer["assets"]}
            # along the WGS-84 geodesic from each asset's base to the person
            person = api.get("jfsocc", f"/api/incidents/{article.INCIDENT}")["position"]
            bases = {a["asset_id"]: a["base"] for a in api.get("jfsocc", "/api/assets")}
            for a in answer["assets"]:
                base = bases[a["asset_id"]]
                metres = Geod(ellps="WGS84").inv(base["lon"], base["lat"], person["lon"], person["lat"])[2]
                assert a["distance_km"] == pytest.approx(metres / 1000, abs=0.06)
            statuses = {a["status"] for a in answer["assets"]}
            assert statuses <= {"offerable", "needs_release", "in_sequence", "isolated_team", "not_offerable"}
            # every asset listed as offerable is taken by the server as listed
            offers = [
                {
                    "asset_id": a["asset_id"],
                    "capability": a["capabilities"][0],
                    "available_at": clock.now.isoformat(),
                }
                for a in by_id.values()
                if a["status"] == "offerable"
            ]
            assert offers
            api.post(
                "jfsocc",
                f"/api/incidents/{article.INCIDENT}/capability-poll/answers",
                {"component_id": "JFSOCC", "offers": offers},
            )

    def test_a_committed_asset_says_what_its_release_costs(self, sqlite_node, sqlite_cast, clock):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            api = Api(client, sqlite_cast)
            for user in ("jfacc", "jflcc", "jfmcc", "jfsocc"):
                answer = api.get(user, f"/api/incidents/{article.INCIDENT}/capability-poll/offerable")
                for a in answer["assets"]:
                    if a["status"] == "needs_release":
                        assert " loses " + a["callsign"] in a["release_cost"]
                        assert a["callsign"] in a["reason"]

    def test_a_component_lists_only_its_own_assets(self, sqlite_node, sqlite_cast, clock):
        article.to_poll(sqlite_node, sqlite_cast, clock)
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            api = Api(client, sqlite_cast)
            api.get(
                "jfsocc",
                f"/api/incidents/{article.INCIDENT}/capability-poll/offerable",
                status=403,
                component_id="JFACC",
            )
            staff = api.get(
                "controller",
                f"/api/incidents/{article.INCIDENT}/capability-poll/offerable",
                component_id="JFACC",
            )
            assert {a["asset_id"] for a in staff["assets"]}
