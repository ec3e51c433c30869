"""Decision support a rescue coordinator can trust: the light at the pickup, not only now.

The scenario: DAGGER 31's pilot ejected over the Gennargentu massif at night, inside the ring of
a MANPADS team (medium threat at the person), uninjured and able to hide and move. He answered
his ISOPREP question over the radio and the vault verified it. The rescue helicopters at Base
ALPHA are some 20 minutes away, with pararescuemen aboard to secure the pickup. The default
matrix says: at night, recover now (row 9); in daylight, wait for the next darkness (row 7).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from jprcc.intel.planning import light
from tests.api_helpers import Api
from tests.conftest import T0, Cast, load_theater, make_node

INCIDENT = "PR-DAGGER31"
PERSON = f"{INCIDENT}-P1"
WHERE = (40.09, 9.36)  # inside the MANPADS ring at Fonni
FIRST_LIGHT = datetime.fromisoformat("2026-11-25T05:49:15+00:00")  # civil dawn there (to a second)


def isoprep() -> dict[str, Any]:
    return {
        "person_ref": "USAF-HARLAN",
        "name": "Capt J. Harlan",
        "service": "USAF",
        "unit": "DAGGER 31",
        "component_id": "JFACC",
        "review_date": "2026-10-01",
        "details": {"height_cm": "178"},
        "photo_front": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"F" * 64).decode(),
        "photo_side": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"S" * 64).decode(),
        "statements": [
            {"prompt": "First car", "answer": "Green Beetle"},
            {"prompt": "Grandmother's town", "answer": "Ostrava"},
            {"prompt": "Favourite band", "answer": "Low Tide"},
            {"prompt": "School mascot", "answer": "Otter"},
        ],
        "authentication_number": "4721",
    }


def report(at: datetime) -> dict[str, Any]:
    return {
        "incident_id": INCIDENT,
        "title": "DAGGER 31 ejected over the Gennargentu",
        "owning_component": "JFACC",
        "isolating_event_at": (at - timedelta(minutes=10)).isoformat(),
        "position": {"lat": WHERE[0], "lon": WHERE[1]},
        "uncertainty_m": 150,
        "channel": "beacon",
        "source_confidence": "confirmed",
        "environment": "mountain",
        "persons": [
            {
                "name": "Capt J. Harlan",
                "service": "USAF",
                "component_id": "JFACC",
                "unit": "DAGGER 31",
                "person_ref": "USAF-HARLAN",
                "condition": "uninjured",
            }
        ],
    }


@pytest.fixture
def night(sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock) -> Iterator[tuple[Api, ManualClock]]:
    """The pilot down at 02:00Z, authenticated; first light at 05:49Z."""
    node, cast = sqlite_node, sqlite_cast
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, cast)
        api.post("jfacc", "/api/records", isoprep(), status=201)
        api.post("jfacc", "/api/incidents", report(clock.now), status=201)
        verdict = api.post(
            "jfacc",
            f"/api/incidents/{INCIDENT}/persons/{PERSON}/authentication",
            {"statement": 2, "answer": "ostrava"},
        )
        assert verdict["matched"] is True
        yield api, clock


def options(api: Api, at: datetime | None = None) -> dict[str, Any]:
    params = {} if at is None else {"at": at.isoformat()}
    found: dict[str, Any] = api.get("controller", f"/api/incidents/{INCIDENT}/options", **params)
    return found


def poll(api: Api, components: list[str]) -> None:
    """The pilot's component asks for help (its helicopters are committed); the JPRCC polls."""
    api.post(
        "jfacc",
        f"/api/incidents/{INCIDENT}/assistance-request",
        {"reason": "CSAR helicopters committed", "capabilities_needed": ["rotary_wing_recovery"]},
    )
    api.post(
        "controller",
        f"/api/incidents/{INCIDENT}/capability-poll",
        {"component_ids": components, "capabilities_needed": []},
    )


def recoveries(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in found["options"] if o["recovery_at"] is not None]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class TestTheLightAtThePickup:
    def test_the_matrix_reads_the_vaults_authentication_and_the_night(self, night):
        api, _ = night
        assessment = api.get("controller", f"/api/incidents/{INCIDENT}/assessment")
        assert assessment["situation"]["authentication"] == "authenticated"
        assert assessment["situation"]["threat_at_person"] == "medium"
        assert (assessment["situation"]["light"], assessment["recommendation"]) == ("night", "immediate")
        found = options(api)
        # one picture: the options read the matrix exactly as the assessment does
        assert found["matrix"]["matrix_row"] == assessment["matrix_row"]
        assert found["matrix"]["reasons"] == assessment["reasons"]

    def test_a_night_pickup_20_minutes_away_is_offered_before_dawn_and_nothing_is_flagged(self, night):
        api, clock = night
        found = options(api)
        assert found["darkness_wanted"], "in daylight the matrix would wait for darkness: time it in the dark"
        assert found["dark_minutes_left"] == pytest.approx(229, abs=2)
        top = recoveries(found)[0]
        assert top["flags"] == []
        assert at(top["recovery_at"]) < FIRST_LIGHT
        assert at(top["on_scene_at"]) - clock.now < timedelta(hours=1)
        assert top["light"]["pickup"]["dark"] is True
        assert top["light"]["pickup"]["period"] == "night"
        assert top["matrix_row_at_pickup"] == found["matrix"]["matrix_row"] == 9
        assert at(top["first_light_at"]) == pytest.approx(FIRST_LIGHT, abs=timedelta(minutes=1))
        for option in recoveries(found):
            assert set(option["light"]) == {"launch", "on_scene", "pickup"}
            assert not option["flags"]

    def test_too_late_for_this_night_the_pickup_moves_to_the_next_and_daylight_is_flagged(self, night):
        api, _ = night
        # the same case planned as of 05:25Z: 24 minutes of dark left; the helicopter needs 20 to get
        # there and 7 on scene
        found = options(api, at("2026-11-25T05:25:00+00:00"))
        assert found["dark_minutes_left"] == pytest.approx(24, abs=1)
        night_ones = [o for o in recoveries(found) if not o["flags"]]
        daylight = [o for o in recoveries(found) if o["flags"]]
        assert night_ones, "a package timed for the next night is offered"
        assert recoveries(found)[0] is night_ones[0], "what the matrix allows comes first"
        for option in night_ones:
            pickup = at(option["recovery_at"])
            assert pickup > at("2026-11-25T16:00:00+00:00")
            assert light.is_dark(*WHERE, pickup)
            assert any("waits" in n and "for darkness" in n for n in option["notes"])
        assert daylight, "the sooner daylight package is shown, for what it costs"
        flag = daylight[0]["flags"][0]
        assert flag.startswith("DAYLIGHT PICKUP")
        assert "matrix row 7 wants this pickup in darkness" in flag
        assert "min after first light (25 0549Z)" in flag
        assert "24 min of dark left now" in flag
        assert daylight[0]["matrix_row_at_pickup"] == 7
        assert daylight[0]["light"]["pickup"]["dark"] is False

    def test_planned_in_daylight_every_pickup_waits_for_the_dark(self, night):
        api, _ = night
        found = options(api, at("2026-11-25T10:00:00+00:00"))
        assert found["dark_minutes_left"] == 0
        assert at(found["last_light_at"]) == pytest.approx(
            at("2026-11-25T16:29:00+00:00"), abs=timedelta(minutes=2)
        )
        for option in recoveries(found):
            if not option["flags"]:
                assert option["light"]["pickup"]["dark"]
                assert at(option["recovery_at"]) > at(found["last_light_at"])


OFFER_AS = {
    "recovery_vehicle": "rotary_wing_recovery",
    "isr": "isr",
    "airborne_c2": "airborne_c2",
    "escort_fires": "fixed_wing_escort",
    "ground_security": "armored_reconnaissance",
    "on_scene_commander": "on_scene_commander",
    "sead_ew": "sead_ew",
}


class TestFirstLightWarnings:
    def nominate(self, api: Api, clock: ManualClock) -> dict[str, Any]:
        poll(api, ["JFACC", "JFLCC", "JFMCC"])
        # the first option drawing on more than one component (one component alone recovers organically)
        joint = next(o for o in everyone(options(api)) if len(o["components"]) > 1)
        offered: dict[str, list[dict[str, str]]] = {}
        for a in joint["assets"]:
            offered.setdefault(a["component_id"], []).append(
                {
                    "asset_id": a["asset_id"],
                    "capability": OFFER_AS[a["role"]],
                    "available_at": clock.now.isoformat(),
                }
            )
        for component, offers in offered.items():
            api.post(
                component.lower(),
                f"/api/incidents/{INCIDENT}/capability-poll/answers",
                {"component_id": component, "offers": offers},
            )
        top = next(o for o in everyone(options(api)) if o["option_id"] == joint["option_id"])
        api.post(
            "controller",
            f"/api/incidents/{INCIDENT}/options/{top['option_id']}/nomination",
            {"rationale": "fastest in the dark"},
        )
        return top

    def test_a_nomination_inside_the_night_raises_no_warning(self, night):
        api, clock = night
        self.nominate(api, clock)
        nomination = api.get("controller", f"/api/incidents/{INCIDENT}")["nominations"][-1]
        assert at(nomination["window_end"]) < FIRST_LIGHT
        dark = api.get("controller", f"/api/incidents/{INCIDENT}/dark-window")
        assert dark["dark"] is True
        assert dark["warnings"] == []

    def test_a_nomination_whose_window_runs_past_first_light_warns_the_jprcc_and_the_jfc(self, night):
        api, clock = night
        clock.advance(timedelta(hours=3))  # 05:00Z: the package cannot be back before dawn
        self.nominate(api, clock)
        for who in ("controller", "jfc"):
            dark = api.get(who, f"/api/incidents/{INCIDENT}/dark-window")
            assert dark["dark_minutes_left"] == pytest.approx(49, abs=1)
            assert len(dark["warnings"]) == 1
            assert dark["warnings"][0].startswith("FIRST LIGHT: the nomination's window 25 050")
            assert "runs past first light at 25 0549Z" in dark["warnings"][0]


# --- a property over times of the year ----------------------------------------------------


@pytest.fixture(scope="module")
def year_round(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("year")
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{folder / 'year.sqlite3'}", folder, clock)
    cast = load_theater(node, clock)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, cast)
        api.post("jfacc", "/api/records", isoprep(), status=201)
        api.post("jfacc", "/api/incidents", report(clock.now), status=201)
        api.post(
            "jfacc",
            f"/api/incidents/{INCIDENT}/persons/{PERSON}/authentication",
            {"statement": 1, "answer": "green beetle"},
        )
        yield api
    node.close()


@given(st.integers(0, 365 * 24 * 4 - 1))
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_option_names_its_light_at_pickup_and_no_daylight_pickup_goes_unflagged(year_round, quarter):
    """Planned at any quarter-hour of the coming year: each recovery option states the light at
    its pickup, as the Sun really stands then; a pickup in daylight that the matrix wants dark
    carries a flag; an unflagged option of a case that wants darkness picks up in the dark."""
    when = T0 + timedelta(hours=1, minutes=15 * quarter)
    found = options(year_round, when)
    for option in recoveries(found):
        pickup = at(option["recovery_at"])
        stated = option["light"]["pickup"]
        assert at(stated["at"]) == pickup
        assert stated["dark"] == light.is_dark(*WHERE, pickup)
        wants_dark_then = option["matrix_row_at_pickup"] == 6  # the default matrix's waiting row
        if wants_dark_then and not stated["dark"]:
            assert any(f.startswith("DAYLIGHT PICKUP") for f in option["flags"])
        if found["darkness_wanted"] and not option["flags"]:
            assert stated["dark"]


# --- the planner in control -----------------------------------------------------------------


def everyone(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [*found["options"], *found["also_considered"]]


def assets_in(found: dict[str, Any]) -> set[str]:
    return {a["asset_id"] for o in everyone(found) for a in o["assets"]}


class TestThePlannerInControl:
    def test_an_excluded_asset_and_an_excluded_method_are_gone_and_the_answer_says_so(self, night):
        api, _ = night
        found = api.get(
            "controller",
            f"/api/incidents/{INCIDENT}/options",
            exclude_asset=["JOLLY-11", "GHOST-9"],
            exclude_method=["ground_recovery"],
        )
        assert "JOLLY-11" not in assets_in(found)
        assert not [o for o in everyone(found) if o["method"] == "ground_recovery"]
        assert "excluded by the planner: JOLLY 11" in found["restrictions"]
        assert "not available anyway: GHOST-9" in found["restrictions"]
        assert "excluded by the planner: ground recovery at the person" in found["restrictions"]

    def test_with_a_poll_open_only_the_polled_components_serve_unless_the_planner_asks_for_all(self, night):
        api, _ = night
        poll(api, ["JFACC", "JFMCC"])
        polled = options(api)
        assert {a["component_id"] for o in everyone(polled) for a in o["assets"]} <= {"JFACC", "JFMCC"}
        assert any("only the polled components" in r and "JFLCC" in r for r in polled["restrictions"])
        everybody = api.get("controller", f"/api/incidents/{INCIDENT}/options", scope="all")
        assert "JFLCC" in {a["component_id"] for o in everyone(everybody) for a in o["assets"]}
        assert not everybody["restrictions"]

    def test_a_latest_pickup_keeps_only_packages_that_have_the_person_aboard_by_then(self, night):
        api, _ = night
        latest = at("2026-11-25T02:58:00+00:00")
        found = api.get("controller", f"/api/incidents/{INCIDENT}/options", latest_pickup=latest.isoformat())
        assert recoveries(found)
        for option in recoveries(found):
            assert at(option["recovery_at"]) <= latest
        too_soon = api.get(
            "controller", f"/api/incidents/{INCIDENT}/options", latest_pickup="2026-11-25T02:20:00+00:00"
        )
        assert not recoveries(too_soon)
        assert any(
            "no package can pick up by the latest pickup 25 0220Z" in n for n in too_soon["infeasible"]
        )

    def test_a_latest_pickup_before_the_planning_time_is_refused_naming_the_field(self, night):
        api, _ = night
        refused = api.get(
            "controller",
            f"/api/incidents/{INCIDENT}/options",
            status=422,
            latest_pickup="2026-11-25T01:00:00+00:00",
        )
        assert refused["field"] == "latest_pickup"

    def test_a_risk_ceiling_takes_out_the_helicopters_and_proposes_the_ground_recovery(self, night):
        api, _ = night
        hot = report(at("2026-11-25T02:00:00+00:00"))
        hot |= {"incident_id": "PR-HOT", "position": {"lat": 39.90, "lon": 9.52}}  # under the SA-8 at Lanusei
        hot["persons"] = [
            {"name": "SrA K. Osei", "service": "USAF", "component_id": "JFACC", "condition": "injured"}
        ]
        api.post("jfacc", "/api/incidents", hot, status=201)
        plain = api.get("controller", "/api/incidents/PR-HOT/options")
        flown = [o for o in plain["options"] if o["method"] == "rotary_wing_recovery"]
        assert flown, "without a ceiling the helicopters are offered"
        ceiling = 1 - max(o["p_success"] for o in flown) - 0.01
        capped = api.get("controller", "/api/incidents/PR-HOT/options", max_risk=ceiling)
        assert capped["options"], "a course within the ceiling is proposed"
        assert not [o for o in everyone(capped) if o["method"] == "rotary_wing_recovery"]
        assert all(o["p_success"] >= 1 - ceiling - 1e-9 for o in everyone(capped))
        assert capped["options"][0]["method"] == "ground_recovery"
        assert any(r.startswith(f"risk ceiling {ceiling:.2f}: ") for r in capped["restrictions"])


class TestThePictureFollowsTheCase:
    def test_the_pilot_reported_hurt_changes_the_matrix_and_the_options_follow(self, night):
        api, _ = night
        before = options(api)
        assert before["darkness_wanted"]
        assert any(o["method"] == "unassisted_evasion" for o in everyone(before))
        api.post(
            "jfacc",
            f"/api/incidents/{INCIDENT}/persons/{PERSON}/condition",
            {"condition": "injured", "remarks": "reports a broken ankle"},
        )
        after = options(api)
        assert after["matrix"]["reasons"][3] == "the person is injured"
        # hurt, he cannot hide and wait for the next night, nor walk to a recovery point
        assert not after["darkness_wanted"]
        assert not any(o["method"] == "unassisted_evasion" for o in everyone(after))
        timeline = api.get("controller", f"/api/incidents/{INCIDENT}/timeline")
        assert any(
            "condition: uninjured → injured (reports a broken ankle)" in e["summary"] for e in timeline
        )

    def test_a_condition_for_nobody_or_unchanged_is_refused_naming_the_field(self, night):
        api, _ = night
        path = f"/api/incidents/{INCIDENT}/persons"
        unknown = api.post("jfacc", f"{path}/{INCIDENT}-P9/condition", {"condition": "injured"}, status=404)
        assert unknown["field"] == "person_id"
        same = api.post("jfacc", f"{path}/{PERSON}/condition", {"condition": "uninjured"}, status=409)
        assert same["field"] == "condition"
        wrong = api.post("jfacc", f"{path}/{PERSON}/condition", {"condition": "fine"}, status=422)
        assert "condition" in wrong["field"]


class TestOptionalRoles:
    def test_without_an_awacs_the_night_recovery_is_still_offered_at_a_lower_p_success(self, night):
        """Row 8 (recover now) can do without airborne C2: with SENTRY 31 set aside the package is
        still offered, P(success) x 0.95, and says why."""
        api, _ = night
        full = recoveries(options(api))[0]
        assert "airborne_c2" in {a["role"] for a in full["assets"]}
        without = api.get("controller", f"/api/incidents/{INCIDENT}/options", exclude_asset=["SENTRY-31"])
        top = recoveries(without)[0]
        assert "airborne_c2" not in {a["role"] for a in top["assets"]}
        assert any(n.startswith("no airborne C2: nobody is available") for n in top["notes"])
        # SENTRY 31 (ready: reliability 0.98, holding above the MANPADS' reach) is taken out of the
        # product and the empty role's 0.95 put in
        assert top["p_success"] == pytest.approx(full["p_success"] / 0.98 * 0.95, rel=0.005)

    def test_a_matrix_row_naming_an_unknown_role_optional_is_refused(self, night):
        api, _ = night
        text = "rows: [{recommend: immediate, approval: jprcc, why: w, optional_roles: [recovery_vehicle]}]"
        refused = api.put("director", "/api/intel/matrix", {"text": text}, status=422)
        assert refused["field"] == "rows[0].optional_roles"


class TestWeatherAtThePerson:
    def test_low_cloud_over_a_quiet_valley_makes_the_recovery_deliberate_and_says_why(self, night):
        """A pilot down where there is no threat, under a 300 ft ceiling: a helicopter may not get
        in; the matrix (row 11) asks for a deliberate recovery, the JPRCC deciding."""
        api, clock = night
        quiet = report(clock.now) | {"incident_id": "PR-FOG1", "position": {"lat": 39.70, "lon": 8.75}}
        quiet["persons"] = [{"name": "Maj P. Ortiz", "service": "USAF", "component_id": "JFACC"}]
        api.post("jfacc", "/api/incidents", quiet, status=201)
        clear = api.get("controller", "/api/incidents/PR-FOG1/assessment")
        assert clear["situation"]["weather"] == "vmc"
        fog = [
            {"lat": 39.6, "lon": 8.6},
            {"lat": 39.8, "lon": 8.6},
            {"lat": 39.8, "lon": 8.9},
            {"lat": 39.6, "lon": 8.9},
        ]
        api.post(
            "controller",
            "/api/intel/layers",
            {
                "layer_id": "WX-FOG-CAMPIDANO",
                "name": "Valley fog",
                "source": "JFACC weather",
                "confidence": "confirmed",
                "body": {
                    "kind": "weather",
                    "polygon": fog,
                    "ceiling_ft": 300,
                    "visibility_m": 800,
                    "wind_kt": 3,
                },
            },
            status=201,
        )
        foggy = api.get("controller", "/api/incidents/PR-FOG1/assessment")
        assert foggy["situation"]["weather"] == "imc"
        assert (foggy["matrix_row"], foggy["recommendation"], foggy["approval"]) == (
            11,
            "deliberate",
            "jprcc",
        )
        assert "weather: imc (ceiling 300 ft, visibility 800 m)" in foggy["reasons"]
