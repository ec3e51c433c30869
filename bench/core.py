"""Coordination-core benchmark: commands per second and latency of the brokering cycle, and the
board query, on SQLite and PostgreSQL with 10,000 incidents already stored.

Anchors, measured in the same run on the same machine:

* commands: the same rows our commands wrote (event records, chain head, incident board row and
  document), inserted again through the same driver (``sqlite3`` / ``psycopg``) with the same
  transaction per command, into an empty copy of the schema, with no stack on top;
* board: the same three SQL statements the board query runs, through the raw driver.

Targets (issue 2): at least 500 commands/s on SQLite; board p95 at most 50 ms.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import create_engine, select, text

from bench.common import Row, Stopwatch, row, write
from jprcc.brokering import commands as cmd
from jprcc.core import commands as core_cmd
from jprcc.core.model import (
    Actor,
    Capability,
    Environment,
    Position,
    ReportChannel,
    Role,
    SourceConfidence,
    SupportKind,
)
from jprcc.core.node import Node, bootstrap
from jprcc.core.queries import BoardFilter
from jprcc.core.settings import Settings
from jprcc.core.store.tables import events, incident_documents, incidents, metadata
from jprcc.core.theater import commands as theater_cmd
from jprcc.core.values import Contribution, Offer, PersonReport
from jprcc.demo import DEMO_FILE
from jprcc.exercise import scenario

console = Console()
POSTGRES_URL = os.environ.get("JPRCC_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SYSTEM = Actor.system("bench")


def actor(username: str, role: Role, component: str | None = None) -> Actor:
    return Actor(username, role, component)


SOF = actor("jfsocc", Role.PRCC_OFFICER, "JFSOCC")
AIR = actor("jfacc", Role.PRCC_OFFICER, "JFACC")
NAVY = actor("jfmcc", Role.PRCC_OFFICER, "JFMCC")
CONTROLLER = actor("controller", Role.JPRCC_CONTROLLER)
JFC = actor("jfc", Role.JFC)


# --- stores -----------------------------------------------------------------------------------


@dataclass
class Store:
    name: str
    url: str
    raw_connect: Callable[[], Any]
    placeholder: str


@contextmanager
def sqlite_store(folder: Path, name: str) -> Iterator[Store]:
    path = folder / f"{name}.sqlite3"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    yield Store("SQLite", f"sqlite:///{path}", connect, "?")


@contextmanager
def postgres_store(name: str) -> Iterator[Store]:
    schema = f"jprcc_bench_{name}_{secrets.token_hex(3)}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    raw_url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(raw_url, options=f"-csearch_path={schema}", autocommit=True)

    try:
        yield Store("PostgreSQL", f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", connect, "%s")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


# --- our stack ----------------------------------------------------------------------------------


def prepare(store: Store, incidents_stored: int, cycles: int, folder: Path) -> Node:
    node = bootstrap(
        Settings(database_url=store.url, data_dir=folder, argon2_time_cost=1, argon2_memory_kib=64),
        migrate=True,
    )
    theater = scenario.load(DEMO_FILE)
    theater.steps = []
    scenario.play(theater, node.bus, datetime.now(UTC) - timedelta(days=1))
    bus = replace(node.bus)
    for i in range(cycles):
        for asset_id, component, capability in (
            (f"ISR-{i}", "JFACC", Capability.ISR),
            (f"HELO-{i}", "JFMCC", Capability.ROTARY_WING_RECOVERY),
        ):
            bus.handle(
                theater_cmd.RegisterAsset(
                    asset_id=asset_id,
                    callsign=asset_id,
                    asset_type="bench",
                    component_id=component,
                    capabilities=(capability,),
                    base=Position(40, 9),
                    base_name="b",
                    speed_kmh=300,
                    range_km=800,
                ),
                SYSTEM,
            )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(
            f"{store.name}: storing {incidents_stored} incidents", total=incidents_stored
        )
        for i in range(incidents_stored):
            bus.handle(report(f"PR-FILL-{i:05d}", i), SOF)
            progress.advance(task)
    return node


def report(incident_id: str, i: int) -> cmd.ReportIncident:
    return cmd.ReportIncident(
        incident_id=incident_id,
        title=f"bench incident {i}",
        owning_component="JFSOCC",
        isolating_event_at=datetime.now(UTC),
        position=Position(39 + (i % 200) / 100, 8 + (i % 170) / 100),
        uncertainty_m=500,
        channel=ReportChannel.VOICE,
        source_confidence=SourceConfidence.CONFIRMED,
        persons=(PersonReport("A. Person", "USA", "JFSOCC", "team"),),
        environment=Environment.LAND,
        priority=1 + i % 5,
        check_in_interval_s=7 * 24 * 3600,
    )


def cycle_commands(i: int) -> list[tuple[Actor, core_cmd.Command]]:
    """report → assistance → poll → two answers → nominate → approve: seven commands."""
    incident = f"PR-CYCLE-{i:05d}"
    now = datetime.now(UTC)
    return [
        (SOF, report(incident, i)),
        (
            SOF,
            cmd.RequestAssistance(
                incident_id=incident, capabilities_needed=(Capability.ISR,), reason="bench"
            ),
        ),
        (
            CONTROLLER,
            cmd.OpenCapabilityPoll(
                incident_id=incident, component_ids=("JFACC", "JFMCC"), capabilities_needed=()
            ),
        ),
        (
            AIR,
            cmd.AnswerCapabilityPoll(
                incident_id=incident, component_id="JFACC", offers=(Offer(f"ISR-{i}", Capability.ISR, now),)
            ),
        ),
        (
            NAVY,
            cmd.AnswerCapabilityPoll(
                incident_id=incident,
                component_id="JFMCC",
                offers=(Offer(f"HELO-{i}", Capability.ROTARY_WING_RECOVERY, now),),
            ),
        ),
        (
            CONTROLLER,
            cmd.NominateSupport(
                incident_id=incident,
                supported_component="JFMCC",
                support_kind=SupportKind.DIRECT,
                priority=1,
                contributions=(
                    Contribution("JFMCC", (f"HELO-{i}",), "lift"),
                    Contribution("JFACC", (f"ISR-{i}",), "ISR"),
                ),
                window_start=now,
                window_end=now + timedelta(hours=6),
                desired_effects="recover",
            ),
        ),
        (JFC, cmd.ApproveNomination(incident_id=incident, nomination_id=f"{incident}/N1")),
    ]


@dataclass
class Measured:
    latency: Stopwatch
    wall_s: float
    commands: list[tuple[str, list[int]]]  # incident id, the seqs each command wrote


def run_cycles(node: Node, cycles: int, first: int = 0) -> Measured:
    latency, written = Stopwatch(), []
    started = time.perf_counter()
    for i in range(first, first + cycles):
        for who, command in cycle_commands(i):
            with latency:
                result = node.bus.handle(command, who)
            written.append((getattr(command, "incident_id", ""), [r.seq for r in result.events]))
    return Measured(latency, time.perf_counter() - started, written)


def time_board(node: Node, repeats: int) -> Stopwatch:
    watch = Stopwatch()
    for _ in range(repeats):
        with watch:
            node.queries.board(CONTROLLER, BoardFilter())
    return watch


# --- the anchors: the raw driver ---------------------------------------------------------------


def _value(v: Any, sqlite: bool) -> Any:
    if sqlite and isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def captured_rows(
    node: Node, measured: Measured
) -> tuple[dict[int, dict[str, Any]], dict[str, tuple[Any, Any]]]:
    seqs = [s for _, written in measured.commands for s in written]
    ids = sorted({i for i, _ in measured.commands})
    with node.database.read() as conn:
        event_rows = {
            r.seq: dict(r._mapping) for r in conn.execute(select(events).where(events.c.seq.in_(seqs)))
        }
        board = {
            r.incident_id: dict(r._mapping)
            for r in conn.execute(select(incidents).where(incidents.c.incident_id.in_(ids)))
        }
        docs = {
            r.incident_id: dict(r._mapping)
            for r in conn.execute(select(incident_documents).where(incident_documents.c.incident_id.in_(ids)))
        }
    return event_rows, {i: (board[i], docs[i]) for i in ids}


def _insert_sql(table: str, columns: list[str], ph: str, upsert_key: str | None, sqlite: bool) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join([ph] * len(columns))
    if upsert_key is None:
        return f"INSERT INTO {table} ({names}) VALUES ({marks})"
    if sqlite:
        return f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})"
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != upsert_key)
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({upsert_key}) DO UPDATE SET {updates}"
    )


def raw_replay(store: Store, node: Node, measured: Measured, folder: Path) -> Stopwatch:
    """The same rows, one transaction per command, straight through the driver."""
    sqlite = store.name == "SQLite"
    anchor_url = f"sqlite:///{folder / 'anchor.sqlite3'}" if sqlite else store.url
    if sqlite:
        engine = create_engine(anchor_url)
        metadata.create_all(engine)
        engine.dispose()
        store = replace(store, raw_connect=lambda: _sqlite_raw(folder / "anchor.sqlite3"))
    event_rows, incident_rows = captured_rows(node, measured)
    ph = store.placeholder
    event_cols = list(next(iter(event_rows.values())))
    board_cols = list(next(iter(incident_rows.values()))[0])
    doc_cols = list(next(iter(incident_rows.values()))[1])
    sql_event = _insert_sql("anchor_events" if not sqlite else "events", event_cols, ph, None, sqlite)
    sql_board = _insert_sql(
        "anchor_incidents" if not sqlite else "incidents", board_cols, ph, "incident_id", sqlite
    )
    sql_doc = _insert_sql(
        "anchor_documents" if not sqlite else "incident_documents", doc_cols, ph, "incident_id", sqlite
    )
    conn = store.raw_connect()
    if not sqlite:  # an empty copy of the three tables beside ours, in the same schema
        for ours, theirs in (
            ("events", "anchor_events"),
            ("incidents", "anchor_incidents"),
            ("incident_documents", "anchor_documents"),
        ):
            conn.execute(f"CREATE TABLE {theirs} (LIKE {ours} INCLUDING ALL)")
        conn.execute("CREATE TABLE anchor_head (id int primary key, seq bigint, hash varchar(64))")
        conn.execute("INSERT INTO anchor_head VALUES (1, 0, '')")
    else:
        conn.execute("INSERT INTO chain_head VALUES (1, 0, '')")
    head = "chain_head" if sqlite else "anchor_head"
    watch = Stopwatch()
    for incident_id, seqs in measured.commands:
        rows = [[_value(event_rows[s][c], sqlite) for c in event_cols] for s in seqs]
        board, doc = incident_rows[incident_id]
        statements = [
            (sql_event, rows, True),
            (sql_board, [_value(board[c], sqlite) for c in board_cols], False),
            (sql_doc, [_value(doc[c], sqlite) for c in doc_cols], False),
        ]
        with watch:
            _transaction(conn, sqlite, statements, f"UPDATE {head} SET seq = {ph} WHERE id = 1", seqs)
    conn.close()
    return watch


def _sqlite_raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _transaction(
    conn: Any, sqlite: bool, statements: list[tuple[str, Any, bool]], move_head: str, seqs: list[int]
) -> None:
    """One command's rows in one transaction: its events, the chain head, board row and document."""
    if sqlite:
        conn.execute("BEGIN IMMEDIATE")
        _write(conn, statements, move_head, seqs)
        conn.execute("COMMIT")
    else:
        with conn.transaction():
            _write(conn, statements, move_head, seqs)


def _write(conn: Any, statements: list[tuple[str, Any, bool]], move_head: str, seqs: list[int]) -> None:
    cursor = conn.cursor()
    for sql, params, many in statements:
        if many:
            if params:
                cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    if seqs:
        cursor.execute(move_head, (seqs[-1],))


def raw_board(store: Store, repeats: int) -> Stopwatch:
    """The board's three statements (page, counts per stage, overdue count) through the driver."""
    sqlite = store.name == "SQLite"
    ph, true, false = store.placeholder, ("1" if sqlite else "true"), ("0" if sqlite else "false")
    now = _value(datetime.now(UTC), sqlite)
    page = (
        f"SELECT * FROM incidents WHERE is_open = {true} ORDER BY coalesce(overdue_at <= {ph}, {false}) "
        "DESC, priority, reported_at DESC LIMIT 200 OFFSET 0"
    )
    counts = f"SELECT stage, count(*) FROM incidents WHERE is_open = {true} GROUP BY stage"
    overdue = f"SELECT count(*) FROM incidents WHERE is_open = {true} AND overdue_at <= {ph}"
    conn = store.raw_connect()
    watch = Stopwatch()
    for _ in range(repeats):
        with watch:
            cursor = conn.cursor()
            cursor.execute(page, (now,))
            cursor.fetchall()
            cursor.execute(counts)
            cursor.fetchall()
            cursor.execute(overdue, (now,))
            cursor.fetchall()
    conn.close()
    return watch


# --- the run ------------------------------------------------------------------------------------


def bench_store(store: Store, incidents_stored: int, cycles: int, folder: Path) -> list[Row]:
    node = prepare(store, incidents_stored, cycles, folder)
    measured = run_cycles(node, cycles)
    board = time_board(node, 200)
    raw = raw_replay(store, node, measured, folder)
    raw_board_watch = raw_board(store, 200)
    node.close()
    n = len(measured.latency.samples_ms)
    ours_rate, anchor_rate = n / measured.wall_s, n / raw.total_s
    where = f"{store.name}, {incidents_stored:,} incidents stored"
    anchor = (
        f"same rows via raw {'sqlite3' if store.name == 'SQLite' else 'psycopg'}, one transaction per command"
    )
    sqlite = store.name == "SQLite"
    return [
        row(
            f"brokering cycle throughput ({where})",
            "commands/s",
            ours_rate,
            anchor,
            anchor_rate,
            higher_is_better=True,
            target=">= 500 commands/s" if sqlite else "",
            meets=ours_rate >= 500 if sqlite else None,
        ),
        row(
            f"command latency p50 ({where})",
            "ms",
            measured.latency.p(50),
            anchor,
            raw.p(50),
            higher_is_better=False,
        ),
        row(
            f"command latency p99 ({where})",
            "ms",
            measured.latency.p(99),
            anchor,
            raw.p(99),
            higher_is_better=False,
        ),
        row(
            f"board query p95 ({where}, open)",
            "ms",
            board.p(95),
            "the same SQL via the raw driver",
            raw_board_watch.p(95),
            higher_is_better=False,
            target="<= 50 ms",
            meets=board.p(95) <= 50,
        ),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=10_000, help="incidents stored before measuring")
    parser.add_argument("--cycles", type=int, default=300, help="brokering cycles measured (7 commands each)")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.stores.split(","):
            if name == "sqlite":
                with sqlite_store(folder, "core") as store:
                    rows += bench_store(store, args.incidents, args.cycles, folder)
            elif name == "postgres":
                if not postgres_available():
                    console.print(f"[yellow]no PostgreSQL at {POSTGRES_URL}: skipped[/]")
                    continue
                with postgres_store("core") as store:
                    rows += bench_store(store, args.incidents, args.cycles, folder)
    show(rows)
    path = write("core", rows)
    console.print(f"written to {path}")
    return rows


def show(rows: list[Row]) -> None:
    table = Table("metric", "ours", "anchor", "ratio", "target", "peak MB", title="coordination core")
    for r in rows:
        verdict = (
            "" if r.meets_target is None else (" [green]met[/]" if r.meets_target else " [red]MISSED[/]")
        )
        table.add_row(
            r.metric,
            f"{r.ours:,.2f} {r.unit}",
            f"{r.anchor_value:,.2f} {r.unit}",
            f"{r.ratio:.3f}",
            r.target + verdict,
            f"{r.peak_mb:.0f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
