"""The CLI's start, before and after the "One home per capability" restructuring.

Anchor: the same project at commit ``36b68ca`` (the last before the change), checked out into a
temporary git worktree and run in the same run, on the same machine, with the same Python; ours
is the working tree. Every figure comes from fresh processes, run alternately (before, after,
after, before, ...) so that a noisy machine weighs on both alike; each version is byte-compiled
and run once untimed first.

* ``jprcc --help``: wall time of the whole process (``python -c "from jprcc.cli import main;
  main()" --help``, as the ``jprcc`` script does), median, and its CPU time (user + system);
* ``python -X importtime -c "import jprcc.cli"`` (and ``import jprcc``): the cumulative
  microseconds of the top-level import, median; the modules loaded, whether numba, scipy,
  ortools, pandas, sqlalchemy and fastapi are among them, and the heaviest packages (their own
  import time summed);
* one read in process on a demo store, ``jprcc --as controller --json incidents list``: wall time
  of the whole process, and of the command alone after ``import jprcc.cli`` (the store opened,
  the login, the query, the JSON printed). Both answers must list the same incidents.

Peak memory: each process's own (its VmHWM, which it prints at exit); a row's ``peak_mb`` is the
largest of the after version's processes behind it, the before version's is printed beside it.

Excluded: loading the demo (done once per version beforehand, by that version's own code, into
its own data dir). Password hashing is kept out of the login by the cheapest argon2id settings
(``JPRCC_ARGON2_TIME_COST=1``, ``JPRCC_ARGON2_MEMORY_KIB=64``); the login itself is in the read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import Row, row, write
from bench.versions import PYTHON, Version, before_and_after

console = Console()
HEAVY = ("numba", "scipy", "ortools", "pandas", "sqlalchemy", "fastapi")
# each process reports its own peak resident memory (VmHWM belongs to the process's memory map, which
# exec starts afresh; wait4's maxrss would count this big parent's pages, forked before the exec)
PEAK = (
    "import atexit, sys; atexit.register(lambda: print('PEAK_KB', next(line.split()[1] for line in "
    "open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr))\n"
)
MAIN = PEAK + "from jprcc.cli import main; main()"
NONE: dict[str, dict[str, str]] = {"before": {}, "after": {}}
READ = ["--as", "controller", "--json", "incidents", "list"]
# the read, timed inside the process: the import, then the command alone
TIMED_READ = (
    PEAK
    + """
import json, sys, time
t0 = time.perf_counter()
from jprcc.cli import main
t1 = time.perf_counter()
try:
    main()
    code = 0
except SystemExit as e:
    code = e.code or 0
t2 = time.perf_counter()
print("BENCH " + json.dumps({"import_s": t1 - t0, "command_s": t2 - t1, "code": code}), file=sys.stderr)
"""
)


@dataclass
class Sample:
    wall: float  # s
    cpu: float  # s, user + system
    peak_mb: float  # the process's peak resident memory
    out: str
    err: str


def _timed(version: Version, args: list[str], **settings: str) -> Sample:
    """One fresh process, waited for with wait4 for its own CPU time. Fails on a non-zero exit."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([PYTHON, *args], env=version.env(**settings), stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        sample = Sample(wall, usage.ru_utime + usage.ru_stime, float("nan"), out.read(), err.read())
    for line in sample.err.splitlines():
        if line.startswith("PEAK_KB "):
            sample.peak_mb = int(line.split()[1]) / 1024
    if process.returncode != 0:
        raise SystemExit(f"{version.name}: {' '.join(args)} exited {process.returncode}:\n{sample.err}")
    return sample


def _reported(err: str) -> dict[str, Any]:
    return dict(
        json.loads(next(x for x in err.splitlines() if x.startswith("BENCH ")).removeprefix("BENCH "))
    )


def _series(
    pair: tuple[Version, Version], runs: int, args: list[str], settings: dict[str, dict[str, str]]
) -> dict[str, list[Sample]]:
    """``runs`` fresh processes per version, alternately, after one untimed run of each."""
    for v in pair:
        _timed(v, args, **settings[v.name])
    found: dict[str, list[Sample]] = {v.name: [] for v in pair}
    for i in range(runs):
        for v in pair if i % 2 == 0 else pair[::-1]:
            found[v.name].append(_timed(v, args, **settings[v.name]))
    return found


def _rows(metric: str, found: dict[str, list[Sample]], anchor: str) -> list[Row]:
    """Wall and CPU medians, after vs before; peak_mb: the after version's largest process."""
    rows = []
    for label, unit in (("wall", "wall"), ("CPU, user + system", "cpu")):
        r = row(
            f"{metric}, fresh process, {label} (median of {len(found['after'])})",
            "s",
            statistics.median(getattr(s, unit) for s in found["after"]),
            anchor,
            statistics.median(getattr(s, unit) for s in found["before"]),
            higher_is_better=False,
        )
        r.peak_mb = round(max(s.peak_mb for s in found["after"]), 1)
        rows.append(r)
    peaks = {name: max(s.peak_mb for s in samples) for name, samples in found.items()}
    console.print(f"{metric}: peak RSS after {peaks['after']:.0f} MB, before {peaks['before']:.0f} MB")
    return rows


def _importtime(stderr: str, module: str) -> tuple[float, dict[str, float]]:
    """The cumulative µs of ``module``'s top-level line, and the own µs of every module its import
    loaded (the lines above it, up to the previous top-level one: the interpreter's own start is
    left out)."""
    lines = []
    for line in stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, cum_us, name = line[len("import time:") :].split("|")
            lines.append((float(self_us), float(cum_us), name[1:]))
    top = max(i for i, (_, _, name) in enumerate(lines) if name == module)
    first = max((i + 1 for i, (_, _, name) in enumerate(lines[:top]) if not name.startswith(" ")), default=0)
    return lines[top][1], {name.strip(): own for own, _, name in lines[first : top + 1]}


def _heaviest(own: dict[str, float], n: int = 6) -> list[tuple[str, float]]:
    by_package: dict[str, float] = defaultdict(float)
    for name, us in own.items():
        by_package[name.split(".")[0]] += us
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:n]


def _imports(pair: tuple[Version, Version], module: str, runs: int) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, samples in _series(pair, runs, ["-X", "importtime", "-c", f"import {module}"], NONE).items():
        measured = [_importtime(s.err, module) for s in samples]
        own = measured[-1][1]
        found[name] = {
            "ms": statistics.median(cumulative for cumulative, _ in measured) / 1000,
            "own": own,
            "heavy": [p for p in HEAVY if p in {n.split(".")[0] for n in own}],
            "modules": len(own),
        }
    return found


def _names(heavy: list[str]) -> str:
    return ", ".join(heavy) if heavy else "none"


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="few runs, to try the benchmark out")
    parser.add_argument("--runs", type=int, help="runs of each process per version (default 15; 3 quick)")
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 15)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-cli-") as tmp, before_and_after(Path(tmp)) as pair:
        old, new = pair
        anchor = f"the project at {old.label}, before the restructuring (same run, fresh processes)"
        console.print(f"before: {old.label} ({old.src})\nafter:  {new.label} ({new.src})")

        # (a) jprcc --help
        helps = _series(pair, runs, ["-c", MAIN, "--help"], NONE)
        if not all("incidents" in s.out for samples in helps.values() for s in samples):
            raise SystemExit("jprcc --help does not list the incidents group")
        rows += _rows("jprcc --help", helps, anchor)

        # (b) -X importtime
        imports = {m: _imports(pair, m, max(1, runs // 3)) for m in ("jprcc.cli", "jprcc")}
        for module, found in imports.items():
            before, after = found["before"], found["after"]
            rows.append(
                row(
                    f"import {module}, cumulative (-X importtime, median of {max(1, runs // 3)})",
                    "ms",
                    after["ms"],
                    anchor,
                    before["ms"],
                    higher_is_better=False,
                )
            )
            rows.append(
                row(
                    f"modules loaded by import {module}; of {', '.join(HEAVY)}: "
                    f"after {_names(after['heavy'])}, before {_names(before['heavy'])}",
                    "modules",
                    after["modules"],
                    anchor,
                    before["modules"],
                    higher_is_better=False,
                )
            )

        # (c) one read in process on a demo store
        settings = {}
        for v in pair:
            data = Path(tmp) / f"data-{v.name}"
            v.load_demo(data)
            settings[v.name] = {"JPRCC_PASSWORD": "demo-controller", "JPRCC_DATA_DIR": str(data)}
        reads = _series(pair, max(1, runs // 2), ["-c", TIMED_READ, *READ], settings)
        answers, commands = {}, {}
        for name, samples in reads.items():
            timings = [_reported(s.err) for s in samples]
            if any(t["code"] != 0 for t in timings):
                raise SystemExit(f"{name}: incidents list failed:\n{samples[-1].err}")
            commands[name] = statistics.median(t["command_s"] for t in timings)
            answers[name] = [r["incident_id"] for r in json.loads(samples[-1].out)["rows"]]
        if answers["before"] != answers["after"] or not answers["after"]:
            raise SystemExit(f"the two versions list different incidents: {answers}")
        metric = f"jprcc --as controller --json incidents list ({len(answers['after'])} incidents)"
        rows += _rows(metric, reads, anchor)
        rows.append(
            row(
                f"{metric}, the command alone after import jprcc.cli (median of {len(reads['after'])})",
                "s",
                commands["after"],
                anchor,
                commands["before"],
                higher_is_better=False,
            )
        )

    heavy = Table(
        "import", "version", "heaviest packages (own import time, ms)", title="what the import loads"
    )
    for module, found in imports.items():
        for name in ("before", "after"):
            listed = ", ".join(f"{p} {us / 1000:.0f}" for p, us in _heaviest(found[name]["own"]))
            heavy.add_row(module, name, listed)
    console.print(heavy)
    table = Table("metric", "after", "before", "ratio", title="the CLI's start: after vs before (36b68ca)")
    for r in rows:
        table.add_row(r.metric, f"{r.ours:.3f} {r.unit}", f"{r.anchor_value:.3f} {r.unit}", f"{r.ratio:.2f}x")
    console.print(table)
    if args.quick:
        console.print("quick run: bench/results/cli.json not written")
    else:
        console.print(f"written to {write('cli', rows)}")
    return rows


if __name__ == "__main__":
    main()
