"""Intelligence preparation through the API: layers, the matrix, assessments, light, threat maps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import tifffile
import yaml
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from jprcc.demo import load_demo
from jprcc.intel.service import DEFAULT_MATRIX
from tests.api_helpers import Api
from tests.conftest import T0, Cast, make_node

ONE_ROW = "rows: [{recommend: immediate, approval: component, why: x}]"
SA8 = {
    "kind": "point_threat",
    "system": "SA-8",
    "category": "surface_to_air_missile",
    "position": {"lat": 40.5, "lon": 9.5},
    "min_range_m": 1500,
    "max_range_m": 10300,
    "min_altitude_m": 25,
    "max_altitude_m": 5000,
    "pk": 0.6,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    folder = tmp_path_factory.mktemp("intel")
    node = make_node(f"sqlite:///{folder / 'intel.sqlite3'}", folder, ManualClock(T0))
    load_demo(node)
    yield node
    node.close()


@pytest.fixture
def api(demo: Node) -> Iterator[Api]:
    passwords = {
        u: f"demo-{u}"
        for u in (
            "jfc",
            "director",
            "controller",
            "observer",
            "jfacc",
            "jflcc",
            "jfmcc",
            "jfsocc",
            "lno-jfmcc",
        )
    }
    with TestClient(create_app(demo, sweep_alerts=False)) as client:
        yield Api(client, Cast({}, passwords))


class TestLayers:
    def test_publishing_under_an_id_makes_versions_and_withdrawal_ends_the_layer(self, api):
        first = api.post(
            "controller",
            "/api/intel/layers",
            {
                "layer_id": "T-1",
                "name": "SA-8 north",
                "source": "J2",
                "confidence": "probably_true",
                "body": SA8,
            },
            status=201,
        )
        second = api.post(
            "controller",
            "/api/intel/layers",
            {
                "layer_id": "T-1",
                "name": "SA-8 north, moved",
                "source": "J2",
                "confidence": "confirmed",
                "body": {**SA8, "position": {"lat": 40.6, "lon": 9.5}},
            },
            status=201,
        )
        assert (first["version"], second["version"]) == (1, 2)
        assert "T-1" in {layer["layer_id"] for layer in api.get("observer", "/api/intel/layers")}
        withdrawn = api.client.post(
            "/api/intel/layers/T-1/withdrawal",
            json={"reason": "destroyed"},
            headers=api.headers("controller"),
        )
        assert withdrawn.status_code == 204
        assert "T-1" not in {layer["layer_id"] for layer in api.get("observer", "/api/intel/layers")}
        history = api.get("observer", "/api/intel/layers", include_withdrawn="true")
        assert [(x["version"], x["withdrawn"]) for x in history if x["layer_id"] == "T-1"] == [(2, True)]

    def test_the_map_asks_for_the_layers_in_force_now(self, api):
        later = {
            "layer_id": "T-LATER",
            "name": "Expected SA-8 move",
            "source": "J2",
            "confidence": "possibly_true",
            "valid_from": "2099-01-01T00:00:00Z",
            "body": SA8,
        }
        api.post("controller", "/api/intel/layers", later, status=201)
        everything = {x["layer_id"] for x in api.get("observer", "/api/intel/layers")}
        now = {x["layer_id"] for x in api.get("observer", "/api/intel/layers", in_force="true")}
        assert "T-LATER" in everything
        assert "T-LATER" not in now
        assert "THR-SA8-GUSPINI" in now

    @pytest.mark.parametrize(
        ("change", "field", "words"),
        [
            ({"max_range_m": 500}, "body.max_range_m", "min_range_m < max_range_m"),
            ({"pk": 1.5}, "body.pk", "probability"),
            ({"position": {"lat": 95, "lon": 9}}, "body.point_threat.position", "latitude 95.0"),
            ({"kind": "dragon"}, "body", "'dragon'"),
        ],
    )
    def test_a_bad_layer_is_refused_naming_the_field(self, api, change, field, words):
        answer = api.post(
            "controller",
            "/api/intel/layers",
            {
                "layer_id": "BAD",
                "name": "x",
                "source": "J2",
                "confidence": "confirmed",
                "body": {**SA8, **change},
            },
            status=422,
        )
        assert answer["field"] == field
        assert words in answer["message"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"visibility_m": -5}, "body.visibility_m"),
            ({"wind_from_deg": 720}, "body.wind_from_deg"),
            ({"ceiling_ft": None, "visibility_m": None, "wind_kt": None}, "body.ceiling_ft"),
        ],
    )
    def test_impossible_weather_is_refused_naming_the_field(self, api, change, field):
        weather = {
            "kind": "weather",
            "polygon": [{"lat": 40, "lon": 9}, {"lat": 40.1, "lon": 9}, {"lat": 40.1, "lon": 9.1}],
            "ceiling_ft": 1500,
            "visibility_m": 4000,
            "wind_kt": 18,
        }
        layer = {"layer_id": "WX", "name": "wx", "source": "JFACC", "confidence": "confirmed"}
        answer = api.post(
            "controller", "/api/intel/layers", {**layer, "body": {**weather, **change}}, status=422
        )
        assert answer["field"] == field

    def test_only_the_jprcc_publishes_layers(self, api):
        api.post(
            "jfacc",
            "/api/intel/layers",
            {"layer_id": "X", "name": "x", "source": "x", "confidence": "confirmed", "body": SA8},
            status=403,
        )


class TestMatrix:
    def test_the_default_matrix_is_in_force_and_every_row_explains_itself(self, api):
        matrix = api.get("observer", "/api/intel/matrix")
        assert matrix["version"] == 0
        assert all(row["why"] for row in matrix["rows"])

    def test_a_matrix_with_a_dead_row_is_refused_and_a_good_one_becomes_the_next_version(self, api):
        data = yaml.safe_load(Path(DEFAULT_MATRIX).read_text())
        dead = {
            **data,
            "rows": [
                *data["rows"],
                {
                    "when": {"light": "day"},
                    "recommend": "immediate",
                    "approval": "jfc",
                    "why": "never reached",
                },
            ],
        }
        refused = api.client.put(
            "/api/intel/matrix", json={"text": yaml.safe_dump(dead)}, headers=api.headers("director")
        )
        assert refused.status_code == 422
        assert refused.json()["field"] == "rows[12]"
        assert (
            api.client.put(
                "/api/intel/matrix", json={"text": "rows: [unclosed"}, headers=api.headers("director")
            ).json()["field"]
            == "text"
        )
        assert (
            api.client.put(
                "/api/intel/matrix", json={"text": yaml.safe_dump(data)}, headers=api.headers("controller")
            ).status_code
            == 403
        )
        accepted = api.client.put(
            "/api/intel/matrix", json={"text": yaml.safe_dump(data)}, headers=api.headers("director")
        )
        assert accepted.json()["version"] == 1

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            (
                "threat_levels: [1]\n" + ONE_ROW,
                "threat_levels",
            ),
            (
                "threat_levels: {medium: abc}\n" + ONE_ROW,
                "threat_levels.medium",
            ),
            (
                "location_certain_within_m: .nan\n" + ONE_ROW,
                "location_certain_within_m",
            ),
            ("rows: [{when: [1], recommend: immediate, approval: component, why: x}]", "rows[0].when"),
            (
                "rows: [{when: {light: 1}, recommend: immediate, approval: component, why: x}]",
                "rows[0].when.light",
            ),
        ],
    )
    def test_a_malformed_matrix_is_a_clear_refusal_and_the_one_in_force_stays(self, api, text, field):
        before = api.get("observer", "/api/intel/matrix")["version"]
        answer = api.client.put("/api/intel/matrix", json={"text": text}, headers=api.headers("director"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert api.get("observer", "/api/intel/matrix")["version"] == before


class TestAssessment:
    def test_the_articles_incident_gets_a_route_and_a_recommendation_with_reasons(self, api):
        a = api.get("controller", "/api/incidents/PR-RAVEN21/assessment")
        # the casualty answered his ISOPREP question over the radio and the vault verified it: an
        # authenticated contact at night in medium threat is recovered now, not held back as bait
        assert a["situation"]["authentication"] == "authenticated"
        assert a["recommendation"] == "immediate"
        assert a["situation"]["threat_at_person"] == "medium"
        assert len(a["reasons"]) == 7
        best = a["routes"][0]
        assert best["destination"] == "LZ FALCON"
        assert len(best["path"]) > 2
        assert a["light"]["dark"] is True
        assert "THR-MANPADS-FONNI v1" in a["layers"]

    def test_with_nowhere_to_go_the_reasons_say_so(self, api):
        far = {
            "incident_id": "PR-FARSEA",
            "title": "Ditched crew far out at sea",
            "owning_component": "JFACC",
            "isolating_event_at": "2026-11-25T01:00:00Z",
            "position": {"lat": 37.0, "lon": 4.0},  # some 400 km from any recovery point or base
            "uncertainty_m": 500,
            "channel": "beacon",
            "source_confidence": "confirmed",
            "environment": "maritime",
            "persons": [{"name": "Pilot", "component_id": "JFACC"}],
        }
        api.post("jfacc", "/api/incidents", far, status=201)
        a = api.get("jfacc", "/api/incidents/PR-FARSEA/assessment")
        assert a["routes"] == []
        assert a["unreachable"] == []
        assert any("within 80 km" in r for r in a["reasons"])
        assert a["situation"]["threat_on_route"] == a["situation"]["threat_at_person"]

    def test_a_component_not_involved_cannot_assess_the_incident(self, api):
        api.get("jflcc", "/api/incidents/PR-KNIGHT44/assessment", status=404)  # as though none

    def test_points_routes_and_areas_are_assessed_for_every_mode(self, api):
        at_sa8 = api.post("controller", "/api/intel/assess/point", {"position": {"lat": 39.93, "lon": 9.56}})
        assert at_sa8["fixed_wing_medium"] > 0.2
        assert at_sa8["ground_vehicle"] == 0.0
        route = api.post(
            "controller",
            "/api/intel/assess/route",
            {"points": [{"lat": 39.85, "lon": 9.40}, {"lat": 39.85, "lon": 9.75}]},
        )
        assert route["rotary_wing_low"]["worst"] > 0.2
        area = api.post(
            "controller",
            "/api/intel/assess/area",
            {
                "polygon": [
                    {"lat": 39.95, "lon": 9.20},
                    {"lat": 39.98, "lon": 9.20},
                    {"lat": 39.98, "lon": 9.27},
                ]
            },
        )
        assert area["ground_vehicle"]["worst"] > 0.5

    def test_a_point_is_assessed_exactly_where_it_is(self, api):
        # 10.2 km from the SA-8 (max range 10.3 km): a sliver of its envelope, not a cell away
        from pyproj import Geod

        sa8 = (39.88, 9.56)
        _, north, _ = Geod(ellps="WGS84").fwd(sa8[1], sa8[0], 0.0, 10_200)  # due north on the ellipsoid
        edge = api.post("controller", "/api/intel/assess/point", {"position": {"lat": north, "lon": sa8[1]}})
        expected = 0.8 * 0.6 * (10_300 - 10_200) / (10_300 - 1_500)  # probably true: weight 0.8
        assert edge["fixed_wing_medium"] == pytest.approx(expected, rel=0.02)

    @pytest.mark.parametrize(
        ("path", "body", "field", "words"),
        [
            (
                "route",
                {"points": [{"lat": 10, "lon": 179.9}, {"lat": 10, "lon": -179.9}]},
                "points",
                "180° meridian",
            ),
            (
                "area",
                {"polygon": [{"lat": 10, "lon": 179.9}, {"lat": 11, "lon": -179.9}, {"lat": 11, "lon": 179}]},
                "polygon",
                "180° meridian",
            ),
            (
                "area",
                {"polygon": [{"lat": 40, "lon": 9}, {"lat": 40.1, "lon": 9.1}, {"lat": 40.2, "lon": 9.2}]},
                "polygon",
                "one line",
            ),
        ],
    )
    def test_routes_and_areas_that_cannot_be_assessed_are_refused_by_name(
        self, api, path, body, field, words
    ):
        answer = api.post("controller", f"/api/intel/assess/{path}", body, status=422)
        assert answer["field"] == field
        assert words in answer["message"]

    def test_a_long_route_is_assessed_on_a_coarser_grid(self, api):
        across = api.post(
            "controller",
            "/api/intel/assess/route",
            {"points": [{"lat": 35.0, "lon": 5.0}, {"lat": 45.0, "lon": 15.0}]},
        )
        assert set(across) == {"rotary_wing_low", "fixed_wing_medium", "ground_vehicle", "dismounted"}

    @pytest.mark.parametrize("lon", [150.0, -150.0, 0.0])
    def test_sunrise_and_sunset_are_those_of_the_local_day(self, api, lon):
        # 09:00 local solar time: the sun rose this morning and sets this evening, wherever we are
        at = datetime(2026, 11, 26, 9, tzinfo=UTC) - timedelta(hours=lon / 15)
        day = api.get("observer", "/api/intel/light", lat=-33.9, lon=lon, at=at.isoformat())
        assert day["dark"] is False
        assert datetime.fromisoformat(day["sunrise"]) < at < datetime.fromisoformat(day["sunset"])

    def test_light_at_a_place(self, api):
        night = api.get("observer", "/api/intel/light", lat=40.0, lon=9.3, at="2026-11-25T01:00:00Z")
        assert night["dark"] is True
        assert night["sun_elevation"] < -6


class TestThreatMaps:
    REGION = {"south": 39.7, "west": 9.0, "north": 40.4, "east": 9.9, "cells": 300}

    def test_a_png_to_look_at(self, api):
        answer = api.client.get("/api/intel/threat-map", params=self.REGION, headers=api.headers("observer"))
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        assert answer.content.startswith(b"\x89PNG\r\n\x1a\n")

    def test_a_geotiff_for_gis_tools_with_its_georeference(self, api):
        answer = api.client.get(
            "/api/intel/threat-map", params={**self.REGION, "format": "tiff"}, headers=api.headers("observer")
        )
        with tifffile.TiffFile(io.BytesIO(answer.content)) as tiff:  # an independent reader
            data = tiff.pages[0].asarray()
            geo = tiff.geotiff_metadata
        assert geo is not None
        assert int(geo["GeographicTypeGeoKey"]) == 4326  # WGS 84 latitude and longitude
        assert int(geo["GTModelTypeGeoKey"]) == 2  # geographic
        assert int(geo["GTRasterTypeGeoKey"]) == 1  # pixel is area
        assert tuple(geo["ModelTiepoint"][3:5]) == (9.0, 40.4)  # x = west edge, y = north edge
        scale_x, scale_y = geo["ModelPixelScale"][:2]
        assert (scale_x * data.shape[1], scale_y * data.shape[0]) == pytest.approx((0.9, 0.7))
        assert data.dtype == np.float32
        assert data.shape == (233, 300)  # 300 cells along the longer side (in degrees)
        assert 0 < data.max() <= 1

    def test_a_region_turned_inside_out_is_refused(self, api):
        answer = api.client.get(
            "/api/intel/threat-map", params={**self.REGION, "north": 39.0}, headers=api.headers("observer")
        )
        assert answer.status_code == 422

    def test_a_region_too_thin_to_hold_a_cell_is_refused_by_name(self, api):
        # a sliver a few hundred zeros wide (found by the API fuzzer): refused, not divided by
        answer = api.client.get(
            "/api/intel/threat-map",
            params={"south": 0.0, "west": 0.0, "north": 2.2250738585e-313, "east": 0.818},
            headers=api.headers("observer"),
        )
        assert answer.status_code == 422
        assert "north" in answer.text
        assert "at least" in answer.text
