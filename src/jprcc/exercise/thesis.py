"""The article's thesis measured: a component-level centre negotiating TACON against a JFC-level JPRCC
brokering support, over many random theaters (``jprcc exercise thesis``).

``run`` plays every theater's day under both arrangements (``planning.coordination``), the
theaters drawn from the demo theater's order of battle and air defences (``planning.theaters``)
and every recovery planned by the product's options model (``planning.recovery``); ``summary``
reduces the outcomes to the distributions the docs report; ``sensitivity`` varies each assumption
the file marks with ``vary``; ``plots`` draws them. The assumptions are one file,
``data/thesis/assumptions.yaml``.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import multiprocessing
import statistics
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jprcc.core import safe_yaml
from jprcc.core.model import Capability, Platform, Position, Readiness
from jprcc.core.theater.model import Asset
from jprcc.exercise.planning.assumptions import Assumptions, Entry, parse
from jprcc.exercise.planning.coordination import ARRANGEMENTS, COMPONENT, JPRCC, Outcome, simulate
from jprcc.exercise.planning.recovery import Recovery
from jprcc.exercise.planning.theaters import Catalog, Isolation, Theater, generate
from jprcc.intel import decision
from jprcc.intel.planning.threat import Envelope

DATA = resources.files("jprcc") / "data"
ASSUMPTIONS = DATA / "thesis" / "assumptions.yaml"
Progress = Callable[[int], None]


def load_assumptions(path: Path | None = None) -> tuple[Assumptions, list[Entry]]:
    text = path.read_text() if path is not None else ASSUMPTIONS.read_text()
    try:
        data = safe_yaml.load(text)
    except safe_yaml.YamlRefused as e:
        raise ValueError(f"the assumptions file is not YAML we read: {e}") from None
    return parse(data)


def catalog() -> Catalog:
    """The demo theater's components, assets and air defences."""
    demo = yaml.safe_load((DATA / "demo_theater.yaml").read_text())
    kinds = {c["kind"]: c["component_id"] for c in demo["components"]}
    assets = tuple(
        Asset(
            d["asset_id"],
            d["callsign"],
            d["asset_type"],
            d["component_id"],
            tuple(Capability(c) for c in d["capabilities"]),
            Position(d["base"]["lat"], d["base"]["lon"]),
            d.get("base_name", ""),
            float(d["speed_kmh"]),
            float(d["range_km"]),
            d.get("endurance_h"),
            Readiness.READY,
            None,
            Platform(d["platform"]) if d.get("platform") else None,
        )
        for d in demo["assets"]
    )
    threats = tuple(
        Envelope(0.0, 0.0, b["category"], b["min_range_m"], b["max_range_m"], b["min_altitude_m"],
                 b["max_altitude_m"], b["pk"], b.get("falloff", 1.0))
        for layer in demo["layers"]
        if (b := layer["body"])["kind"] == "point_threat"
    )  # fmt: skip
    return Catalog(kinds, assets, threats)


def matrix() -> decision.Matrix:
    return decision.parse(yaml.safe_load((DATA / "decision_matrix.yaml").read_text()))


def recoveries(theater: Theater, m: decision.Matrix) -> Callable[[Isolation], Recovery]:
    """One ``Recovery`` per event, built at first use and kept (both arrangements share it)."""
    cache: dict[int, Recovery] = {}

    def get(event: Isolation) -> Recovery:
        if event.index not in cache:
            cache[event.index] = Recovery(theater, event, m)
        return cache[event.index]

    return get


def run(
    a: Assumptions,
    theaters: int,
    seed: int = 1,
    arrangements: Sequence[str] = ARRANGEMENTS,
    progress: Progress | None = None,
    seeds: Iterable[int] | None = None,
    jobs: int = 1,
) -> list[Outcome]:
    """Every event of ``theaters`` theaters (seeds ``seed``, ``seed + 1``, ...) under each
    arrangement, in ``jobs`` processes (the outcomes are the same however many)."""
    todo = list(seeds if seeds is not None else range(seed, seed + theaters))
    out: list[Outcome] = []
    if jobs <= 1 or len(todo) < 2:
        for s in todo:
            out += _theater(s, a, tuple(arrangements))
            if progress:
                progress(1)
        return out
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for found in pool.map(_theater, todo, [a] * len(todo), [tuple(arrangements)] * len(todo)):
            out += found
            if progress:
                progress(1)
    return out


@functools.cache
def _ground() -> tuple[Catalog, decision.Matrix]:
    return catalog(), matrix()


def _theater(seed: int, a: Assumptions, arrangements: tuple[str, ...]) -> list[Outcome]:
    cat, m = _ground()
    theater = generate(seed, cat, a)
    plan = recoveries(theater, m)
    return [o for arrangement in arrangements for o in simulate(theater, arrangement, a, plan)]


# --- what the outcomes say ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One arrangement's outcomes, reduced."""

    events: int
    recovered: float  # fraction recovered by force within the give-up time
    median_h: float  # time from isolation to pickup, every event (one not recovered: never, ∞)
    p90_h: float
    mean_h: float  # of the events recovered
    dark: float  # fraction of pickups in darkness
    p_success: float  # mean P(success) of the recoveries
    expected: float  # expected successful recoveries per event: P(success), 0 when not recovered
    other_components: float  # fraction of recoveries using another component's assets
    refused: float  # fraction of events with at least one refusal


def figures(outcomes: Sequence[Outcome]) -> Figures:
    n = len(outcomes)
    done = [o for o in outcomes if o.recovered]
    every = sorted(o.hours_to_recovery for o in outcomes)  # inf where not recovered
    p = [o.p_success or 0.0 for o in done]

    def q(f: float) -> float:
        if not every:
            return math.nan
        return every[min(len(every) - 1, int(f * len(every)))]

    return Figures(
        n,
        len(done) / n if n else math.nan,
        statistics.median(every) if every else math.nan,
        q(0.9),
        statistics.fmean(o.hours_to_recovery for o in done) if done else math.nan,
        sum(1 for o in done if o.dark) / len(done) if done else math.nan,
        statistics.fmean(p) if p else math.nan,
        sum(p) / n if n else math.nan,
        sum(1 for o in done if set(o.components) - {o.owner}) / len(done) if done else math.nan,
        sum(1 for o in outcomes if o.refused) / n if n else math.nan,
    )


def paired_hours(outcomes: Sequence[Outcome]) -> tuple[float, float, int]:
    """Mean of (component − JPRCC) hours to recovery over events both recovered, its 95 % half-width,
    and how many events: the same event under both arrangements."""
    by = {(o.theater, o.event, o.arrangement): o for o in outcomes}
    d = []
    for (t, e, arrangement), o in by.items():
        if arrangement != COMPONENT:
            continue
        other = by.get((t, e, JPRCC))
        if other is not None and o.recovered and other.recovered:
            d.append(o.hours_to_recovery - other.hours_to_recovery)
    if len(d) < 2:
        return math.nan, math.nan, len(d)
    return statistics.fmean(d), 1.96 * statistics.stdev(d) / math.sqrt(len(d)), len(d)


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    mean, half, n = paired_hours(outcomes)
    return {
        "arrangements": {
            arr: asdict(figures([o for o in outcomes if o.arrangement == arr])) for arr in ARRANGEMENTS
        },
        "paired": {"component_minus_jprcc_h": mean, "ci95_h": half, "events": n},
    }


def sensitivity(
    base: Assumptions,
    entries: Sequence[Entry],
    theaters: int,
    seed: int = 1,
    progress: Progress | None = None,
    jobs: int = 1,
) -> list[dict[str, Any]]:
    """Each assumption the file marks with ``vary``, at each of its values, the others as stated:
    both arrangements over the same theaters."""
    rows = []
    for entry in entries:
        key = entry.name.split(".", 1)[1]
        for value in entry.vary:
            a = base.with_value(key, value)
            outcomes = run(a, theaters, seed, progress=progress, jobs=jobs)
            s = summary(outcomes)
            row: dict[str, Any] = {"assumption": key, "value": value}
            for arr in ARRANGEMENTS:
                f = s["arrangements"][arr]
                for name in ("median_h", "mean_h", "recovered", "dark", "p_success", "expected"):
                    row[f"{arr}_{name}"] = f[name]
            row["paired_h"] = s["paired"]["component_minus_jprcc_h"]
            row["paired_ci95_h"] = s["paired"]["ci95_h"]
            rows.append(row)
    return rows


def sensitivity_runs(entries: Sequence[Entry]) -> int:
    return sum(len(e.vary) for e in entries)


# --- writing and drawing -------------------------------------------------------------------------

FIELDS = list(Outcome.__dataclass_fields__)


def write(
    outcomes: Sequence[Outcome], rows: Sequence[dict[str, Any]], meta: dict[str, Any], out: Path
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "outcomes.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*FIELDS, "hours_to_recovery"])
        for o in outcomes:
            values = [";".join(v) if isinstance(v, tuple) else v for v in (getattr(o, k) for k in FIELDS)]
            w.writerow([*values, "" if not o.recovered else round(o.hours_to_recovery, 4)])
    if rows:
        with (out / "sensitivity.csv").open("w", newline="") as f:
            w2 = csv.DictWriter(f, fieldnames=list(rows[0]))
            w2.writeheader()
            w2.writerows(rows)
    (out / "summary.json").write_text(
        json.dumps({**meta, **summary(outcomes), "sensitivity": list(rows)}, indent=2, default=str) + "\n"
    )


LABEL = {COMPONENT: "component-level centre (TACON)", JPRCC: "JFC-level JPRCC (support)"}
COLOUR = {COMPONENT: "#b2182b", JPRCC: "#2166ac"}


def plots(outcomes: Sequence[Outcome], rows: Sequence[dict[str, Any]], out: Path) -> list[Path]:
    """The distributions and the sensitivity, as PNG files in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    by = {arr: [o for o in outcomes if o.arrangement == arr] for arr in ARRANGEMENTS}

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    for arr, found in by.items():
        hours = sorted(o.hours_to_recovery for o in found if o.recovered)
        n = len(found) or 1
        ax.step(
            hours, [(i + 1) / n for i in range(len(hours))], where="post", color=COLOUR[arr], label=LABEL[arr]
        )
    ax.set_xscale("log")
    ax.set_xlabel("hours from isolation to pickup (log scale)")
    ax.set_ylabel("fraction of isolating events recovered")
    ax.set_title("Time to recovery")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax = axes[1]
    bins = [i / 20 for i in range(21)]
    for arr, found in by.items():
        ax.hist([o.p_success for o in found if o.recovered], bins=bins, histtype="step", linewidth=1.6,
                color=COLOUR[arr], label=LABEL[arr])  # fmt: skip
    ax.set_xlabel("P(success) of the recovery flown")
    ax.set_ylabel("events")
    ax.set_title("P(success)")
    ax.grid(alpha=0.3)
    ax = axes[2]
    names = ["recovered", "in darkness", "with another\ncomponent's assets"]
    for i, (arr, found) in enumerate(by.items()):
        f = figures(found)
        values = [f.recovered, f.dark, f.other_components]
        ax.bar([x + i * 0.38 for x in range(3)], values, width=0.36, color=COLOUR[arr], label=LABEL[arr])
    ax.set_xticks([x + 0.19 for x in range(3)], names, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title("Recoveries")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    written.append(out / "thesis-distributions.png")
    fig.savefig(written[-1], dpi=110)
    plt.close(fig)

    varied = list(dict.fromkeys(r["assumption"] for r in rows))
    if varied:
        cols = 3
        lines = math.ceil(len(varied) / cols)
        fig, axes = plt.subplots(lines, cols, figsize=(13, 3.4 * lines), squeeze=False)
        for k, name in enumerate(varied):
            ax = axes[k // cols][k % cols]
            mine = [r for r in rows if r["assumption"] == name]
            xs = [r["value"] for r in mine]
            for arr in ARRANGEMENTS:
                ax.plot(xs, [r[f"{arr}_median_h"] for r in mine], "o-", color=COLOUR[arr], label=LABEL[arr])
            ax.set_title(name, fontsize=10)
            ax.set_ylabel("median hours to pickup")
            ax.grid(alpha=0.3)
            if k == 0:
                ax.legend(fontsize=8)
        for k in range(len(varied), lines * cols):
            axes[k // cols][k % cols].axis("off")
        fig.tight_layout()
        written.append(out / "thesis-sensitivity.png")
        fig.savefig(written[-1], dpi=110)
        plt.close(fig)
    return written


def assumptions_table(entries: Sequence[Entry]) -> str:
    """The assumptions as a Markdown table (the docs hold it; a test keeps the two the same)."""
    lines = [
        "| assumption | value | unit | applies to | varied over | source |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        value = e.value
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = " to ".join(str(v) for v in value)
        if e.sigma is not None:
            value = f"{value} (σ {e.sigma})"
        vary = ", ".join(f"{v:g}" for v in e.vary)
        source = " ".join(e.source.split()).replace("|", "/")
        lines.append(f"| `{e.name}` | {value} | {e.unit} | {e.applies} | {vary} | {source} |")
    return "\n".join(lines) + "\n"
