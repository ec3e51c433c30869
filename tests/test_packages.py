"""What each asset physically is, and who really can secure a pickup.

The scenario: an F-16 pilot of the JFACC is down inside the area the enemy motor-rifle company
is searching (ground threat medium and more within 5 km of him). The maritime component alone is
polled: its amphibious group has the MH-60S KNIGHT 41, a Marine security element that rides in
it, an E-2D for ISR, and a ScanEagle UAS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from tests.api_helpers import Api
from tests.conftest import T0, load_theater, make_node

INCIDENT = "PR-COLT12"
WHERE = {"lat": 40.12, "lon": 9.44}
GROUP = {"lat": 40.6, "lon": 10.0}  # the amphibious group in the Tyrrhenian Sea


def asset(asset_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "asset_id": asset_id,
        "callsign": asset_id.replace("-", " "),
        "component_id": "JFMCC",
        "base": GROUP,
        "base_name": "amphibious group",
    }
    return body | fields


NEW_ASSETS = [
    asset(
        "HAWKEYE-1",
        asset_type="E-2D",
        capabilities=["isr"],
        platform="fixed_wing",
        speed_kmh=570,
        range_km=2700,
        endurance_h=6,
    ),
    asset(
        "MARINES-1",
        asset_type="Marine security element (TRAP)",
        capabilities=["security_element"],
        platform="dismounted_team",
        carried_by="KNIGHT-41",
        speed_kmh=5,
        range_km=20,
    ),
    asset(
        "SCANEAGLE-1",
        asset_type="ScanEagle UAS",
        capabilities=["isr"],
        platform="uas",
        speed_kmh=130,
        range_km=1000,
        endurance_h=20,
    ),
    asset(
        "LIFELINE-3",
        asset_type="HH-60M medical helicopter",
        capabilities=["medical"],
        platform="rotary_wing",
        speed_kmh=280,
        range_km=550,
        endurance_h=2.5,
        component_id="JFLCC",
        base={"lat": 40.12, "lon": 9.0},
        base_name="FOB BRAVO",
    ),
    asset(
        "THUNDER-6",
        asset_type="M109A7 howitzer battery",
        capabilities=["surface_fires"],
        platform="ground_vehicle",
        speed_kmh=50,
        range_km=300,
        component_id="JFLCC",
        base={"lat": 40.1, "lon": 9.3},
        base_name="firebase THUNDER",
    ),
    asset(
        "FARSCOUT-9",
        asset_type="reconnaissance team on foot",
        capabilities=["special_operations_team"],
        platform="dismounted_team",
        speed_kmh=4,
        range_km=200,
        component_id="JFSOCC",
        base={"lat": 39.25, "lon": 9.1},
        base_name="OP south",
    ),
]


@pytest.fixture(scope="module")
def theater(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("packages")
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{folder / 'packages.sqlite3'}", folder, clock)
    cast = load_theater(node, clock)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, cast)
        for body in NEW_ASSETS:
            api.post(body["component_id"].lower(), "/api/assets", body, status=201)
        api.post(
            "jfacc",
            "/api/incidents",
            {
                "incident_id": INCIDENT,
                "title": "COLT 12 down in the Gennargentu",
                "owning_component": "JFACC",
                "isolating_event_at": (T0 - timedelta(minutes=10)).isoformat(),
                "position": WHERE,
                "uncertainty_m": 150,
                "channel": "beacon",
                "source_confidence": "confirmed",
                "environment": "mountain",
                "persons": [{"name": "1Lt R. Voss", "service": "USAF", "component_id": "JFACC"}],
            },
            status=201,
        )
        yield api
    node.close()


def options(api: Api, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.get("controller", f"/api/incidents/{INCIDENT}/options", scope="all", **params)
    return found


def everyone(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [*found["options"], *found["also_considered"]]


def roles(option: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["role"]: a for a in option["assets"]}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


MARITIME_ONLY = [
    "JOLLY-11",
    "JOLLY-12",
    "NIGHTSTALKER-61",
    "SABER-TROOP",
    "DRAGOON-2",
    "TRIDENT-3",
    "RAVEN-21",
    "MEDEVAC-7",
    "LIFELINE-3",
    "FARSCOUT-9",
    "STARLIGHT-21",
    "REAPER-55",
]


class TestWhoSecuresThePickup:
    def test_a_ship_based_force_whose_security_rides_in_the_helicopter_has_an_option(self, theater):
        """Only the amphibious group serves (every other component's recovery and security assets
        set aside): the Marines riding in KNIGHT 41 secure the pickup, arriving with it."""
        found = options(theater, exclude_asset=MARITIME_ONLY)
        led_by_knight = [
            o for o in everyone(found) if roles(o)["recovery_vehicle"]["asset_id"] == "KNIGHT-41"
        ]
        assert led_by_knight, found["infeasible"]
        secured = [o for o in led_by_knight if "ground_security" in roles(o)]
        assert secured, "the pickup is in the searching company's area: it is secured"
        marines = roles(secured[0])["ground_security"]
        assert marines["asset_id"] == "MARINES-1"
        assert marines["on_station_at"] == roles(secured[0])["recovery_vehicle"]["on_station_at"]

    def test_without_the_marines_nobody_secures_the_pickup_and_the_answer_says_why(self, theater):
        found = options(theater, exclude_asset=[*MARITIME_ONLY, "MARINES-1"])
        assert not [o for o in everyone(found) if roles(o)["recovery_vehicle"]["asset_id"] == "KNIGHT-41"]
        assert any("ground security" in line for line in found["infeasible"]), found["infeasible"]

    def test_a_helicopter_with_pararescuemen_aboard_secures_its_own_pickup(self, theater):
        found = options(theater)
        jolly = [
            o for o in everyone(found) if roles(o)["recovery_vehicle"]["asset_id"] in ("JOLLY-11", "JOLLY-12")
        ]
        assert jolly
        assert all("ground_security" not in roles(o) for o in jolly)


class TestWhatEachAssetIs:
    def test_a_uas_flies_at_its_own_speed_not_as_a_ground_vehicle(self, theater):
        found = options(theater, exclude_asset=[*MARITIME_ONLY, "HAWKEYE-1"])
        isr = [
            roles(o)["isr"]
            for o in everyone(found)
            if roles(o).get("isr", {}).get("asset_id") == "SCANEAGLE-1"
        ]
        assert isr, found["infeasible"]
        # about 75 km from the amphibious group at 130 km/h: 35 minutes (a ground vehicle would need hours)
        flight = at(isr[0]["on_station_at"]) - T0
        assert timedelta(minutes=25) < flight < timedelta(minutes=50)

    def test_a_medical_helicopter_flies_to_the_hurt(self, theater):
        """LIFELINE 3 is a helicopter with a medical crew, not a truck: an injured airman picked up
        by a vehicle without medical care gets it from LIFELINE 3 within half an hour."""
        hurt = theater.get("controller", f"/api/incidents/{INCIDENT}")
        body = {
            "incident_id": "PR-COLT13",
            "title": "COLT 13 (wingman) down, injured",
            "owning_component": "JFACC",
            "isolating_event_at": (T0 - timedelta(minutes=5)).isoformat(),
            "position": {"lat": hurt["position"]["lat"] - 0.01, "lon": hurt["position"]["lon"]},
            "uncertainty_m": 150,
            "channel": "beacon",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [
                {"name": "Capt E. Lund", "service": "USAF", "component_id": "JFACC", "condition": "injured"}
            ],
        }
        theater.post("jfacc", "/api/incidents", body, status=201)
        found = theater.get(
            "controller",
            "/api/incidents/PR-COLT13/options",
            scope="all",
            exclude_asset=["JOLLY-11", "JOLLY-12", "KNIGHT-41", "MEDEVAC-7"],
        )
        care = [roles(o)["medical"] for o in everyone(found) if "medical" in roles(o)]
        assert care, found["infeasible"]
        assert {c["asset_id"] for c in care} == {"LIFELINE-3"}
        assert all(at(c["on_station_at"]) - T0 < timedelta(minutes=30) for c in care)

    def test_a_howitzer_battery_never_escorts_a_helicopter(self, theater):
        """Surface fires cover a pickup at sea (a warship's gun); a battery does not fly escort."""
        found = options(theater, exclude_asset=["SANDY-01", "VIPER-11", "WEASEL-21"])  # no flying escort
        assert not [o for o in everyone(found) if "THUNDER-6" in {a["asset_id"] for a in o["assets"]}]

    def test_a_team_on_foot_a_day_away_never_sets_the_pickup_time(self, theater):
        found = options(theater)
        assert not [o for o in everyone(found) if "FARSCOUT-9" in {a["asset_id"] for a in o["assets"]}]


class TestRegistration:
    def test_an_asset_cannot_ride_in_itself_in_a_stranger_or_in_a_uas(self, theater):
        for carrier, rule in (
            ("SEAL-9", "ride in itself"),
            ("GHOST-2", "unknown carrier"),
            ("SCANEAGLE-1", "carries no one"),
        ):
            body = asset(
                "SEAL-9",
                asset_type="SEAL squad",
                capabilities=["security_element"],
                platform="dismounted_team",
                carried_by=carrier,
                speed_kmh=4,
                range_km=20,
            )
            refused = theater.post("jfmcc", "/api/assets", body, status=422)
            assert refused["field"] == "carried_by"
            assert rule in refused["message"]
