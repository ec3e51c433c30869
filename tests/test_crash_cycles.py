"""kill -9 under load, again and again: a server process killed at a random moment while commands
pour in loses none that it acknowledged, and the hash chain verifies every time it comes back (50
cycles on SQLite, 20 on PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest

from jprcc.core.clock import ManualClock
from jprcc.core.node import bootstrap
from jprcc.core.store.audit import verify_chain
from tests.conftest import _empty_postgres, fast_settings, load_theater
from tests.server import free_port, wait_ready
from tests.test_overload import report, reports_of

pytestmark = pytest.mark.long


def start(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "JPRCC_DATABASE_URL": url,
        "JPRCC_DATA_DIR": str(data_dir),
        "JPRCC_ARGON2_TIME_COST": "1",
        "JPRCC_ARGON2_MEMORY_KIB": "64",
        "JPRCC_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "jprcc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def cycles(url: str, data_dir: Path, n: int, seed: int) -> tuple[int, int]:
    """``n`` cycles of load then kill -9; returns (acknowledged, cycles) after checking each one."""
    rng = random.Random(seed)
    acknowledged: list[int] = []
    counter = iter(range(10**9))
    for cycle in range(n):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start(url, data_dir, port)
        try:
            wait_ready(base, proc)
            token = httpx2.post(
                f"{base}/api/auth/token", data={"username": "jfsocc", "password": "demo-jfsocc"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            stop = threading.Event()

            def pour(
                base: str = base, headers: dict[str, str] = headers, stop: threading.Event = stop
            ) -> None:
                with httpx2.Client(timeout=10) as client:
                    while not stop.is_set():
                        i = next(counter)
                        try:
                            answer = client.post(f"{base}/api/incidents", json=report(i), headers=headers)
                        except httpx2.TransportError:
                            return  # killed mid-request: not acknowledged
                        if answer.status_code == 201:
                            acknowledged.append(i)

            workers = [threading.Thread(target=pour) for _ in range(3)]
            for w in workers:
                w.start()
            time.sleep(rng.uniform(0.3, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            stop.set()
            for w in workers:
                w.join(15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        node = bootstrap(fast_settings(url, data_dir), migrate=False)
        try:
            verdict = verify_chain(node.database)
            assert verdict.ok, f"cycle {cycle}: {verdict.reason}"
            lost = [i for i in acknowledged if reports_of(node, f"PR-LOAD{i}") != 1]
            assert not lost, f"cycle {cycle}: acknowledged and not stored: {lost[:5]}"
        finally:
            node.close()
    return len(acknowledged), n


def test_fifty_kills_on_sqlite_lose_nothing_acknowledged(tmp_path: Path, clock: ManualClock):
    url = f"sqlite:///{tmp_path / 'jprcc.sqlite3'}"
    node = bootstrap(fast_settings(url, tmp_path), clock=clock, migrate=True)
    load_theater(node, clock)
    node.close()
    acknowledged, n = cycles(url, tmp_path, 50, seed=1)
    assert acknowledged > 100  # the load was real
    print(f"sqlite: {n} kill -9 cycles, {acknowledged} acknowledged commands, 0 lost")


@pytest.mark.postgres
def test_twenty_kills_on_postgresql_lose_nothing_acknowledged(
    postgres_url: str, tmp_path: Path, clock: ManualClock
):
    _empty_postgres(postgres_url)
    node = bootstrap(fast_settings(postgres_url, tmp_path), clock=clock, migrate=True)
    load_theater(node, clock)
    node.close()
    acknowledged, n = cycles(postgres_url, tmp_path, 20, seed=2)
    assert acknowledged > 40
    print(f"postgresql: {n} kill -9 cycles, {acknowledged} acknowledged commands, 0 lost")
