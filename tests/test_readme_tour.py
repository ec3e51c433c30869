"""The README's tour, as written: every `jprcc` line of its shell blocks, run on a fresh demo — in
process on the store, and with `--server` against a running server — with the tour's own exports
and per-line environment. Step 4 finishes RAVEN 21, so, as the README says, it runs on a demo of its
own (the intelligence, options and records steps ask about RAVEN 21 before it is closed).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.cli import app
from jprcc.cli.common import close_client, state
from jprcc.core.node import Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.demo import load_demo
from tests.server import serving

README = Path(__file__).resolve().parent.parent / "README.md"
ASSIGNMENT = re.compile(r"^[A-Z_]+=")


@dataclass
class Line:
    step: int
    env: dict[str, str]
    args: list[str]
    text: str


@dataclass
class Tour:
    steps: dict[int, list[Line]] = field(default_factory=dict)


def _now_plus(text: str) -> str:
    """The one shell substitution the tour uses: `$(date -u -d '+12 hours' +%Y-%m-%dT%H:%MZ)`."""
    hours = int(re.search(r"\+(\d+) hours", text).group(1))  # type: ignore[union-attr]
    return (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%MZ")


def read_tour() -> Tour:
    text = README.read_text(encoding="utf-8")
    tour_text = text[text.index("## A tour") : text.index("## Configuration")]
    tour, step, exported = Tour(), 0, {}
    for block_step, block in _blocks(tour_text):
        step = block_step
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            line = re.sub(r"\$\(date [^)]*\)", lambda m: _now_plus(m.group(0)), line)
            words = shlex.split(line, comments=True)
            if not words:
                continue
            if words[0] == "export":
                exported.update(dict(w.split("=", 1) for w in words[1:]))
                continue
            env = dict(exported)
            while words and ASSIGNMENT.match(words[0]):
                key, value = words.pop(0).split("=", 1)
                env[key] = value
            assert words[0] == "jprcc", f"the tour's shell blocks hold jprcc commands only: {raw!r}"
            tour.steps.setdefault(step, []).append(Line(step, env, words[1:], line))
    return tour


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    step = 0
    for piece in re.split(r"(```sh\n.*?```)", text, flags=re.S):
        if piece.startswith("```sh"):
            yield step, piece[len("```sh\n") : -3]
        else:
            numbers = re.findall(r"^(\d+)\. ", piece, flags=re.M)
            if numbers:
                step = int(numbers[-1])


TOUR = read_tour()


def demo_node(folder: Path) -> Node:
    settings = Settings(
        database_url=f"sqlite:///{folder / 'jprcc.sqlite3'}",
        data_dir=folder,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        sweep_interval_s=3600,
    )
    node = bootstrap(settings, migrate=True)
    load_demo(node)
    return node


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh demo store under JPRCC_DATA_DIR, run from a folder of its own (the tour writes maps)."""
    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JPRCC_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("JPRCC_ARGON2_MEMORY_KIB", "64")
    monkeypatch.delenv("JPRCC_DATABASE_URL", raising=False)
    for name in ("JPRCC_USER", "JPRCC_PASSWORD", "JPRCC_SERVER", "JPRCC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    state.node = None
    return tmp_path


def walk(steps: list[int], server: str | None) -> list[tuple[Line, str]]:
    """Run the tour's lines of ``steps`` in order; every one must succeed. Returns their output."""
    runner, out = CliRunner(), []
    for number in steps:
        for line in TOUR.steps[number]:
            args = ["--server", server, *line.args] if server else line.args
            result = runner.invoke(app, args, env=line.env)
            close_client()
            assert result.exit_code == 0, f"step {number}: {line.text}\n{result.output}"
            out.append((line, result.output))
    return out


def test_the_tour_has_the_steps_it_promises():
    assert set(TOUR.steps) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert sum(len(v) for v in TOUR.steps.values()) >= 25


class TestInProcess:
    def test_steps_3_and_5_to_8_on_the_demo(self, workdir: Path):
        node = demo_node(workdir)
        node.close()
        try:
            outputs = {line.text: text for line, text in walk([3, 5, 6, 7, 8, 9, 10], None)}
        finally:
            if state.node is not None:
                state.node.close()
            state.node = None
        assert (workdir / "threat.png").stat().st_size > 1000
        assert (workdir / "raft.png").stat().st_size > 1000
        verify = next(t for k, t in outputs.items() if "records verify" in k)
        assert "MATCH" in verify
        recorded = next(t for k, t in outputs.items() if "incidents timeline PR-KNIGHT44" in k)
        assert "Recorded on behalf of JFMCC" in " ".join(recorded.split())
        assert "quarry lane" not in "".join(outputs.values())
        devices = next(t for k, t in outputs.items() if "tak bind" in k)
        assert "bound to asset JOLLY 11" in " ".join(devices.split())

    def test_step_4_finishes_the_recovery_and_the_chain_holds(self, workdir: Path):
        demo_node(workdir).close()
        try:
            outputs = walk([4], None)
            wrong = CliRunner().invoke(
                app,
                ["--as", "jfacc", "incidents", "begin", "PR-RAVEN21"],
                env={"JPRCC_PASSWORD": "demo-jfacc"},
            )
        finally:
            if state.node is not None:
                state.node.close()
            state.node = None
        assert "chain intact" in outputs[-1][1]
        assert wrong.exit_code == 4
        assert "may not begin recovery" in wrong.output


class TestAgainstAServer:
    """`jprcc --server` runs the README's tour against a running server, and prints the same."""

    def test_steps_3_and_5_to_8_against_a_running_server(self, workdir: Path):
        node = demo_node(workdir / "server")
        with serving(create_app(node, sweep_alerts=False)) as url:
            outputs = walk([3, 5, 6, 7, 8, 9, 10], url)
        node.close()
        assert state.node is None, "no command opened the local store"
        assert (workdir / "threat.png").stat().st_size > 1000
        assert (workdir / "raft.png").stat().st_size > 1000
        board = next(t for line, t in outputs if line.args[:2] == ["incidents", "list"])
        assert "9 incidents" in board

    def test_step_4_against_a_running_server(self, workdir: Path):
        node = demo_node(workdir / "server")
        with serving(create_app(node, sweep_alerts=False)) as url:
            outputs = walk([4], url)
            as_json = CliRunner().invoke(
                app,
                [
                    "--server",
                    url,
                    "--as",
                    "controller",
                    "--json",
                    "relationships",
                    "--incident",
                    "PR-RAVEN21",
                ],
                env={"JPRCC_PASSWORD": "demo-controller"},
            )
            close_client()
        node.close()
        assert "chain intact" in outputs[-1][1]
        assert as_json.exit_code == 0, as_json.output
        assert all(r["end"] for r in json.loads(as_json.stdout))


def test_step_11_runs_the_night_exercise_headless_and_reads_its_figures(workdir: Path):
    outputs = {line.text: text for line, text in walk([11], None)}
    assert any("NIGHT OWL" in text and "LONG WAIT" in text for text in outputs.values())
    ran = next(text for line, text in outputs.items() if "--headless" in line)
    assert "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE" in ran
    assert "intact" in ran
    assert not (workdir / "jprcc.sqlite3").exists()  # nothing written to the real store
    figures = (workdir / "night-owl.csv").read_text(encoding="utf-8").splitlines()
    assert figures[0] == "# EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE"
    assert figures[2].startswith("PR-NIGHTOWL,")
    assert "<svg" in (workdir / "night-owl.html").read_text(encoding="utf-8")


@pytest.mark.long  # twenty simulated theaters twice: half a minute; the thesis's own tests run in the suite
def test_step_12_measures_the_thesis_and_with_no_friction_the_two_are_the_same(workdir: Path):
    outputs = [text for _, text in walk([12], None)]
    assert "median hours to pickup" in outputs[0]
    stated = json.loads((workdir / "thesis" / "summary.json").read_text())
    equal = json.loads((workdir / "no-friction" / "summary.json").read_text())
    assert (workdir / "thesis" / "thesis-distributions.png").exists()
    c, j = stated["arrangements"]["component"], stated["arrangements"]["jprcc"]
    assert c["median_h"] > j["median_h"]
    assert equal["arrangements"]["component"] == equal["arrangements"]["jprcc"]
    assert not (workdir / "jprcc.sqlite3").exists()  # a simulation, no store


def test_step_13_previews_prints_and_releases_a_message(workdir: Path):
    node = demo_node(workdir)
    node.close()
    outputs = [text for _, text in walk([13], None)]
    assert "UNCLASSIFIED" in outputs[0]
    assert "PR-KNIGHT44" in outputs[0]
    assert "9. SEARCH: MAP AT" in outputs[0]
    assert (workdir / "raven21-directive.pdf").read_bytes().startswith(b"%PDF")
    assert "released MSG-" in outputs[2]
    assert "MSG-" in outputs[3]
    assert "scheduled SCH-" in outputs[4]
    assert "every 24 h" in outputs[4]
    assert "<kml" in (workdir / "threats.kml").read_text(encoding="utf-8")
    routes = json.loads((workdir / "raven21-routes.geojson").read_text(encoding="utf-8"))
    assert {f["geometry"]["type"] for f in routes["features"]} == {"LineString"}
