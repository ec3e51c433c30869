"""SQLite's checkpoints run on a thread of their own, not inside a command's commit: the writer
leaves them to it (SQLite's own stays only as a far backstop), what is committed is copied into the
file within a moment of a burst, the log then starts again from the beginning instead of growing,
the thread ends when the store is quiet and comes back with the next write, and a ``VACUUM`` is
never made busy by it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import select

from jprcc.core.store.checkpoint import BACKSTOP_PAGES
from jprcc.core.store.database import Database
from jprcc.core.store.tables import chain_head
from tests.conftest import bump_head


def _copied(sqlite_db: Database, passes: int, timeout_s: float = 10.0) -> tuple[int, int, int]:
    """The answer of the first checkpoint after ``passes`` that copied the whole log."""
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        last = checkpoints.last
        if checkpoints.passes > passes and last is not None and last[0] == 0 and last[1] == last[2]:
            return last
        time.sleep(0.02)
    raise AssertionError(f"no whole checkpoint within {timeout_s} s: {checkpoints.last}")


def _settled(sqlite_db: Database, timeout_s: float = 10.0) -> tuple[int, int, int]:
    """The answer of the last checkpoint once the writer has gone quiet: no pass for three of the
    thread's intervals, and the last copied the whole log. (A pass run during a burst copies what
    was committed as it began: all of that, but not the whole log.)"""
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        passes = checkpoints.passes
        time.sleep(3 * 0.1)
        last = checkpoints.last
        if checkpoints.passes == passes and last is not None and last[0] == 0 and last[1] == last[2]:
            return last
    raise AssertionError(f"the checkpoints did not settle within {timeout_s} s: {checkpoints.last}")


def test_the_writer_leaves_checkpoints_to_the_thread(sqlite_db: Database):
    bump_head(sqlite_db)
    writer = sqlite_db._writer
    assert writer is not None
    driver = writer.connection.driver_connection
    assert driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES


def test_a_burst_is_copied_into_the_file_and_the_log_starts_again(sqlite_db: Database, tmp_path: Path):
    """Once the writer pauses, a checkpoint copies the whole log, and the next command writes it
    again from its start (far below the size at which the writer would be held for it)."""
    assert sqlite_db.checkpoints is not None
    for _ in range(300):
        bump_head(sqlite_db)
    first = _settled(sqlite_db)
    assert first[1] >= 300
    for _ in range(300):
        bump_head(sqlite_db)
    second = _settled(sqlite_db)
    assert sqlite_db.checkpoints.restarts == 0
    # the second burst's frames were written from the log's start again: had the log only grown,
    # it would hold both bursts' frames
    assert second[1] < first[1] + 150, (first, second)
    # what the file holds now, read without the log, is the last commit
    with sqlite3.connect(tmp_path / "jprcc.sqlite3") as raw:
        assert raw.execute("SELECT seq FROM chain_head").fetchone()[0] == 600


def _steady(sqlite_db: Database, seconds: float) -> int:
    commits = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        bump_head(sqlite_db)
        commits += 1
    return commits


def test_under_steady_writes_the_log_is_copied_and_started_again_as_it_goes(sqlite_db: Database):
    """Checkpoints that only ever ran beside the writer would never find the whole log copied
    (the writer adds to it meanwhile), and the log would grow with every commit: past its restart
    size the writer is held for a pass that lets it start again."""
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    checkpoints.restart_pages = 50
    commits = _steady(sqlite_db, 1.5)
    assert checkpoints.passes >= 2
    assert checkpoints.restarts >= 1
    last = _copied(sqlite_db, 0)
    assert last[1] < commits / 3, (last, commits)


def test_below_its_restart_size_the_log_is_copied_without_holding_the_writer(sqlite_db: Database):
    """Every checkpoint copies and syncs what was committed before it (the power-cut bound); only a
    log past its restart size costs the writer a wait."""
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    commits = _steady(sqlite_db, 1.0)
    assert commits < checkpoints.restart_pages  # (one page a commit)
    assert checkpoints.passes >= 2
    assert checkpoints.restarts == 0
    last = checkpoints.last
    assert last is not None
    assert last[0] == 0
    assert last[2] > 0  # copied beside the writer


def test_writes_from_several_threads_are_all_copied(sqlite_db: Database):
    threads = [threading.Thread(target=lambda: [bump_head(sqlite_db) for _ in range(60)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _copied(sqlite_db, 0)
    with sqlite_db.read() as conn:
        assert conn.execute(select(chain_head.c.seq)).scalar_one() == 240


def test_the_thread_ends_when_the_store_is_quiet_and_the_next_write_brings_it_back(sqlite_db: Database):
    checkpoints = sqlite_db.checkpoints
    assert checkpoints is not None
    checkpoints.idle_s = 0.2
    assert not checkpoints.running  # (a store only opened, or only read, holds no thread)
    bump_head(sqlite_db)
    assert checkpoints.running
    _copied(sqlite_db, 0)
    deadline = time.monotonic() + 5
    while checkpoints.running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not checkpoints.running
    passes = checkpoints.passes
    bump_head(sqlite_db)
    assert checkpoints.running
    _copied(sqlite_db, passes)


def test_a_vacuum_just_after_writes_is_not_made_busy(sqlite_db: Database):
    for _ in range(15):
        for _ in range(20):
            bump_head(sqlite_db)
        time.sleep(0.09)  # (the checkpoint of these writes is about to run, or running)
        sqlite_db.vacuum()


def test_dispose_stops_the_thread(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}")
    database.create_schema()
    bump_head(database)
    assert database.checkpoints is not None
    assert database.checkpoints.running
    database.dispose()
    assert not database.checkpoints.running


def test_an_in_memory_store_has_none():
    assert Database("sqlite://").checkpoints is None
