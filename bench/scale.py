"""Scaling: commands/s with several server processes on PostgreSQL, brokering in-process on SQLite,
and the live feed with 200 subscribers, against the lowest honest layer beneath each figure.

Every server here is the project's own CLI, ``python -m jprcc serve --port P --workers N``, in its
own process group on a free loopback port, with cheap argon2id hashing, ``JPRCC_LOG_LEVEL=WARNING``
and its own data dir; on PostgreSQL each configuration gets a fresh schema in the ``test`` database
(``options=-csearch_path=<schema>``), loaded with ``python -m jprcc demo load``, dropped at the end;
on SQLite each server gets a fresh copy of one demo store. The clock's sweep runs as it does in any
server. All narrative commands are ``POST /api/incidents/PR-RAVEN21/narrative`` with
``{"text": ...}`` as the demo's ``controller``. Live-feed streams are ``GET /api/feed`` held open
by a separate process, logged in round-robin as ``controller``, ``director`` and ``observer``
(roles that see every event): for row 3 asyncio and httpx2, each frame parsed and timed; for row 4
asyncio on plain sockets, the frames counted in the raw bytes (the readers share the server's
cores: parsing every line through an HTTP client cost them three times the CPU).

Rows, what each measures, and its anchor (measured in the same run, on the same machine):

1. **PostgreSQL, 1, 2 and 4 server processes** (``--workers N``): C concurrent client threads
   (default 8, each its own kept-alive HTTP connection) send a fixed total of commands; commands/s =
   commands / the time from the first request to the last answer; p99 = the 99th percentile of the
   answer times. Anchor: the raw driver, psycopg 3, doing the same count of single-row
   ``INSERT`` + ``COMMIT`` transactions into a scratch table in the same schema from the same number
   of concurrent connections (rate; p99 of its transactions for the latency row). A third row per
   configuration puts the same rate beside the simplest server of the same request,
   ``bench/bare_server.py`` (FastAPI and psycopg: a constant token, one ``INSERT`` + ``COMMIT``, the
   row's number answered), run by uvicorn with as many workers and sent the same load: what this
   machine's cores allow any FastAPI server on PostgreSQL. Target (the issue), on the 4-process
   row: at least 1,000 commands/s.
2. **SQLite in-process**: N ``AddNarrativeEntry`` commands handled by the node's bus
   (``bootstrap(Settings(...), migrate=True)`` + ``load_demo``) as the controller, one after the
   other, no HTTP. Anchor: raw ``sqlite3`` inserting N rows into a scratch file, one
   ``BEGIN IMMEDIATE`` ... ``COMMIT`` each, WAL and ``synchronous=NORMAL`` as the project sets.
   Target (the issue): at least 2,000 commands/s. Three runs, each in a fresh interpreter on a
   fresh store with its anchor measured just after it; the run with the median ratio to its anchor
   is reported, every run's rate beside it. The same on PostgreSQL (a fresh schema, one
   thread; no target of its own: it shows what one command costs there, against raw psycopg's
   single-row ``INSERT`` + ``COMMIT`` on one connection).
3. **Feed delay, 200 subscribers across 2 server processes on PostgreSQL**: two ``serve``
   processes (``--workers 1`` each, the same schema), 100 streams on each; one client sends M
   commands one after the other, alternating between the two servers. For every stream and every
   command, delay = the time the stream's reader got the command's ``data:`` frame (matched by the
   frame's incident and stream version; its ``seq`` is the command's event) minus the time the
   client got the POST's answer (the commit); both clocks are ``CLOCK_MONOTONIC``. Negative values
   (the frame before the answer) are kept. The reader's own scheduling (200 streams in one asyncio
   process) counts in the delay. p50 and p99 over all streams and frames; whether every stream
   received every frame. Anchor: the same with one server process holding all 200 streams, so the
   row shows what fan-out across processes costs.
4. **200 subscribers vs none, SQLite and PostgreSQL**: one server process, one client sending
   commands one after the other; ours = commands/s with 200 streams open, anchor = commands/s with
   none, run just before it in the same round (a fresh server on a fresh store each); five rounds,
   and the round with the median ratio reported (the machine's speed drifts over a run of this
   benchmark: two runs back to back share it, the median runs of different rounds need not; the
   row also prints that ratio of medians). Target (the issue): ratio at least 0.80 on each, with
   the feed as shipped: a commit after a quiet spell is written out at once, but under load at most
   one write per stream every 200 ms (``JPRCC_FEED_GATHER_MS``), carrying every commit since the
   last. A second row runs the same with ``JPRCC_FEED_GATHER_MS=0`` (every commit written out at
   once, one write per stream and command), to show what the gathering buys; row 3's delays show
   what it costs.

5. **The soak** (``bench/scale_soak.py``): one server on a SQLite demo store loaded just before, 200
   streams open, narrative commands offered at 50 a second by four clients for ten minutes
   (``--soak-s``), the server's resident set (``VmRSS`` over its process tree) sampled every few
   seconds. Ours = the peak of the last third of the run, anchor = the peak of the first third;
   target (the long check's bound): at most 15 % and 10 MB more. A second row: the commands kept a
   second beside the 50 offered. Every stream must get a frame for every command kept.

Every command adds an entry to the same incident. The incident's stored document holds the count of
its narrative, not the entries (they are rows of their own), and an answer carries the latest 100
entries: a command costs the same however long the narrative has grown. Row 2 prints the rate of
its first and last tenth, which shows it.

Excluded from every timing: the servers' start, the demo load, the logins, opening the streams,
the warm-up commands (3 per client before the timed commands; for row 2, 20), creating the
schemas and the raw driver's connections.

Peak memory: for server rows, the sum of VmHWM (``/proc/<pid>/status``) over the server's process
tree (with ``--workers N``: uvicorn's supervisor, its N workers and multiprocessing's resource
tracker; row 3: both servers), read just before they stop; for row 2, the in-process benchmark's
own VmHWM (it runs in a fresh interpreter).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from statistics import median
from typing import Any

import httpx2
from rich.console import Console
from rich.table import Table

from bench.common import ROOT, Row, own_peak_mb, percentile, row, spawn, write
from bench.core import POSTGRES_URL, Store, postgres_available, postgres_store
from bench.feed import INCIDENT, _answer, _read_streams, follow_orders, login
from bench.versions import FAST_HASHING, PYTHON
from jprcc.core.store.notify import libpq_url

console = Console()
NARRATIVE = f"/api/incidents/{INCIDENT}/narrative"
SEERS = ("controller", "director", "observer")  # roles that see every event
WARM_UP = 3
IN_PROCESS_WARM_UP = 20
IN_PROCESS_TARGET = 2000.0
PROCESSES_TARGET = 1000.0
STREAMS_TARGET = 0.80
SOAK_RATE = 50.0  # narrative commands offered a second during the soak (row 5)


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """This process's environment without its JPRCC_* settings, with the benchmark's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JPRCC_")}
    env.update(FAST_HASHING)
    env.update(JPRCC_LOG_LEVEL="WARNING", JPRCC_DATA_DIR=str(data_dir))
    if database_url:
        env["JPRCC_DATABASE_URL"] = database_url
    return env


def load_demo(env: dict[str, str]) -> None:
    Path(env["JPRCC_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [PYTHON, "-m", "jprcc", "demo", "load"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"jprcc demo load failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found.setdefault(ppid, []).append(int(entry.name))
    return found


def status_mb(pid: int, field: str = "VmHWM") -> float:
    """A memory figure of the process from ``/proc/<pid>/status`` (its peak by default, ``VmRSS``
    its resident set now), in MB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) the process has used so far; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Serve:
    """``python -m jprcc serve --port P --workers N`` in its own process group."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.log, self.workers = log, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [PYTHON, "-m", "jprcc", "serve", "--port", str(self.port), "--workers", str(workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx2.get(f"{self.url}/api/health", timeout=10).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise SystemExit(f"jprcc serve did not answer /api/health:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        if workers > 1:  # every worker up (each imports the app) before anything is timed
            while len(self.tree()) < workers + 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1.0)

    def tree(self) -> list[int]:
        """The server's processes: the one started and all its descendants."""
        children, found, todo = _children(), [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def peak_mb(self) -> float:
        return sum(status_mb(pid) for pid in self.tree())

    def cpu_s(self) -> dict[int, float]:
        """CPU seconds (user + system) of each process of the tree so far."""
        return {pid: cpu_seconds(pid) for pid in self.tree()}

    def problems(self) -> list[str]:
        """Lines of the server's log that tell of a warning, an error or a crash."""
        words = ("Traceback", "ERROR", "WARNING", "Exception", "error", "warning")
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if any(w in line for w in words)
        ]

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a server started in its own process group, and whatever it left behind."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    with suppress(ProcessLookupError, PermissionError):  # workers left behind by a dead supervisor
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path) -> Iterator[Serve]:
    server = Serve(env, workers, log)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Notes:
    """What went wrong along the way: error answers, server log lines; printed at the end."""

    lines: list[str] = field(default_factory=list)

    def server(self, what: str, server: Serve) -> None:
        found = server.problems()
        if found:
            self.lines.append(
                f"{what}: {len(found)} warning/error lines in the server log, e.g. {found[0]!r}"
            )

    def answers(self, what: str, errors: list[str]) -> None:
        if errors:
            self.lines.append(f"{what}: {len(errors)} error answers, e.g. {errors[0]}")


NOTES = Notes()


@contextmanager
def pg_demo(tmp: Path, name: str) -> Iterator[tuple[Store, dict[str, str]]]:
    """A fresh schema holding the demo, and the environment of a server on it; dropped after."""
    with postgres_store(f"scale_{name}") as store:
        env = server_env(tmp / f"pg-{name}", store.url)
        load_demo(env)
        yield store, env


def narrative_client(url: str, token: str, *, keep_alive: bool = True) -> httpx2.Client:
    """A client for the narrative commands; ``keep_alive=False``: a new connection per request."""
    limits = httpx2.Limits() if keep_alive else httpx2.Limits(max_keepalive_connections=0)
    return httpx2.Client(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120, limits=limits
    )


def post(client: httpx2.Client, text: str) -> tuple[float, int | None, str]:
    """One narrative command: (answer time, the incident's version after it, error or "")."""
    try:
        answer = client.post(NARRATIVE, json={"text": text})
    except httpx2.HTTPError as e:
        return time.monotonic(), None, repr(e)
    done = time.monotonic()
    if not answer.is_success:
        return done, None, f"HTTP {answer.status_code}: {answer.text[:300]}"
    return done, int(answer.json()["version"]), ""


def sequential(
    clients: list[httpx2.Client], commands: int, label: str
) -> tuple[float, list[tuple[float, int]]]:
    """``commands`` commands one after the other, alternating between ``clients``: commands/s and
    each answered command's (answer time, version)."""
    answered, errors = [], []
    started = time.monotonic()
    for i in range(commands):
        done, version, error = post(clients[i % len(clients)], f"scale {label} {i}")
        if version is None:
            errors.append(error)
        else:
            answered.append((done, version))
    elapsed = time.monotonic() - started
    NOTES.answers(label, errors)
    return commands / elapsed, answered


# --- 1. PostgreSQL, commands/s over HTTP with 1, 2, 4 processes -----------------------------------


@dataclass
class Load:
    rate: float
    p99_ms: float
    errors: list[str]


def concurrently(
    work: Callable[[int, threading.Barrier], list[float]], clients: int
) -> tuple[float, list[float]]:
    """Run ``work(i, barrier)`` in ``clients`` threads that start together; the rate's time is from
    the barrier to the last one done; returns (seconds, every sample in ms)."""
    barrier = threading.Barrier(clients + 1)
    samples: list[list[float]] = [[] for _ in range(clients)]

    def run(i: int) -> None:
        samples[i] = work(i, barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started, [s for each in samples for s in each]


def http_load(url: str, token: str, commands: int, clients: int, keep_alive: bool) -> Load:
    errors: list[str] = []
    shares = [commands // clients + (1 if i < commands % clients else 0) for i in range(clients)]

    def work(i: int, barrier: threading.Barrier) -> list[float]:
        took = []
        with narrative_client(url, token, keep_alive=keep_alive) as client:
            for k in range(WARM_UP):
                client.post(NARRATIVE, json={"text": f"warm-up {i}.{k}"}).raise_for_status()
            barrier.wait()
            for k in range(shares[i]):
                sent = time.perf_counter()
                _, version, error = post(client, f"scale load {i}.{k}")
                took.append((time.perf_counter() - sent) * 1000)
                if version is None:
                    errors.append(error)
        return took

    elapsed, took = concurrently(work, clients)
    return Load(commands / elapsed, percentile(took, 99), errors)


def raw_inserts(store: Store, commands: int, clients: int) -> Load:
    """psycopg: ``commands`` single-row INSERT + COMMIT transactions from ``clients`` connections."""
    with store.raw_connect() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS scale_scratch (id bigserial PRIMARY KEY, client int, text text)"
        )
    shares = [commands // clients + (1 if i < commands % clients else 0) for i in range(clients)]

    def work(i: int, barrier: threading.Barrier) -> list[float]:
        took = []
        with store.raw_connect() as conn:
            barrier.wait()
            for k in range(shares[i]):
                sent = time.perf_counter()
                with conn.transaction():
                    conn.execute(
                        "INSERT INTO scale_scratch (client, text) VALUES (%s, %s)", (i, f"scale raw {i}.{k}")
                    )
                took.append((time.perf_counter() - sent) * 1000)
        return took

    elapsed, took = concurrently(work, clients)
    return Load(commands / elapsed, percentile(took, 99), [])


def processes_rows(tmp: Path, workers: list[int], commands: int, clients: int, keep_alive: bool) -> list[Row]:
    rows = []
    for n in workers:
        with pg_demo(tmp, f"w{n}") as (store, env):
            with serving(env, n, tmp / f"serve-w{n}.log") as server:
                token = login(server.url, "controller")
                before = server.cpu_s()
                ours = http_load(server.url, token, commands, clients, keep_alive)
                after = server.cpu_s()
                peak = server.peak_mb()
                NOTES.server(f"{n} processes", server)
            NOTES.answers(f"PostgreSQL, {n} server processes", ours.errors)
            raw = raw_inserts(store, commands, clients)
            bare = bare_load(store, n, commands, clients, keep_alive, tmp / f"bare-w{n}.log")
        # the n busiest processes are the workers (uvicorn's supervisor and the tracker idle)
        busy = sorted((after[p] - before.get(p, 0.0) for p in after), reverse=True)[:n]
        split = "/".join(f"{100 * b / (sum(busy) or 1):.0f}" for b in busy)
        console.print(
            f"PostgreSQL, {n} server process(es), {clients} clients: {ours.rate:7.1f} commands/s, "
            f"p99 {ours.p99_ms:6.1f} ms, {len(ours.errors)} errors; psycopg {raw.rate:7.1f}/s, "
            f"p99 {raw.p99_ms:5.1f} ms; workers' CPU s {[round(b, 1) for b in busy]}, peak {peak:.0f} MB; "
            f"bare FastAPI server {bare.rate:7.1f}/s"
        )
        errs = f", {len(ours.errors)} error answers" if ours.errors else ""
        connections = "kept-alive connections" if keep_alive else "a new connection per request"
        errs += f"; workers' CPU split {split}%" if n > 1 else ""
        anchor = (
            f"psycopg 3: the same count of single-row INSERT + COMMIT transactions from {clients} "
            "connections (same run, same schema)"
        )
        for r in (
            row(
                f"PostgreSQL: narrative commands/s over HTTP, {n} server process(es), {clients} "
                f"concurrent clients ({connections}), {commands} commands{errs}",
                "commands/s",
                ours.rate,
                anchor,
                raw.rate,
                higher_is_better=True,
            ),
            row(
                f"PostgreSQL: narrative command p99 latency over HTTP, {n} server process(es), "
                f"{clients} concurrent clients",
                "ms",
                ours.p99_ms,
                anchor + ": p99 of one transaction",
                raw.p99_ms,
                higher_is_better=False,
            ),
        ):
            r.peak_mb = round(peak, 1)
            rows.append(r)
        target = n == 4
        bare_errors = f"; {len(bare.errors)} error answers" if bare.errors else ""
        bare_row = row(
            f"PostgreSQL: narrative commands/s over HTTP, {n} server process(es), {clients} concurrent "
            f"clients, against the simplest server of the same request{errs}",
            "commands/s",
            ours.rate,
            f"bench/bare_server.py with {n} uvicorn worker(s), h11, the same load: FastAPI, a constant "
            "token, one INSERT + COMMIT through psycopg, the row's number answered (same run, same "
            f"schema; p99 {bare.p99_ms:.1f} ms{bare_errors})",
            bare.rate,
            higher_is_better=True,
            target=">= 1,000 commands/s with 4 processes" if target else "",
            meets=ours.rate >= PROCESSES_TARGET if target else None,
        )
        bare_row.peak_mb = round(peak, 1)
        rows.append(bare_row)
    return rows


def bare_load(store: Store, workers: int, commands: int, clients: int, keep_alive: bool, log: Path) -> Load:
    """The same load sent to the simplest server of the request (``bench/bare_server.py``), run by
    uvicorn with as many worker processes as ours, on a table of its own in the same schema."""
    from bench import bare_server

    conn = store.raw_connect()
    conn.execute(bare_server.SCHEMA)
    conn.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JPRCC_")}
    env["BARE_DSN"] = libpq_url(store.url)  # (the schema's search path kept)
    command = [PYTHON, "-m", "uvicorn", "bench.bare_server:app", "--port", str(port), "--http", "h11"]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx2.get(f"{url}/docs", timeout=5)
                break
            except httpx2.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit(f"the bare server did not answer:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        time.sleep(1.0 if workers > 1 else 0.2)  # every worker up
        return http_load(url, bare_server.TOKEN, commands, clients, keep_alive)
    finally:
        stop_group(process)


# --- 2. SQLite in-process -------------------------------------------------------------------------


def in_process(commands: int, postgres: bool = False) -> dict[str, float]:
    """In a fresh interpreter (``spawn``): our bus's rate, then the raw driver's, and the peak; on
    SQLite, or with ``postgres`` on a fresh schema of the PostgreSQL server."""
    if postgres:
        with postgres_store("inproc") as store:
            return _in_process(commands, store)
    return _in_process(commands, None)


def _in_process(commands: int, store: Store | None) -> dict[str, float]:
    from jprcc.brokering.commands import AddNarrativeEntry
    from jprcc.core.model import Actor, Role
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings
    from jprcc.demo import load_demo as play_demo

    controller = Actor("controller", Role.JPRCC_CONTROLLER)
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-scale-") as name:
        folder = Path(name)
        settings = Settings(
            database_url=store.url if store is not None else f"sqlite:///{folder / 'jprcc.sqlite3'}",
            data_dir=folder,
            argon2_time_cost=1,
            argon2_memory_kib=64,
        )
        node = bootstrap(settings, migrate=True)
        try:
            play_demo(node)
            for i in range(IN_PROCESS_WARM_UP):
                node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text=f"warm-up {i}"), controller)
            tenth = max(1, commands // 10)
            marks = []
            started = time.perf_counter()
            for i in range(commands):
                if i % tenth == 0:
                    marks.append(time.perf_counter())
                node.bus.handle(
                    AddNarrativeEntry(incident_id=INCIDENT, text=f"scale in-process {i}"), controller
                )
            ended = time.perf_counter()
            ours = commands / (ended - started)
            first = tenth / (marks[1] - marks[0]) if len(marks) > 1 else ours
            last = (commands - (len(marks) - 1) * tenth) / (ended - marks[-1])
        finally:
            node.close()

        if store is not None:
            return {**_raw_postgres(store, commands), "ours": ours, "first": first, "last": last}
        conn = sqlite3.connect(folder / "scratch.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        started = time.perf_counter()
        for i in range(commands):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO scratch (text) VALUES (?)", (f"scale raw {i}",))
            conn.execute("COMMIT")
        raw = commands / (time.perf_counter() - started)
        conn.close()
    return {"ours": ours, "first": first, "last": last, "raw": raw, "peak_mb": own_peak_mb()}


def _raw_postgres(store: Store, commands: int) -> dict[str, float]:
    """psycopg, one connection: single-row INSERT + COMMIT transactions into a scratch table."""
    conn = store.raw_connect()
    conn.autocommit = False
    conn.execute("CREATE TABLE scratch (id SERIAL PRIMARY KEY, text TEXT NOT NULL)")
    conn.commit()
    started = time.perf_counter()
    for i in range(commands):
        conn.execute("INSERT INTO scratch (text) VALUES (%s)", (f"scale raw {i}",))
        conn.commit()
    raw = commands / (time.perf_counter() - started)
    conn.close()
    return {"raw": raw, "peak_mb": own_peak_mb()}


def in_process_postgres_rows(commands: int) -> list[Row]:
    got = spawn("bench.scale", "in_process", commands, True)
    console.print(
        f"PostgreSQL in-process, one thread: {got['ours']:.1f} commands/s; raw psycopg "
        f"{got['raw']:.1f} transactions/s"
    )
    r = row(
        f"PostgreSQL: narrative commands/s in-process through the bus, one thread, {commands} commands",
        "commands/s",
        got["ours"],
        "raw psycopg, one connection: the same count of single-row INSERT + COMMIT (same run, scratch "
        "table in the same schema)",
        got["raw"],
        higher_is_better=True,
    )
    r.peak_mb = round(got["peak_mb"], 1)
    return [r]


def in_process_rows(commands: int, repeats: int = 3) -> list[Row]:
    """``repeats`` runs, each in a fresh interpreter on a fresh store, each with the raw driver
    measured just after it: the run whose ratio to its raw driver is the median is reported (the
    machine's speed drifts by a third within minutes; a run and its anchor move together)."""
    runs = []
    for k in range(repeats):
        got = spawn("bench.scale", "in_process", commands)
        console.print(
            f"SQLite in-process, run {k + 1}: {got['ours']:.1f} commands/s; raw sqlite3 "
            f"{got['raw']:.1f} transactions/s; first tenth {got['first']:.1f}/s, last tenth "
            f"{got['last']:.1f}/s"
        )
        runs.append(got)
    each = ", ".join(f"{g['ours']:.0f}" for g in runs)
    got = sorted(runs, key=lambda g: g["ours"] / g["raw"])[len(runs) // 2]
    meets = got["ours"] >= IN_PROCESS_TARGET
    console.print(
        f"SQLite in-process: {got['ours']:.1f} commands/s (target {IN_PROCESS_TARGET:,.0f}: "
        f"{'met' if meets else 'NOT met'}); raw sqlite3 {got['raw']:.1f} transactions/s "
        f"(the run with the median ratio of {repeats}: {each}/s)"
    )
    r = row(
        f"SQLite: narrative commands/s in-process through the bus (no HTTP), {commands} commands; "
        f"the run with the median ratio to its raw driver of {repeats} (each run: {each}/s; this "
        f"run's first tenth {got['first']:.0f}/s, last tenth {got['last']:.0f}/s)",
        "commands/s",
        got["ours"],
        "raw sqlite3: the same count of single-row INSERTs, one BEGIN IMMEDIATE/COMMIT each, WAL, "
        "synchronous=NORMAL (same run, scratch file)",
        got["raw"],
        higher_is_better=True,
        target=f">= {IN_PROCESS_TARGET:,.0f} commands/s",
        meets=meets,
    )
    r.peak_mb = round(got["peak_mb"], 1)
    return [r]


# --- the timed streams, in their own process ------------------------------------------------------


def _read_timed(targets: list[tuple[str, str]], conn: Connection) -> None:
    asyncio.run(_timed_streams(targets, conn))


async def _timed_streams(targets: list[tuple[str, str]], conn: Connection) -> None:
    """Hold one stream per (url, token) open; note when each ``data:`` line arrives between "go"
    and the moment no frame arrived for SETTLE_S after "stop"; then answer, per stream, the
    (seq, stream version, receipt time) of each narrative frame of the incident."""
    got: list[list[tuple[float, str]]] = [[] for _ in targets]
    errors: list[str] = []
    state = {"connected": 0, "counting": False, "frames": 0}
    connected = asyncio.Event()

    async def one(i: int, url: str, token: str, client: httpx2.AsyncClient) -> None:
        try:
            headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
            async with client.stream("GET", f"{url}/api/feed", headers=headers) as answer:
                if answer.status_code != 200:
                    errors.append(f"stream {i}: HTTP {answer.status_code}")
                    connected.set()
                    return
                async for line in answer.aiter_lines():
                    if line.startswith("data:"):
                        if state["counting"]:
                            got[i].append((time.monotonic(), line))
                            state["frames"] += 1
                    elif line == ": connected":
                        state["connected"] += 1
                        if state["connected"] == len(targets):
                            connected.set()
        except httpx2.HTTPError as e:
            errors.append(f"stream {i}: {e!r}")
            connected.set()

    limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx2.Timeout(120, read=None)
    async with httpx2.AsyncClient(limits=limits, timeout=timeout) as client:
        tasks = [asyncio.create_task(one(i, url, token, client)) for i, (url, token) in enumerate(targets)]
        await follow_orders(conn, connected, state, len(targets), errors, lambda: state["frames"])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    frames: list[list[tuple[int, int, float]]] = []
    for lines in got:
        mine = []
        for at, line in lines:
            data = json.loads(line[len("data:") :])
            if data.get("incident_id") == INCIDENT and data.get("type") == "narrative_entry_added":
                mine.append((int(data["seq"]), int(data["stream_version"]), at))
        frames.append(mine)
    conn.send(("done", frames, errors))


@contextmanager
def readers(target: Callable[..., None], *args: Any) -> Iterator[tuple[Connection, Any]]:
    """The stream readers' process, connected; terminated if still there at the end."""
    ours, theirs = mp.get_context("spawn").Pipe()
    process = mp.get_context("spawn").Process(target=target, args=(*args, theirs))
    process.start()
    try:
        _, errors = _answer(ours, process)
        if errors:
            raise SystemExit(f"streams: {errors[:5]}")
        yield ours, process
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()


class Cpu:
    """CPU seconds the servers and the stream readers use from now to ``done()``: on a small
    machine the readers compete with the servers for the same cores."""

    def __init__(self, servers: list[Serve], reader: int | None) -> None:
        self.servers, self.reader = servers, reader
        self.started = time.monotonic()
        self._servers = [sum(s.cpu_s().values()) for s in servers]
        self._reader = cpu_seconds(reader) if reader else 0.0
        self.server_s: list[float] = []
        self.reader_s = self.wall_s = 0.0

    def done(self) -> None:
        self.wall_s = time.monotonic() - self.started
        self.server_s = [
            sum(s.cpu_s().values()) - b for s, b in zip(self.servers, self._servers, strict=True)
        ]
        self.reader_s = cpu_seconds(self.reader) - self._reader if self.reader else 0.0

    def __str__(self) -> str:
        servers = " + ".join(f"{c:.1f}" for c in self.server_s)
        return f"over {self.wall_s:.1f} s: server CPU {servers} s, stream readers' CPU {self.reader_s:.1f} s"


def tokens(url: str) -> dict[str, str]:
    return {who: login(url, who) for who in SEERS}


# --- 3. feed delay, 200 subscribers over 2 processes vs 1 -----------------------------------------


@dataclass
class Delay:
    p50_ms: float
    p99_ms: float
    received: int
    expected: int
    fed: int  # streams that received every frame
    streams: int
    rate: float
    peak_mb: float
    cpu: Cpu


def feed_delay(tmp: Path, processes: int, streams: int, commands: int) -> Delay:
    with pg_demo(tmp, f"feed{processes}") as (_, env), ExitStack() as stack:
        servers = [
            stack.enter_context(serving(env, 1, tmp / f"serve-feed{processes}-{k}.log"))
            for k in range(processes)
        ]
        first = servers[0]
        token = tokens(first.url)
        targets = [
            (servers[i % len(servers)].url, token[SEERS[(i // len(servers)) % len(SEERS)]])
            for i in range(streams)
        ]
        clients = [narrative_client(s.url, token["controller"]) for s in servers]
        try:
            for k in range(WARM_UP):
                for client in clients:
                    client.post(NARRATIVE, json={"text": f"warm-up {k}"}).raise_for_status()
            with readers(_read_timed, targets) as (conn, process):
                conn.send("go")
                _answer(conn, process)
                cpu = Cpu(servers, process.pid)
                rate, answered = sequential(clients, commands, f"feed delay, {processes} process(es)")
                cpu.done()
                conn.send("stop")
                _, frames, errors = _answer(conn, process)
        finally:
            for client in clients:
                client.close()
        if errors:
            NOTES.lines.append(f"feed delay, {processes} process(es): stream errors {errors[:3]}")
        peak = sum(s.peak_mb() for s in servers)
        for i, s in enumerate(servers):
            NOTES.server(f"feed delay, {processes} process(es), server {i + 1}", s)
    answer_at = {version: at for at, version in answered}
    delays: list[float] = []
    fed = 0
    for mine in frames:
        seen = {version: at for _, version, at in mine if version in answer_at}
        delays.extend((at - answer_at[version]) * 1000 for version, at in seen.items())
        fed += len(seen) == len(answer_at)
    seqs = {version: seq for mine in frames for seq, version, _ in mine}
    missing = [v for v in answer_at if v not in seqs]
    if missing:
        NOTES.lines.append(
            f"feed delay, {processes} process(es): no stream got the frame of versions {missing[:10]}"
        )
    return Delay(
        percentile(delays, 50),
        percentile(delays, 99),
        len(delays),
        len(answer_at) * streams,
        fed,
        streams,
        rate,
        peak,
        cpu,
    )


def feed_delay_rows(tmp: Path, streams: int, commands: int) -> list[Row]:
    found = {n: feed_delay(tmp, n, streams, commands) for n in (2, 1)}
    for n, d in found.items():
        console.print(
            f"feed delay, {streams} streams on {n} process(es): "
            f"p50 {d.p50_ms:.1f} ms, p99 {d.p99_ms:.1f} ms; "
            f"{d.received}/{d.expected} frames, {d.fed}/{d.streams} streams got every frame; "
            f"{d.rate:.1f} commands/s; {d.cpu}; peak {d.peak_mb:.0f} MB"
        )
    two, one = found[2], found[1]

    def every(d: Delay) -> str:
        if d.received == d.expected:
            return f"all {d.streams} streams got all {commands} frames"
        return f"{d.received} of {d.expected} frames received, {d.fed}/{d.streams} streams got every frame"

    anchor = (
        f"the same with 1 server process holding all {streams} streams (same run, own schema; "
        f"{every(one)}; the client sent {one.rate:.1f} commands/s)"
    )
    rows = []
    for q, ours, theirs in ((50, two.p50_ms, one.p50_ms), (99, two.p99_ms, one.p99_ms)):
        r = row(
            f"PostgreSQL: live-feed delay p{q} (POST answered -> frame received), {streams} streams "
            f"over 2 server processes, {commands} sequential commands alternating between them "
            f"({every(two)}; the client sent {two.rate:.1f} commands/s)",
            "ms",
            ours,
            anchor,
            theirs,
            higher_is_better=False,
        )
        r.peak_mb = round(two.peak_mb, 1)
        rows.append(r)
    return rows


# --- 4. 200 subscribers vs none -------------------------------------------------------------------


def streams_rate(
    env: dict[str, str], log: Path, streams: int, commands: int, label: str
) -> tuple[float, float, Cpu]:
    """Commands/s of one sequential client with ``streams`` streams open; the server's peak; the
    CPU used while the commands ran."""
    with serving(env, 1, log) as server:
        token = tokens(server.url)
        with narrative_client(server.url, token["controller"]) as client:
            for k in range(WARM_UP):
                client.post(NARRATIVE, json={"text": f"warm-up {k}"}).raise_for_status()
            if not streams:
                cpu = Cpu([server], None)
                rate, _ = sequential([client], commands, label)
                cpu.done()
            else:
                held = [token[SEERS[i % len(SEERS)]] for i in range(streams)]
                with readers(_read_streams, server.url, held) as (conn, process):
                    conn.send("go")
                    _answer(conn, process)
                    cpu = Cpu([server], process.pid)
                    rate, _ = sequential([client], commands, label)
                    cpu.done()
                    conn.send("stop")
                    _, counts, _, errors = _answer(conn, process)
                if errors:
                    NOTES.lines.append(f"{label}: stream errors {errors[:3]}")
                short = sum(1 for c in counts if c < commands)
                if short:
                    NOTES.lines.append(
                        f"{label}: {short} of {streams} streams got fewer than {commands} frames"
                    )
        peak = server.peak_mb()
        NOTES.server(label, server)
    return rate, peak, cpu


Run = tuple[float, float, Cpu]  # commands/s, the server's peak MB, the CPU used


def median_pair(runs: list[Run], none: list[Run]) -> tuple[Run, Run]:
    """The round whose ratio (the run with streams over the run without, back to back in that
    round) is the median of the rounds': the pair's two runs."""
    pairs = list(zip(runs, none, strict=True))
    pairs.sort(key=lambda pair: pair[0][0] / pair[1][0])
    return pairs[len(pairs) // 2]


def streams_rows(tmp: Path, streams: int, commands: int, backends: list[str], repeats: int = 5) -> list[Row]:
    """Per backend: no stream, ``streams`` streams as shipped, and ``streams`` streams with the
    feed writing every commit out at once (``JPRCC_FEED_GATHER_MS=0``), each on a fresh store; the
    three in turn, ``repeats`` rounds. A round's ratio compares runs made back to back, so the
    machine's speed, which drifts by a fifth or more over a run of this benchmark, moves both alike;
    the round with the median ratio is reported (its two runs, and every round's ratio)."""
    rows = []
    configurations = {"none": (0, None), "shipped": (streams, None), "at once": (streams, "0")}
    for backend in backends:
        runs: dict[str, list[Run]] = {name: [] for name in configurations}
        for k in range(repeats):
            for name, (n, gather) in configurations.items():
                label = f"{backend}, {n} streams" + (
                    " (the feed writing every commit at once)" if gather else ""
                )
                tag = f"{backend}-{name.replace(' ', '-')}-{k}"
                log = tmp / f"serve-{tag}.log"
                extra = {"JPRCC_FEED_GATHER_MS": gather} if gather is not None else {}
                if backend == "SQLite":
                    data = tmp / f"sqlite-{tag}"
                    shutil.copytree(tmp / "sqlite-demo", data)
                    got = streams_rate({**server_env(data, None), **extra}, log, n, commands, label)
                    shutil.rmtree(data, ignore_errors=True)
                else:
                    with pg_demo(tmp, f"streams{name.replace(' ', '')}{k}") as (_, env):
                        got = streams_rate({**env, **extra}, log, n, commands, label)
                runs[name].append(got)
                console.print(
                    f"{label}, round {k + 1}: {got[0]:.1f} commands/s, {got[2]}, server peak {got[1]:.0f} MB"
                )

        for name in ("shipped", "at once"):
            (ours, peak, cpu), (theirs, _, cpu0) = median_pair(runs[name], runs["none"])
            per = [1000 * sum(c.server_s) / commands for c in (cpu0, cpu)]
            rounds = ", ".join(f"{a[0] / b[0]:.2f}" for a, b in zip(runs[name], runs["none"], strict=True))
            meets = ours / theirs >= STREAMS_TARGET
            console.print(
                f"{backend}: {streams} streams ({name}) / none = {ours / theirs:.2f} (rounds {rounds}; "
                f"target {STREAMS_TARGET:.2f}: {'met' if meets else 'NOT met'})"
            )
            how = (
                "the feed as shipped: at most one write per stream in 200 ms under load"
                if name == "shipped"
                else "the feed writing every commit out at once, JPRCC_FEED_GATHER_MS=0"
            )
            r = row(
                f"{backend}: narrative commands/s over HTTP, one sequential client, {streams} open feed "
                f"streams, {how}; the round with the median ratio of {repeats}, each round's ratio "
                f"{rounds} (the median run with streams over the median run without, from different "
                f"rounds: {median(a[0] for a in runs[name]) / median(b[0] for b in runs['none']):.2f}; "
                f"1 server process, {commands} commands; server CPU per command "
                f"{per[0]:.1f} ms with none, {per[1]:.1f} ms with {streams}; the stream readers, on the "
                f"same cores, used {cpu.reader_s:.1f} CPU s of the {cpu.wall_s:.1f} s)",
                "commands/s",
                ours,
                "the same with no stream open, just before it in the same round (fresh server on a "
                "fresh demo store)",
                theirs,
                higher_is_better=True,
                target=f"ratio >= {STREAMS_TARGET:.2f}" if name == "shipped" else "",
                meets=meets if name == "shipped" else None,
            )
            r.peak_mb = round(peak, 1)
            rows.append(r)
    return rows


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python -m bench scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Through `python -m bench scale`, give each value with '=' (e.g. --workers=1,2): "
        "bench's runner takes a bare word for a benchmark's name.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts; results not written")
    parser.add_argument("--workers", default="1,2,4", help="server processes for row 1 (default 1,2,4)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for row 1 (default 8)")
    parser.add_argument("--commands", type=int, help="commands per configuration of row 1 (default 1000)")
    parser.add_argument("--in-process", type=int, help="commands of row 2 (default 1000)")
    parser.add_argument(
        "--streams", type=int, default=200, help="open streams for rows 3 and 4 (default 200)"
    )
    parser.add_argument("--feed-commands", type=int, help="commands of row 3 (default 100)")
    parser.add_argument("--rate-commands", type=int, help="commands of row 4 (default 1000)")
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="row 1: a new HTTP connection per request (spreads the load over the workers)",
    )
    parser.add_argument("--soak-s", type=float, help="seconds of row 5's soak (default 600)")
    parser.add_argument("--no-postgres", action="store_true", help="only the SQLite rows")
    args = parser.parse_args(argv)
    quick = args.quick
    commands = args.commands or (40 if quick else 1000)
    inproc = args.in_process or (200 if quick else 1000)
    streams = 20 if quick and args.streams == 200 else args.streams
    feed_commands = args.feed_commands or (10 if quick else 100)
    rate_commands = args.rate_commands or (20 if quick else 1000)
    workers = [int(n) for n in args.workers.split(",")]
    postgres = not args.no_postgres and postgres_available()
    if not args.no_postgres and not postgres:
        console.print(f"[yellow]PostgreSQL not reachable at {POSTGRES_URL}: its rows are skipped[/]")

    rows: list[Row] = []
    started = time.monotonic()
    rows += in_process_rows(inproc, 1 if quick else 3)
    if postgres:
        rows += in_process_postgres_rows(inproc)
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-scale-") as name:
        tmp = Path(name)
        load_demo(server_env(tmp / "sqlite-demo", None))
        if postgres:
            rows += processes_rows(tmp, workers, commands, args.clients, not args.new_connections)
            rows += feed_delay_rows(tmp, streams, feed_commands)
        rows += streams_rows(
            tmp,
            streams,
            rate_commands,
            ["SQLite", "PostgreSQL"] if postgres else ["SQLite"],
            1 if quick else 5,
        )
        from bench.scale_soak import soak_rows

        rows += soak_rows(tmp, streams, SOAK_RATE, args.soak_s or (20.0 if quick else 600.0))

    table = Table("metric", "ours", "anchor", "ratio", "target", "peak MB", title="scaling")
    for r in rows:
        met = "" if r.meets_target is None else ("[green]met[/]" if r.meets_target else "[red]NOT met[/]")
        table.add_row(
            r.metric,
            f"{r.ours:,.1f} {r.unit}",
            f"{r.anchor_value:,.1f} {r.unit}",
            f"{r.ratio:.3g}x",
            f"{r.target} {met}".strip(),
            f"{r.peak_mb:.0f}",
        )
    Console(width=max(console.width, 180)).print(table)
    for line in NOTES.lines:
        console.print(f"[yellow]note:[/] {line}")
    console.print(f"took {time.monotonic() - started:.0f} s")
    if quick:
        console.print("quick run: bench/results/scale.json not written")
    else:
        console.print(f"written to {write('scale', rows)}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
