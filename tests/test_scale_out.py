"""Several server processes over one PostgreSQL store: a commit on one wakes the live feed of the
others at once (LISTEN/NOTIFY), every page on either process receives every event it may see, in
order; the clock runs in one process at a time, and passes on when that process dies."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from jprcc.core.clock import ManualClock
from jprcc.core.leases import Lease
from jprcc.core.node import Node
from jprcc.core.store.notify import Listener
from tests.conftest import Cast, _empty_postgres, load_theater, make_node
from tests.server import free_port, wait_ready
from tests.test_overload import report

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(postgres_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Node, Cast]]:
    _empty_postgres(postgres_url)
    node = make_node(postgres_url, tmp_path, clock)
    cast = load_theater(node, clock)
    yield node, cast
    node.close()


def test_a_commit_on_one_process_wakes_the_others_at_once(pg, postgres_url: str, tmp_path: Path, clock):
    node, cast = pg
    other = make_node(postgres_url, tmp_path / "other", clock)
    woken = threading.Event()
    listener = Listener(postgres_url, [woken.set])
    listener.start()
    try:
        assert listener.listening.wait(5)
        from jprcc.brokering.commands import AddNarrativeEntry
        from tests.test_overload import ReportIncident, _report_command

        node.bus.handle(ReportIncident(**_report_command(1)), cast["jfsocc"])
        started = time.monotonic()
        assert woken.wait(2), "the other process was not told of the commit"
        assert time.monotonic() - started < 1.0
        woken.clear()
        from jprcc.core.errors import DomainError

        with pytest.raises(DomainError):  # a refused command commits nothing: nobody is told
            other.bus.handle(AddNarrativeEntry(incident_id="PR-NONE", text="x"), cast["controller"])
        assert not woken.wait(0.5)
    finally:
        listener.stop()
        other.close()


def test_a_commit_on_another_schema_of_the_database_wakes_no_one(pg, postgres_url: str):
    """A training store beside the live one in the same database: their processes hear only
    their own schema's commits."""
    from sqlalchemy import create_engine, text

    from jprcc.core.store import notify

    woken = threading.Event()
    listener = Listener(postgres_url, [woken.set])
    listener.start()
    other_url = postgres_url.replace("search_path%3D", "search_path%3Dpublic,")  # writes to public
    engine, own = create_engine(other_url), create_engine(postgres_url)
    try:
        assert listener.listening.wait(5)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT current_schema()")).scalar() == "public"
            conn.execute(text(notify.ANNOUNCE))
        assert not woken.wait(0.7), "woken by another schema's commit"
        with own.begin() as conn:  # its own schema's: heard at once
            conn.execute(text(notify.ANNOUNCE))
        assert woken.wait(2)
    finally:
        listener.stop()
        engine.dispose()
        own.dispose()


def test_the_clock_lease_is_held_by_one_process_and_passes_on_when_it_dies(pg):
    node, _ = pg
    first = Lease(node.database, "clock", ttl_s=0.5, owner="first")
    second = Lease(node.database, "clock", ttl_s=0.5, owner="second")
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewed by its holder
    time.sleep(0.6)  # the first stops renewing (it died)
    assert second.hold()
    assert not first.hold()
    second.release()
    assert first.hold()  # a clean stop hands it over at once


# --- the long check: two real server processes -------------------------------------------------------


def serve(url: str, data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "JPRCC_DATABASE_URL": url,
        "JPRCC_DATA_DIR": str(data_dir),
        "JPRCC_ARGON2_TIME_COST": "1",
        "JPRCC_ARGON2_MEMORY_KIB": "64",
        "JPRCC_SWEEP_INTERVAL_S": "0.5",
        "JPRCC_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "jprcc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def listen(
    base: str, headers: dict[str, str], into: queue.Queue[dict[str, Any]], ready: threading.Event
) -> None:
    try:
        with httpx2.stream("GET", f"{base}/api/feed", headers=headers, timeout=120) as response:
            ready.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    into.put(json.loads(line[6:]))
    except httpx2.TransportError:  # its server was stopped (or killed, on purpose)
        return


@pytest.mark.long
def test_two_processes_every_page_on_either_receives_every_event_it_may_see_in_order(
    pg, postgres_url: str, tmp_path: Path
):
    node, cast = pg
    ports = [free_port(), free_port()]
    procs = [serve(postgres_url, tmp_path / f"p{i}", port) for i, port in enumerate(ports)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, proc in zip(bases, procs, strict=True):
            wait_ready(base, proc)

        def login(base: str, who: str) -> dict[str, str]:
            data = {"username": who, "password": cast.passwords[who]}
            token = httpx2.post(f"{base}/api/auth/token", data=data).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        pages: list[tuple[str, str, queue.Queue[dict[str, Any]]]] = []
        for base in bases:
            for who in ("controller", "jfsocc", "jfacc"):  # whole theater, the owner, an outsider
                q: queue.Queue[dict[str, Any]] = queue.Queue()
                ready = threading.Event()
                threading.Thread(target=listen, args=(base, login(base, who), q, ready), daemon=True).start()
                assert ready.wait(10)
                pages.append((base, who, q))
        writers = {base: login(base, "jfsocc") for base in bases}
        n = 60
        for i in range(n):  # alternate the two processes
            base = bases[i % 2]
            answer = httpx2.post(f"{base}/api/incidents", json=report(i), headers=writers[base], timeout=30)
            assert answer.status_code == 201, answer.text
        for base, who, q in pages:
            seen: list[dict[str, Any]] = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and sum(f["type"] == "incident_reported" for f in seen) < (
                0 if who == "jfacc" else n
            ):
                try:
                    seen.append(q.get(timeout=0.5))
                except queue.Empty:
                    continue
            reported = [f["incident_id"] for f in seen if f["type"] == "incident_reported"]
            if who == "jfacc":
                assert reported == [], f"{who} on {base} saw incidents that do not involve the air component"
            else:
                assert reported == [f"PR-LOAD{i}" for i in range(n)], f"{who} on {base}"
                seqs = [f["seq"] for f in seen]
                assert seqs == sorted(seqs), "in the order of the log"
        # the clock runs in one process at a time; killed, its lease runs out and the survivor
        # holds it (renews it) from then on
        from sqlalchemy import select

        from jprcc.core.store.tables import leases

        def lease_until() -> Any:
            with node.database.read() as conn:
                return conn.execute(select(leases.c.until).where(leases.c.name == "clock")).scalar()

        assert lease_until() is not None
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        time.sleep(11)  # longer than the lease (10 s at a 0.5 s sweep)
        first = lease_until()
        time.sleep(1.5)
        assert lease_until() > first, "nobody renews the clock's lease after its holder was killed"
        answer = httpx2.post(
            f"{bases[1]}/api/incidents", json=report(n), headers=writers[bases[1]], timeout=30
        )
        assert answer.status_code == 201
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.communicate(timeout=20)  # and its output pipe closed
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
