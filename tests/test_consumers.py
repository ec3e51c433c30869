"""Durable consumers: every committed event handed over in log order, at least once, and resumed
from the stored cursor after a crash with nothing lost and no effect doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete

from jprcc.core.clock import ManualClock
from jprcc.core.consumers import ConsumerSpec, Dispatcher
from jprcc.core.model import Readiness
from jprcc.core.node import Node, bootstrap, shipped_capabilities
from jprcc.core.ports import RecordedEvent
from jprcc.core.theater import commands as cmd
from jprcc.core.theater.events import AssetReadinessChanged
from tests import consumer_capability as tc
from tests.conftest import Cast, _empty_postgres, fast_settings, load_theater

ROOT = Path(__file__).resolve().parent.parent


def node_with_tally(url: str, data_dir: Path, clock: ManualClock) -> Node:
    node = bootstrap(
        fast_settings(url, data_dir),
        clock=clock,
        migrate=True,
        capabilities=[*shipped_capabilities(), tc.capability()],
    )
    with node.database.write() as conn:  # the plug-in's tables outlive a PostgreSQL test's truncation
        conn.execute(delete(tc.tally))
        conn.execute(delete(tc.deliveries))
        conn.commit()
    return node


@pytest.fixture(autouse=True)
def _drop_the_plugin_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """The plug-in's tables would outlive the test in the shared PostgreSQL schema."""
    url = request.getfixturevalue("store_url") if "store_url" in request.fixturenames else None
    yield
    if url is None:
        return
    engine = create_engine(url)
    try:
        tc.metadata.drop_all(engine, checkfirst=True)
    finally:
        engine.dispose()


def all_event_ids(node: Node) -> list[str]:
    with node.database.read() as conn:
        return [r.event_id for r in node.queries.log(conn).read()]


class TestDelivery:
    def test_a_consumer_is_handed_every_event_in_log_order_and_its_cursor_follows(
        self, store_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = node_with_tally(store_url, tmp_path, clock)
        try:
            load_theater(node, clock)
            seen: list[int] = []
            dispatcher = Dispatcher(
                node.database,
                node.registry.event_types,
                [ConsumerSpec("seen", lambda f, _: seen.extend(r.seq for r in f))],
            )
            dispatcher.drain()
            assert seen == list(range(1, node.queries.last_seq() + 1))
            assert dispatcher.cursors()[0].seq == node.queries.last_seq()
            dispatcher.drain()  # nothing new: nothing handed over again
            assert len(seen) == node.queries.last_seq()
        finally:
            node.close()

    def test_a_new_consumer_may_start_at_the_end_of_the_log(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = node_with_tally(sqlite_url, tmp_path, clock)
        try:
            cast = load_theater(node, clock)
            seen: list[int] = []
            spec = ConsumerSpec("late", lambda f, _: seen.extend(r.seq for r in f), start="end")
            dispatcher = Dispatcher(node.database, node.registry.event_types, [spec])
            dispatcher.drain()
            assert seen == []
            asset_id = _asset_ids(node)[0]
            node.bus.handle(
                cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=Readiness.NOT_MISSION_CAPABLE),
                cast["director"],
            )
            dispatcher.drain()
            assert seen == [node.queries.last_seq()]
        finally:
            node.close()

    def test_a_failing_consumer_is_retried_from_its_cursor_and_holds_up_no_other(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = node_with_tally(sqlite_url, tmp_path, clock)
        try:
            load_theater(node, clock)
            calls: list[int] = []
            good: list[int] = []

            def flaky(found: Sequence[RecordedEvent], _: object) -> None:
                calls.append(found[0].seq)
                if len(calls) == 1:
                    raise RuntimeError("the TAK server is down")

            dispatcher = Dispatcher(
                node.database,
                node.registry.event_types,
                [
                    ConsumerSpec("flaky", flaky, batch=5),
                    ConsumerSpec("good", lambda f, _: good.extend(r.seq for r in f)),
                ],
                retry_s=0.0,
            )
            dispatcher.drain()
            assert good == list(range(1, node.queries.last_seq() + 1))
            assert calls == [1]  # failed on its first batch: cursor not moved
            dispatcher.drain()
            assert calls[1] == 1  # the same batch again, then the rest
            assert {c.name: c.seq for c in dispatcher.cursors()}["flaky"] == node.queries.last_seq()
        finally:
            node.close()

    def test_a_transactional_consumer_commits_its_batch_with_its_cursor(
        self, store_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = node_with_tally(store_url, tmp_path, clock)
        try:
            load_theater(node, clock)
            from sqlalchemy import insert

            def write(found: Sequence[RecordedEvent], conn: object) -> None:
                for r in found:
                    conn.execute(insert(tc.tally).values(event_id=r.event_id, seq=r.seq))  # type: ignore[attr-defined]
                if found[-1].seq > 20:
                    raise RuntimeError("crash before the cursor moves")

            dispatcher = Dispatcher(
                node.database,
                node.registry.event_types,
                [ConsumerSpec("tx", write, batch=10, transactional=True)],
            )
            dispatcher.drain()
            ids, _ = tc.tallied(node.database)
            assert len(ids) == 20  # the third batch rolled back with its cursor
            assert dispatcher.cursors()[0].seq == 20
        finally:
            node.close()


def _asset_ids(node: Node) -> list[str]:
    return [a.asset.asset_id for a in node.queries.assets()]


class TestCrash:
    def test_a_consumer_killed_mid_way_resumes_from_its_cursor_with_nothing_lost_or_doubled(
        self, store_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = node_with_tally(store_url, tmp_path, clock)
        try:
            load_theater(node, clock)
            total = node.queries.last_seq()
            assert total > 40
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.consumer_capability", store_url, str(tmp_path)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # kill it once it is well into the log
                _, delivered = tc.tallied(node.database)
                if len(delivered) >= 25:
                    break
                if child.poll() is not None:
                    pytest.fail(f"the consumer ended before it was killed: {child.communicate()}")
                time.sleep(0.02)
            child.send_signal(signal.SIGKILL)
            child.communicate(timeout=10)
            ids_before, _ = tc.tallied(node.database)
            assert 0 < len(ids_before) < total, "killed mid-way"

            time.sleep(1.2)  # the dead process's lease runs out
            dispatcher = Dispatcher(
                node.database,
                node.registry.event_types,
                [ConsumerSpec("tally", tc.Tally(node.database), batch=10)],
                lease_s=1,
            )
            dispatcher.drain()

            ids, delivered = tc.tallied(node.database)
            assert ids == all_event_ids(node)  # nothing lost, each effect once, in log order
            assert len(set(ids)) == total
            assert sorted(set(delivered)) == list(range(1, total + 1))
            redelivered = len(delivered) - total
            assert 0 <= redelivered <= 10, "at most the batch in flight is handed over again"
            assert {c.name: c.seq for c in dispatcher.cursors()}["tally"] == total
        finally:
            node.close()


def test_the_dispatcher_runs_after_commit_in_the_background(
    sqlite_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    seen: list[int] = []
    node = bootstrap(fast_settings(sqlite_url, tmp_path), clock=clock, migrate=True)
    dispatcher = Dispatcher(
        node.database,
        node.registry.event_types,
        [ConsumerSpec("bg", lambda f, _: seen.extend(r.seq for r in f))],
    )
    node.bus.subscribers.append(dispatcher)
    dispatcher.start()
    try:
        load_theater(node, clock)
        clock.advance(timedelta(minutes=1))
        deadline = time.monotonic() + 10
        while len(seen) < node.queries.last_seq() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == list(range(1, node.queries.last_seq() + 1))
    finally:
        dispatcher.stop()
        node.close()


def _counting_writes(node: Node) -> list[dict[str, object]]:
    """From now on, each write transaction the node's store opens (its options), in order."""
    writes: list[dict[str, object]] = []
    original = node.database.write

    def counted(**kw):  # type: ignore[no-untyped-def]
        writes.append(kw)
        return original(**kw)

    node.database.write = counted  # type: ignore[method-assign]
    return writes


@contextmanager
def _dispatching(
    url: str, tmp_path: Path, clock: ManualClock, consumers: list[ConsumerSpec], gather_s: float
) -> Iterator[tuple[Node, Cast, Dispatcher]]:
    """A node on the theater with a dispatcher of these consumers running after its commits,
    caught up first; stopped, and the node closed, after."""
    node = bootstrap(fast_settings(url, tmp_path), clock=clock, migrate=True)
    cast = load_theater(node, clock)
    dispatcher = Dispatcher(node.database, node.registry.event_types, consumers, gather_s=gather_s)
    dispatcher.drain()
    node.bus.subscribers.append(dispatcher)
    dispatcher.start()
    try:
        yield node, cast, dispatcher
    finally:
        dispatcher.stop()
        node.close()


class TestBookkeeping:
    """What a commit costs the consumers: their cursors and leases are kept beside the log, not in
    its turn, and a burst of commits is one pass."""

    def test_under_steady_load_a_pass_comes_once_a_window_and_nothing_is_missed(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        """Commands committing without pause: each pass takes the log as it finds it and stops; the
        commits meanwhile wait for the next window. A pass that went round again while the head
        moved never ended under load, reading and moving every cursor dozens of times a second."""
        every: list[int] = []
        mine: list[int] = []
        # (batches larger than a window's commits: a pass is then one read per consumer however
        # fast this machine commits; with the usual 200, a fast one fills a batch in a window and
        # rightly reads again)
        consumers = [
            ConsumerSpec("every", lambda f, _: every.extend(r.seq for r in f), start="end", batch=1_000_000),
            ConsumerSpec(
                "readiness",
                lambda f, _: mine.extend(r.seq for r in f),
                start="end",
                event_types=(AssetReadinessChanged,),
                batch=1_000_000,
            ),
        ]
        reads = []
        with _dispatching(sqlite_url, tmp_path, clock, consumers, gather_s=0.25) as (node, cast, dispatcher):
            read = dispatcher._next_batch

            def counted(*args: object) -> tuple[list[RecordedEvent], int]:
                reads.append(time.monotonic())
                return read(*args)  # type: ignore[arg-type]

            dispatcher._next_batch = counted  # type: ignore[method-assign,assignment]
            asset_id = _asset_ids(node)[0]
            began = time.monotonic()
            commands = 0
            while time.monotonic() - began < 2.0:
                readiness = [Readiness.NOT_MISSION_CAPABLE, Readiness.READY][commands % 2]
                node.bus.handle(
                    cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=readiness), cast["director"]
                )
                commands += 1
            loaded = [t for t in reads if t >= began]
            deadline = time.monotonic() + 10
            while (len(mine) < commands or every[-1:] < mine[-1:]) and time.monotonic() < deadline:
                time.sleep(0.02)
        assert commands > 50  # (the load was steady)
        # two consumers, one read each per pass, a pass at most every 0.25 s: about 8 a second
        assert len(loaded) <= 2 * (2.0 / 0.25 + 2), f"{len(loaded)} reads for {commands} commands"
        assert len(mine) == len(set(mine)) == commands  # every one, once,
        assert mine == sorted(mine)  # in order;
        assert set(mine) <= set(every)  # and the consumer of every type had them too,
        assert every == sorted(every)  # in order

    def test_a_burst_of_commits_is_handed_over_in_one_batch(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        batches: list[int] = []
        consumers = [ConsumerSpec("burst", lambda f, _: batches.append(len(f)), start="end")]
        # (the window wide: on a loaded machine five commands once took more than a second)
        with _dispatching(sqlite_url, tmp_path, clock, consumers, gather_s=3.0) as (node, cast, _):
            asset_id = _asset_ids(node)[0]
            for readiness in [Readiness.NOT_MISSION_CAPABLE, Readiness.READY] * 3:
                node.bus.handle(
                    cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=readiness), cast["director"]
                )
            deadline = time.monotonic() + 10
            while sum(batches) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
            # the first commit at once, the five that follow it inside the window in one more pass
            assert sum(batches) == 6
            assert len(batches) <= 2

    def test_a_lease_held_fresh_is_not_asked_for_again_at_every_pass(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = bootstrap(fast_settings(sqlite_url, tmp_path), clock=clock, migrate=True)
        try:
            cast = load_theater(node, clock)
            seen: list[int] = []
            dispatcher = Dispatcher(
                node.database,
                node.registry.event_types,
                [ConsumerSpec("fresh", lambda f, _: seen.extend(r.seq for r in f))],
            )
            dispatcher.drain()
            writes = _counting_writes(node)
            asset_id = _asset_ids(node)[0]
            node.bus.handle(
                cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=Readiness.NOT_MISSION_CAPABLE),
                cast["director"],
            )
            writes.clear()
            dispatcher.drain()
            assert seen[-1] == node.queries.last_seq()
            assert writes == [{"chain": False}]  # the cursor's move only; no lease renewal, no chain head
            assert dispatcher.cursors()[0].seq == node.queries.last_seq()
        finally:
            node.close()

    def test_a_taken_over_consumer_is_asked_for_again_and_not_run_twice(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        node = bootstrap(fast_settings(sqlite_url, tmp_path), clock=clock, migrate=True)
        try:
            load_theater(node, clock)
            spec = ConsumerSpec("shared", lambda f, _: None)
            first = Dispatcher(node.database, node.registry.event_types, [spec], lease_s=0.2)
            first.drain()
            time.sleep(0.3)  # its lease runs out (it stopped renewing: a process paused or gone)
            second = Dispatcher(node.database, node.registry.event_types, [spec])
            second.drain()
            assert second.cursors()[0].owner == second.owner
            assert first._claim(spec) is None  # the first asks the store, and finds it held
        finally:
            node.close()

    def test_a_consumer_another_process_holds_is_asked_for_once_per_recheck_not_per_pass(
        self, sqlite_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        """With N server processes every commit wakes all of them: those that do not hold a
        consumer ask the store for it again only after ``recheck_s``, and take it then once its
        holder let it go."""
        node = bootstrap(fast_settings(sqlite_url, tmp_path), clock=clock, migrate=True)
        try:
            load_theater(node, clock)
            spec = ConsumerSpec("one-holder", lambda f, _: None)
            holder = Dispatcher(node.database, node.registry.event_types, [spec], lease_s=60)
            other = Dispatcher(node.database, node.registry.event_types, [spec], lease_s=60, retry_s=0.3)
            holder.drain()
            writes = _counting_writes(node)
            for _ in range(10):  # ten passes, woken by ten commits
                other.drain()
            assert len(writes) == 1  # asked once, found it held
            time.sleep(0.35)
            other.drain()
            assert len(writes) == 2  # asked again after recheck_s, still held
            holder._release_all()  # the holder stops: its lease let go
            other.drain()
            assert other.cursors()[0].owner is None  # not asked for again before recheck_s
            time.sleep(0.35)
            other.drain()
            assert other.cursors()[0].owner == other.owner  # taken at the next recheck
        finally:
            node.close()

    def test_a_consumer_of_some_types_is_handed_only_those_and_its_cursor_passes_the_rest(
        self, store_url: str, tmp_path: Path, clock: ManualClock
    ) -> None:
        """The outbox wants released messages only: it is handed those, in log order, in its
        batches, and its cursor moves to the log's head past every other event (read, never
        decoded); a later event of its types is handed over next."""
        node = bootstrap(fast_settings(store_url, tmp_path), clock=clock, migrate=True)
        try:
            cast = load_theater(node, clock)
            asset_id = _asset_ids(node)[0]
            for readiness in [Readiness.NOT_MISSION_CAPABLE, Readiness.READY] * 3:
                node.bus.handle(
                    cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=readiness), cast["director"]
                )
                node.bus.handle(
                    cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=readiness), cast["director"]
                )
            batches: list[list[RecordedEvent]] = []
            spec = ConsumerSpec(
                "readiness-only",
                lambda f, _: batches.append(list(f)),
                batch=4,
                event_types=(AssetReadinessChanged,),
            )
            dispatcher = Dispatcher(node.database, node.registry.event_types, [spec])
            dispatcher.drain()
            with node.database.read() as conn:
                wanted = [
                    r.seq for r in node.queries.log(conn).read() if isinstance(r.event, AssetReadinessChanged)
                ]
            handed = [r.seq for b in batches for r in b]
            assert handed == wanted
            assert len(wanted) >= 6
            assert all(len(b) <= 4 for b in batches)
            assert all(isinstance(r.event, AssetReadinessChanged) for b in batches for r in b)
            assert dispatcher.cursors()[0].seq == node.queries.last_seq()  # past everything else
            node.bus.handle(
                cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=Readiness.NOT_MISSION_CAPABLE),
                cast["director"],
            )
            batches.clear()
            dispatcher.drain()
            assert [r.seq for b in batches for r in b] == [node.queries.last_seq()]
        finally:
            node.close()


@pytest.mark.postgres
def test_cursor_bookkeeping_does_not_wait_for_a_command_holding_the_chain_head(
    postgres_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """On PostgreSQL every command holds the chain head's row until it commits; a consumer moving
    its cursor meanwhile does not queue behind it."""
    _empty_postgres(postgres_url)
    node = bootstrap(fast_settings(postgres_url, tmp_path), clock=clock, migrate=True)
    try:
        load_theater(node, clock)
        dispatcher = Dispatcher(
            node.database, node.registry.event_types, [ConsumerSpec("beside", lambda f, _: None)]
        )
        with node.database.write() as held:  # a command's transaction, open: the chain head is locked
            beside = threading.Thread(target=dispatcher.drain, daemon=True)
            beside.start()
            beside.join(3.0)
            finished = not beside.is_alive()
            held.rollback()
        beside.join(10)
        assert finished
        assert dispatcher.cursors()[0].seq == node.queries.last_seq()
    finally:
        node.close()


@pytest.mark.postgres
def test_two_processes_making_a_new_consumers_cursor_at_once_do_not_fail(
    postgres_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """Cursors are made beside the log, not in the chain head's turn: when another process makes
    the same consumer's row first, this one finds it taken and leaves the consumer to it."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from jprcc.core.store.tables import consumer_cursors

    _empty_postgres(postgres_url)
    node = bootstrap(fast_settings(postgres_url, tmp_path), clock=clock, migrate=True)
    try:
        load_theater(node, clock)
        spec = ConsumerSpec("made-twice", lambda f, _: None)
        second = Dispatcher(node.database, node.registry.event_types, [spec])
        claimed: list[object] = []
        with node.database.write(chain=False) as first:  # the other process, mid-way
            now = datetime.now(UTC)
            first.execute(
                insert(consumer_cursors).values(
                    name="made-twice",
                    seq=0,
                    owner="another",
                    lease_until=now + timedelta(minutes=5),
                    updated_at=now,
                )
            )
            racing = threading.Thread(target=lambda: claimed.append(second._claim(spec)), daemon=True)
            racing.start()
            time.sleep(0.5)  # the second waits on the row the first has not committed
            first.commit()
        racing.join(10)
        assert claimed == [None]  # taken by the other: no error, nothing run twice
        second.drain()
        assert not second._failed_at
    finally:
        node.close()
