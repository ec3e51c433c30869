"""``jprcc intel`` on the demo theater: layers, the matrix, assessments, light, threat maps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
import yaml
from fastapi import Request, Response
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.cli import app
from jprcc.core.node import bootstrap
from jprcc.intel.service import DEFAULT_MATRIX
from tests.cli_helpers import demo_cli, run
from tests.server import serving


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path_factory.mktemp("cli-intel"), demo_snapshot)


def test_the_demo_layers_are_listed_with_source_and_confidence(cli):
    layers = run(cli, "controller", "intel", "layers")
    assert isinstance(layers, list)
    by_id = {layer["layer_id"]: layer for layer in layers}
    assert by_id["THR-SA8-GUSPINI"]["body"]["system"].startswith("SA-8")
    assert by_id["THR-SA8-GUSPINI"]["confidence"] == "probably_true"
    assert {layer["body"]["kind"] for layer in layers} == {
        "point_threat",
        "area_threat",
        "civil",
        "psyop",
        "weather",
    }
    table = run(cli, "controller", "intel", "layers", as_json=False)
    assert "THR-ZSU-OROSEI" in str(table)


def test_publish_a_file_of_layers_then_withdraw_one(cli, tmp_path):
    path = tmp_path / "new.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "layers": [
                    {
                        "layer_id": "THR-AAA-TEST",
                        "name": "AAA site",
                        "source": "J2",
                        "confidence": "confirmed",
                        "valid_from": "now-1h",
                        "body": {
                            "kind": "point_threat",
                            "system": "ZU-23-2",
                            "category": "anti_aircraft_artillery",
                            "position": {"mgrs": "32TNK3965135543"},
                            "min_range_m": 0,
                            "max_range_m": 2500,
                            "min_altitude_m": 0,
                            "max_altitude_m": 1500,
                            "pk": 0.3,
                        },
                    }
                ]
            }
        )
    )
    published = run(cli, "controller", "intel", "publish", str(path))
    assert isinstance(published, list)
    assert [(p["layer_id"], p["version"]) for p in published] == [("THR-AAA-TEST", 1)]
    again = run(cli, "controller", "intel", "publish", str(path))
    assert isinstance(again, list)
    assert again[0]["version"] == 2
    run(cli, "controller", "intel", "withdraw", "THR-AAA-TEST", "--reason", "displaced", as_json=False)
    layers = run(cli, "controller", "intel", "layers")
    assert isinstance(layers, list)
    assert "THR-AAA-TEST" not in {layer["layer_id"] for layer in layers}


def test_a_bad_layer_file_is_refused_naming_the_layer_and_field(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(
            [
                {
                    "layer_id": "THR-BAD",
                    "name": "bad",
                    "source": "J2",
                    "confidence": "confirmed",
                    "body": {"kind": "area_threat", "category": "volcano", "polygon": [], "severity": 1},
                }
            ]
        )
    )
    output = run(cli, "controller", "intel", "publish", str(path), code=2)
    assert "layer 1" in str(output)
    assert "category" in str(output)
    (tmp_path / "notyaml.yaml").write_text("rows: [unclosed")
    refused = run(cli, "controller", "intel", "publish", str(tmp_path / "notyaml.yaml"), code=2)
    assert "not YAML" in str(refused)


def test_assess_the_articles_incident(cli):
    out = run(cli, "controller", "intel", "assess", "PR-RAVEN21")
    assert isinstance(out, dict)
    # authenticated over the radio, medium threat at the casualty: recover now in the dark (row 9);
    # in daylight the medium threat on the way in calls for a deliberate recovery (row 8)
    assert out["situation"]["authentication"] == "authenticated"
    expected = {"night": (9, "immediate"), "day": (8, "deliberate")}[out["situation"]["light"]]
    assert (out["matrix_row"], out["recommendation"]) == expected
    assert out["routes"][0]["destination"] == "LZ FALCON"
    assert len(out["reasons"]) == 7
    text = str(run(cli, "controller", "intel", "assess", "PR-RAVEN21", as_json=False))
    assert f"{expected[1].upper()} recovery" in text
    assert "routes, best first" in text


def test_points_routes_areas_and_light(cli):
    point = run(cli, "controller", "intel", "point", "40.07, 9.38")
    assert isinstance(point, list)
    assert point[0]["rotary_wing_low"] > 0.3  # on the MANPADS team
    assert point[0]["fixed_wing_medium"] == 0.0
    route = run(cli, "controller", "intel", "route", "40.05, 9.35", "40.2, 9.6")
    assert isinstance(route, list)
    assert set(route[0]["dismounted"]) == {"mean", "worst"}
    run(cli, "controller", "intel", "route", "40.05, 9.35", code=2, as_json=False)
    area = run(cli, "controller", "intel", "area", "40.0, 9.3", "40.1, 9.3", "40.1, 9.4")
    assert isinstance(area, list)
    light = run(cli, "controller", "intel", "light", "40.05, 9.35", "--at", "2026-06-21T12:00:00Z")
    assert isinstance(light, dict)
    assert light["dark"] is False
    assert light["sun_elevation"] > 60
    run(cli, "controller", "intel", "light", "north pole", code=2, as_json=False)


def test_threat_maps_as_png_and_geotiff(cli, tmp_path):
    region = ["--south", "39.8", "--west", "9.2", "--north", "40.4", "--east", "9.8", "--cells", "120"]
    png = tmp_path / "threat.png"
    run(cli, "controller", "intel", "threat-map", *region, "--out", str(png), as_json=False)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tif = tmp_path / "threat.tif"
    run(cli, "controller", "intel", "threat-map", *region, "--out", str(tif), as_json=False)
    field = tifffile.imread(tif)
    assert field.shape == (120, 120)
    assert 0 < float(np.max(field)) <= 1
    jpeg = str(tmp_path / "x.jpg")
    run(cli, "controller", "intel", "threat-map", *region, "--out", jpeg, code=2, as_json=False)
    inverted = ["--south", "40.4", "--west", "9.2", "--north", "39.8", "--east", "9.8", "--out", str(png)]
    output = run(cli, "controller", "intel", "threat-map", *inverted, code=4, as_json=False)
    assert "south < north" in str(output)


def test_the_matrix_is_shown_and_only_the_director_publishes(cli, tmp_path):
    shown = run(cli, "observer", "intel", "matrix", "show")
    assert isinstance(shown, dict)
    assert len(shown["rows"]) == 12
    show_text = ["--as", "observer", "intel", "matrix", "show", "--text"]
    result = cli.invoke(app, show_text, env={"JPRCC_PASSWORD": "demo-observer"})
    text = result.stdout
    assert text == Path(DEFAULT_MATRIX).read_text(encoding="utf-8")  # exactly, to edit and publish
    edited = tmp_path / "m.yaml"
    edited.write_text(text.replace("location_certain_within_m: 1000", "location_certain_within_m: 500"))
    refused = run(cli, "controller", "intel", "matrix", "publish", str(edited), code=4, as_json=False)
    assert "not_authorized" in str(refused) or "may not" in str(refused)
    published = run(cli, "director", "intel", "matrix", "publish", str(edited))
    assert isinstance(published, dict)
    assert (published["version"], published["location_certain_within_m"]) == (1, 500)


def test_against_a_server_the_commands_print_what_they_print_in_process(cli, tmp_path, monkeypatch):
    """``jprcc --server URL intel ...`` calls the same actions over HTTP: the same table, JSON,
    file and refusal as on the store itself."""
    monkeypatch.chdir(tmp_path)
    served = bootstrap()  # a second node on the CLI's store, behind a real server
    api = create_app(served, sweep_alerts=False)
    asked: list[str] = []

    @api.middleware("http")
    async def note(request: Request, call_next: Any) -> Response:
        asked.append(f"{request.method} {request.url.path}")
        answer: Response = await call_next(request)
        return answer

    try:
        with serving(api) as url:
            at = "2026-11-25T02:00:00Z"
            for args in (("intel", "layers", "--all"), ("intel", "point", "40.07, 9.38", "--at", at)):
                for as_json in (True, False):
                    here = run(cli, "controller", *args, as_json=as_json)
                    assert run(cli, "controller", *args, as_json=as_json, server=url) == here
            region = ["--south", "39.8", "--west", "9.2", "--north", "40.4", "--east", "9.8"]
            region += ["--cells", "120", "--at", at]
            outputs = {}
            for name, where in (("here", None), ("away", url)):
                # a short name: a long path would wrap differently in each line printed
                args = ("intel", "threat-map", *region, "--out", f"{name}.png")
                outputs[name] = run(cli, "controller", *args, as_json=False, server=where)
            assert outputs["away"] == str(outputs["here"]).replace("here.png", "away.png")
            assert "120 x 120 cells" in str(outputs["here"])
            assert (tmp_path / "away.png").read_bytes() == (tmp_path / "here.png").read_bytes()
            Path("m.yaml").write_text(Path(DEFAULT_MATRIX).read_text(encoding="utf-8"))
            refused = ("intel", "matrix", "publish", "m.yaml")
            here = run(cli, "controller", *refused, code=4, as_json=False)
            assert "may not publish decision matrix" in str(here)
            assert run(cli, "controller", *refused, code=4, as_json=False, server=url) == here
        assert {
            "GET /api/intel/layers",
            "POST /api/intel/assess/point",
            "GET /api/intel/threat-map",
            "PUT /api/intel/matrix",
        } <= set(asked)  # the answers above came over HTTP
    finally:
        served.close()
