"""The live feed's fan-out: what one commit costs with many pages open.

A commit is read from the log once and rendered once; then every stream that may see it must be
written to. These tests pin down how that is done so that 200 open pages do not slow the writers:
one wake-up of an event loop per pass of the feed (not one per stream and frame), the commits of a
short moment gathered into one write per stream, and a heartbeat per loop rather than a timer per
stream.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jprcc.api.app import frame_extras
from jprcc.api.views import BoardRowOut
from jprcc.brokering.commands import AddNarrativeEntry
from jprcc.core.feed import LiveFeed, Subscription
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from tests.conftest import demo_copy, fast_settings

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
CONTROLLER = Actor("controller", Role.JPRCC_CONTROLLER)
JFSOCC = Actor("jfsocc", Role.PRCC_OFFICER, "JFSOCC")
JFACC = Actor("jfacc", Role.PRCC_OFFICER, "JFACC")


class CountingLoop:
    """Stands in for a stream's event loop: counts the cross-thread wake-ups and runs them."""

    def __init__(self) -> None:
        self.wakeups = 0

    def is_closed(self) -> bool:
        return False

    def call_soon_threadsafe(self, callback: Any, *args: Any) -> None:
        self.wakeups += 1
        callback(*args)

    def call_later(self, delay: float, callback: Any, *args: Any) -> None:
        pass  # no heartbeat in these tests


@pytest.fixture
def demo(demo_snapshot, tmp_path) -> Iterator[Node]:
    """The demo theater (its incidents, on the wall clock)."""
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    yield node
    node.close()


def narrate(node: Node, n: int, incident_id: str = "PR-RAVEN21") -> None:
    for i in range(n):
        node.bus.handle(AddNarrativeEntry(incident_id=incident_id, text=f"entry {i}"), CONTROLLER)


def by_hand(node: Node, **options: Any) -> LiveFeed:
    feed = LiveFeed(node.queries, **options)
    feed.cursor = node.queries.last_seq()
    return feed


def test_one_pass_wakes_each_event_loop_once_however_many_streams_it_holds(demo):
    feed = by_hand(demo)
    loop = CountingLoop()
    subs = [feed.subscribe(DIRECTOR if i % 2 else CONTROLLER, "t", loop) for i in range(50)]  # type: ignore[arg-type]
    feed.stop()
    loop.wakeups = 0
    narrate(demo, 3)
    while feed.step():
        pass
    assert loop.wakeups == 1  # not 150 (a wake-up per stream and frame, as it once was)
    for sub in subs:
        assert len(sub.pending) == 3
        assert sub.ready.is_set()
        assert sub.sent == 3


def test_each_stream_is_handed_only_what_its_reader_may_see(demo):
    """PR-SANDY02 involves the air component only, not special operations: the JFACC
    officer's stream gets its frames, the JFSOCC officer's none, and a stream handed nothing is not
    woken."""
    feed = by_hand(demo)
    loop = CountingLoop()
    director = feed.subscribe(DIRECTOR, "t", loop)  # type: ignore[arg-type]
    jfacc = feed.subscribe(JFACC, "t", loop)  # type: ignore[arg-type]
    jfsocc = feed.subscribe(JFSOCC, "t", loop)  # type: ignore[arg-type]
    feed.stop()
    narrate(demo, 2, "PR-SANDY02")
    while feed.step():
        pass
    assert len(director.pending) == 2
    assert len(jfacc.pending) == 2
    assert jfsocc.pending == []
    assert not jfsocc.ready.is_set()
    assert all('"incident_id": "PR-SANDY02"' in text for text in director.pending)


def _frames(texts: list[str]) -> list[dict[str, Any]]:
    return [json.loads(t.split("\ndata: ", 1)[1]) for t in texts]


def test_an_incidents_board_row_rides_on_the_last_of_its_frames_a_reader_is_handed(demo):
    """Five commits on two incidents in one pass. Each frame's board row is the incident as it
    stands after the whole pass, so it is sent once per incident, on the last of that incident's
    frames the reader may see: the page places the card once, and the write carries a fifth of the
    rows. The same holds for a stream that joined after the pass began, and for a catch-up."""
    feed = LiveFeed(demo.queries, enrich=lambda ids: frame_extras(demo, ids))
    feed.cursor = start = demo.queries.last_seq()
    loop = CountingLoop()
    director = feed.subscribe(DIRECTOR, "t", loop)  # type: ignore[arg-type]
    jfsocc = feed.subscribe(JFSOCC, "t", loop)  # type: ignore[arg-type]
    late = feed.subscribe(DIRECTOR, "t", loop)  # type: ignore[arg-type]
    feed.stop()
    for incident_id in ("PR-SANDY02", "PR-RAVEN21", "PR-SANDY02", "PR-RAVEN21", "PR-SANDY02"):
        narrate(demo, 1, incident_id)
    late.start = start + 2  # (it joined after the first two commits)
    while feed.step():
        pass
    rows = demo.queries.board_rows({"PR-SANDY02", "PR-RAVEN21"})
    now = {i: BoardRowOut.of(row).model_dump(mode="json") for i, row in rows.items()}

    def carried(sub: Subscription) -> list[tuple[str, bool]]:
        frames = _frames(sub.pending)
        for f in frames:
            if "board_row" in f:
                assert f["board_row"] == now[f["incident_id"]]
                assert isinstance(f["waiting_on"], list)
            else:
                assert "waiting_on" not in f
        return [(f["incident_id"], "board_row" in f) for f in frames]

    assert carried(director) == [
        ("PR-SANDY02", False),
        ("PR-RAVEN21", False),
        ("PR-SANDY02", False),
        ("PR-RAVEN21", True),
        ("PR-SANDY02", True),
    ]
    assert carried(jfsocc) == [("PR-RAVEN21", False), ("PR-RAVEN21", True)]  # (SANDY 02: air only)
    assert carried(late) == [("PR-SANDY02", False), ("PR-RAVEN21", True), ("PR-SANDY02", True)]
    texts, until = feed.catch_up(JFSOCC, start, demo.queries.last_seq())
    assert [("board_row" in f) for f in _frames(texts)] == [False, True]
    assert until == demo.queries.last_seq()


def test_a_stream_takes_everything_handed_to_it_in_order_as_one_write(demo):
    feed = by_hand(demo)
    loop = CountingLoop()
    sub = feed.subscribe(DIRECTOR, "t", loop)  # type: ignore[arg-type]
    feed.stop()
    narrate(demo, 4)
    while feed.step():
        pass
    texts = sub.take()
    seqs = [int(t.split("\n", 1)[0].removeprefix("id: ")) for t in texts]
    assert seqs == sorted(seqs)
    assert len(seqs) == 4
    assert sub.backlog == 0
    assert sub.pending == []
    assert not sub.ready.is_set()


@pytest.fixture
def running_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def _subscribe(feed: LiveFeed, actor: Actor, loop: asyncio.AbstractEventLoop) -> Subscription:
    """Subscribe from the loop's own thread, as a stream does."""

    async def go() -> Subscription:
        return feed.subscribe(actor, "t", loop)

    return asyncio.run_coroutine_threadsafe(go(), loop).result(5)


def _collect(sub: Subscription, loop: asyncio.AbstractEventLoop, frames: int, within: float) -> list[int]:
    """The size of each write the stream would make until it has ``frames`` frames."""

    async def go() -> list[int]:
        writes: list[int] = []
        while sum(writes) < frames:
            await asyncio.wait_for(sub.ready.wait(), within)
            texts = sub.take()
            if texts:
                writes.append(len(texts))
        return writes

    return asyncio.run_coroutine_threadsafe(go(), loop).result(within + 5)


def test_a_commit_after_a_quiet_spell_goes_out_at_once_and_a_burst_after_it_in_one_write(demo, running_loop):
    """A lone commit is not held back; the commits that follow it inside the feed's window reach
    a stream together, in one more write, when the window has passed."""
    feed = LiveFeed(demo.queries, gather_s=1.0)
    demo.bus.subscribers.append(feed)
    try:
        sub = _subscribe(feed, DIRECTOR, running_loop)
        time.sleep(0.1)
        started = time.monotonic()
        narrate(demo, 1)
        first = _collect(sub, running_loop, 1, within=5)
        assert time.monotonic() - started < 0.6  # not the window's second
        assert first == [1]
        narrate(demo, 5)
        assert _collect(sub, running_loop, 5, within=5) == [5]
    finally:
        feed.stop()


def test_without_gathering_each_commit_is_written_out_at_once(demo, running_loop):
    feed = LiveFeed(demo.queries, gather_s=0.0)
    demo.bus.subscribers.append(feed)
    try:
        sub = _subscribe(feed, DIRECTOR, running_loop)
        time.sleep(0.1)
        writes = []
        for _ in range(3):
            narrate(demo, 1)
            writes += _collect(sub, running_loop, 1, within=5)
        assert writes == [1, 1, 1]
    finally:
        feed.stop()


def test_the_heartbeat_marks_every_stream_of_a_loop_and_stops_with_the_last(demo, running_loop):
    feed = LiveFeed(demo.queries, heartbeat_s=0.05)
    try:
        subs = [_subscribe(feed, DIRECTOR, running_loop) for _ in range(3)]
        deadline = time.monotonic() + 5
        while not all(s.beat for s in subs) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(s.beat and s.ready.is_set() for s in subs)
        for s in subs:
            feed.unsubscribe(s)
        deadline = time.monotonic() + 5
        while running_loop in feed._beating and time.monotonic() < deadline:
            time.sleep(0.02)
        assert running_loop not in feed._beating  # no timer left behind for a loop with no stream
    finally:
        feed.stop()
