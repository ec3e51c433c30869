"""Command throughput over HTTP while pages hold the live feed open, before and after the
"One home per capability" restructuring.

Before it, every open stream re-read and filtered the log itself on every commit (and every second
when idle); after it, one reader of the log per process renders each frame once and fans it out.

Anchor: the same project at commit ``36b68ca`` (the last before the change), checked out into a
temporary git worktree and measured in the same run, on the same machine, with the same Python;
ours is the working tree. For each number N of open streams (0, 50, 200) and each version, run
alternately:

* a server in its own process (``bench/feed_server.py``: that version's ``create_app(bootstrap())``
  under uvicorn on a free loopback port, the alert sweep off) on a fresh copy of a demo store that
  version loaded itself;
* N real HTTP clients hold ``GET /api/feed`` open (asyncio on plain sockets, in a separate process), logged
  in round-robin as the demo's JPRCC staff, observer and component officers, and count the
  frames they receive;
* one client sends M commands one after the other, ``POST /api/incidents/PR-RAVEN21/narrative``
  as ``director``: commands/s = M / the time from the first request to the last answer.

Sanity check: the frames each stream received per command (an incident every component is
involved in: every stream may see it); a stream that received nothing is reported as not fed, and
how long after the last answer the streams still received frames. The server's peak resident
memory is its VmHWM (/proc/<pid>/status) at the end of each run.

Excluded: the server's start, the logins, opening the streams, three warm-up commands before the
streams open, and the demo load. Password hashing is at the cheapest argon2id settings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from rich.console import Console
from rich.table import Table

from bench.common import Row, row, write
from bench.versions import PYTHON, Version, before_and_after

console = Console()
ACCOUNTS = ("controller", "director", "jfacc", "jflcc", "jfmcc", "jfsocc", "observer")
INCIDENT = "PR-RAVEN21"
WARM_UP = 3
SETTLE_S = 2.0  # the streams are done when no frame arrived for this long


@dataclass
class Outcome:
    rate: float
    frames: list[int]
    backlog_s: float
    peak_mb: float


# --- the server -----------------------------------------------------------------------------------


class Server:
    """One version's server, in its own process, on a copy of its demo store."""

    def __init__(self, version: Version, data_dir: Path, log: Path) -> None:
        self.version, self.log = version, log
        self.process = subprocess.Popen(
            [PYTHON, str(Path(__file__).with_name("feed_server.py")), version.name],
            env=version.env(JPRCC_DATA_DIR=str(data_dir)),
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        first = self.process.stdout.readline() if self.process.stdout else ""
        if not first:
            self.fail("did not start")
        told = json.loads(first)
        if not told["jprcc"].startswith(str(version.src)):
            self.fail(f"imported jprcc from {told['jprcc']}")
        self.url = f"http://127.0.0.1:{told['port']}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx2.get(f"{self.url}/api/health", timeout=10).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.fail("did not answer /api/health")
            time.sleep(0.2)

    def fail(self, why: str) -> None:
        self.stop()
        raise SystemExit(f"{self.version.name} server {why}:\n{self.log.read_text()[-3000:]}")

    def peak_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def login(url: str, username: str) -> str:
    answer = httpx2.post(
        f"{url}/api/auth/token", data={"username": username, "password": f"demo-{username}"}, timeout=60
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


# --- the streams, in their own process ------------------------------------------------------------


def _read_streams(url: str, tokens: list[str], conn: Connection) -> None:
    asyncio.run(_streams(url, tokens, conn))


FRAME = b"\ndata:"  # each frame's data line (a frame is never split across the server's writes)


async def open_stream(url: str, token: str) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
    """``GET /api/feed`` on a plain socket: the status, and the open stream after its headers.

    The readers share the server's two cores, so they are kept lean: the body is read in whatever
    chunks arrive and frames are counted in the raw bytes, instead of being parsed line by line
    through an HTTP client (which cost the readers five times the CPU)."""
    where = urlsplit(url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    writer.write(
        f"GET /api/feed HTTP/1.1\r\nHost: {where.netloc}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    status = int((await reader.readline()).split()[1])
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return status, reader, writer


async def _streams(url: str, tokens: list[str], conn: Connection) -> None:
    """Hold one stream per token open; count the frames (``data:`` lines) each receives between
    "go" and the moment no frame arrived for SETTLE_S after "stop"."""
    counts, errors = [0] * len(tokens), []
    state = {"connected": 0, "counting": False}
    connected = asyncio.Event()

    async def one(i: int, token: str) -> None:
        writer = None
        try:
            status, reader, writer = await open_stream(url, token)
            if status != 200:
                errors.append(f"stream {i}: HTTP {status}")
                connected.set()
                return
            tail, joined = b"", False
            while data := await reader.read(65536):
                seen = tail + data
                if not joined and b": connected" in seen:
                    joined = True
                    state["connected"] += 1
                    if state["connected"] == len(tokens):
                        connected.set()
                elif state["counting"]:
                    counts[i] += seen.count(FRAME)
                tail = seen[-(len(FRAME) - 1) :]  # a frame split across reads is counted once
        except OSError as e:
            errors.append(f"stream {i}: {e!r}")
            connected.set()
        finally:
            if writer is not None:
                writer.close()

    tasks = [asyncio.create_task(one(i, t)) for i, t in enumerate(tokens)]
    settled = await follow_orders(conn, connected, state, len(tokens), errors, lambda: sum(counts))
    conn.send(("done", counts, settled, errors))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def follow_orders(
    conn: Connection,
    connected: asyncio.Event,
    state: dict[str, Any],
    streams: int,
    errors: list[str],
    received: Callable[[], int],
) -> float:
    """The readers' side of the talk with the benchmark: "ready" once every stream connected (or
    after 5 minutes, saying how many did), count from "go", and after "stop" wait until no frame
    has arrived for SETTLE_S. Returns how long after "stop" the last frame came."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(connected.wait(), timeout=300)
    except TimeoutError:
        errors.append(f"only {state['connected']} of {streams} streams connected")
    conn.send(("ready", errors))
    await loop.run_in_executor(None, conn.recv)  # go
    state["counting"] = True
    conn.send("counting")
    await loop.run_in_executor(None, conn.recv)  # stop: the last command was answered
    stopped = last_change = time.monotonic()
    total = received()
    while time.monotonic() - last_change < SETTLE_S and time.monotonic() - stopped < 300:
        await asyncio.sleep(0.05)
        if received() != total:
            total, last_change = received(), time.monotonic()
    return last_change - stopped


def _answer(conn: Connection, readers: Any) -> Any:
    """The readers' next message; fails if they die or stay silent for 10 minutes."""
    deadline = time.monotonic() + 600
    while not conn.poll(1):
        if not readers.is_alive() or time.monotonic() > deadline:
            raise SystemExit(f"the stream readers stopped answering (exit code {readers.exitcode})")
    return conn.recv()


# --- one run ------------------------------------------------------------------------------------


def run(version: Version, store: Path, tmp: Path, streams: int, commands: int) -> Outcome:
    data = tmp / f"run-{version.name}-{streams}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(store, data)
    server = Server(version, data, tmp / f"server-{version.name}-{streams}.log")
    readers: Any = None
    try:
        director = {"Authorization": f"Bearer {login(server.url, 'director')}"}
        path = f"/api/incidents/{INCIDENT}/narrative"
        with httpx2.Client(base_url=server.url, headers=director, timeout=120) as client:
            for i in range(WARM_UP):
                client.post(path, json={"text": f"warm-up {i}"}).raise_for_status()
            if streams:
                tokens = {a: login(server.url, a) for a in ACCOUNTS}
                ours, theirs = mp.get_context("spawn").Pipe()
                readers = mp.get_context("spawn").Process(
                    target=_read_streams,
                    args=(server.url, [tokens[ACCOUNTS[i % len(ACCOUNTS)]] for i in range(streams)], theirs),
                )
                readers.start()
                _, errors = _answer(ours, readers)
                if errors:
                    raise SystemExit(f"{version.name}, {streams} streams: {errors[:5]}")
                ours.send("go")
                _answer(ours, readers)
            started = time.perf_counter()
            for i in range(commands):
                answer = client.post(path, json={"text": f"bench narrative entry {i}"})
                if not answer.is_success:
                    raise SystemExit(f"{version.name}: narrative refused: {answer.status_code} {answer.text}")
            elapsed = time.perf_counter() - started
        frames, backlog = [], 0.0
        if streams:
            ours.send("stop")
            _, frames, backlog, errors = _answer(ours, readers)
            if errors:
                raise SystemExit(f"{version.name}, {streams} streams: {errors[:5]}")
        return Outcome(commands / elapsed, frames, backlog, server.peak_mb())
    finally:
        if readers is not None:
            readers.join(timeout=30)
            if readers.is_alive():
                readers.terminate()
        server.stop()


def _fed(o: Outcome) -> int:
    return sum(1 for f in o.frames if f > 0)


def _per_command(o: Outcome, commands: int) -> float:
    fed = [f for f in o.frames if f > 0]
    return sum(fed) / len(fed) / commands if fed else 0.0


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="0 and 10 streams, 20 commands")
    parser.add_argument("--streams", help="numbers of open streams, e.g. 0,50,200 (the default)")
    parser.add_argument("--commands", type=int, help="commands timed per run (default 200; 20 quick)")
    args = parser.parse_args(argv)
    counts = [int(n) for n in (args.streams or ("0,10" if args.quick else "0,50,200")).split(",")]
    commands = args.commands or (20 if args.quick else 200)
    rows: list[Row] = []
    results: dict[tuple[str, int], Outcome] = {}
    with (
        tempfile.TemporaryDirectory(prefix="jprcc-bench-feed-") as name,
        before_and_after(Path(name)) as pair,
    ):
        tmp = Path(name)
        old, new = pair
        console.print(f"before: {old.label} ({old.src})\nafter:  {new.label} ({new.src})")
        stores = {v.name: tmp / f"demo-{v.name}" for v in pair}
        for v in pair:
            v.load_demo(stores[v.name])
        for k, n in enumerate(counts):
            for v in pair if k % 2 == 0 else pair[::-1]:
                o = results[v.name, n] = run(v, stores[v.name], tmp, n, commands)
                console.print(
                    f"{v.name:6} {n:4} streams: {o.rate:7.1f} commands/s, {_fed(o)}/{n} streams fed, "
                    f"{_per_command(o, commands):.2f} frames/command/stream, "
                    f"backlog {o.backlog_s:.2f} s, server peak {o.peak_mb:.0f} MB"
                )
    anchor = f"the project at {old.label}, before the restructuring (same run, own server process)"
    for n in counts:
        before, after = results["before", n], results["after", n]
        fed = (
            ""
            if not n
            else (
                f" (fed: after {_fed(after)}, before {_fed(before)}; frames/command/stream: "
                f"after {_per_command(after, commands):.2f}, before {_per_command(before, commands):.2f})"
            )
        )
        for r in (
            row(
                f"narrative commands/s over HTTP, one client, {n} open feed streams{fed}",
                "commands/s",
                after.rate,
                anchor,
                before.rate,
                higher_is_better=True,
            ),
            row(
                f"server peak RSS (VmHWM), {n} open feed streams",
                "MB",
                after.peak_mb,
                anchor,
                before.peak_mb,
                higher_is_better=False,
            ),
        ):
            r.peak_mb = round(after.peak_mb, 1)
            rows.append(r)
    table = Table("streams", "version", "commands/s", "fed", "frames/cmd/stream", "backlog s", "peak MB")
    for (name, n), o in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        table.add_row(
            str(n),
            name,
            f"{o.rate:.1f}",
            f"{_fed(o)}/{n}",
            f"{_per_command(o, commands):.2f}",
            f"{o.backlog_s:.2f}",
            f"{o.peak_mb:.0f}",
        )
    console.print(table)
    ratios = Table("metric", "after", "before", "ratio", title="the live feed: after vs before (36b68ca)")
    for r in rows:
        ratios.add_row(
            r.metric, f"{r.ours:.1f} {r.unit}", f"{r.anchor_value:.1f} {r.unit}", f"{r.ratio:.2f}x"
        )
    console.print(ratios)
    unfed = [f"{name} {n}" for (name, n), o in results.items() if _fed(o) < n]
    if unfed:
        console.print(f"[red]streams that received nothing:[/] {', '.join(unfed)}")
    if args.quick:
        console.print("quick run: bench/results/feed.json not written")
    else:
        console.print(f"written to {write('feed', rows)}")
    return rows


if __name__ == "__main__":
    main()
