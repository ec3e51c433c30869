"""On SQLite, the log kept in the order of its sequence and each narrative in the order of its
entries, with no second copy of either key.

- ``events.seq`` becomes SQLite's rowid (``INTEGER PRIMARY KEY``). Declared ``BIGINT`` it was a
  column beside the rowid, with its own index: every append wrote a page of that index as well,
  and every read of the log by sequence descended it before the table.
- ``incident_narrative`` becomes a ``WITHOUT ROWID`` table: its rows are kept in the order of their
  key (the incident, the entry's number), so an append writes the table and no separate index, and
  an incident's latest entries lie together.

Both tables are rebuilt with the same columns, keys and constraint names and filled from the old
ones row for row. PostgreSQL keeps its tables as they are (its ``BIGINT`` key is its own index, as
before).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_EVENTS = """CREATE TABLE {name} (
    seq {seq} NOT NULL,
    event_id VARCHAR(36) NOT NULL,
    node_id VARCHAR(64) NOT NULL,
    stream_id VARCHAR(160) NOT NULL,
    stream_version INTEGER NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    recorded_at DATETIME NOT NULL,
    actor VARCHAR(64) NOT NULL,
    payload TEXT NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    CONSTRAINT pk_events PRIMARY KEY (seq),
    CONSTRAINT uq_events_event_id UNIQUE (event_id),
    CONSTRAINT uq_events_stream_id_stream_version UNIQUE (stream_id, stream_version)
)"""
_EVENT_COLUMNS = (
    "seq, event_id, node_id, stream_id, stream_version, event_type, recorded_at, actor, payload, "
    "prev_hash, hash"
)

_NARRATIVE = """CREATE TABLE {name} (
    incident_id VARCHAR(64) NOT NULL,
    n INTEGER NOT NULL,
    entry_id VARCHAR(80) NOT NULL,
    author VARCHAR(64) NOT NULL,
    at DATETIME NOT NULL,
    text TEXT NOT NULL,
    CONSTRAINT pk_incident_narrative PRIMARY KEY (incident_id, n)
){options}"""
_NARRATIVE_COLUMNS = "incident_id, n, entry_id, author, at, text"


def _rebuild(table: str, create: str, columns: str) -> None:
    """``table`` made again by ``create`` (which names it ``{table}_rebuilt``), every row copied."""
    op.execute(create)
    op.execute(f"INSERT INTO {table}_rebuilt ({columns}) SELECT {columns} FROM {table} ORDER BY 1, 2")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")


def _rebuild_both(seq: str, narrative_options: str) -> None:
    """Both tables made again on SQLite: ``events.seq`` of the type ``seq`` (``INTEGER`` makes it the
    rowid), the narrative with ``narrative_options`` (``WITHOUT ROWID`` or none)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild("events", _EVENTS.format(name="events_rebuilt", seq=seq), _EVENT_COLUMNS)
    _rebuild(
        "incident_narrative",
        _NARRATIVE.format(name="incident_narrative_rebuilt", options=narrative_options),
        _NARRATIVE_COLUMNS,
    )


def upgrade() -> None:
    _rebuild_both("INTEGER", " WITHOUT ROWID")


def downgrade() -> None:
    _rebuild_both("BIGINT", "")
