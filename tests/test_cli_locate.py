"""``jprcc locate`` on the demo theater: the map's numbers, information, plans and exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import tifffile
from typer.testing import CliRunner

from tests.cli_helpers import demo_cli, run


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path_factory.mktemp("cli-locate"))


def test_show_gives_the_rafts_numbers_and_its_information(cli):
    shown = run(cli, "observer", "locate", "show", "PR-KNIGHT44")
    assert shown["model"]["movement"]["object_class"] == "AVIATION-1"
    assert {i["kind"] for i in shown["information"]} == {"fix", "searched"}
    text = run(cli, "observer", "locate", "show", "PR-KNIGHT44", as_json=False)
    for words in ("most likely near", "rest of the world", "cumulative probability of success", "HELO 2-1"):
        assert words in text


def test_a_model_then_a_fix_a_bearing_a_report_and_a_search_each_recorded(cli):
    defined = run(cli, "jflcc", "locate", "model", "PR-DRAGOON", "--kind", "evader",
                  "--destination", "RP HARBOR@40.28,8.52", "--horizon", "12", "--seed", "5")  # fmt: skip
    assert defined["model"]["movement"]["destinations"][0]["name"] == "RP HARBOR"
    assert run(cli, "jflcc", "locate", "fix", "PR-DRAGOON", "40.30,8.80", "--major", "800")["info_id"] == "I1"
    bearing = run(cli, "jflcc", "locate", "bearing", "PR-DRAGOON", "40.2,8.8", "0", "--sigma", "4")
    assert bearing["kind"] == "bearing"
    run(cli, "jflcc", "locate", "report", "PR-DRAGOON", "40.30,8.80", "--radius", "500", "--source", "voice")
    corners = [x for c in ("40.31,8.79", "40.31,8.81", "40.29,8.81", "40.29,8.79") for x in ("--corner", c)]
    pattern = ["--sweep-width", "300", "--spacing", "300", "--began", "now", "--ended", "now"]
    searched = run(cli, "jflcc", "locate", "searched", "PR-DRAGOON", *corners, *pattern)
    assert searched["info_id"] == "I4"
    after = run(cli, "controller", "locate", "show", "PR-DRAGOON")
    assert [i["applied"] for i in after["information"]] == [True] * 4
    assert after["cumulative_probability_of_success"] > 0


def test_a_plan_is_proposed_and_adopted(cli):
    proposed = run(cli, "jfmcc", "locate", "plan", "PR-KNIGHT44", "--asset", "REAPER 55:2500:90:0.5")
    assert proposed["plan_id"] == ""
    assets = ["--asset", "REAPER 55:2500:90:0.5", "--asset", "NSW-RIB-11:600:12:1:water"]
    adopted = run(
        cli, "jfmcc", "locate", "plan", "PR-KNIGHT44", *assets, "--adopt", "--remarks", "at first light"
    )
    assert adopted["plan_id"] == "P1"
    table = run(
        cli, "jfmcc", "locate", "plan", "PR-KNIGHT44", "--asset", "REAPER 55:2500:90:0.5", as_json=False
    )
    assert "track spacing" in table
    assert "probability of success" in table


def test_the_map_is_written_as_png_or_geotiff(cli, tmp_path: Path):
    png, tif = tmp_path / "raft.png", tmp_path / "raft.tif"
    run(cli, "observer", "locate", "map", "PR-KNIGHT44", "--out", str(png), "--cells", "80", as_json=False)
    run(cli, "observer", "locate", "map", "PR-KNIGHT44", "--out", str(tif), "--cells", "80", as_json=False)
    assert png.read_bytes().startswith(b"\x89PNG")
    assert tifffile.imread(tif).shape == (80, 80)
    refused = run(cli, "observer", "locate", "map", "PR-KNIGHT44", "--out", str(tmp_path / "x.jpg"), code=2)
    assert "--out must end in" in str(refused)


def test_bad_input_names_the_field(cli):
    assert "object_class" in str(run(cli, "controller", "locate", "model", "PR-CARGO7", "--kind", "maritime",
                                     "--object", "BATHTUB", code=2))  # fmt: skip
    assert "asset" in str(
        run(cli, "controller", "locate", "plan", "PR-KNIGHT44", "--asset", "just-a-name", code=2)
    )
    refused = run(cli, "controller", "locate", "show", "PR-LANTERN", code=4)
    assert "[model]" in str(refused)
    leeway = run(cli, "observer", "locate", "objects", as_json=False)
    assert "PIW-1" in str(leeway)
    assert "AVIATION-1" in str(leeway)
