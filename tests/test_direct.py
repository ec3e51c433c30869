"""The statements sent on the driver's own cursor store and read exactly what the same statements
sent the usual way (through SQLAlchemy's execution) would, on SQLite and on PostgreSQL; raise
SQLAlchemy's errors; belong to the transaction they are sent in; and are heard by whoever listens
to the engine's statements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from jprcc.core.model import Context
from jprcc.core.store import direct
from jprcc.core.store.database import Database
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import incident_narrative, person_journeys
from jprcc.core.store.upsert import upsert

WHEN = datetime(2026, 12, 4, 3, 0, 7, 250_000, tzinfo=UTC)
_ROW = {
    "incident_id": "PR-1",
    "name": "Capt. Dana Reyes",
    "component_id": "JFACC",
    "duty_status": "missing",
    "remains_identified": False,
    "status_since": WHEN.astimezone(timezone(timedelta(hours=3))),  # (stored as UTC)
    "lifecycle": "missing",
    "location": "",
    "custodian": "",
    "next_decision": "locate",
    "next_due": None,
    "ended": True,
    "updated_at": WHEN,
    "document": None,
}
_INSERT = insert(person_journeys)
_OF = select(person_journeys).where(person_journeys.c.person_id == bindparam("pid"))
_TIMES_BEFORE = (
    update(person_journeys)
    .where(person_journeys.c.incident_id == bindparam("iid"), person_journeys.c.updated_at < bindparam("at"))
    .values(updated_at=bindparam("at"))
)


@pytest.fixture
def database(store_url: str) -> Iterator[Database]:
    db = Database(store_url)
    yield db
    db.dispose()


def _stored(db: Database, person_id: str) -> tuple[Any, ...]:
    """The row as the driver returns it, unconverted (every column but the key)."""
    with db.read() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(c.name for c in person_journeys.c if c.name != "person_id")
        mark = "?" if db.is_sqlite else "%s"
        cursor.execute(f"SELECT {names} FROM person_journeys WHERE person_id = {mark}", (person_id,))
        found = tuple(cursor.fetchone())
        cursor.close()
        return found


def test_a_row_written_directly_is_stored_as_the_usual_way_stores_it(database: Database):
    with database.write(chain=False) as conn:
        Direct(_INSERT).run(conn, {"person_id": "direct", **_ROW})
        conn.execute(_INSERT, {"person_id": "usual", **_ROW})
        conn.commit()
    assert _stored(database, "direct") == _stored(database, "usual")
    with database.read() as conn:
        direct = Direct(_OF).first(conn, {"pid": "direct"})
        usual = conn.execute(_OF, {"pid": "usual"}).first()
    assert direct is not None
    assert usual is not None
    assert direct[1:] == tuple(usual)[1:]  # the times read back aware, in UTC; the booleans as booleans
    assert direct[person_journeys.c.keys().index("status_since")] == WHEN
    assert direct[person_journeys.c.keys().index("ended")] is True


def test_many_rows_and_a_parameter_used_twice(database: Database):
    later = WHEN + timedelta(minutes=5)
    with database.write(chain=False) as conn:
        Direct(_INSERT).run(
            conn,
            [
                {"person_id": "a", **_ROW},
                {"person_id": "b", **_ROW, "incident_id": "PR-2"},
                {"person_id": "c", **_ROW, "updated_at": later + timedelta(minutes=1)},
            ],
        )
        Direct(_TIMES_BEFORE).run(conn, {"iid": "PR-1", "at": later})  # ("at" set and compared)
        conn.commit()
    with database.read() as conn:
        times = dict(conn.execute(select(person_journeys.c.person_id, person_journeys.c.updated_at)).all())
    assert times == {"a": later, "b": WHEN, "c": later + timedelta(minutes=1)}


def test_an_upsert_replaces_the_row(database: Database):
    with database.write(chain=False) as conn:
        upsert(conn, person_journeys, "person_id", {"person_id": "a", **_ROW})
        upsert(conn, person_journeys, "person_id", {"person_id": "a", **_ROW, "lifecycle": "recovered"})
        conn.commit()
    with database.read() as conn:
        assert conn.execute(select(person_journeys.c.lifecycle)).scalars().all() == ["recovered"]


def test_a_rollback_undoes_what_was_sent_directly(database: Database):
    with database.write(chain=False) as conn:
        Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
        conn.rollback()
    with database.read() as conn:
        assert conn.execute(select(person_journeys)).all() == []


@pytest.mark.parametrize("on_driver", [False, True], ids=["usual", "on the driver"])
@pytest.mark.parametrize("first", ["usual", "savepoint", "direct query"])
def test_whatever_a_write_transaction_sends_first_opens_it(database: Database, first: str, on_driver: bool):
    """The transaction's BEGIN goes with its first statement however that is sent, or (a unit of
    work's on SQLite) is sent on the driver before any: a rollback undoes everything after it, a
    commit keeps it."""
    end = {"rollback": direct.rollback, "commit": direct.commit} if on_driver else None
    for outcome in ("rollback", "commit"):
        with database.write(chain=False, on_driver=on_driver) as conn:
            if first == "usual":
                conn.execute(_INSERT, {"person_id": outcome, **_ROW})
            elif first == "savepoint":
                with conn.begin_nested():
                    conn.execute(_INSERT, {"person_id": outcome, **_ROW})
            else:
                assert Direct(_OF).first(conn, {"pid": outcome}) is None
                conn.execute(_INSERT, {"person_id": outcome, **_ROW})
            Direct(_TIMES_BEFORE).run(conn, {"iid": "PR-1", "at": WHEN + timedelta(minutes=1)})
            if end is not None:
                end[outcome](conn)
            else:
                conn.rollback() if outcome == "rollback" else conn.commit()
    with database.read() as conn:
        assert conn.execute(select(person_journeys.c.person_id, person_journeys.c.updated_at)).all() == [
            ("commit", WHEN + timedelta(minutes=1))
        ]


@pytest.mark.parametrize(
    "on_driver", [True, False], ids=["a unit of work's transaction", "a transaction the usual way"]
)
@pytest.mark.parametrize("usual", [False, True], ids=["direct only", "a statement the usual way"])
def test_a_write_transaction_commits_what_it_sent_and_nothing_after(
    database: Database, usual: bool, on_driver: bool
):
    """A unit of work's transaction on SQLite is the driver's own (``BEGIN IMMEDIATE`` sent before
    anything, ``COMMIT`` on the driver); a statement sent the usual way joins it rather than
    beginning another. What is written after a commit, however the transaction began and ended,
    is in a transaction of its own, never committed one statement at a time by the driver: the
    writer's end rolls it back."""
    with database.write(chain=False, on_driver=on_driver) as conn:
        if database.is_sqlite:
            assert conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
        if usual:
            conn.execute(_INSERT, {"person_id": "usual", **_ROW})
        Direct(_INSERT).run(conn, {"person_id": "committed", **_ROW})
        direct.commit(conn) if on_driver else conn.commit()
        Direct(_INSERT).run(conn, {"person_id": "after the commit", **_ROW})
        conn.execute(_INSERT, {"person_id": "after the commit, the usual way", **_ROW})
    with database.read() as conn:
        stored = conn.execute(select(person_journeys.c.person_id)).scalars().all()
    assert sorted(stored) == (["committed", "usual"] if usual else ["committed"])


def test_a_transaction_on_the_driver_holds_the_write_lock_from_its_begin(sqlite_db: Database):
    """(SQLite) ``BEGIN IMMEDIATE``: another connection cannot write until it ends (rolled back here)."""
    import sqlite3

    path = sqlite_db.engine.url.database
    assert path is not None
    with sqlite_db.write(chain=False, on_driver=True):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_the_drivers_errors_are_raised_as_sqlalchemys(database: Database):
    """A duplicate key is an IntegrityError (the unit of work answers it as a conflict); a value the
    store cannot hold is a DataError (answered as a rule the input broke); the row stored stays."""
    with database.write(chain=False) as conn:
        Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
        conn.commit()
    with database.write(chain=False) as conn, pytest.raises(IntegrityError):
        Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
    if not database.is_sqlite:  # (SQLite stores a NUL)
        with database.write(chain=False) as conn, pytest.raises(DataError):
            Direct(_INSERT).run(conn, {"person_id": "b", **_ROW, "name": "nul\x00"})
    with database.read() as conn:
        assert conn.execute(select(person_journeys.c.person_id)).scalars().all() == ["a"]


def test_whoever_listens_to_the_engine_hears_a_direct_statement(database: Database):
    heard: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        heard.append(statement)

    with database.write(chain=False, on_driver=True) as conn:  # (before anyone listens: unheard)
        Direct(_INSERT).run(conn, {"person_id": "before", **_ROW})
        direct.commit(conn)
    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        with database.write(chain=False) as conn:  # (the same connection, on SQLite: asked again)
            Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
            conn.commit()
        with database.write(chain=False, on_driver=True) as conn:  # (a unit of work's)
            Direct(_INSERT).run(conn, {"person_id": "b", **_ROW})
            direct.commit(conn)
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)
    assert len([s for s in heard if s.startswith("INSERT INTO person_journeys")]) == 2
    if database.is_sqlite:  # (the unit of work's BEGIN, sent the usual way while someone listens)
        assert heard.count("BEGIN IMMEDIATE") == 2
    assert _stored(database, "a")
    assert _stored(database, "b")


# --- writes held back and sent together (PostgreSQL) ----------------------------------------------


def test_held_writes_are_seen_by_the_next_read_and_kept_in_order(database: Database):
    """Held back, a transaction's writes are still seen by its own next read, sent the direct way
    or the usual way, and applied in the order they were made."""
    from jprcc.core.store.direct import hold_writes, release_writes

    with database.write(chain=False) as conn:
        hold_writes(conn)
        Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
        assert Direct(_OF).first(conn, {"pid": "a"}) is not None  # the direct way
        Direct(_TIMES_BEFORE).run(conn, {"iid": "PR-1", "at": WHEN + timedelta(minutes=1)})
        upsert(conn, person_journeys, "person_id", {"person_id": "a", **_ROW, "lifecycle": "recovered"})
        found = conn.execute(select(person_journeys.c.lifecycle, person_journeys.c.updated_at)).one()
        assert tuple(found) == ("recovered", WHEN)  # the usual way; the upsert came after the update
        release_writes(conn)
        conn.commit()


def test_held_writes_are_sent_at_the_commit_and_dropped_by_a_rollback(database: Database):
    from jprcc.core.store.direct import hold_writes, release_writes, send_held

    with database.write(chain=False) as conn:
        hold_writes(conn)
        Direct(_INSERT).run(conn, {"person_id": "kept", **_ROW})
        send_held(conn)
        release_writes(conn)
        conn.commit()
    with database.write(chain=False) as conn:
        hold_writes(conn)
        Direct(_INSERT).run(conn, {"person_id": "dropped", **_ROW})
        release_writes(conn)
        conn.rollback()
    with database.read() as conn:
        assert conn.execute(select(person_journeys.c.person_id)).scalars().all() == ["kept"]


def test_a_held_write_that_fails_is_raised_where_they_are_sent(database: Database):
    from jprcc.core.store.direct import hold_writes, send_held

    with database.write(chain=False) as conn:
        Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
        conn.commit()

    def held_then_sent() -> None:
        with database.write(chain=False) as conn:
            hold_writes(conn)  # (SQLite holds nothing back: the error is raised at once)
            Direct(_INSERT).run(conn, {"person_id": "b", **_ROW})
            Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})  # taken
            send_held(conn)

    with pytest.raises(IntegrityError):
        held_then_sent()
    with database.read() as conn:
        assert conn.execute(select(person_journeys.c.person_id)).scalars().all() == ["a"]


def test_a_command_whose_held_append_conflicts_is_a_conflict_and_changes_nothing(node, cast, clock):
    """A unit of work that appends a stream version another writer took is told so as a conflict to
    retry (where the append was held back, at its commit), and nothing of it is stored."""
    from sqlalchemy import func

    from jprcc.brokering.commands import AddNarrativeEntry
    from jprcc.core.errors import ConcurrencyConflict
    from jprcc.core.store.tables import events
    from tests.article import INCIDENT, to_directive

    to_directive(node, cast, clock)
    with node.database.read() as conn:
        before = conn.execute(select(func.count()).select_from(events)).scalar_one()
    spec = node.registry.command(AddNarrativeEntry)
    command = AddNarrativeEntry(incident_id=INCIDENT, text="late")

    def late_writer() -> None:
        with node.bus.uow_factory() as uow:
            uow.incident(INCIDENT)
            uow._versions[f"incident:{INCIDENT}"] -= 1  # as though read before another's append
            spec.handler(command, uow, Context(cast["controller"], clock.now), node.services[spec.needs])
            uow.commit()

    with pytest.raises(ConcurrencyConflict):
        late_writer()
    with node.database.read() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == before


# --- round trips of a command (PostgreSQL) --------------------------------------------------------


def _answers(trace: str) -> list[str]:
    """What the server answered, in order, from libpq's trace: each message with its detail."""
    found = []
    for line in trace.splitlines():
        _, direction, _, message, *detail = line.split("\t")
        if direction == "B":
            found.append(" ".join([message, *(d.strip() for d in detail)]).strip())
    return found


@pytest.fixture
def postgres_node(postgres_url: str, tmp_path, clock) -> Iterator[Any]:
    from tests.conftest import _empty_postgres, make_node

    _empty_postgres(postgres_url)
    node = make_node(postgres_url, tmp_path, clock)
    yield node
    node.close()


@pytest.mark.postgres
def test_a_command_on_postgresql_is_two_round_trips_that_open_and_commit_its_transaction(
    postgres_node, clock, tmp_path
):
    """A narrative entry: the first round trip opens the transaction, locks the chain head and
    reads the incident; the second sends every write and the commit. The driver's own BEGIN and
    COMMIT, each a round trip of its own, are not sent: without the BEGIN in the first round trip
    the head's lock would end with its statement."""
    from sqlalchemy import event as sa_event

    from jprcc.brokering.commands import AddNarrativeEntry
    from tests.article import INCIDENT, to_directive
    from tests.conftest import load_theater

    node = postgres_node
    cast = load_theater(node, clock)
    to_directive(node, cast, clock)
    node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="warm"), cast["controller"])
    path = tmp_path / "libpq.trace"
    with path.open("w") as out:

        def traced(dbapi: Any, record: Any, proxy: Any) -> None:
            dbapi.pgconn.trace(out.fileno())

        def untraced(dbapi: Any, record: Any) -> None:
            dbapi.pgconn.untrace()

        sa_event.listen(node.database.engine, "checkout", traced)
        sa_event.listen(node.database.engine, "checkin", untraced)
        try:
            node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="traced"), cast["controller"])
        finally:
            sa_event.remove(node.database.engine, "checkout", traced)
            sa_event.remove(node.database.engine, "checkin", untraced)
    answers = _answers(path.read_text())
    done = [a for a in answers if a.startswith(("CommandComplete", "ReadyForQuery"))]
    # one ReadyForQuery per round trip: the first after the BEGIN, the lock and the read, the
    # second after the writes and the COMMIT, with the transaction over
    assert [a for a in done if a.startswith("ReadyForQuery")] == ["ReadyForQuery T", "ReadyForQuery I"]
    assert done[0] == 'CommandComplete "BEGIN"'
    assert done[1:3] == ['CommandComplete "SELECT 1"', 'CommandComplete "SELECT 1"']  # the lock, the read
    assert done[-2:] == ['CommandComplete "COMMIT"', "ReadyForQuery I"]
    with node.database.read() as conn:
        texts = conn.execute(select(incident_narrative.c.text)).scalars().all()
    assert "traced" in texts
