"""What every benchmark shares: timing statistics, peak memory, and the results file."""

from __future__ import annotations

import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def own_peak_mb() -> float:
    """This process's own peak resident memory, MiB.

    ``VmHWM`` rather than ``ru_maxrss`` (``peak_mb``): Linux carries a parent's maximum RSS over
    fork and exec into the child's ``ru_maxrss``, so a child of a benchmark would report at least
    the parent's footprint (every benchmark module imported).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spawn(module: str, target: str, *args: Any) -> Any:
    """Run ``target(*args)`` of ``module`` in a fresh interpreter and return its result.

    A plain ``python -c`` rather than multiprocessing's spawn, which would import the parent's
    ``__main__`` (every other benchmark, with their browsers and database drivers) into the child
    and count them in its peak memory (``own_peak_mb``: each process's own).
    """
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-") as tmp:
        given, result = Path(tmp) / "args.pickle", Path(tmp) / "result.pickle"
        given.write_bytes(pickle.dumps(args))
        code = (
            f"import pickle, sys; import {module} as m; "
            "r = getattr(m, sys.argv[1])(*pickle.loads(open(sys.argv[2], 'rb').read())); "
            "open(sys.argv[3], 'wb').write(pickle.dumps(r))"
        )
        subprocess.run([sys.executable, "-c", code, target, str(given), str(result)], check=True, cwd=ROOT)
        return pickle.loads(result.read_bytes())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Row:
    """One figure: ours beside its anchor measured in the same run.

    ``ratio`` is how many times better ours is than the anchor: anchor time / our time for
    durations, our rate / anchor rate for throughputs.
    """

    metric: str
    unit: str
    ours: float
    anchor: str
    anchor_value: float
    ratio: float
    peak_mb: float
    when: str
    target: str = ""
    meets_target: bool | None = None


def row(
    metric: str,
    unit: str,
    ours: float,
    anchor: str,
    anchor_value: float,
    *,
    higher_is_better: bool,
    target: str = "",
    meets: bool | None = None,
) -> Row:
    ratio = ours / anchor_value if higher_is_better else anchor_value / ours
    return Row(
        metric,
        unit,
        round(ours, 3),
        anchor,
        round(anchor_value, 3),
        round(ratio, 3),
        peak_mb(),
        datetime.now(UTC).isoformat(timespec="seconds"),
        target,
        meets,
    )


def write(name: str, rows: list[Row]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n", encoding="utf-8")
    return path


class Stopwatch:
    def __init__(self) -> None:
        self.samples_ms: list[float] = []

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.samples_ms.append((time.perf_counter() - self._start) * 1000)

    @property
    def total_s(self) -> float:
        return sum(self.samples_ms) / 1000

    def p(self, q: float) -> float:
        return percentile(self.samples_ms, q)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)
