"""How a PostgreSQL server process talks to the store: a write takes the chain head's lock before
it reads anything (sent with its first read, in one round trip), reads open no transaction, and a
pooled connection the server dropped is replaced: unseen where it sat idle; where it was in steady
use, at the cost of one request answered busy (ask again, nothing written)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, select, text

from jprcc.core.errors import StoreBusy
from jprcc.core.store import database as store_database
from jprcc.core.store.database import GENESIS_HASH, Database, locked_head
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import chain_head, components
from tests.conftest import _empty_postgres

pytestmark = pytest.mark.postgres

_HEAD = Direct(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1))


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    _empty_postgres(postgres_url)
    db = Database(postgres_url)
    yield db
    db.dispose()


def _backend(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.2)  # (the server closes the socket as it ends the backend)


def _move_head(conn: Connection, seq: int) -> None:
    conn.execute(chain_head.update().where(chain_head.c.id == 1).values(seq=seq, hash=f"{seq:064d}"))


# --- the chain head's lock -------------------------------------------------------------------------


def test_a_second_writer_reads_only_after_the_first_commits_and_sees_its_head(database: Database):
    """The lock goes with the first read of a write transaction, ahead of it: the second writer's
    first read waits for the first writer's commit, then sees what it committed."""
    first_read = threading.Event()
    second_saw: list[Any] = []

    def second() -> None:
        first_read.wait(10)
        with database.write() as conn:
            second_saw.append(_HEAD.first(conn, {}))
            conn.commit()

    with database.write() as conn:
        assert _HEAD.first(conn, {}) == (0, GENESIS_HASH)
        first_read.set()
        other = threading.Thread(target=second)
        other.start()
        time.sleep(0.5)
        assert second_saw == []  # waiting on the lock, not reading the head as it was
        _move_head(conn, 7)
        conn.commit()
    other.join(10)
    assert second_saw == [(7, f"{7:064d}")]


def test_the_locked_head_is_the_head_as_the_lock_read_it_even_before_any_read(database: Database):
    """A unit of work that appends before it reads anything starts from the head its lock reads
    (the lock is sent then), and takes it once."""
    with database.write() as conn:
        _move_head(conn, 3)
        conn.commit()
    with database.write() as conn:
        assert locked_head(conn) == (3, f"{3:064d}")
        assert locked_head(conn) is None  # taken: a second appender reads the head itself
        conn.rollback()


def test_a_write_that_sends_nothing_commits_nothing_and_holds_no_lock_after(database: Database):
    with database.write() as conn:
        conn.commit()
    done = threading.Event()

    def other() -> None:
        with database.write() as conn:
            _HEAD.first(conn, {})
            conn.commit()
        done.set()

    threading.Thread(target=other).start()
    assert done.wait(10)


def test_what_a_write_holds_back_is_sent_at_its_commit_whoever_commits(database: Database):
    """The lock led and a write held back are sent when the transaction commits the usual way
    (SQLAlchemy's commit), not dropped."""
    from jprcc.core.store.direct import hold_writes, release_writes

    row = {"component_id": "JFMCC", "name": "Maritime", "kind": "maritime", "prcc_name": "MRCC"}
    with database.write() as conn:
        hold_writes(conn)
        Direct(components.insert()).run(conn, row)
        conn.commit()
        release_writes(conn)
    with database.read() as conn:
        assert conn.execute(select(components.c.component_id)).scalars().all() == ["JFMCC"]


# --- reads ------------------------------------------------------------------------------------------


def test_a_read_opens_no_transaction_and_leaves_the_connection_transactional(database: Database):
    """Each statement of a read sees the last committed state on its own (READ COMMITTED either
    way), so no transaction is opened; the connection goes back to the pool as it came, and the
    next write on it is one transaction again, undone by its rollback."""
    with database.read() as conn:
        backend = _backend(conn)
        assert conn.connection.driver_connection.info.transaction_status.name == "IDLE"  # type: ignore[union-attr]
    with database.write(chain=False) as conn:
        assert _backend(conn) == backend  # (the pool's one connection)
        conn.execute(
            components.insert().values(component_id="JFACC", name="Air", kind="air", prcc_name="JPRC-A")
        )
        conn.rollback()
    with database.read() as conn:
        assert _backend(conn) == backend
        assert conn.execute(select(components.c.component_id)).scalars().all() == []


# --- connections the server dropped -----------------------------------------------------------------


def test_an_idle_connection_the_server_dropped_is_replaced_unseen(
    database: Database, postgres_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(store_database, "_IDLE_PING_S", 0.0)
    with database.read() as conn:
        dropped = _backend(conn)
    _terminate(postgres_url, dropped)
    with database.read() as conn:  # pinged as it is checked out, found dead, replaced
        assert _backend(conn) != dropped


def test_connections_dropped_while_in_steady_use_cost_one_busy_answer(
    database: Database, postgres_url: str, monkeypatch: pytest.MonkeyPatch
):
    """Not pinged (they were used a moment ago): the server restarts under both of the pool's
    connections; the first statement fails and its request is refused as busy with nothing done;
    every other connection is pinged before its next use and replaced, so the next requests, on
    either connection, go through."""
    monkeypatch.setattr(store_database, "_IDLE_PING_S", 3600.0)
    with database.read() as one, database.read() as two:
        dropped = {_backend(one), _backend(two)}
    for pid in dropped:
        _terminate(postgres_url, pid)
    with pytest.raises(StoreBusy), database.write() as conn:
        _HEAD.first(conn, {})
    with database.read() as one, database.read() as two:
        assert not {_backend(one), _backend(two)} & dropped
