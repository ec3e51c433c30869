"""Work after commits (the chain's anchor, SQLite's checkpoints) runs on a thread of its own:
once for a burst of marks, within its moment of the first; a failed run does not end it; its
resource is opened as the thread starts and closed as it ends; it ends when quiet and comes back
with the next mark; once stopped, no mark starts it again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from jprcc.core.store.coalesce import Coalesced


def _until(condition, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_a_burst_of_marks_is_one_run_within_its_moment():
    runs: list[float] = []
    work = Coalesced(lambda _: runs.append(time.monotonic()), name="test", every_s=0.1)
    first = time.monotonic()
    for _ in range(200):
        work.mark()
    assert _until(lambda: len(runs) == 1)
    time.sleep(0.3)
    assert len(runs) == 1  # (no mark came after the run: nothing more to do)
    assert 0.1 <= runs[0] - first < 2.0
    work.stop()


def test_a_mark_during_a_run_brings_another_run():
    started, release, runs = threading.Event(), threading.Event(), []

    def slow(_: object) -> None:
        runs.append(1)
        started.set()
        release.wait(5)

    work = Coalesced(slow, name="test", every_s=0.02)
    work.mark()
    assert started.wait(5)
    work.mark()  # (committed while the work ran: it may not be covered by that run)
    release.set()
    assert _until(lambda: len(runs) == 2)
    work.stop()


def test_a_failed_run_does_not_end_the_thread():
    runs: list[int] = []

    def failing(_: object) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the disk is full")

    work = Coalesced(failing, name="test", every_s=0.02)
    work.mark()
    assert _until(lambda: len(runs) == 1)
    assert work.running
    work.mark()
    assert _until(lambda: len(runs) == 2)
    work.stop()


def test_its_resource_lives_as_long_as_its_thread_and_a_quiet_thread_ends():
    opened: list[str] = []
    closed: list[str] = []
    seen: list[str] = []

    @contextmanager
    def resource() -> Iterator[str]:
        name = f"connection {len(opened) + 1}"
        opened.append(name)
        try:
            yield name
        finally:
            closed.append(name)

    work = Coalesced(seen.append, name="test", every_s=0.02, idle_s=0.2, resource=resource)
    assert not work.running  # (nothing marked: no thread)
    work.mark()
    work.mark()
    assert _until(lambda: len(seen) == 1)
    assert _until(lambda: not work.running)
    assert closed == ["connection 1"]
    work.mark()
    assert _until(lambda: len(seen) == 2)
    assert seen == ["connection 1", "connection 2"]
    work.stop()
    assert closed == ["connection 1", "connection 2"]


def test_once_stopped_no_mark_starts_it():
    runs: list[int] = []
    work = Coalesced(lambda _: runs.append(1), name="test", every_s=0.02)
    work.mark()
    assert _until(lambda: len(runs) == 1)
    work.stop()
    assert not work.running
    work.mark()
    time.sleep(0.1)
    assert not work.running
    assert runs == [1]
