"""What an asset physically is (its platform) and what it rides in or aboard. Assets registered
before keep both empty: their platform is inferred for planning, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("platform", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("carried_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("carried_by")
        batch.drop_column("platform")
