"""Connecting to the store: SQLite (WAL, one writer at a time) or PostgreSQL.

Write transactions are serialized on both engines, so the hash chain has one head and
every decision is taken on the latest state:

* SQLite: ``BEGIN IMMEDIATE`` takes the write lock when the transaction starts; readers
  keep reading the last committed state (WAL).
* PostgreSQL: the first statement of every write transaction locks the chain head row
  (``SELECT ... FOR UPDATE``); readers are never blocked.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DisconnectionError, OperationalError

from jprcc.core.errors import RuleViolation, StoreBusy
from jprcc.core.keys import ChainKeyRefused, key_id
from jprcc.core.store.checkpoint import BACKSTOP_PAGES, Checkpointer
from jprcc.core.store.direct import (
    Direct,
    begin_on_driver,
    begin_with_first_send,
    in_transaction,
    release_writes,
    rollback,
    run_sql,
    send_held,
    send_held_and_commit,
    unheard,
)
from jprcc.core.store.tables import chain_head, metadata
from jprcc.core.store.written import States, Written

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
_BEGIN_OPTION = "jprcc_sqlite_begin"


def _sqlite_engine(url: str, synchronous: str = "NORMAL") -> Engine:
    if synchronous not in ("NORMAL", "FULL"):
        raise ValueError(f"SQLite synchronous must be NORMAL or FULL, not {synchronous!r}")

    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # take transaction control away from pysqlite so that BEGIN is ours to emit
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            return  # (a unit of work's, begun on the driver: SQLAlchemy's joins it)
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        run_sql(conn, f"BEGIN {mode}")

    return engine


def _private(path: Path) -> None:
    """The store's folder readable by the node's account only (0700), its file too (0600): SQLite
    gives the WAL and shared-memory files the database file's permissions."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with suppress(OSError):  # a folder another account owns: the file's own mode still holds
        os.chmod(folder, 0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    with suppress(OSError):
        os.chmod(path, 0o600)
    for suffix in ("-wal", "-shm"):
        with suppress(FileNotFoundError, PermissionError):
            os.chmod(f"{path}{suffix}", 0o600)


@contextmanager
def _busy_as_refusal() -> Iterator[None]:
    """The store busy (SQLite's lock held past its timeout), a PostgreSQL lock or statement
    timeout, the server gone: a refusal that says to ask again, never a bare server error."""
    try:
        yield
    except DataError as e:  # a value the driver or the server cannot hold: the input's fault, not the node's
        log.warning("value refused by the store", extra={"error": str(e.orig)[:200]})
        raise RuleViolation(
            "a value the store cannot hold (a NUL character, a number out of range): nothing was done",
            field="body",
        ) from e
    except OperationalError as e:
        log.warning("store busy or unreachable", extra={"error": str(e.orig)[:200]})
        raise StoreBusy(
            "the store is busy or cannot be reached: nothing was done; try again", retry_after_s=1
        ) from e


_WRITER_WAIT_S = 30.0
"""How long a write waits for this process's other writers (as long as for another process's)."""
LOCKED_HEAD = "jprcc.locked_head"
"""On a write transaction's connection (PostgreSQL): the chain head as its lock read it, once the
lock was sent (with the transaction's first read), for the unit of work to take (``locked_head``:
its log's first append starts from it)."""
_LOCK_HEAD = Direct(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1).with_for_update())


def locked_head(conn: Connection) -> tuple[int, str] | None:
    """The chain head as this write transaction's lock read it (PostgreSQL), once; None where no
    lock read it (SQLite, whose write lock is the whole file)."""
    info = conn.info
    if LOCKED_HEAD not in info:
        send_held(conn)  # (the lock waits to go with the first read: none came before)
    found: tuple[int, str] | None = info.pop(LOCKED_HEAD, None)
    return found


def _send_held_first(conn: Connection, *args: Any) -> None:
    send_held(conn)


_IDLE_PING_S = 2.0
_RETURNED = "jprcc.returned_at"


def _ping_when_idle(engine: Engine) -> None:
    """A pooled PostgreSQL connection idle for more than ``_IDLE_PING_S`` is pinged as it is
    checked out, and replaced if the server does not answer (restarted, or the connection cut
    by a firewall while idle). One in steady use is not: a ping is a round trip, and a server
    process sends a few thousand statements a second on connections idle for microseconds. If
    the server goes away between two uses that close together, the statement fails and its
    request is refused as busy (503, ask again, nothing written); SQLAlchemy then replaces every
    connection the pool held before the failure, as they are next checked out."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned <= _IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # (outside any transaction)
        except engine.dialect.loaded_dbapi.Error as e:
            raise DisconnectionError(f"the idle connection did not answer: {e}") from e


class Database:
    """The engine, how to open read and write transactions on it, and the chain key the log is
    sealed with (``b""``: this handle only reads)."""

    def __init__(
        self, url: str, *, chain_key: bytes = b"", echo: bool = False, sqlite_synchronous: str = "NORMAL"
    ) -> None:
        self.url = url
        self.chain_key = chain_key
        self.key_claimed = False  # set once the log's head was found to name this key
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        #: (a SQLite file) its checkpoints, run off the writer's path (see ``checkpoint``)
        self.checkpoints: Checkpointer | None = None
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                _private(Path(database))
                self.checkpoints = Checkpointer(database, self._writer_held)
            self.engine = _sqlite_engine(url, sqlite_synchronous)
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=20)
            _ping_when_idle(self.engine)
            # a statement sent the usual way, or a commit, sends what a transaction held back first
            event.listen(self.engine, "before_execute", _send_held_first)
            event.listen(self.engine, "commit", send_held_and_commit)
        self.engine.echo = echo
        self.written = Written()  # what this process's units of work last wrote (see written.py)
        self.states = States()  # and the streams' states they committed, for the next to take
        self._writer: Connection | None = None  # (SQLite) see ``_sqlite_writer``
        self._writer_lock = threading.Lock()

    @property
    def display_url(self) -> str:
        """The URL with any password masked, for logs and screens."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def write(self, *, chain: bool = True, on_driver: bool = False) -> AbstractContextManager[Connection]:
        """A serialized write transaction; the caller commits, anything else rolls back. A store
        that refuses or times out is ``StoreBusy`` (nothing was written: ask again).

        ``chain=False`` is for bookkeeping beside the log (a consumer's cursor, a lease), which
        decides nothing on the log's state: on PostgreSQL it does not queue behind the commands
        for the chain head (its rows are guarded by their own compare-and-set); SQLite has one
        writer at a time either way.

        ``on_driver=True`` (a unit of work): on SQLite the transaction is begun on the driver's
        connection (see ``direct.begin_on_driver``), and the caller ends it with ``direct.commit``
        or ``direct.rollback``, never the connection's own."""
        if self.is_sqlite:
            return self._sqlite_writer(on_driver)
        return self._postgres_writer(chain)

    @contextmanager
    def _postgres_writer(self, chain: bool) -> Iterator[Connection]:
        with _busy_as_refusal(), self.engine.connect() as conn:
            # the driver in autocommit sends no BEGIN of its own (a round trip before anything
            # else); ours goes with the transaction's first statements, and its COMMIT with the
            # last writes (see ``direct``)
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.begin()
            begin_with_first_send(conn, "BEGIN ISOLATION LEVEL READ COMMITTED")
            unheard(conn)
            try:
                if chain:  # the head, locked before anything else is read (a unit of work's first
                    # append starts from it); the lock goes with the transaction's first read
                    _LOCK_HEAD.lead(conn, {}, lambda head: conn.info.__setitem__(LOCKED_HEAD, head))
                yield conn
            finally:
                conn.info.pop(LOCKED_HEAD, None)
                release_writes(conn)
                if conn.in_transaction():
                    conn.rollback()

    @contextmanager
    def _sqlite_writer(self, on_driver: bool = False) -> Iterator[Connection]:
        """The process's one SQLite write connection, one thread at a time: SQLite has one writer
        at a time whatever the process does, so the threads of this process queue here, in order,
        rather than each polling the file's lock; only a writer of another process is waited for
        at ``BEGIN IMMEDIATE``. The connection is kept for the process's next write (a new one is
        opened if it was lost), so that a write does not check one out of the pool and set it up."""
        if not self._writer_lock.acquire(timeout=_WRITER_WAIT_S):
            raise StoreBusy("the store is busy: nothing was done; try again", retry_after_s=1)
        try:
            with _busy_as_refusal():
                conn = self._writer
                if conn is None or conn.closed or conn.invalidated:
                    conn = self.engine.connect().execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                    if self.checkpoints is not None and not self.checkpoints.stopped:
                        # (its commits leave the copying to the thread)
                        driver = conn.connection.driver_connection
                        driver.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # type: ignore[union-attr]
                    self._writer = conn
                if not (on_driver and begin_on_driver(conn, "BEGIN IMMEDIATE")):
                    conn.begin()
                    unheard(conn)
                try:
                    yield conn
                finally:
                    if in_transaction(conn):
                        rollback(conn)
                    elif self.checkpoints is not None:  # committed
                        self.checkpoints.wrote()
                    release_writes(conn)
        finally:
            self._writer_lock.release()

    @contextmanager
    def _writer_held(self) -> Iterator[bool]:
        """This process's writer held (True), or not within a second (False: the caller goes on)."""
        held = self._writer_lock.acquire(timeout=1.0)
        try:
            yield held
        finally:
            if held:
                self._writer_lock.release()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Reads of the last committed state. On PostgreSQL each statement sees the state as it
        starts (READ COMMITTED, as in any transaction there), so no transaction is opened around
        them: a lookup is one round trip, not three. Reads that must agree use ``snapshot``."""
        with _busy_as_refusal(), self.engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            with conn.begin():
                yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one state throughout (REPEATABLE READ on PostgreSQL; on
        SQLite every read transaction does), for reads that must agree with each other."""
        with _busy_as_refusal(), self.engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def create_schema(self) -> None:
        """Create the tables directly (tests); production stores use migrations."""
        metadata.create_all(self.engine)
        self.ensure_chain_head()

    @property
    def key_id(self) -> str:
        return key_id(self.chain_key) if self.chain_key else ""

    def ensure_chain_head(self) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(chain_head.c.id)).first() is None:
                values = {"id": 1, "seq": 0, "hash": GENESIS_HASH}
                if self.key_id:  # (a schema from before chain keys has no key_id)
                    values["key_id"] = self.key_id
                conn.execute(chain_head.insert().values(**values))

    def claim_chain_key(self) -> None:
        """An empty log takes this process's chain key; a log sealed with another key, or a log
        that holds records but names no key, is refused: records this process wrote could not be
        verified, or the store was tampered with."""
        with self.write() as conn:
            head = conn.execute(
                select(chain_head.c.seq, chain_head.c.key_id).where(chain_head.c.id == 1)
            ).one()
            if head.key_id == self.key_id:
                self.key_claimed = True
                return
            if head.key_id is None and head.seq == 0:
                conn.execute(chain_head.update().where(chain_head.c.id == 1).values(key_id=self.key_id))
                conn.commit()
                self.key_claimed = True
                return
        if head.key_id is None:
            raise ChainKeyRefused(
                f"the log holds {head.seq} records but names no chain key: a log from before chain "
                "keys is sealed by `jprcc db upgrade`; otherwise the chain head was altered (run "
                "`jprcc audit verify`)"
            )
        raise ChainKeyRefused(
            f"the log is sealed with chain key {head.key_id}, this process has {self.key_id}: run every "
            "process of this store with the same JPRCC_CHAIN_KEY or JPRCC_CHAIN_KEY_FILE"
        )

    def vacuum(self, table: str = "vault_keys") -> None:
        """Reclaim free space, so that overwritten rows (old wrapped keys) are really gone."""
        if not self.is_sqlite:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM FULL {table}")  # rewrites the table: no dead tuples left
                conn.exec_driver_sql("CHECKPOINT")
            return
        raw = self.engine.raw_connection()  # VACUUM runs outside any transaction, in autocommit
        paused = self.checkpoints.paused() if self.checkpoints is not None else nullcontext()
        try:
            with paused:  # (our own checkpoint would make the log's truncation busy)
                driver = raw.driver_connection
                assert driver is not None
                level = driver.isolation_level
                driver.isolation_level = None
                try:
                    driver.execute("VACUUM")
                    busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    if busy:  # another reader held the log: the old pages may still be in it
                        raise RuntimeError(
                            "the write-ahead log could not be emptied: stop the server and run again"
                        )
                finally:
                    driver.isolation_level = level
        finally:
            raw.close()

    def dispose(self) -> None:
        waited = self._writer_lock.acquire(timeout=_WRITER_WAIT_S)  # (a write still under way ends first)
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        finally:
            if waited:
                self._writer_lock.release()
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()
