"""The case narrative out of the incident's document: each entry a row of ``incident_narrative``,
filled from the log's ``narrative_entry_added`` records; each stored document keeps only the count
of its entries (``narrative_count``), so that a command no longer reads and writes the whole
narrative again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from pydantic_core import to_json

from jprcc.core.store.tables import incident_narrative

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "incident_narrative",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "n", name=op.f("pk_incident_narrative")),
    )
    conn = op.get_bind()
    found = conn.execute(
        sa.text("SELECT payload FROM events WHERE event_type = 'narrative_entry_added' ORDER BY seq")
    )
    rows = []
    for (payload,) in found:
        e = json.loads(payload)
        rows.append(
            {
                "incident_id": e["incident_id"],
                "n": int(e["entry_id"].rsplit("/L", 1)[1]),
                "entry_id": e["entry_id"],
                "author": e["author"],
                "at": datetime.fromisoformat(e["at"]),
                "text": e["text"],
            }
        )
        if len(rows) == BATCH:
            conn.execute(sa.insert(incident_narrative), rows)
            rows = []
    if rows:
        conn.execute(sa.insert(incident_narrative), rows)
    documents = conn.execute(sa.text("SELECT incident_id, document FROM incident_documents")).all()
    for incident_id, document in documents:
        old = json.loads(document)
        # the count where the entries stood, written as the node writes documents (pydantic's JSON),
        # so that each equals the document a replay of the log gives
        doc = {
            ("narrative_count" if k == "narrative" else k): (len(v) if k == "narrative" else v)
            for k, v in old.items()
        }
        conn.execute(
            sa.text("UPDATE incident_documents SET document = :d WHERE incident_id = :i"),
            {"d": to_json(doc).decode(), "i": incident_id},
        )


def downgrade() -> None:
    """The entries back into their documents, as the older code keeps them."""
    conn = op.get_bind()
    entries: dict[str, list[dict[str, str]]] = {}
    for r in conn.execute(sa.select(incident_narrative).order_by(incident_narrative.c.n)):
        entries.setdefault(r.incident_id, []).append(
            {"entry_id": r.entry_id, "author": r.author, "at": json.loads(to_json(r.at)), "text": r.text}
        )
    documents = conn.execute(sa.text("SELECT incident_id, document FROM incident_documents")).all()
    for incident_id, document in documents:
        new = json.loads(document)
        doc = {
            ("narrative" if k == "narrative_count" else k): (
                entries.get(incident_id, []) if k == "narrative_count" else v
            )
            for k, v in new.items()
        }
        conn.execute(
            sa.text("UPDATE incident_documents SET document = :d WHERE incident_id = :i"),
            {"d": to_json(doc).decode(), "i": incident_id},
        )
    op.drop_table("incident_narrative")
