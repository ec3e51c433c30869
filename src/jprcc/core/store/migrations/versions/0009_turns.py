"""What each open incident waits for, and from whom: the read model of the users' inboxes.
An incident open before the upgrade enters the inboxes at its next event, or at once after
``jprcc db rebuild`` (which replays the log into every read model).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=160), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("asks", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "party", "kind", name=op.f("pk_turns")),
    )
    op.create_index(op.f("ix_turns_party_since"), "turns", ["party", "since"])


def downgrade() -> None:
    op.drop_index(op.f("ix_turns_party_since"), table_name="turns")
    op.drop_table("turns")
