"""Exercise benchmark: the shipped mass-isolation day (BROKEN ARROW DAY: 200 isolating events in 24 h,
1,156 injects) run headless to the end, and its after-action figures.

* **ours**: ``run_headless``: the scenario clock moves a minute at a time through the day (27 hours
  of scenario time), the node's timers look for overdue check-ins and DUSTWUN at each minute (and
  raise the alerts that fall due), and every inject due is played through the bus: the rules, the
  store, the audit chain, the read models. Counted: the injects played (the timers' alerts are
  extra work, not counted as injects). Excluded: laying down the ground (the demo theater, its
  accounts, the ISOPREPs), made before the clock starts and timed on its own.
* **anchor**, the simplest honest way to play the same script: every inject straight through the
  same bus on the same ground, in order, with no clock ticking and no timers.
* **after action**: the figures of every incident from the whole log (events read per second).

``python -m bench exercise`` writes ``bench/results/exercise.json``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import Row, row, write
from jprcc.core.maintenance import verify_chain
from jprcc.core.settings import Settings
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.metrics import after_action
from jprcc.exercise.run import prepare, run_headless

console = Console()
FILE = SHIPPED / "mass_isolation.yaml"


def _settings(folder: Path) -> Settings:
    return Settings(data_dir=folder, argon2_time_cost=1, argon2_memory_kib=64)


def ours() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-exercise-") as tmp:
        began = time.perf_counter()
        exercise = prepare(FILE, headless=True, settings=_settings(Path(tmp)))
        ground_s = time.perf_counter() - began
        try:
            outcome = run_headless(exercise)
            chain = verify_chain(exercise.node.database)
            log = exercise.node.queries.events_after(0, limit=1_000_000)
            t0 = time.perf_counter()
            figures = after_action(log, exercise.node.clock())
            figures_s = time.perf_counter() - t0
        finally:
            exercise.close()
    return {
        "ground_s": ground_s,
        "seconds": outcome.seconds,
        "injects": outcome.injects,
        "refused": outcome.refused,
        "alerts": outcome.alerts,
        "events": outcome.events,
        "span": str(outcome.scenario_span),
        "chain_ok": chain.ok,
        "figures_s": figures_s,
        "figures_events": figures.events_read,
        "incidents": len(figures.incidents),
    }


def anchor() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-exercise-") as tmp:
        exercise = prepare(FILE, headless=True, settings=_settings(Path(tmp)))
        try:
            began = time.perf_counter()
            played = exercise.player.play_until(None)
            seconds = time.perf_counter() - began
        finally:
            exercise.close()
    return {"seconds": seconds, "injects": played}


def main(options: list[str]) -> None:
    mine = ours()
    plain = anchor()
    ours_rate = mine["injects"] / mine["seconds"]
    plain_rate = plain["injects"] / plain["seconds"]
    rows: list[Row] = [
        row(
            f"mass-isolation day headless: injects/s ({mine['injects']} injects, {mine['alerts']} timer "
            f"alerts, {mine['span']} of scenario time, {mine['refused']} refused, chain "
            f"{'intact' if mine['chain_ok'] else 'BROKEN'})",
            "injects/s",
            ours_rate,
            "the same injects straight through the bus, no clock or timers",
            plain_rate,
            higher_is_better=True,
            target="runs to the end, nothing refused, chain intact",
            meets=mine["refused"] == 0 and mine["chain_ok"] and mine["incidents"] == 200,
        ),
        row(
            "mass-isolation day headless: commands/s, the timers' alerts counted with the injects",
            "commands/s",
            (mine["injects"] + mine["alerts"]) / mine["seconds"],
            "the same injects straight through the bus, no clock or timers",
            plain_rate,
            higher_is_better=True,
        ),
        row(
            "mass-isolation day headless: wall time",
            "s",
            mine["seconds"],
            "the same injects straight through the bus, no clock or timers",
            plain["seconds"],
            higher_is_better=False,
        ),
        row(
            f"after-action figures of the whole log ({mine['figures_events']} events, "
            f"{mine['incidents']} incidents)",
            "events/s",
            mine["figures_events"] / mine["figures_s"],
            "injects played per second (ours)",
            ours_rate,
            higher_is_better=True,
        ),
    ]
    path = write("exercise", rows)
    table = Table(title="exercise")
    for name in ("metric", "ours", "anchor", "ratio"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            r.metric, f"{r.ours:,.3f} {r.unit}", f"{r.anchor}: {r.anchor_value:,.3f}", f"{r.ratio:.2f}"
        )
    console.print(table)
    console.print(
        f"ground laid in {mine['ground_s']:.2f} s (excluded); peak {rows[-1].peak_mb} MiB; wrote {path}"
    )
