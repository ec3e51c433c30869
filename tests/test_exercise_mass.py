"""The mass-isolation day: 200 isolating events in 24 hours across every component, 10 % captured,
30 % at sea, run headless to the end with nothing refused, nothing lost and the chain intact."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from jprcc.core.board import BoardFilter
from jprcc.core.maintenance import verify_chain
from jprcc.core.model import Actor, Role
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.mass import BROKERED, WINDOW_MIN, mass_isolation, write
from jprcc.exercise.metrics import after_action
from jprcc.exercise.run import prepare, run_headless
from jprcc.exercise.scenario import parse_offset
from tests.conftest import fast_settings

FILE = SHIPPED / "mass_isolation.yaml"
CONTROLLER = Actor("controller", Role.JPRCC_CONTROLLER)


def test_the_shipped_file_is_what_the_generator_writes():
    assert FILE.read_text(encoding="utf-8") == write(mass_isolation())


def test_the_mix_is_as_asked():
    script = mass_isolation()["script"]
    reports = [s["with"] for s in script if s["do"] == "report_incident"]
    assert len(reports) == 200
    assert sum(r["environment"] == "maritime" for r in reports) == 60
    assert sum(s["do"] == "declare_detained" for s in script) == 20
    assert {r["owning_component"] for r in reports} == {"JFACC", "JFLCC", "JFMCC", "JFSOCC"}
    times = [parse_offset(s["at"]) for s in script if s["do"] == "report_incident"]
    assert timedelta(0) < min(times)
    assert max(times) < timedelta(hours=24)


@pytest.mark.parametrize("seed", [1, 2, 3, 20251118])
def test_no_asset_is_directed_to_two_recoveries_at_once(seed):
    script = mass_isolation(events=400, assisted=0.5, captured=0.0, maritime=0.0, seed=seed)["script"]
    windows: dict[str, list[tuple[timedelta, timedelta]]] = {}
    for s in script:
        if s["do"] == "nominate_support":
            at = parse_offset(s["at"])
            begin = at + parse_offset(s["with"]["window_start"].removeprefix("now"))
            end = at + parse_offset(s["with"]["window_end"].removeprefix("now"))
            for c in s["with"]["contributions"]:
                assert c["component_id"] != s["with"]["supported_component"]
                for asset in c["asset_ids"]:
                    windows.setdefault(asset, []).append((begin, end))
    assert set(windows) <= {a for _, a, _ in BROKERED}
    for spans in windows.values():
        spans.sort()
        assert all(a_end <= b_begin for (_, a_end), (b_begin, _) in pairwise(spans))
        assert all(end - begin == timedelta(minutes=WINDOW_MIN) for begin, end in spans)


def test_the_same_arguments_write_the_same_day_and_another_seed_another():
    assert mass_isolation(seed=5) == mass_isolation(seed=5)
    assert mass_isolation(seed=5) != mass_isolation(seed=6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"captured": 0.6, "maritime": 0.6}, "add up to at most 1"), ({"events": 0}, "at least 1")],
)
def test_shares_that_cannot_be_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mass_isolation(**kwargs)


@pytest.mark.long  # a whole day of 1,156 injects: with the long checks
def test_the_day_runs_headless_to_the_end_with_nothing_lost(tmp_path: Path):
    settings = fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    exercise = prepare(FILE, headless=True, settings=settings)
    try:
        outcome = run_headless(exercise)
        assert exercise.refused == []
        script = yaml.safe_load(FILE.read_text())["script"]
        assert outcome.injects == len(script)
        assert verify_chain(exercise.node.database).ok
        board = exercise.node.queries.board(CONTROLLER, BoardFilter(include_closed=True, limit=1000))
        stages = Counter(row.stage.value for row in board.rows)
        assert board.total == 200  # every incident, none lost
        assert stages == {"detained": 20, "reintegration": 180}
        log = exercise.node.queries.events_after(0, limit=100_000)
        figures = after_action(log, exercise.node.clock())
    finally:
        exercise.close()
    assert len(figures.incidents) == 200
    brokered = [m for m in figures.incidents if m.at.get("directive")]
    assert len(brokered) == sum(s["do"] == "approve_nomination" for s in script)
    assert all(m.minutes_to("phase_one") is not None for m in brokered)
    assert all(len(m.chosen) == 1 and m.chosen[0] in m.offered for m in brokered)
