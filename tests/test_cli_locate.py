"""``jprcc locate`` on the demo theater: the map's numbers, information, plans and exports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tifffile
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.cli.common import state
from jprcc.core.clock import ManualClock
from jprcc.core.node import bootstrap
from tests.cli_helpers import demo_cli, run
from tests.conftest import T0, demo_copy, fast_settings
from tests.server import serving


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path_factory.mktemp("cli-locate"), demo_snapshot)


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


def test_show_and_map_say_how_much_has_stranded_on_the_shore(cli, tmp_path: Path):
    # the demo raft, 40 km off Sardinia with the mistral blowing it south-south-east, stays at sea
    shown = run(cli, "observer", "locate", "show", "PR-KNIGHT44")
    assert shown["stranded"]["probability"] == 0.0
    assert "packaged coastline" in shown["stranded"]["coast"]
    text = run(cli, "observer", "locate", "show", "PR-KNIGHT44", as_json=False)
    assert "stranded on the shore 0.0%" in text
    shore = tmp_path / "shore.tif"
    args = ("locate", "map", "PR-KNIGHT44", "--out", str(shore), "--cells", "60", "--stranded")
    said = run(cli, "observer", *args, as_json=False)
    assert "0.0% stranded on the shore" in said
    assert tifffile.imread(shore).shape == (60, 60)
    assert float(tifffile.imread(shore).sum()) == 0.0


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


@pytest.fixture
def served(tmp_path: Path, demo_snapshot_at_t0: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo on one node with a stopped clock: the CLI's own (in-process), and served over HTTP."""
    url = demo_copy(demo_snapshot_at_t0, tmp_path, "served.sqlite3")
    node = bootstrap(fast_settings(url, tmp_path), clock=ManualClock(T0))
    monkeypatch.setattr(state, "node", node)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def on_server(cli: CliRunner, server: str, user: str, *args: str, as_json: bool = True) -> Any:
    """What a command prints against ``server`` (``--server``)."""
    printed = run(cli, user, "--server", server, *args, as_json=as_json)
    assert state.client is None  # the run's remote client was closed with the run
    return printed


def both(cli: CliRunner, server: str, user: str, *args: str, as_json: bool = True) -> tuple[Any, Any]:
    """What a command prints in-process, and what it prints against ``server``."""
    return run(cli, user, *args, as_json=as_json), on_server(cli, server, user, *args, as_json=as_json)


def test_against_a_server_the_commands_print_what_they_print_in_process(served: str, tmp_path: Path):
    cli = CliRunner()
    # a plan adopted through the server, so that the plans (free-form in the answer) are shown too
    plan = ("locate", "plan", "PR-KNIGHT44", "--asset", "REAPER 55:2500:90:0.5", "--adopt")
    assert on_server(cli, served, "jfmcc", *plan)["plan_id"] == "P1"
    show = ("locate", "show", "PR-KNIGHT44", "--cells", "80")
    here, there = both(cli, served, "observer", *show)
    assert there == here
    assert here["plans"][0]["plan_id"] == "P1"
    here, there = both(cli, served, "observer", *show, as_json=False)
    assert there == here
    assert "most likely near" in here
    assert "plan P1 for" in here

    options = ("options", "show", "PR-RAVEN21")
    here, there = both(cli, served, "controller", *options, as_json=False)
    assert there == here
    assert "LZ FALCON" in here
    here, there = both(cli, served, "controller", *options)
    timing = {"seconds", "route_fields_reused"}
    assert {k: v for k, v in there.items() if k not in timing} == {
        k: v for k, v in here.items() if k not in timing
    }

    picture = ("locate", "map", "PR-KNIGHT44", "--cells", "40", "--out", str(tmp_path / "raft.png"))
    here, there = both(cli, served, "observer", *picture, as_json=False)
    assert there == here
    assert "40 x 40 cells, most likely cell" in here
