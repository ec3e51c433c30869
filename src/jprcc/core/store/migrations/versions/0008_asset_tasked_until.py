"""Until when an asset is tasked: the end of the timing window of the support directive it serves.
An asset may serve a second incident in sequence, from then on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("tasked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("tasked_until")
