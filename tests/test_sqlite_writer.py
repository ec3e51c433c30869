"""On SQLite a process writes through one connection, one thread at a time: threads that write at
once all commit, one after another, nothing lost; a write that cannot get its turn in time is
refused as busy (ask again), changing nothing; a failed write leaves the connection fit for the
next; a writer of another process is still waited for at the file's lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from jprcc.core.errors import StoreBusy
from jprcc.core.store import database as store
from jprcc.core.store.database import Database
from tests.conftest import bump_head


def _heads(sqlite_db: Database) -> int:
    from jprcc.core.store.tables import chain_head

    with sqlite_db.read() as conn:
        return int(conn.execute(select(chain_head.c.seq)).scalar_one())


def test_threads_writing_at_once_all_commit_nothing_lost(sqlite_db: Database):
    threads = [threading.Thread(target=lambda: [bump_head(sqlite_db) for _ in range(50)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _heads(sqlite_db) == 400


def test_a_write_that_cannot_get_its_turn_in_time_is_refused_as_busy(sqlite_db: Database, monkeypatch):
    monkeypatch.setattr(store, "_WRITER_WAIT_S", 0.2)
    holder = threading.Thread(target=bump_head, args=(sqlite_db, 1.0))
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as refused:
        bump_head(sqlite_db)
    assert 0.15 < time.monotonic() - started < 0.9
    assert refused.value.retry_after_s == 1
    holder.join()
    assert _heads(sqlite_db) == 1  # the holder's write only
    bump_head(sqlite_db)  # and the next write gets its turn
    assert _heads(sqlite_db) == 2


def test_a_failed_write_leaves_the_connection_fit_for_the_next(sqlite_db: Database):
    from jprcc.core.store.tables import chain_head

    def failing() -> None:
        with sqlite_db.write() as conn:
            conn.execute(insert(chain_head).values(id=2, seq=5, hash="0" * 64))
            raise RuntimeError("the command failed after a statement")

    with pytest.raises(RuntimeError):
        failing()
    bump_head(sqlite_db)
    with sqlite_db.read() as conn:
        assert conn.execute(select(func.count()).select_from(chain_head)).scalar_one() == 1
    assert _heads(sqlite_db) == 1


def test_a_lost_connection_is_replaced(sqlite_db: Database):
    bump_head(sqlite_db)
    assert sqlite_db._writer is not None
    sqlite_db._writer.invalidate()
    bump_head(sqlite_db)
    assert _heads(sqlite_db) == 2


def test_a_writer_of_another_process_is_waited_for_at_the_files_lock(sqlite_db: Database, tmp_path: Path):
    """Another handle on the same file (as another process has) holds the write lock for a while:
    this process's write waits for it, then commits."""
    other = Database(sqlite_db.url)
    try:
        holder = threading.Thread(target=bump_head, args=(other, 0.5))
        holder.start()
        time.sleep(0.1)
        started = time.monotonic()
        bump_head(sqlite_db)
        assert time.monotonic() - started > 0.3
        holder.join()
    finally:
        other.dispose()
    assert _heads(sqlite_db) == 2


@pytest.mark.parametrize(("setting", "level"), [(None, 1), ("NORMAL", 1), ("FULL", 2)])
def test_the_log_is_synced_as_the_setting_says(tmp_path: Path, setting: str | None, level: int):
    """NORMAL by default (a killed process loses nothing it acknowledged); FULL syncs at every
    commit (nor does a power cut), on the writer's connection and every other."""
    from jprcc.core.node import bootstrap
    from tests.conftest import fast_settings

    settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path)
    if setting is not None:
        settings = settings.model_copy(update={"sqlite_synchronous": setting})
    node = bootstrap(settings, migrate=True)
    try:
        with node.database.write(chain=False) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level
        with node.database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level
    finally:
        node.close()


def test_a_sync_setting_that_is_not_one_is_refused_by_name(tmp_path: Path):
    from pydantic import ValidationError

    from jprcc.core.settings import Settings

    with pytest.raises(ValidationError, match="sqlite_synchronous"):
        Settings(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}", sqlite_synchronous="SOMETIMES")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NORMAL or FULL"):
        Database(f"sqlite:///{tmp_path / 'j.sqlite3'}", sqlite_synchronous="OFF; DROP TABLE events")
