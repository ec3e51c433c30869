"""Exercise control steers a running exercise through the API: the clock (stop, speed, a step
forward) and injects added during the run, each recorded on the exercise's own stream, seen by
exercise control and the director only (the players must not see an inject coming)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.run import Exercise, prepare
from tests.conftest import fast_settings

START = datetime.fromisoformat("2025-11-18T00:30:00+00:00")
REPORT = {
    "incident_id": "PR-INJECT",
    "title": "Inject: a boat crew adrift off Orosei",
    "owning_component": "JFMCC",
    "isolating_event_at": "now-5m",
    "position": {"lat": 40.4, "lon": 10.1},
    "uncertainty_m": 1000,
    "channel": "voice",
    "source_confidence": "probably_true",
    "environment": "maritime",
    "persons": [{"name": "PO2 R. Ames", "service": "USN", "component_id": "JFMCC", "unit": "SEA DOG 1"}],
}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Exercise, TestClient]]:
    settings = fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    exercise = prepare(SHIPPED / "night_recovery.yaml", speed=0, settings=settings)  # stands still
    with TestClient(create_app(exercise.node, sweep_alerts=False)) as client:
        yield exercise, client
    exercise.close()


def headers(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/auth/token", data={"username": username, "password": f"demo-{username}"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def post(client: TestClient, username: str, path: str, body: dict[str, Any], status: int) -> Any:
    answer = client.post(path, json=body, headers=headers(client, username))
    assert answer.status_code == status, answer.text
    return answer.json()


def test_exercise_control_sees_the_clock_and_the_injects_to_come(live):
    _, client = live
    found = client.get("/api/exercise", headers=headers(client, "observer")).json()
    assert found["name"] == "NIGHT OWL"
    assert found["speed"] == 0
    assert datetime.fromisoformat(found["now"]) == START
    assert found["pending_total"] == 16
    assert found["pending"][0]["name"] == "change_asset_readiness"
    assert "report_incident" in found["commands"]
    assert "jfmcc" in found["users"]
    # a player does not see what is coming
    assert client.get("/api/exercise", headers=headers(client, "controller")).status_code == 403


def test_the_clock_steps_forward_and_runs_at_a_new_speed_each_change_recorded(live):
    exercise, client = live
    found = post(
        client, "observer", "/api/exercise/clock", {"advance_s": 900, "remarks": "skip the quiet"}, 200
    )
    assert datetime.fromisoformat(found["now"]) == START + timedelta(minutes=15)
    found = post(client, "director", "/api/exercise/clock", {"speed": 10}, 200)
    assert found["speed"] == 10
    steps = [
        r.event
        for r in exercise.node.queries.events_after(0, limit=10_000)
        if r.stream_id == "exercise:NIGHT OWL"
    ]
    assert [(e.by, e.advanced_s, e.speed) for e in steps] == [("observer", 900, 0), ("director", 0, 10)]
    assert steps[0].scenario_time == START + timedelta(minutes=15)


def test_an_inject_added_during_the_run_is_played_when_its_time_comes(live):
    exercise, client = live
    found = post(
        client,
        "observer",
        "/api/exercise/injects",
        {"due_in_s": 600, "actor": "jfmcc", "name": "report_incident", "fields": REPORT},
        201,
    )
    assert found["pending_total"] == 17
    assert exercise.player.play_until(exercise.node.clock()) == 1  # the scripted first inject, not ours yet
    post(client, "observer", "/api/exercise/clock", {"advance_s": 600}, 200)
    exercise.player.play_until(exercise.node.clock())
    controller = Actor("controller", Role.JPRCC_CONTROLLER)
    incident = exercise.node.queries.incident(controller, "PR-INJECT")
    assert incident.owning_component == "JFMCC"
    recorded = [
        r for r in exercise.node.queries.events_after(0, limit=10_000) if r.stream_id == "incident:PR-INJECT"
    ]
    assert recorded[0].actor == "jfmcc"
    # at its time (a millisecond after the script's own inject that fell due in the same step)
    assert START + timedelta(minutes=10) <= recorded[0].recorded_at < START + timedelta(minutes=10, seconds=1)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"actor": "jfmcc", "name": "summon_dragons", "fields": {}}, "name", "unknown command 'summon_"),
        ({"actor": "nobody", "name": "report_incident", "fields": REPORT}, "actor", "no user 'nobody'"),
        ({"actor": "jfmcc", "name": "report_incident", "fields": {**REPORT, "uncertainty_m": "x"}}, "fields",
         "uncertainty_m"),
    ],
)  # fmt: skip
def test_a_bad_inject_is_refused_by_name_and_nothing_is_added(live, body, field, words):
    exercise, client = live
    before = len(exercise.player.pending)
    found = post(client, "observer", "/api/exercise/injects", body, 422)
    assert found["field"] == field
    assert words in found["message"]
    assert len(exercise.player.pending) == before


def test_players_may_not_steer_and_the_wrong_values_are_named(live):
    _, client = live
    refused = post(client, "jfacc", "/api/exercise/clock", {"speed": 60}, 403)
    assert "only exercise control" in refused["message"]
    assert post(client, "observer", "/api/exercise/clock", {"speed": 9999}, 422)["field"] == "speed"
    assert post(client, "observer", "/api/exercise/clock", {"advance_s": -5}, 422)["field"] == "advance_s"


def test_the_players_feed_never_shows_exercise_controls_injects(live):
    exercise, client = live
    post(
        client,
        "observer",
        "/api/exercise/injects",
        {"actor": "jfmcc", "name": "report_incident", "fields": REPORT},
        201,
    )
    added = [
        r for r in exercise.node.queries.events_after(0, limit=10_000) if r.stream_id == "exercise:NIGHT OWL"
    ]
    for who, sees in (
        ("controller", False),
        ("jfmcc", False),
        ("jfc", False),
        ("observer", True),
        ("director", True),
    ):
        role = {"controller": Role.JPRCC_CONTROLLER, "jfmcc": Role.PRCC_OFFICER, "jfc": Role.JFC,
                "observer": Role.OBSERVER, "director": Role.JPRCC_DIRECTOR}[who]  # fmt: skip
        actor = Actor(who, role, "JFMCC" if who == "jfmcc" else None)
        assert bool(exercise.node.queries.may_see(actor, added)) is sees, who


def test_a_node_running_no_exercise_refuses_to_be_steered(tmp_path):
    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path))
    try:
        from jprcc.core.clock import ManualClock
        from tests.conftest import load_theater

        load_theater(node, ManualClock(START))
        with TestClient(create_app(node, sweep_alerts=False)) as client:
            refused = post(client, "director", "/api/exercise/clock", {"speed": 0}, 409)
            assert "runs no exercise" in refused["message"]
            assert client.get("/api/exercise", headers=headers(client, "director")).status_code == 409
    finally:
        node.close()
