"""Insert-or-replace of one read-model row, in one statement on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from jprcc.core.store.direct import Direct

# --- store helpers

UPSERTS: dict[tuple[str, str], Direct] = {}


def upsert(conn: Connection, table: Table, key: str, values: Mapping[str, Any]) -> None:
    """Insert or replace one row, in one statement (ON CONFLICT on SQLite and PostgreSQL)."""
    dialect = conn.dialect.name
    statement = UPSERTS.get((dialect, table.name))
    if statement is None:
        insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
        new = insert_for(table)
        upserting = new.on_conflict_do_update(
            index_elements=[table.c[key]],
            set_={c.name: new.excluded[c.name] for c in table.c if c.name != key},
        )
        UPSERTS[(dialect, table.name)] = statement = Direct(upserting)
    statement.run(conn, values)
