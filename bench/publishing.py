"""Publishing benchmark: the theater-wide SITREP with 200 active incidents, rendered to PDF.

* **ours**: ``Publisher.render`` (the board read for the director, the data shaped to the schema,
  the template in the sandbox, the text marked and wrapped) then ``Publisher.pdf`` (HTML, then
  WeasyPrint: the marking, the DTG and the page numbers on every page). Timed end to end, the
  median of five, after one warm-up (excluded: fonts and WeasyPrint's first load).
* **anchor**: the same message rendered as HTML (render + ``Publisher.html``): the page the PDF
  is printed from, so the ratio is what printing costs.
* **simplest honest**: the same template and data through plain Jinja2 (no sandbox, no check of
  the template, no marking or wrapping: what the safety costs); and the same incidents formatted
  by hand with an f-string per incident (no template at all: what a template costs).

The 200 incidents are reported through the bus on the demo theater, all open (each with its persons).
``python -m bench publishing`` writes ``bench/results/publishing.json``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from bench.common import Row, row, write
from jprcc.brokering.commands import ReportIncident
from jprcc.core.board import BoardFilter
from jprcc.core.clock import ManualClock
from jprcc.core.model import Actor, Condition, Environment, Position, ReportChannel, Role, SourceConfidence
from jprcc.core.node import bootstrap
from jprcc.core.settings import Settings
from jprcc.core.values import PersonReport
from jprcc.exercise.scenario import load, play
from jprcc.publishing.model import MessageKind
from jprcc.publishing.service import Publisher

console = Console()
INCIDENTS = 200
DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR, None)
COMPONENTS = ("JFACC", "JFLCC", "JFMCC", "JFSOCC")


def _node(folder: Path) -> Any:
    from datetime import UTC, datetime

    from jprcc.demo import DEMO_FILE

    clock = ManualClock(datetime(2025, 11, 18, 6, 0, tzinfo=UTC))
    node = bootstrap(
        Settings(database_url=f"sqlite:///{folder / 'bench.sqlite3'}", data_dir=folder, argon2_time_cost=1,
                 argon2_memory_kib=64),
        clock=clock,
        migrate=True,
    )  # fmt: skip
    theater = load(DEMO_FILE)
    theater.steps = []
    play(theater, node.bus, clock.now)
    rng = np.random.default_rng(7)
    controller = Actor("controller", Role.JPRCC_CONTROLLER, None)
    for n in range(INCIDENTS):
        clock.advance(timedelta(minutes=5))
        owner = COMPONENTS[n % 4]
        node.bus.handle(
            ReportIncident(
                incident_id=f"PR-B{n:03d}",
                title=f"Isolating event {n}: " + ("aircrew down" if owner == "JFACC" else "patrol cut off"),
                owning_component=owner,
                isolating_event_at=clock.now - timedelta(minutes=3),
                position=Position(float(rng.uniform(39.2, 40.9)), float(rng.uniform(8.3, 9.7))),
                uncertainty_m=float(rng.uniform(50, 800)),
                channel=ReportChannel.BEACON,
                source_confidence=SourceConfidence.CONFIRMED,
                persons=tuple(
                    PersonReport(f"Person {n}-{k}", "USA", owner, f"UNIT {n}", Condition.UNINJURED)
                    for k in range(1 + n % 3)
                ),
                environment=Environment.LAND,
                priority=1 + n % 3,
            ),
            controller,
        )  # fmt: skip
    return node


def _median(f: Any, repeat: int = 5) -> tuple[float, Any]:
    f()  # warm-up
    times, out = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - began)
    return statistics.median(times), out


def _by_hand(node: Any) -> str:
    rows = node.queries.board(DIRECTOR, BoardFilter(limit=1000)).rows
    lines = [f"{node.settings.marking:^69}", "", "FROM: JPRCC", "SUBJ: PR SITUATION REPORT (THEATER-WIDE)"]
    for k, r in enumerate(rows, 1):
        lines.append(f"{k}. {r.incident_id} P{r.priority} {r.stage.value.upper()}: {r.title}")
        lines.append(
            f"   {r.owning_component}, ISOLATED {r.isolating_event_at:%d%H%MZ%b%y}, {r.persons_count} PERSONS"
        )
    lines += ["", f"{node.settings.marking:^69}"]
    return "\n".join(lines)


def _plain_jinja(node: Any, p: Publisher) -> str:
    import jinja2

    from jprcc.publishing.context import data

    values = data(
        node.queries, DIRECTOR, MessageKind.THEATER_SITREP, None, node.settings.marking, node.clock()
    )
    out: str = jinja2.Environment().from_string(p.template(MessageKind.THEATER_SITREP).text).render(values)
    return out


def main(options: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-publishing-") as tmp:
        node = _node(Path(tmp))
        try:
            p: Publisher = node.service(Publisher)

            def pdf() -> bytes:
                return p.pdf(p.render(DIRECTOR, MessageKind.THEATER_SITREP))

            def html() -> str:
                return p.html(p.render(DIRECTOR, MessageKind.THEATER_SITREP))

            pdf_s, document = _median(pdf)
            html_s, page = _median(html)
            text_s, _ = _median(lambda: p.render(DIRECTOR, MessageKind.THEATER_SITREP))
            hand_s, text = _median(lambda: _by_hand(node))
            plain_s, _ = _median(lambda: _plain_jinja(node, p))
            rendered = p.render(DIRECTOR, MessageKind.THEATER_SITREP)
            from weasyprint import HTML

            pages = len(HTML(string=p.html(rendered)).render().pages)
        finally:
            node.close()
    listed = sum(1 for n in range(INCIDENTS) if f"PR-B{n:03d}" in rendered.text)
    rows: list[Row] = [
        row(
            f"theater-wide SITREP of {INCIDENTS} active incidents to PDF ({len(document):,} bytes, "
            f"{pages} pages, {listed} incidents listed)",
            "s",
            pdf_s,
            "the same message rendered as HTML (the page it is printed from)",
            html_s,
            higher_is_better=False,
            target="<= 5 s",
            meets=pdf_s <= 5.0 and listed == INCIDENTS,
        ),
        row(
            f"theater-wide SITREP of {INCIDENTS} active incidents as HTML ({len(page):,} characters)",
            "s",
            html_s,
            "the same incidents formatted by hand into plain text (no template, sandbox or schema)",
            hand_s,
            higher_is_better=False,
        ),
    ]
    rows.append(
        row(
            f"theater-wide SITREP of {INCIDENTS} active incidents as marked text",
            "s",
            text_s,
            "the same data through plain Jinja2 (no sandbox, no check of the template, no marking)",
            plain_s,
            higher_is_better=False,
        )
    )
    path = write("publishing", rows)
    for r in rows:
        console.print(
            f"{r.metric}: {r.ours:.3f} {r.unit} vs {r.anchor}: {r.anchor_value:.3f} (ratio {r.ratio:.2f})"
        )
    console.print(f"hand-formatted text: {len(text):,} characters; peak {rows[-1].peak_mb} MiB; wrote {path}")
