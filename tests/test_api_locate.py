"""Locate through the API: the map of an incident, what each piece of information does to it,
search plans, replay, NetCDF forcing, and bad input refused with nothing changed."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from jprcc.demo import load_demo
from jprcc.locate.service import SimulationCache
from jprcc.records.events import RecordOpened
from tests.api_helpers import Api
from tests.conftest import T0, Cast, make_node

USERS = ("controller", "observer", "director", "jfsocc", "jfacc", "jflcc", "jfmcc")
RAFT = "/api/incidents/PR-KNIGHT44/locate"
PATROL = "/api/incidents/PR-DRAGOON/locate"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, ManualClock]]:
    folder = tmp_path_factory.mktemp("locate")
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{folder / 'demo.sqlite3'}", folder, clock)
    load_demo(node)
    yield node, clock
    node.close()


@pytest.fixture
def api(demo: tuple[Node, ManualClock]) -> Iterator[Api]:
    with TestClient(create_app(demo[0], sweep_alerts=False)) as client:
        yield Api(client, Cast({}, {u: f"demo-{u}" for u in USERS}))


def version(api: Api, incident: str) -> int:
    return int(api.get("controller", f"/api/incidents/{incident}")["version"])


def square(lat: float, lon: float, half_deg: float) -> list[dict[str, float]]:
    return [
        {"lat": lat + half_deg, "lon": lon - half_deg},
        {"lat": lat + half_deg, "lon": lon + half_deg},
        {"lat": lat - half_deg, "lon": lon + half_deg},
        {"lat": lat - half_deg, "lon": lon - half_deg},
    ]


class TestTheMap:
    def test_the_demo_raft_has_a_map_with_its_information_applied(self, api: Api):
        out = api.get("observer", RAFT)
        assert out["model"]["movement"]["kind"] == "maritime"
        assert [i["info_id"] for i in out["information"]] == ["I2", "I1"]  # in the order of their times
        assert all(i["applied"] for i in out["information"])
        assert 0 < out["rest_of_world"] < 0.05
        assert out["cumulative_probability_of_success"] == pytest.approx(
            1 - next(i["evidence"] for i in out["information"] if i["kind"] == "searched"), abs=1e-6
        )
        assert out["containment_m"]["50"] < out["containment_m"]["90"] < out["containment_m"]["95"]
        assert out["mean"]["mgrs"].startswith("32S")

    def test_the_map_is_a_png_and_a_geotiff_holding_the_probability(self, api: Api):
        headers = api.headers("observer")
        png = api.client.get(f"{RAFT}/map", params={"cells": 120}, headers=headers)
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
        tif = api.client.get(f"{RAFT}/map", params={"format": "tiff", "cells": 120}, headers=headers)
        values = tifffile.imread(io.BytesIO(tif.content))
        out = api.get("observer", RAFT, cells=120)
        assert values.shape == (120, 120)
        # what is not on the map is the rest of the world (and a sliver of kernel past the edge)
        assert float(values.sum()) == pytest.approx(1 - out["rest_of_world"], abs=0.01)
        assert float(values.max()) == pytest.approx(out["map"]["peak"], abs=1e-6)

    def test_replay_shows_what_the_planners_knew_then(self, api: Api):
        before_search = (T0 - timedelta(minutes=30)).isoformat()
        then = api.get("observer", RAFT, as_of=before_search)
        assert [i["info_id"] for i in then["information"]] == ["I1"]
        assert then["cumulative_probability_of_success"] == 0
        before_model = (T0 - timedelta(hours=1, minutes=8)).isoformat()
        refused = api.get("observer", RAFT, status=422, as_of=before_model)
        assert refused["field"] == "model"

    def test_a_map_outside_the_models_horizon_is_refused_naming_at(self, api: Api):
        late = (T0 + timedelta(days=3)).isoformat()
        assert api.get("observer", RAFT, status=422, at=late)["field"] == "at"

    def test_an_incident_without_a_model_says_so(self, api: Api):
        answer = api.get("observer", "/api/incidents/PR-LANTERN/locate", status=422)
        assert answer["field"] == "model"
        assert "define one" in answer["message"]


class TestInformation:
    def test_a_certain_fix_far_from_every_particle_moves_the_map_to_the_fix_and_asks_to_redefine(
        self, api: Api
    ):
        api.put(
            "controller", f"{PATROL}/model", {"movement": {"kind": "stationary"}, "seed": 7, "horizon_h": 6}
        )
        now = T0.isoformat()
        far = {"kind": "fix", "position": {"lat": 40.6, "lon": 8.8}, "semi_major_m": 300, "semi_minor_m": 300}
        api.post("jflcc", f"{PATROL}/information", {"at": now, "body": far, "source": "DF"}, status=201)
        out = api.get("controller", PATROL)
        # a fix believed certain takes nearly all the probability: the map is where the fix is
        assert out["rest_of_world"] < 0.05
        assert out["mean"]["lat"] == pytest.approx(40.6, abs=0.01)
        assert out["mean"]["lon"] == pytest.approx(8.8, abs=0.01)
        assert "consider redefining the model" in out["information"][-1]["note"]
        # redefining the model keeps the information and applies it to the new model
        api.put(
            "controller",
            f"{PATROL}/model",
            {
                "movement": {"kind": "stationary"},
                "position": {"lat": 40.6, "lon": 8.8},
                "radius95_m": 500,
                "seed": 8,
            },
        )
        again = api.get("controller", PATROL)
        assert again["revision"] == 2
        assert again["rest_of_world"] < 0.01
        assert [i["info_id"] for i in again["information"]] == ["I1"]

    def test_an_unsuccessful_search_lowers_the_probability_inside_it(self, api: Api):
        before = api.get("controller", RAFT)
        mean = before["mean"]
        at = before["at"]
        body = {
            "kind": "searched",
            "polygon": square(mean["lat"], mean["lon"], 0.01),
            "sweep_width_m": 1000,
            "track_spacing_m": 500,
            "ended_at": at,
            "law": "inverse_cube",
        }
        api.post("jfmcc", f"{RAFT}/information", {"at": at, "body": body, "source": "RIB"}, status=201)
        after = api.get("controller", RAFT, at=at)
        new = after["information"][-1]
        assert new["kind"] == "searched"
        assert new["moved"] > 0.05
        assert after["rest_of_world"] > before["rest_of_world"]
        assert after["cumulative_probability_of_success"] > before["cumulative_probability_of_success"]


class TestPlans:
    ASSETS: list[dict[str, Any]] = [
        {"name": "REAPER 55", "sweep_width_m": 2500, "speed_kt": 90, "hours": 0.5},
        {"name": "NSW-RIB-11", "sweep_width_m": 600, "speed_kt": 12, "hours": 1, "searches": "water"},
    ]

    def test_a_proposal_is_not_recorded_and_never_beats_the_optimal_allocation(self, api: Api):
        v = version(api, "PR-KNIGHT44")
        plan = api.post("controller", f"{RAFT}/plan", {"assets": self.ASSETS})
        assert plan["plan_id"] == ""
        assert 0 < plan["probability_of_success"] <= plan["optimal_probability_of_success"] + 1e-9
        shown = api.get("controller", RAFT)
        expected = 1 - (1 - shown["cumulative_probability_of_success"]) * (1 - plan["probability_of_success"])
        assert plan["cumulative_probability_of_success"] == pytest.approx(expected, abs=1e-5)
        for area in plan["areas"]:
            assert area["track_spacing_m"] * area["track_length_m"] == pytest.approx(
                area["width_m"] * area["height_m"], rel=1e-3
            )
            assert area["coverage"] == pytest.approx(
                area["sweep_width_m"] / area["track_spacing_m"], rel=1e-3
            )
        assert version(api, "PR-KNIGHT44") == v

    def test_a_plan_reports_what_its_own_areas_achieve_not_the_optimum(self, api: Api):
        """The areas are rectangles that an asset can fly; the optimum is the ideal spread of effort.
        What the plan reports is what its areas achieve: each area's containment times its
        detection (the areas do not overlap), below the optimum that no rectangle reaches."""
        plan = api.post("controller", f"{RAFT}/plan", {"assets": self.ASSETS})
        achieved = sum(a["probability_of_containment"] * a["probability_of_detection"] for a in plan["areas"])
        assert plan["probability_of_success"] == pytest.approx(achieved, rel=2e-3)
        assert plan["probability_of_success"] < plan["optimal_probability_of_success"] - 1e-4

    def test_a_listening_search_is_planned_for_the_beacon_schedule_not_for_a_steady_signal(self, api: Api):
        """The raft's beacon is on five minutes in the hour: REAPER 55 listening with a direction
        finder hears it only then, and the plan says what that buys."""
        steady = api.post("controller", f"{RAFT}/plan", {"assets": self.ASSETS[:1]})
        listening = {**self.ASSETS[0], "signal_probability": 5 / 60}
        scheduled = api.post("controller", f"{RAFT}/plan", {"assets": [listening]})
        assert scheduled["probability_of_success"] == pytest.approx(
            steady["probability_of_success"] / 12, rel=1e-3
        )
        assert scheduled["optimal_probability_of_success"] == pytest.approx(
            steady["optimal_probability_of_success"] / 12, rel=1e-3
        )
        for never in (0, 1.5):
            wrong = {"assets": [{**self.ASSETS[0], "signal_probability": never}]}
            assert "signal_probability" in str(api.post("controller", f"{RAFT}/plan", wrong, status=422))

    def test_an_adopted_plan_is_in_the_incident_and_its_log(self, api: Api):
        body = {"assets": self.ASSETS[:1], "remarks": "first light"}
        plan = api.post("jfmcc", f"{RAFT}/plans", body, status=201)
        assert plan["plan_id"].startswith("P")
        assert plan["adopted_by"] == "jfmcc"
        shown = api.get("observer", RAFT)
        assert shown["plans"][-1]["plan_id"] == plan["plan_id"]
        timeline = api.get("controller", "/api/incidents/PR-KNIGHT44/timeline")
        assert any(e["event_type"] == "search_plan_adopted" and "REAPER 55" in e["summary"] for e in timeline)

    def test_observers_and_uninvolved_components_may_not_adopt(self, api: Api):
        v = version(api, "PR-KNIGHT44")
        api.post("observer", f"{RAFT}/plans", {"assets": self.ASSETS[:1]}, status=403)
        api.post("jflcc", f"{RAFT}/plans", {"assets": self.ASSETS[:1]}, status=404)  # as though none
        assert version(api, "PR-KNIGHT44") == v


class TestEvasionPlan:
    def test_the_evader_heads_for_the_destinations_of_the_persons_evasion_plan(
        self, api: Api, demo: tuple[Node, ManualClock]
    ):
        body = {"movement": {"kind": "evader", "destinations_from_epa": "USA-ADEYEMI"}, "seed": 3}
        refused = api.put("jfmcc", "/api/incidents/PR-RAVEN21/locate/model", body, status=422)
        assert refused["field"] == "destinations_from_epa"
        hiding = api.put(
            "jfmcc", "/api/incidents/PR-RAVEN21/locate/model", {"movement": {"kind": "evader"}, "seed": 3}
        )
        body = {"movement": {"kind": "evader", "destinations_from_epa": "USA-LINDQVIST"}, "seed": 3}
        out = api.put("jfmcc", "/api/incidents/PR-RAVEN21/locate/model", body)
        movement = out["model"]["movement"]
        assert movement["from_epa"] == "USA-LINDQVIST"
        assert movement["sealed_destinations"] is True
        assert movement["destinations"] == []
        # the map heads for the plan's destinations (LZ FALCON 40.02N 9.31E, DAPP EAGLE 39.58N 9.25E),
        # opened from the seal when simulating: not the map of an evader with none, who hides
        assert "no destinations: the evader hides where they are" in hiding["notes"]
        assert not any("no destinations" in n for n in out["notes"])
        assert (out["mean"]["lat"], out["mean"]["lon"]) != (hiding["mean"]["lat"], hiding["mean"]["lon"])
        # neither the log nor the incident's document holds the plan's destinations in clear
        from sqlalchemy import select

        from jprcc.core.store.tables import events, incident_documents

        with demo[0].database.read() as conn:
            payloads = (
                conn.execute(select(events.c.payload).where(events.c.event_type == "search_model_defined"))
                .scalars()
                .all()
            )
            document = conn.execute(
                select(incident_documents.c.document).where(incident_documents.c.incident_id == "PR-RAVEN21")
            ).scalar_one()
        model_in_document = json.dumps(json.loads(document)["search"]["model"])
        for stored in [payloads[-1], model_in_document]:
            assert "USA-LINDQVIST" in stored  # (the right record)
            assert "LZ FALCON" not in stored
            assert "DAPP EAGLE" not in stored
            assert "40.02" not in stored
            assert "9.31" not in stored
        with demo[0].database.read() as conn:  # opening the sealed plan is in the record's audit trail
            opened = [r.event for r in demo[0].queries.log(conn).read(stream_id="record:USA-LINDQVIST")]
        assert any(
            isinstance(e, RecordOpened)
            and e.part == "epa"
            and e.incident_id == "PR-RAVEN21"
            and e.opened_by == "jfmcc"
            for e in opened
        )


class TestForcing:
    def test_a_netcdf_forcing_drives_the_drift_and_a_changed_file_is_noticed(
        self, api: Api, demo: tuple[Node, ManualClock]
    ):
        import xarray as xr

        folder = demo[0].settings.effective_forcing_dir
        folder.mkdir(parents=True, exist_ok=True)
        lats = np.linspace(39.0, 40.5, 7)
        lons = np.linspace(8.0, 9.5, 8)
        naive = T0.replace(tzinfo=None)
        times = np.array([naive - timedelta(hours=3), naive + timedelta(hours=30)], dtype="datetime64[ns]")
        shape = (2, lats.size, lons.size)
        data = xr.Dataset(
            {
                "x_wind": (("time", "lat", "lon"), np.full(shape, 0.0, dtype=np.float32)),
                "y_wind": (("time", "lat", "lon"), np.full(shape, 0.0, dtype=np.float32)),
                "x_sea_water_velocity": (("time", "lat", "lon"), np.full(shape, 0.5, dtype=np.float32)),
                "y_sea_water_velocity": (("time", "lat", "lon"), np.full(shape, 0.0, dtype=np.float32)),
            },
            coords={"time": times, "lat": lats, "lon": lons},
        )
        data.to_netcdf(folder / "tyrrhenian.nc")
        assert api.get("controller", "/api/locate/forcing") == ["tyrrhenian.nc"]
        model = {
            "movement": {"kind": "maritime", "object_class": "SLDMB", "forcing": "tyrrhenian.nc"},
            "start": (T0 - timedelta(hours=2)).isoformat(),
            "position": {"lat": 39.8, "lon": 8.1},  # at sea, west of Sardinia
            "radius95_m": 100,
            "seed": 11,
        }
        out = api.put("controller", "/api/incidents/PR-LANTERN/locate/model", model)
        # an undrogued marker buoy moves with the current: 0.5 m/s east for 2 h is 3.6 km
        moved_east_deg = out["mean"]["lon"] - 8.1
        assert moved_east_deg * 111_195 * np.cos(np.radians(39.8)) == pytest.approx(3600, rel=0.02)
        assert out["mean"]["lat"] == pytest.approx(39.8, abs=1e-3)
        data.to_netcdf(folder / "tyrrhenian.nc", mode="w", format="NETCDF3_CLASSIC")
        demo[0].service(SimulationCache)._items.clear()
        changed = api.get("controller", "/api/incidents/PR-LANTERN/locate", status=422)
        assert changed["field"] == "forcing"
        assert "changed" in changed["message"]


def forcing_file(
    folder: Path, name: str, lats: np.ndarray, lons: np.ndarray, **overrides: np.ndarray
) -> None:
    """A two-time forcing file: calm wind and a 0.5 m/s eastward current, with ``overrides``."""
    import xarray as xr

    folder.mkdir(parents=True, exist_ok=True)
    naive = T0.replace(tzinfo=None)
    times = np.array([naive - timedelta(hours=3), naive + timedelta(hours=30)], dtype="datetime64[ns]")
    shape = (2, lats.size, lons.size)
    fields = {
        "x_wind": np.zeros(shape, dtype=np.float32),
        "y_wind": np.zeros(shape, dtype=np.float32),
        "x_sea_water_velocity": np.full(shape, 0.5, dtype=np.float32),
        "y_sea_water_velocity": np.zeros(shape, dtype=np.float32),
    } | overrides
    xr.Dataset(
        {k: (("time", "lat", "lon"), v) for k, v in fields.items()},
        coords={"time": times, "lat": lats, "lon": lons},
    ).to_netcdf(folder / name)


class TestForcingRefusedBeforeAnythingIsStored:
    """A forcing read wrong moves the search area to the wrong place: refuse it, naming why."""

    def model(self, name: str) -> dict:
        return {
            "movement": {"kind": "maritime", "object_class": "SLDMB", "forcing": name},
            "start": (T0 - timedelta(hours=2)).isoformat(),
            "position": {"lat": 39.8, "lon": 8.1},  # at sea, west of Sardinia
            "radius95_m": 100,
            "seed": 11,
        }

    def refused(self, api: Api, name: str) -> dict:
        before = version(api, "PR-LANTERN")
        answer = api.put("controller", "/api/incidents/PR-LANTERN/locate/model", self.model(name), status=422)
        assert answer["field"] == "forcing"
        assert version(api, "PR-LANTERN") == before
        return answer

    def test_an_uneven_latitude_axis_is_refused_not_interpolated_as_if_even(self, api, demo):
        folder = demo[0].settings.effective_forcing_dir
        lats = np.array([39.0, 39.1, 39.2, 39.8, 40.5])  # a model's refined band near the coast
        forcing_file(folder, "uneven.nc", lats, np.linspace(8.0, 9.5, 8))
        answer = self.refused(api, "uneven.nc")
        assert "lat axis is not evenly spaced" in answer["message"]

    def test_an_infinite_wind_is_refused_naming_the_variable_and_where(self, api, demo):
        folder = demo[0].settings.effective_forcing_dir
        lats, lons = np.linspace(39.0, 40.5, 7), np.linspace(8.0, 9.5, 8)
        wind = np.zeros((2, 7, 8), dtype=np.float32)
        wind[1, 3, 4] = np.inf
        forcing_file(folder, "inf.nc", lats, lons, x_wind=wind)
        answer = self.refused(api, "inf.nc")
        assert "x_wind" in answer["message"]
        assert "[1, 3, 4]" in answer["message"]

    def test_an_undeclared_fill_value_in_the_current_is_refused(self, api, demo):
        folder = demo[0].settings.effective_forcing_dir
        lats, lons = np.linspace(39.0, 40.5, 7), np.linspace(8.0, 9.5, 8)
        current = np.full((2, 7, 8), 0.5, dtype=np.float32)
        current[:, 0, :] = -9999.0
        forcing_file(folder, "fill.nc", lats, lons, x_sea_water_velocity=current)
        answer = self.refused(api, "fill.nc")
        assert "x_sea_water_velocity" in answer["message"]
        assert "-9999" in answer["message"]

    def test_a_declared_missing_value_reads_as_calm_and_the_model_is_taken(self, api, demo):
        folder = demo[0].settings.effective_forcing_dir
        lats, lons = np.linspace(39.0, 40.5, 7), np.linspace(8.0, 9.5, 8)
        current = np.full((2, 7, 8), 0.5, dtype=np.float32)
        current[:, 6, 7] = np.nan  # land in the ocean model's corner
        forcing_file(folder, "land.nc", lats, lons, x_sea_water_velocity=current)
        out = api.put("controller", "/api/incidents/PR-LANTERN/locate/model", self.model("land.nc"))
        assert out["mean"]["lon"] > 8.1


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"movement": {"kind": "maritime", "object_class": "BATHTUB"}}, "object_class"),
            ({"movement": {"kind": "stationary"}, "particles": 10}, "particles"),
            ({"movement": {"kind": "stationary"}, "horizon_h": 1000}, "horizon_h"),
            ({"movement": {"kind": "stationary"}, "position": {"lat": 95, "lon": 0}}, "lat"),
            ({"movement": {"kind": "teleport"}}, "movement"),
            ({"movement": {"kind": "maritime", "forcing": "../../etc/passwd"}}, "forcing"),
            ({"movement": {"kind": "maritime", "forcing": "absent.nc"}}, "forcing"),
            ({"movement": {"kind": "stationary"}, "start": "2999-01-01T00:00:00Z"}, "start"),
        ],
    )
    def test_a_bad_model_is_refused_naming_the_field_and_nothing_changes(self, api: Api, body, field):
        v = version(api, "PR-CARGO7")
        answer = api.put("controller", "/api/incidents/PR-CARGO7/locate/model", body, status=422)
        assert field in str(answer)
        assert version(api, "PR-CARGO7") == v

    HERE: dict[str, Any] = {"lat": 39.5, "lon": 10.3}

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"kind": "fix", "position": HERE, "semi_major_m": 100, "semi_minor_m": 900}, "semi_major_m"),
            ({"kind": "bearing", "observer": HERE, "bearing_deg": 400}, "bearing_deg"),
            (
                {"kind": "searched", "polygon": [HERE, HERE], "sweep_width_m": 1, "track_spacing_m": 1}
                | {"ended_at": "2026-11-25T01:00:00Z"},
                "polygon",
            ),
            ({"kind": "report", "position": {"mgrs": "not a grid"}, "radius_m": 100}, "mgrs"),
        ],
    )
    def test_bad_information_is_refused_naming_the_field_and_nothing_changes(self, api: Api, body, field):
        v = version(api, "PR-KNIGHT44")
        answer = api.post(
            "controller", f"{RAFT}/information", {"at": T0.isoformat(), "body": body}, status=422
        )
        assert field in str(answer)
        assert version(api, "PR-KNIGHT44") == v

    def test_a_search_that_ends_before_it_begins_is_refused(self, api: Api):
        body = {"kind": "searched", "polygon": square(39.5, 10.3, 0.01), "sweep_width_m": 500}
        body |= {"track_spacing_m": 500, "ended_at": (T0 - timedelta(hours=1)).isoformat()}
        answer = api.post(
            "controller", f"{RAFT}/information", {"at": T0.isoformat(), "body": body}, status=422
        )
        assert answer["field"] == "ended_at"

    def test_unknown_incidents_and_unknown_assets_fields(self, api: Api):
        api.get("controller", "/api/incidents/PR-NOPE/locate", status=404)
        bad = {"assets": [{"name": "X", "sweep_width_m": -1, "speed_kt": 10, "hours": 1}]}
        assert "sweep_width_m" in str(api.post("controller", f"{RAFT}/plan", bad, status=422))
        twice = {"assets": [TestPlans.ASSETS[0], TestPlans.ASSETS[0]]}
        assert api.post("controller", f"{RAFT}/plan", twice, status=422)["field"] == "assets"


class TestRefusedModels:
    def test_a_model_that_cannot_be_drawn_is_refused_and_nothing_is_stored(self, api: Api):
        v = version(api, "PR-CARGO7")
        future = {"movement": {"kind": "stationary"}, "start": (T0 + timedelta(minutes=3)).isoformat()}
        assert (
            api.put("controller", "/api/incidents/PR-CARGO7/locate/model", future, status=422)["field"]
            == "start"
        )
        polar = {"movement": {"kind": "stationary"}, "position": {"lat": 89.5, "lon": 0}}
        assert (
            api.put("controller", "/api/incidents/PR-CARGO7/locate/model", polar, status=422)["field"]
            == "position"
        )
        assert version(api, "PR-CARGO7") == v

    def test_a_horizon_that_is_not_whole_steps_still_draws_to_its_end(self, api: Api):
        body = {"movement": {"kind": "stationary"}, "horizon_h": 1.4, "step_s": 3600, "seed": 1}
        body["start"] = (T0 - timedelta(hours=6)).isoformat()
        out = api.put("controller", "/api/incidents/PR-CARGO7/locate/model", body)
        assert out["at"].startswith("2026-11-24T21:24")  # the end of the horizon, in the past

    def test_a_searched_area_without_extent_is_refused(self, api: Api):
        line = [{"lat": 39.5, "lon": 10.3}, {"lat": 39.6, "lon": 10.3}, {"lat": 39.7, "lon": 10.3}]
        body = {"kind": "searched", "polygon": line, "sweep_width_m": 500, "track_spacing_m": 500}
        body["ended_at"] = T0.isoformat()
        answer = api.post(
            "controller", f"{RAFT}/information", {"at": T0.isoformat(), "body": body}, status=422
        )
        assert answer["field"] == "polygon"


class TestSearchesAsTheyHappened:
    """Unsuccessful searches, checked in closed form on a person who does not move (all inside the
    searched square) and on a buoy drifting east with the current."""

    SEA = {"lat": 39.5, "lon": 10.3}

    def report(self, api: Api, incident_id: str, model: dict[str, Any]) -> str:
        body = {
            "incident_id": incident_id,
            "title": f"{incident_id}: a raft adrift",
            "owning_component": "JFMCC",
            "isolating_event_at": (T0 - timedelta(hours=5)).isoformat(),
            "position": self.SEA,
            "uncertainty_m": 100,
            "channel": "beacon",
            "source_confidence": "confirmed",
            "environment": "maritime",
            "persons": [{"name": "PO2 T. Brenner", "service": "USN", "component_id": "JFMCC"}],
        }
        api.post("jfmcc", "/api/incidents", body, status=201)
        api.put("controller", f"/api/incidents/{incident_id}/locate/model", model)
        return f"/api/incidents/{incident_id}/locate"

    def search(
        self,
        api: Api,
        where: str,
        square_of: list[dict[str, float]],
        begin: datetime,
        end: datetime,
        law: str,
    ) -> dict:
        body = {
            "kind": "searched",
            "polygon": square_of,
            "sweep_width_m": 1000,
            "track_spacing_m": 1000,  # coverage 1
            "ended_at": end.isoformat(),
            "law": law,
        }
        api.post(
            "jfmcc",
            f"{where}/information",
            {"at": begin.isoformat(), "body": body, "source": "SAR"},
            status=201,
        )
        found: dict = api.get("controller", where, at=end.isoformat())
        return found

    def still(self) -> dict[str, Any]:
        return {
            "movement": {"kind": "stationary"},
            "start": (T0 - timedelta(hours=4)).isoformat(),
            "position": self.SEA,
            "radius95_m": 500,
            "seed": 3,
        }

    def test_two_searches_of_the_same_square_add_up_as_one_minus_the_product_of_misses(self, api: Api):
        where = self.report(api, "PR-STILL1", self.still())
        everywhere = square(self.SEA["lat"], self.SEA["lon"], 0.05)
        t = T0 - timedelta(hours=3)
        self.search(api, where, everywhere, t, t + timedelta(minutes=30), "random")
        after = self.search(
            api, where, everywhere, t + timedelta(hours=1), t + timedelta(hours=1, minutes=30), "random"
        )
        q = 1 - math.exp(-1.0)  # random search at coverage 1
        assert after["cumulative_probability_of_success"] == pytest.approx(
            0.99 * (1 - (1 - q) ** 2), abs=1e-6
        )

    @pytest.mark.parametrize(
        ("law", "pod"), [("random", 1 - math.exp(-1.0)), ("inverse_cube", math.erf(math.sqrt(math.pi) / 2))]
    )
    def test_each_search_counts_with_its_own_detection_law(self, api: Api, law: str, pod: float):
        where = self.report(api, f"PR-STILL-{law.upper().replace('_', '')}", self.still())
        everywhere = square(self.SEA["lat"], self.SEA["lon"], 0.05)
        t = T0 - timedelta(hours=3)
        after = self.search(api, where, everywhere, t, t + timedelta(minutes=30), law)
        assert after["cumulative_probability_of_success"] == pytest.approx(0.99 * pod, abs=1e-6)

    def test_a_search_counts_where_the_drifting_object_was_in_its_middle_not_at_its_start(self, api: Api):
        drifting = {
            "movement": {"kind": "maritime", "object_class": "SLDMB", "current_east_ms": 0.5},
            "start": (T0 - timedelta(hours=4)).isoformat(),
            "position": self.SEA,
            "radius95_m": 100,
            "seed": 4,
        }
        where = self.report(api, "PR-BUOY1", drifting)
        # searched from 1 h to 3 h after the last known position: in the middle (2 h) the buoy is
        # 3.6 km east, at the start only 1.8 km; the square is 2 km wide around 3.6 km east
        east = 3600.0 / (111_195 * math.cos(math.radians(self.SEA["lat"])))
        box = [
            {"lat": self.SEA["lat"] + 0.009, "lon": self.SEA["lon"] + east - 0.0117},
            {"lat": self.SEA["lat"] + 0.009, "lon": self.SEA["lon"] + east + 0.0117},
            {"lat": self.SEA["lat"] - 0.009, "lon": self.SEA["lon"] + east + 0.0117},
            {"lat": self.SEA["lat"] - 0.009, "lon": self.SEA["lon"] + east - 0.0117},
        ]
        start = T0 - timedelta(hours=3)
        after = self.search(api, where, box, start, start + timedelta(hours=2), "random")
        # the whole buoy cloud was in the square in the middle of the search (at its start, none)
        pos = after["cumulative_probability_of_success"]
        assert pos == pytest.approx(0.99 * (1 - math.exp(-1.0)), abs=0.01)

    def test_a_listening_search_counts_only_as_much_as_the_person_was_transmitting(self, api: Api):
        """An electronic search of the whole area while the survivor's radio was on a quarter of the
        time: it would have found him with probability POD x 1/4, no more."""
        where = self.report(api, "PR-STILL-RADIO", self.still())
        everywhere = square(self.SEA["lat"], self.SEA["lon"], 0.05)
        t = T0 - timedelta(hours=3)
        body = {
            "kind": "searched",
            "polygon": everywhere,
            "sweep_width_m": 1000,
            "track_spacing_m": 1000,
            "ended_at": (t + timedelta(minutes=30)).isoformat(),
            "signal_probability": 0.25,
        }
        api.post(
            "jfmcc", f"{where}/information", {"at": t.isoformat(), "body": body, "source": "EW"}, status=201
        )
        after = api.get("controller", where, at=(t + timedelta(minutes=30)).isoformat())
        pos = after["cumulative_probability_of_success"]
        assert pos == pytest.approx(0.99 * 0.25 * (1 - math.exp(-1.0)), abs=1e-6)

    def test_a_confident_fix_far_from_the_cloud_moves_probability_to_the_fix(self, api: Api):
        """The person was thought to sit still; an authenticated radio fix puts him 20 km east. The map
        must show him there (with the probability the update gives the fix), and say to redefine."""
        where = self.report(api, "PR-STILL-FIX", self.still())
        t = T0 - timedelta(hours=2)
        east = 20_000 / (111_195 * math.cos(math.radians(self.SEA["lat"])))
        fix = {"lat": self.SEA["lat"], "lon": self.SEA["lon"] + east}
        body = {
            "kind": "fix",
            "position": fix,
            "semi_major_m": 200,
            "semi_minor_m": 200,
            "orientation_deg": 0,
        }
        api.post(
            "jfmcc",
            f"{where}/information",
            {"at": t.isoformat(), "body": body, "reliability": 0.95},
            status=201,
        )
        after = api.get("controller", where, at=t.isoformat())
        note = after["information"][-1]["note"]
        assert "particles re-seeded there" in note
        assert "redefining the model" in note
        assert after["rest_of_world"] == pytest.approx(0.01, abs=1e-6)
        # the mean now lies between the two places, pulled east by what the fix carries (about 16 %)
        pulled = (after["mean"]["lon"] - self.SEA["lon"]) / east
        assert 0.1 < pulled < 0.3


class TestStrandedOnTheShore:
    """A life raft 8 km off Sardinia's east coast (off Tortolì), a day ago, on the real store. The
    node has no terrain files: the packaged coastline (GSHHG) is the coast."""

    OFF_TORTOLI = {"lat": 39.6, "lon": 9.75}

    def raft(self, api: Api, incident_id: str, wind_east_ms: float) -> str:
        body = {
            "incident_id": incident_id,
            "title": f"{incident_id}: a life raft off Tortolì",
            "owning_component": "JFMCC",
            "isolating_event_at": (T0 - timedelta(hours=25)).isoformat(),
            "position": self.OFF_TORTOLI,
            "uncertainty_m": 1000,
            "channel": "beacon",
            "source_confidence": "confirmed",
            "environment": "maritime",
            "persons": [{"name": "LT R. Cole", "service": "USN", "component_id": "JFMCC"}],
        }
        api.post("jfmcc", "/api/incidents", body, status=201)
        model = {
            "movement": {"kind": "maritime", "object_class": "AVIATION-1", "wind_east_ms": wind_east_ms},
            "start": (T0 - timedelta(hours=24)).isoformat(),
            "position": self.OFF_TORTOLI,
            "radius95_m": 1000,
            "horizon_h": 30,
            "particles": 5000,
            "seed": 21,
        }
        api.put("controller", f"/api/incidents/{incident_id}/locate/model", model)
        return f"/api/incidents/{incident_id}/locate"

    def test_the_map_reports_the_probability_stranded_on_the_shore_and_where(self, api: Api):
        import roaring_landmask

        where = self.raft(api, "PR-ONSHORE", wind_east_ms=-10.0)  # the wind blows toward the coast
        out = api.get("observer", where)
        stranded = out["stranded"]
        # a day on, the whole raft cloud is ashore: all the probability the model holds
        assert stranded["probability"] == pytest.approx(1 - out["rest_of_world"], abs=1e-6)
        assert "packaged coastline" in stranded["coast"]
        assert any("stranded on the shore" in n and "shoreline" in n for n in out["notes"])
        cells = stranded["cells"]
        assert 0 < len(cells) < 500
        assert sum(c["probability"] for c in cells) == pytest.approx(stranded["probability"], abs=1e-4)
        assert [c["probability"] for c in cells] == sorted((c["probability"] for c in cells), reverse=True)
        assert 9.6 < out["mean"]["lon"] < 9.7  # on the coast by Tortolì, not out at sea
        # every cell holding stranded probability lies on the shoreline: GSHHG finds land in it or
        # in a neighbouring cell, and sea as well
        gshhg = roaring_landmask.RoaringLandmask.new()
        for c in cells:
            dlat, dlon = c["north"] - c["south"], c["east"] - c["west"]
            lats = np.linspace(c["south"] - dlat, c["north"] + dlat, 7)
            lons = np.linspace(c["west"] - dlon, c["east"] + dlon, 7)
            lat, lon = (a.ravel() for a in np.meshgrid(lats, lons))
            land = gshhg.contains_many(lon, lat)
            assert land.any(), c
            assert not land.all(), c
        tif = api.client.get(
            f"{where}/map", params={"format": "tiff", "layer": "stranded"}, headers=api.headers("observer")
        )
        assert tif.status_code == 200
        assert 'filename="PR-ONSHORE-stranded.tif"' in tif.headers["content-disposition"]
        assert float(tifffile.imread(io.BytesIO(tif.content)).sum()) == pytest.approx(
            stranded["probability"], abs=1e-4
        )

    def test_a_raft_with_an_offshore_wind_never_strands(self, api: Api):
        where = self.raft(api, "PR-OFFSHORE", wind_east_ms=10.0)
        out = api.get("observer", where)
        assert out["stranded"]["probability"] == 0.0
        assert out["stranded"]["cells"] == []
        assert not any("stranded" in n for n in out["notes"])
        assert out["mean"]["lon"] > 9.75

    def test_a_team_on_foot_can_search_the_shore_where_the_raft_stranded(self, api: Api):
        """A shoreline search: a ground team walks the beach. While the raft is out at sea it can
        search nothing useful; once the raft has stranded, the shore holds the probability."""
        where = self.raft(api, "PR-BEACH", wind_east_ms=-10.0)
        team = {"name": "SHORE TEAM", "sweep_width_m": 200, "speed_kt": 3, "hours": 8, "searches": "land"}
        at_sea = api.post(
            "controller", f"{where}/plan", {"assets": [team], "at": (T0 - timedelta(hours=23)).isoformat()}
        )
        ashore = api.post("controller", f"{where}/plan", {"assets": [team]})
        assert at_sea["probability_of_success"] < 0.01
        assert ashore["probability_of_success"] > 0.2
        boat = {**team, "name": "RHIB", "speed_kt": 10, "searches": "water"}
        assert api.post("controller", f"{where}/plan", {"assets": [boat]})["probability_of_success"] > 0.2

    def test_other_models_do_not_strand_and_the_demo_raft_stays_at_sea(self, api: Api):
        assert api.get("observer", "/api/incidents/PR-SANDY02/locate")["stranded"] is None  # an evader
        demo_raft = api.get("observer", RAFT)["stranded"]
        assert demo_raft["probability"] == 0.0
        assert "packaged coastline" in demo_raft["coast"]
