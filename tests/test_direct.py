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

from jprcc.core.store.database import Database
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import person_journeys
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

    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        with database.write(chain=False) as conn:
            Direct(_INSERT).run(conn, {"person_id": "a", **_ROW})
            conn.commit()
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)
    assert [s for s in heard if s.startswith("INSERT INTO person_journeys")]
    assert _stored(database, "a")
