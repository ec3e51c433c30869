"""A soak: ten minutes of commands offered at 50 a second (four clients) while 200 pages hold the
live feed open. The server's memory stays flat (its resident set in the last third of the run no
more than 15 % over the first third), every stream receives every frame, and the commands keep
going (the rate kept is printed: on two cores that also carry the 200 readers it is below 50)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest

from jprcc.core.clock import ManualClock
from jprcc.core.node import bootstrap
from tests.conftest import fast_settings, load_theater
from tests.server import free_port, wait_ready
from tests.test_overload import report

pytestmark = pytest.mark.long

DURATION_S = float(os.environ.get("JPRCC_SOAK_S", "600"))
RATE = 50.0
STREAMS = 200
WRITERS = 4


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def test_ten_minutes_at_fifty_commands_a_second_with_two_hundred_pages_open(
    tmp_path: Path, clock: ManualClock
):
    url = f"sqlite:///{tmp_path / 'jprcc.sqlite3'}"
    node = bootstrap(fast_settings(url, tmp_path), clock=clock, migrate=True)
    load_theater(node, clock)
    node.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JPRCC_DATABASE_URL": url,
        "JPRCC_DATA_DIR": str(tmp_path),
        "JPRCC_ARGON2_TIME_COST": "1",
        "JPRCC_ARGON2_MEMORY_KIB": "64",
        "JPRCC_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "jprcc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(base, server)

        def token(who: str) -> str:
            data = {"username": who, "password": f"demo-{who}"}
            return str(httpx2.post(f"{base}/api/auth/token", data=data).json()["access_token"])

        readers = [token(w) for w in ("controller", "director", "observer", "jfc")]
        counts = [0] * STREAMS
        errors: list[str] = []
        connected = threading.Event()
        stop = threading.Event()

        async def streams() -> None:
            opened = 0

            async def one(i: int, client: httpx2.AsyncClient) -> None:
                nonlocal opened
                headers = {"Authorization": f"Bearer {readers[i % len(readers)]}"}
                try:
                    async with client.stream("GET", f"{base}/api/feed", headers=headers) as answer:
                        async for line in answer.aiter_lines():
                            if line == ": connected":
                                opened += 1
                                if opened == STREAMS:
                                    connected.set()
                            elif line.startswith("data:") and '"incident_reported"' in line:
                                counts[i] += 1
                except httpx2.HTTPError as e:
                    errors.append(f"stream {i}: {e!r}")

            limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None)
            async with httpx2.AsyncClient(limits=limits, timeout=httpx2.Timeout(60, read=None)) as client:
                tasks = [asyncio.create_task(one(i, client)) for i in range(STREAMS)]
                while not stop.is_set():
                    await asyncio.sleep(0.2)
                await asyncio.sleep(5)  # the last frames arrive
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

        listener = threading.Thread(target=lambda: asyncio.run(streams()), daemon=True)
        listener.start()
        assert connected.wait(120), f"streams did not all connect: {errors[:3]}"
        writer = {"Authorization": f"Bearer {token('jfsocc')}"}
        samples: list[tuple[float, float]] = []
        numbers = iter(range(10**9))
        lock = threading.Lock()
        sent, failures = [0], []
        started = time.monotonic()

        def pour(k: int) -> None:
            """One of WRITERS clients, each keeping RATE / WRITERS commands a second."""
            with httpx2.Client(timeout=30) as client:
                mine = 0
                while time.monotonic() - started < DURATION_S:
                    with lock:
                        n = next(numbers)
                    answer = client.post(f"{base}/api/incidents", json=report(n), headers=writer)
                    if answer.status_code != 201:
                        failures.append(answer.text[:200])
                        return
                    with lock:
                        sent[0] += 1
                    mine += 1
                    time.sleep(max(0.0, mine / (RATE / WRITERS) - (time.monotonic() - started)))

        writers = [threading.Thread(target=pour, args=(k,)) for k in range(WRITERS)]
        for w in writers:
            w.start()
        while (elapsed := time.monotonic() - started) < DURATION_S:
            samples.append((elapsed, rss_mb(server.pid)))
            time.sleep(min(10.0, DURATION_S / 30))
        for w in writers:
            w.join(60)
        assert not failures, failures[:3]
        took = time.monotonic() - started
        sent_total = sent[0]
        stop.set()
        listener.join(60)
        first = max(m for t, m in samples if t < DURATION_S / 3)
        last = max(m for t, m in samples if t >= 2 * DURATION_S / 3)
        print(
            f"soak: {sent_total} commands in {took:.0f} s ({sent_total / took:.1f}/s), {STREAMS} streams, "
            f"RSS first third {first:.0f} MB, last third {last:.0f} MB"
        )
        assert not errors, errors[:3]
        # offered at 50 a second; on two cores shared with the 200 readers the node keeps about 30
        # (the closing figures say which): the check is that it keeps going, memory flat, nothing lost
        assert sent_total / took >= 0.4 * RATE, "the commands fell far behind their pace"
        assert last <= first * 1.15 + 10, f"memory grew: {first:.0f} MB to {last:.0f} MB"
        assert min(counts) == sent_total, f"a stream missed frames: {min(counts)} of {sent_total}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
