"""The shipped scenario files of real kinds of cases, played on the demo theater through the bus,
and the advice each gets, checked the way a rescue coordinator would check it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.demo import accounts, verifier
from jprcc.exercise import scenario
from jprcc.intel.planning import light
from tests.api_helpers import Api
from tests.conftest import T0, load_theater, make_node

SCENARIOS = Path(str(resources.files("jprcc") / "data" / "scenarios"))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Any, Api, ManualClock]]:
    """The demo theater (no incidents) at 02:00Z, a night in late November."""
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{tmp_path / 'scenario.sqlite3'}", tmp_path, clock)
    cast = load_theater(node, clock)
    clock.advance(timedelta(minutes=10))
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        yield node, Api(client, cast), clock
    node.close()


def play(node: Any, clock: ManualClock, name: str) -> None:
    played = scenario.play(
        scenario.load(SCENARIOS / name), node.bus, clock.now, verify=verifier(node), accounts=accounts(node)
    )
    assert played > 0


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_every_shipped_scenario_is_tested_here():
    assert sorted(p.name for p in SCENARIOS.glob("*.yaml")) == [
        "colt12_ship_based.yaml",
        "dagger31_dark_window.yaml",
        "hawg51_ground_only.yaml",
        "talon23_river_evader.yaml",
    ]


class TestDagger31TheDarkWindowClosing:
    def test_at_night_the_authenticated_pilot_is_picked_up_before_first_light(self, world):
        node, api, clock = world
        play(node, clock, "dagger31_dark_window.yaml")
        found = api.get("controller", "/api/incidents/PR-DAGGER31/options")
        assert found["matrix"]["matrix_row"] == 9  # authenticated, medium threat, night: recover now
        top = found["options"][0]
        assert top["flags"] == []
        assert light.is_dark(40.09, 9.36, at(top["recovery_at"]))
        assert at(top["recovery_at"]) < at(found["first_light_at"])

    def test_close_to_first_light_the_pickup_moves_to_the_next_night_and_daylight_is_flagged(self, world):
        node, api, clock = world
        play(node, clock, "dagger31_dark_window.yaml")
        late = api.get("controller", "/api/incidents/PR-DAGGER31/options", at="2026-11-25T05:30:00+00:00")
        assert 15 < late["dark_minutes_left"] < 25
        night = [o for o in late["options"] if o["recovery_at"] and not o["flags"]]
        day = [o for o in late["options"] if o["flags"]]
        assert night
        assert day
        assert all(at(o["recovery_at"]) > at(late["last_light_at"]) for o in night)
        assert all("DAYLIGHT PICKUP" in o["flags"][0] for o in day)


class TestColt12ShipBasedRecovery:
    def test_the_marines_riding_in_the_helicopter_secure_the_pickup(self, world):
        node, api, clock = world
        play(node, clock, "colt12_ship_based.yaml")
        found = api.get("controller", "/api/incidents/PR-COLT12/options")
        assert any("only the polled components" in r for r in found["restrictions"])
        options = [*found["options"], *found["also_considered"]]
        assert options, found["infeasible"]
        assert {a["component_id"] for o in options for a in o["assets"]} == {"JFMCC"}
        knight = [
            o
            for o in options
            if any(a["asset_id"] == "KNIGHT-41" and a["role"] == "recovery_vehicle" for a in o["assets"])
        ]
        assert knight
        roles = {a["role"]: a for a in knight[0]["assets"]}
        assert roles["ground_security"]["asset_id"] == "MARINES-1"
        assert roles["ground_security"]["on_station_at"] == roles["recovery_vehicle"]["on_station_at"]


class TestHawg51GroundOnly:
    def test_the_helicopters_exceed_the_jfcs_risk_ceiling_and_the_ground_recovery_is_proposed(self, world):
        node, api, clock = world
        play(node, clock, "hawg51_ground_only.yaml")
        path = "/api/incidents/PR-HAWG51/options"
        everything = api.get("controller", path, scope="all")
        flown = [
            o
            for o in [*everything["options"], *everything["also_considered"]]
            if o["method"] in ("rotary_wing_recovery", "unassisted_evasion", "sof_assisted_linkup")
        ]
        assert flown
        assert all(o["p_success"] < 0.5 for o in flown)
        capped = api.get("controller", path, scope="all", max_risk=0.5)
        assert capped["options"], capped["infeasible"]
        assert {o["method"] for o in capped["options"]} <= {"ground_recovery", "sof_assisted_linkup"}
        assert all(o["p_success"] >= 0.5 for o in capped["options"])
        assert any("risk ceiling 0.50" in r and "removed" in r for r in capped["restrictions"])
        lead = {a["role"]: a["asset_id"] for a in capped["options"][0]["assets"]}["recovery_vehicle"]
        assert lead in ("SABER-TROOP", "DRAGOON-2")  # the armoured cavalry drives in


RIVER_LON = (9.448, 9.452)  # the Flumendosa in flood, about 340 m wide, north to south


def river_terrain(folder: Path) -> Path:
    """A water mask with the river across the whole area, no bridge, no ford."""
    from jprcc.core import export
    from jprcc.intel.planning.threat import Grid
    from jprcc.intel.terrain_files import read_raster

    grid = Grid(39.0, 9.0, 40.5, 10.0, 1500, 1000)
    _, lons = grid.centres()
    wet = ((lons >= RIVER_LON[0]) & (lons <= RIVER_LON[1])).astype(np.float64)
    path = folder / "flumendosa_water.tif"
    path.write_bytes(export.geotiff(grid, wet))
    read_raster.cache_clear()
    return path


def talon_picture(tmp_path: Path, water: Path | None, swim_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The evader's positions 48 h on (longitudes, weights), played on a node with or without the
    river in its terrain."""
    from jprcc.core.model import Actor, Role
    from jprcc.core.node import bootstrap
    from jprcc.locate.service import Locate
    from tests.conftest import fast_settings

    settings = fast_settings(f"sqlite:///{tmp_path / 'talon.sqlite3'}", tmp_path)
    if water is not None:
        settings = settings.model_copy(update={"terrain_water": water})
    clock = ManualClock(T0)
    node = bootstrap(settings, clock=clock, migrate=True)
    try:
        load_theater(node, clock)
        clock.advance(timedelta(hours=3))
        play(node, clock, "talon23_river_evader.yaml")
        director = Actor("director", Role.JPRCC_DIRECTOR)
        if swim_m:  # the team's debrief: he is a combat swimmer
            from dataclasses import replace

            from jprcc.locate.commands import DefineSearchModel

            model = node.queries.incident(director, "PR-TALON23").search.model
            assert model is not None
            swimmer = replace(model, movement=replace(model.movement, swim_m=swim_m))
            node.bus.handle(
                DefineSearchModel(incident_id="PR-TALON23", model=swimmer), accounts(node)["jfsocc"]
            )
        model_end = T0 + timedelta(hours=3) - timedelta(hours=3, minutes=10) + timedelta(hours=48)
        clock.now = model_end
        picture = node.service(Locate).picture(director, "PR-TALON23", at=model_end)
        _, lon = picture.simulation.frame.to_latlon(picture.x, picture.y)
        return np.asarray(lon), picture.weights
    finally:
        node.close()


class TestTalon23TheRiverBetweenHimAndSafety:
    def test_no_evader_crosses_the_flooded_river_and_the_west_bank_holds_them(self, tmp_path):
        lon, weights = talon_picture(tmp_path, river_terrain(tmp_path))
        assert weights[lon > RIVER_LON[0]].sum() == 0.0
        bank = (lon > RIVER_LON[0] - 0.03) & (lon <= RIVER_LON[0])  # within 2.5 km of the west bank
        assert weights[bank].sum() > 0.25 * weights.sum()

    def test_without_the_water_mask_the_same_model_walks_through(self, tmp_path):
        lon, weights = talon_picture(tmp_path, None)
        assert weights[lon > RIVER_LON[1]].sum() > 0.2 * weights.sum()

    def test_a_combat_swimmer_crosses_it_and_the_east_bank_is_searched_too(self, tmp_path):
        lon, weights = talon_picture(tmp_path, river_terrain(tmp_path), swim_m=500.0)
        assert weights[lon > RIVER_LON[1]].sum() > 0.05 * weights.sum()
        in_the_river = (lon > RIVER_LON[0] + 0.0005) & (lon < RIVER_LON[1] - 0.0005)
        assert weights[in_the_river].sum() == 0.0  # nobody ends a night in the water
