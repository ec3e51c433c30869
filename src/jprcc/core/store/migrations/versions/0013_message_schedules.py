"""Message schedules: standing releases (a daily summary for the JFC at 0600Z) and the last time
each ran. Schedule events are new: nothing before this revision to project.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_schedules",
        sa.Column("schedule_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("every_s", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("line_length", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_message_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_message_schedules")),
    )


def downgrade() -> None:
    op.drop_table("message_schedules")
