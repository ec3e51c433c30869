"""Recovery points: linkup, pickup and rally points and landing zones on the map.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:06:43.498178
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recovery_points",
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=True),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("point_id", name=op.f("pk_recovery_points")),
    )


def downgrade() -> None:
    op.drop_table("recovery_points")
