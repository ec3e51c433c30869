"""Verify-only authentication under load: 50 recovery-force users asking at once.

Each of 50 threads (a different user each, so the per-user rate limit does not apply) asks
``Authenticator.verify`` five times whether an answer matches statement 2 of the demo casualty,
on a SQLite store: the argon2 comparison runs outside the write transaction, the outcome is
recorded as an event. The anchor is one raw argon2id verification with the same parameters on
this machine, timed alone: no verification can be faster than that.

argon2id parameters: the node's defaults, time cost 3, 64 MiB, parallelism 4 (argon2-cffi).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from rich.console import Console

from bench.common import Row, percentile, row, write

console = Console()
VERIFIERS = 50
EACH = 5


def main(argv: list[str] | None = None) -> list[Row]:
    from jprcc.core.clock import ManualClock
    from jprcc.core.model import Actor, Role
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings
    from jprcc.demo import load_demo
    from jprcc.records.queries import RecordQueries
    from jprcc.records.service import Authenticator

    parser = argparse.ArgumentParser(prog="python -m bench records")
    parser.add_argument("--quick", action="store_true", help="10 verifiers")
    args, _ = parser.parse_known_args(argv or [])
    verifiers = 10 if args.quick else VERIFIERS
    folder = Path(tempfile.mkdtemp(prefix="jprcc-bench-records-"))
    settings = Settings(data_dir=folder, auth_rate_per_minute=600)
    node = bootstrap(settings, clock=ManualClock(datetime.now(UTC)), migrate=True)
    load_demo(node)
    hasher = PasswordHasher()  # the defaults the node uses: time cost 3, 64 MiB, parallelism 4
    stored = hasher.hash("quarry lane")
    anchor = []
    for _ in range(10):
        started = time.perf_counter()
        hasher.verify(stored, "quarry lane")
        anchor.append(time.perf_counter() - started)
    records = RecordQueries(node.database, settings.isoprep_validity_months)
    controller = node.queries.credentials("controller")
    assert controller is not None
    incident = node.queries.incident(controller[0], "PR-RAVEN21")
    samples: list[float] = []
    lock = threading.Lock()

    def ask(i: int) -> None:
        actor = Actor(f"verifier-{i:02d}", Role.PRCC_OFFICER, "JFMCC")
        authenticator = Authenticator(node.bus, records)
        for _ in range(EACH):
            started = time.perf_counter()
            assert authenticator.verify(actor, incident, "PR-RAVEN21-P1", 2, "Quarry Lane")
            with lock:
                samples.append(time.perf_counter() - started)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(verifiers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    node.close()
    raw = statistics.median(anchor)
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    rows = [
        row(
            f"verification latency p50, {verifiers} concurrent verifiers",
            "s",
            p50,
            "one raw argon2id verify (t=3, 64 MiB, p=4), alone",
            raw,
            higher_is_better=False,
        ),
        row(
            f"verification latency p99, {verifiers} concurrent verifiers",
            "s",
            p99,
            "one raw argon2id verify (t=3, 64 MiB, p=4), alone",
            raw,
            higher_is_better=False,
        ),
        row(
            f"verifications per second, {verifiers} concurrent verifiers",
            "1/s",
            len(samples) / wall,
            "raw argon2id verifications per second, one thread",
            1 / raw,
            higher_is_better=True,
        ),
    ]
    for r in rows:
        against = f"{r.anchor_value} ({r.anchor})"
        console.print(f"{r.metric}: {r.ours} {r.unit} vs {against} -> ratio {r.ratio}, peak {r.peak_mb} MB")
    console.print(f"written {write('records', rows)}")
    return rows
