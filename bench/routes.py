"""One-to-all route fields: ours beside scikit-image's MCP_Geometric, same raster, same cost model.

For random positive cost rasters of 1000², 2000² and 4000² cells, from the centre: our
``route_field`` against ``MCP_Geometric`` timed as a user pays for it (construction plus
``find_costs``), and against ``find_costs`` alone. Every run happens in a fresh process, so that
its peak resident memory is its own (numba's arrays do not show in Python's allocators). The two
cumulative-cost rasters must agree to a relative 1e-9 everywhere.

Target (issue 4): at least 3 times faster than construction + find_costs at 4000², at most 1.5 GB peak.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from bench.common import Row, row, write

console = Console()


def _raster(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 5.0, (n, n))


def _ours(n: int, seed: int, out: str, queue: mp.Queue) -> None:
    from jprcc.intel.planning.routes import route_field

    route_field(np.ones((8, 8)), (4, 4))  # compiled code loaded (numba's cache) before the clock starts
    cost = _raster(n, seed)
    started = time.perf_counter()
    field = route_field(cost, (n // 2, n // 2))
    seconds = time.perf_counter() - started
    np.save(out, field.cumulative)
    queue.put((seconds, 0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _theirs(n: int, seed: int, out: str, queue: mp.Queue) -> None:
    from skimage.graph import MCP_Geometric

    cost = _raster(n, seed)
    started = time.perf_counter()
    mcp = MCP_Geometric(cost)
    built = time.perf_counter()
    cumulative, _ = mcp.find_costs([(n // 2, n // 2)])
    done = time.perf_counter()
    np.save(out, cumulative)
    queue.put((done - started, done - built, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _run(target: object, n: int, seed: int, out: str) -> tuple[float, float, float]:
    context = mp.get_context("spawn")
    queue: mp.Queue = context.Queue()
    process = context.Process(target=target, args=(n, seed, out, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            ours, theirs, find_only, ours_mb, theirs_mb = [], [], [], 0.0, 0.0
            for repeat in range(args.repeats):
                mine, other = str(Path(tmp) / "ours.npy"), str(Path(tmp) / "theirs.npy")
                seconds, _, peak = _run(_ours, n, repeat, mine)
                ours.append(seconds)
                ours_mb = max(ours_mb, peak)
                seconds, finding, peak = _run(_theirs, n, repeat, other)
                theirs.append(seconds)
                find_only.append(finding)
                theirs_mb = max(theirs_mb, peak)
                a, b = np.load(mine), np.load(other)
                if not np.allclose(a, b, rtol=1e-9, atol=0):
                    raise SystemExit(f"{n}²: costs differ from MCP_Geometric by more than 1e-9 relative")
            t_ours, t_theirs, t_find = (statistics.median(x) for x in (ours, theirs, find_only))
            meets = t_theirs / t_ours >= 3 and ours_mb <= 1536 if n == 4000 else None
            target = ">= 3x, <= 1.5 GB" if n == 4000 else ""
            anchor = (
                f"MCP_Geometric, construction + find_costs ({theirs_mb:.0f} MB peak); costs equal to 1e-9"
            )
            for r in (
                row(
                    f"one-to-all route field, {n}² cells",
                    "s",
                    t_ours,
                    anchor,
                    t_theirs,
                    higher_is_better=False,
                    target=target,
                    meets=meets,
                ),
                row(
                    f"one-to-all route field, {n}² cells, against find_costs alone",
                    "s",
                    t_ours,
                    "MCP_Geometric.find_costs only",
                    t_find,
                    higher_is_better=False,
                ),
            ):
                r.peak_mb = round(ours_mb, 1)
                rows.append(r)
    table = Table("metric", "ours", "anchor", "ratio", "peak MB", "target", title="route fields")
    for r in rows:
        verdict = (
            "" if r.meets_target is None else (" [green]met[/]" if r.meets_target else " [red]MISSED[/]")
        )
        table.add_row(
            r.metric,
            f"{r.ours:.2f} s",
            f"{r.anchor_value:.2f} s",
            f"{r.ratio:.2f}x",
            f"{r.peak_mb:.0f}",
            r.target + verdict,
        )
    console.print(table)
    console.print(f"written to {write('routes', rows)}")
    return rows


if __name__ == "__main__":
    main()
