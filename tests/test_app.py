"""The application a process builds over a node: its action routes are built once per process and
shared, so every application answers from its own node all the same."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from jprcc.api.actions import router_for
from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from tests.api_helpers import Api
from tests.conftest import T0, Cast, demo_copy, make_node


def test_two_applications_in_one_process_each_answer_from_their_own_store(
    sqlite_node: Node, sqlite_cast: Cast, demo_snapshot: Path, tmp_path: Path
):
    demo_folder = tmp_path / "demo"
    demo_folder.mkdir()
    demo = make_node(demo_copy(demo_snapshot, demo_folder), demo_folder, ManualClock(T0))
    try:
        assert router_for(demo.registry.actions.values()) is router_for(sqlite_node.registry.actions.values())
        with (
            TestClient(create_app(sqlite_node, sweep_alerts=False)) as empty_client,
            TestClient(create_app(demo, sweep_alerts=False)) as demo_client,
        ):
            on_empty, on_demo = Api(empty_client, sqlite_cast), Api(demo_client, sqlite_cast)
            assert on_empty.get("controller", "/api/incidents")["total"] == 0
            demo_board = on_demo.get("controller", "/api/incidents")
            assert "PR-RAVEN21" in {r["incident_id"] for r in demo_board["rows"]}
            # a write through one lands in its own store only
            on_empty.post(
                "controller",
                "/api/incidents",
                {
                    "incident_id": "PR-ONLY-HERE",
                    "title": "ONLY 1: one store",
                    "owning_component": "JFACC",
                    "isolating_event_at": T0.isoformat(),
                    "position": {"lat": 40.0, "lon": 9.0},
                    "uncertainty_m": 300,
                    "channel": "voice",
                    "source_confidence": "confirmed",
                    "environment": "land",
                    "persons": [{"name": "Capt A. Only", "service": "USAF", "component_id": "JFACC"}],
                },
                status=201,
            )
            assert on_empty.get("controller", "/api/incidents/PR-ONLY-HERE")["incident_id"] == "PR-ONLY-HERE"
            on_demo.get("controller", "/api/incidents/PR-ONLY-HERE", status=404)
            assert on_demo.get("controller", "/api/incidents")["total"] == demo_board["total"]
    finally:
        demo.close()
