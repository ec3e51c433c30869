"""Exercises: a scenario played on a node of its own, on a scenario clock set to the scenario's date.

The shipped night recovery (NIGHT OWL, 18 November 2025) is run headless from that past date, and
its advice is checked the way a rescue coordinator would: the pickup in that night's darkness,
first light of that date (checked against an independent ephemeris), the grounded helicopter never
offered, the pickup secured by someone who can secure it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ephem
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.cli import app as jprcc_cli
from jprcc.core.clock import ScenarioClock
from jprcc.core.maintenance import verify_chain
from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from jprcc.core.settings import Settings
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.metrics import after_action
from jprcc.exercise.run import Exercise, Live, prepare, run_headless
from jprcc.exercise.scenario import ScenarioError
from jprcc.intel.planning import light
from tests.conftest import fast_settings

NIGHT_OWL = SHIPPED / "night_recovery.yaml"
START = datetime(2025, 11, 18, 0, 30, tzinfo=UTC)
SITE = (40.325, 9.34)  # where WEASEL 21's pilot came down
PASSWORDS = {"controller": "demo-controller", "jfc": "demo-jfc", "observer": "demo-observer"}


def settings(folder: Path) -> Settings:
    return fast_settings(f"sqlite:///{folder / 'real.sqlite3'}", folder)


@pytest.fixture
def night_owl(tmp_path: Path) -> Iterator[Exercise]:
    exercise = prepare(NIGHT_OWL, headless=True, settings=settings(tmp_path))
    yield exercise
    exercise.close()


def get(client: TestClient, username: str, path: str) -> Any:
    token = client.post("/api/auth/token", data={"username": username, "password": PASSWORDS[username]})
    answer = client.get(path, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def civil_dawn(lat: float, lon: float, after: datetime) -> datetime:
    """First light (the Sun's centre 6 degrees below the horizon, rising) from PyEphem's own Sun,
    not the product's: an independent check of the date the advice was made for."""
    observer = ephem.Observer()
    observer.lat, observer.lon = str(lat), str(lon)
    observer.pressure, observer.horizon = 0, "-6"
    observer.date = ephem.Date(after.replace(tzinfo=None))
    return observer.next_rising(ephem.Sun(), use_center=True).datetime().replace(tzinfo=UTC)


class TestTheNightRecoveryFromAPastDate:
    def test_the_clock_is_the_scenarios_and_the_log_is_written_at_scenario_times(self, night_owl):
        assert night_owl.start == START
        run_headless(night_owl, until=START + timedelta(minutes=40))
        assert night_owl.node.clock() == START + timedelta(minutes=40)
        report = next(
            r
            for r in night_owl.node.queries.events_after(0, limit=10_000)
            if r.stream_id == "incident:PR-NIGHTOWL"
        )
        assert report.recorded_at == START + timedelta(minutes=5)  # the inject's time, not today's

    def test_the_advice_is_for_that_night_light_matrix_row_and_options(self, night_owl):
        run_headless(
            night_owl, until=START + timedelta(minutes=40)
        )  # the poll answered, before the nomination
        with TestClient(create_app(night_owl.node, sweep_alerts=False)) as client:
            found = get(client, "controller", "/api/incidents/PR-NIGHTOWL/options")
        assert at(found["generated_at"]) == START + timedelta(minutes=40)

        # first light of 18 November 2025 at the site, not of the day the test runs
        first_light = at(found["first_light_at"])
        assert first_light.date() == START.date()
        assert abs(first_light - civil_dawn(*SITE, START)) < timedelta(minutes=2)
        assert at(found["last_light_at"]) > first_light
        assert found["dark_minutes_left"] == pytest.approx(
            (first_light - START).total_seconds() / 60 - 40, abs=1
        )

        # low threat at the person, authenticated, night: recover now (row 12), no wait for darkness
        assert found["matrix"]["matrix_row"] == 12
        assert found["matrix"]["wait_for_darkness"] is False
        assert "light: night, Moon dim" in found["matrix"]["reasons"]

        top = found["options"][0]
        assert top["method"] == "rotary_wing_recovery"
        roles = {a["role"]: a["asset_id"] for a in top["assets"]}
        assert roles["recovery_vehicle"] == "KNIGHT-41"  # JOLLY 11 is grounded by the first inject
        assert roles["ground_security"] == "SABER-TROOP"  # the MH-60S carries no security element
        every_asset = {
            a["asset_id"] for o in found["options"] + found["also_considered"] for a in o["assets"]
        }
        assert "JOLLY-11" not in every_asset
        pickup = at(top["recovery_at"])
        assert START < pickup < first_light
        assert light.is_dark(*SITE, pickup)
        assert top["light"]["pickup"]["dark"] is True
        # two days before the new moon of 20 November 2025: almost no moonlight
        assert top["light"]["pickup"]["moon_illumination"] < 0.06

    def test_the_whole_night_runs_to_the_end_with_nothing_refused_and_the_chain_intact(self, night_owl):
        outcome = run_headless(night_owl)
        assert night_owl.refused == []
        assert outcome.injects == len(night_owl.scenario.steps) - 1  # all but the ISOPREP laid down before
        assert night_owl.node.clock() == START + timedelta(hours=3)
        # the check-in clock (30 min) ran out twice, each alert at the very moment it fell due: half an
        # hour after the launch (01:20Z) and after the recovery (02:35Z), the last words from JFACC
        overdue = [
            r.event.at
            for r in night_owl.node.queries.events_after(0, limit=10_000)
            if r.event.type_name == "incident_overdue"
        ]
        assert overdue == [START + timedelta(minutes=80), START + timedelta(minutes=155)]
        assert outcome.alerts == 2
        assert verify_chain(night_owl.node.database).ok
        controller = Actor("controller", Role.JPRCC_CONTROLLER)
        incident = night_owl.node.queries.incident(controller, "PR-NIGHTOWL")
        recovered = next(
            e.at
            for e in night_owl.node.queries.timeline(controller, "PR-NIGHTOWL")
            if e.event_type == "persons_recovered"
        )
        assert incident.stage.value == "reintegration"
        assert light.is_dark(*SITE, recovered)  # flown in that night's darkness


class TestMarking:
    def test_every_answer_and_the_config_carry_the_exercise_and_its_clock(self, night_owl):
        with TestClient(create_app(night_owl.node, sweep_alerts=False)) as client:
            answer = client.get("/api/config")
            assert answer.headers["x-jprcc-exercise"] == "NIGHT OWL"
            config = answer.json()
            assert config["classification"] == "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE"
            assert config["exercise"] == "NIGHT OWL"
            assert at(config["clock"]["now"]) == START
            assert config["clock"]["speed"] == 0  # a headless clock moves only when the run moves it
            assert client.get("/api/health").headers["x-jprcc-exercise"] == "NIGHT OWL"

    def test_a_real_node_carries_no_exercise_marking(self, tmp_path):
        node = bootstrap(settings(tmp_path))
        try:
            with TestClient(create_app(node, sweep_alerts=False)) as client:
                answer = client.get("/api/config")
            assert "x-jprcc-exercise" not in answer.headers
            assert answer.json()["classification"] == "UNCLASSIFIED"
            assert answer.json()["exercise"] == ""
        finally:
            node.close()

    def test_the_exercise_never_writes_to_the_real_store_and_its_own_stays_marked(self, tmp_path, night_owl):
        real = settings(tmp_path)
        assert night_owl.folder.parent == real.data_dir / "exercises"
        assert not (tmp_path / "real.sqlite3").exists()
        assert night_owl.node.database.display_url.endswith(str(night_owl.folder / "jprcc.sqlite3"))
        # whoever later points a node at the exercise's folder still gets the marking
        reopened = bootstrap(Settings(data_dir=night_owl.folder, argon2_time_cost=1, argon2_memory_kib=64))
        try:
            assert reopened.settings.marking.startswith("EXERCISE NIGHT OWL")
            assert reopened.queries.last_seq() == night_owl.node.queries.last_seq()
        finally:
            reopened.close()

    def test_a_second_run_into_the_same_folder_is_refused(self, tmp_path, night_owl):
        with pytest.raises(ScenarioError, match="already holds a store"):
            prepare(NIGHT_OWL, headless=True, settings=settings(tmp_path), folder=night_owl.folder)


class TestLive:
    def test_injects_are_played_as_the_scenario_clock_reaches_them(self, tmp_path):
        exercise = prepare(NIGHT_OWL, speed=3600, settings=settings(tmp_path))
        try:
            assert isinstance(exercise.node.clock, ScenarioClock)
            assert exercise.node.clock() == START  # it stands still until the run starts
            live = Live(exercise, 3600, poll_s=0.02)
            live.start()
            deadline = time.monotonic() + 30
            while exercise.player.pending and time.monotonic() < deadline:
                time.sleep(0.05)
            live.stop()
            assert not exercise.player.pending
            assert exercise.refused == []
            records = [
                r for r in exercise.node.queries.events_after(0, limit=10_000) if r.recorded_at >= START
            ]
            times = [r.recorded_at for r in records]
            assert times == sorted(times)  # never recorded behind what came before
            steps = {s.name: START + s.offset for s in exercise.scenario.steps}
            recorded = {r.event.__class__.__name__: r.recorded_at for r in records}
            # each inject at or after its scenario time, late by at most a few polls at 3600x
            assert (
                steps["report_incident"]
                <= recorded["IncidentReported"]
                < steps["report_incident"] + timedelta(minutes=5)
            )
        finally:
            exercise.close()

    def test_a_live_login_lasts_its_shift_in_real_time_however_fast_the_clock(self, tmp_path):
        exercise = prepare(NIGHT_OWL, speed=60, settings=settings(tmp_path))
        try:
            assert exercise.node.settings.token_ttl_s == 60 * settings(tmp_path).token_ttl_s
        finally:
            exercise.close()


class TestBadScenarios:
    @pytest.mark.parametrize(
        ("text", "named"),
        [
            ("exercise: {start: 2025-11-18T00:30:00}\nscript: []", "exercise.start: give the time zone"),
            ("exercise: {start: yesterday}\nscript: []", "exercise.start: 'yesterday' is not a date"),
            ("exercise: {base: coral}\nscript: []", "exercise.base: 'coral' is not one of theater, demo"),
            ("exercise: {begin: 2025-11-18T00:30:00Z}\nscript: []", "exercise: unknown field(s) begin"),
            ("script: [{at: 5m, do: report_incident}]", "script step 1 lacks 'as'"),
            (
                "script: [{at: soon, as: jfacc, do: report_incident}]",
                "script step 1: at: 'soon' is not a time offset",
            ),
            ("script: [plain words]", "script step 1: a step is a mapping"),
            ("- just\n- a list", "a scenario is a mapping"),
            ("script: [{at: 5m, as: jfacc, do: report_incident", "is not YAML"),
        ],
    )
    def test_each_is_refused_naming_the_field_and_nothing_is_made(self, tmp_path, text, named):
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError) as refused:
            prepare(path, headless=True, settings=settings(tmp_path))
        assert named in str(refused.value)
        assert not (tmp_path / "exercises").exists()

    def test_a_speed_out_of_range_is_refused_by_name(self, tmp_path):
        with pytest.raises(ScenarioError, match="speed: 5000 is not between 0 and 3600"):
            prepare(NIGHT_OWL, speed=5000, settings=settings(tmp_path))

    def test_an_inject_the_rules_refuse_is_named_and_the_exercise_goes_on(self, tmp_path):
        text = NIGHT_OWL.read_text(encoding="utf-8").replace(
            "nomination_id: PR-NIGHTOWL/N1", "nomination_id: PR-NIGHTOWL/N9"
        )
        path = tmp_path / "wrong_nomination.yaml"
        path.write_text(text, encoding="utf-8")
        exercise = prepare(path, headless=True, settings=settings(tmp_path))
        try:
            outcome = run_headless(exercise)
            assert outcome.refused >= 1
            assert "approve_nomination as jfc" in exercise.refused[0]
            assert outcome.injects + outcome.refused == len(exercise.scenario.steps) - 1
        finally:
            exercise.close()


class TestCli:
    def test_headless_from_the_command_line_reports_and_verifies(self, tmp_path, monkeypatch):
        monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("JPRCC_ARGON2_TIME_COST", "1")
        monkeypatch.setenv("JPRCC_ARGON2_MEMORY_KIB", "64")
        result = CliRunner().invoke(jprcc_cli, ["exercise", "run", "night_recovery.yaml", "--headless"])
        assert result.exit_code == 0, result.output
        assert "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE" in result.output
        assert "starts 2025-11-18 0030Z" in result.output
        assert "intact" in result.output
        assert not (tmp_path / "jprcc.sqlite3").exists()
        (folder,) = (tmp_path / "exercises").iterdir()
        assert json.loads((folder / "exercise.json").read_text())["name"] == "NIGHT OWL"

    def test_a_start_date_given_on_the_command_line_moves_the_whole_scenario(self, tmp_path, monkeypatch):
        monkeypatch.setenv("JPRCC_ARGON2_TIME_COST", "1")
        result = CliRunner().invoke(
            jprcc_cli,
            [
                "exercise", "run", str(NIGHT_OWL), "--headless", "--start", "2026-06-21T01:00Z",
                "--data-dir", str(tmp_path / "midsummer"),
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "starts 2026-06-21 0100Z" in result.output
        node = bootstrap(Settings(data_dir=tmp_path / "midsummer", argon2_time_cost=1, argon2_memory_kib=64))
        try:
            last = node.queries.events_after(0, limit=10_000)[-1]
            assert last.recorded_at.date() == datetime(2026, 6, 21).date()
        finally:
            node.close()

    def test_list_names_the_shipped_scenarios(self):
        result = CliRunner().invoke(jprcc_cli, ["exercise", "list"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        for name in ("NIGHT OWL", "LONG WAIT", "BROKEN ARROW DAY", "2025-11-18", "2025-11-20"):
            assert name in result.output

    def test_a_bad_start_is_refused_by_name(self, tmp_path):
        result = CliRunner().invoke(
            jprcc_cli, ["exercise", "run", str(NIGHT_OWL), "--headless", "--start", "dawn"]
        )
        assert result.exit_code == 2
        assert "'dawn' is not a date and time" in result.output


def test_the_three_shipped_exercises_are_these():
    assert sorted(p.name for p in SHIPPED.glob("*.yaml")) == [
        "captured_negotiation.yaml",
        "mass_isolation.yaml",
        "night_recovery.yaml",
    ]


class TestLongWaitACapturedCrewBroughtHomeByNegotiation:
    def test_it_runs_to_the_end_and_released_is_not_recovered_until_the_hand_off(self, tmp_path):
        exercise = prepare(SHIPPED / "captured_negotiation.yaml", headless=True, settings=settings(tmp_path))
        try:
            start = exercise.start
            run_headless(exercise, until=start + timedelta(days=2, hours=17, minutes=1))  # handed to the ICRC
            controller = Actor("controller", Role.JPRCC_CONTROLLER)
            incident = exercise.node.queries.incident(controller, "PR-LONGWAIT")
            assert {p.duty_status.value for p in incident.persons.values()} == {"released"}
            assert incident.stage.value == "reported"  # released is not recovered: still to fly out
            run_headless(exercise)
            assert exercise.refused == []
            incident = exercise.node.queries.incident(controller, "PR-LONGWAIT")
            assert {p.duty_status.value for p in incident.persons.values()} == {"recovered"}
            assert verify_chain(exercise.node.database).ok
            figures = after_action(exercise.node.queries.events_after(0, limit=10_000), exercise.node.clock())
        finally:
            exercise.close()
        (m,) = figures.incidents
        # isolated 13:35Z on the 20th; approved 07:25Z, aboard JOLLY 11 08:03Z, phase I 09:30Z on the 23rd
        assert m.minutes_to("directive") == 2 * 1440 + 17 * 60 + 50
        assert m.minutes_to("recovered") == 2 * 1440 + 18 * 60 + 28
        assert m.minutes_to("phase_one") == 2 * 1440 + 19 * 60 + 55
        assert m.minutes_to("authenticated") is None
        assert m.relationships == ["direct support JFACC → JFLCC (JOLLY-11)"]


def test_the_guide_shows_how_to_run_an_exercise_with_its_pictures():
    docs = Path(__file__).resolve().parent.parent / "docs"
    guide = (docs / "operators-guide.md").read_text(encoding="utf-8")
    section = guide.split("## 27. Running an exercise", 1)[1]
    for picture in ("exercise-night-owl.png", "exercise-control.png"):
        assert f"(images/{picture})" in section
        assert (docs / "images" / picture).stat().st_size > 10_000
    for words in ("jprcc exercise run", "--headless", "exercise after-action", "Add an inject"):
        assert words in section


class TestScriptedComponents:
    """A component nobody plays answers the poll the JPRCC opens, when it opens it."""

    def test_night_owls_special_operations_cell_declines_twelve_minutes_after_the_poll(self, night_owl):
        run_headless(night_owl)
        assert night_owl.refused == []
        assert night_owl.answers == 1
        answers = [
            r
            for r in night_owl.node.queries.events_after(0, limit=10_000)
            if r.event.type_name == "capability_poll_answered" and r.event.component_id == "JFSOCC"
        ]
        (answer,) = answers
        assert answer.actor == "jfsocc"
        assert answer.event.at == START + timedelta(minutes=19 + 12)  # the poll opened at 00:49Z
        assert "NIGHT STALKER 61" in answer.event.cannot_reason

    def test_an_offer_follows_the_poll_with_only_what_is_free(self, tmp_path):
        data = yaml.safe_load((SHIPPED / "night_recovery.yaml").read_text(encoding="utf-8"))
        data["responders"].append(
            {"component": "JFMCC", "as": "jfmcc", "after": "5m", "available_in": "20m",
             "offer": ["KNIGHT-41", "OSPREY-21", "SEA-DOG-1"]}
        )  # fmt: skip
        data["script"] = [
            s for s in data["script"] if (s["as"], s["do"]) != ("jfmcc", "answer_capability_poll")
        ]
        path = tmp_path / "night_owl_scripted.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        exercise = prepare(path, headless=True, settings=settings(tmp_path))
        try:
            run_headless(exercise)
            records = exercise.node.queries.events_after(0, limit=10_000)
        finally:
            exercise.close()
        (mine,) = [
            r.event
            for r in records
            if r.event.type_name == "capability_poll_answered" and r.event.component_id == "JFMCC"
        ]
        assert mine.at == START + timedelta(minutes=19 + 5)
        # OSPREY 21 is committed to SEA WALL (a scripted component releases nothing from an operation),
        # and SEA DOG 1, a boat, cannot do the rotary-wing recovery JFACC asked for
        assert [(o.asset_id, o.capability.value) for o in mine.offers] == [
            ("KNIGHT-41", "rotary_wing_recovery")
        ]
        assert all(o.available_at == mine.at + timedelta(minutes=20) for o in mine.offers)
        assert exercise.refused == []  # the nomination of KNIGHT 41 at 01:05 found it offered


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("{component: JFMCC}", "responders: a list"),
        (
            "[{component: JFMCC, as: jfmcc, after: 5m}]",
            "give either the assets to offer or the reason to decline",
        ),
        ("[{component: JFMCC, after: 5m, decline: none free}]", "responders[1]: lacks 'as'"),
        (
            "[{component: JFMCC, as: jfmcc, after: soon, decline: none free}]",
            "responders[1]: 'soon' is not a time offset",
        ),
        ("[{component: JFMCC, as: jfmcc, after: -5m, decline: none free}]", "not before it"),
        ("[{component: JFMCC, as: jfmcc, wait: 5m, decline: none free}]", "unknown field(s) wait"),
    ],
)
def test_a_bad_responder_is_refused_by_field(tmp_path, section, words):
    path = tmp_path / "bad.yaml"
    path.write_text(f"responders: {section}\nscript: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        prepare(path, headless=True, settings=settings(tmp_path))
    assert words in str(refused.value)


def test_a_start_without_its_time_zone_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="start: give the time zone"):
        prepare(
            SHIPPED / "night_recovery.yaml", start=datetime(2025, 11, 18, 1, 0), settings=settings(tmp_path)
        )
