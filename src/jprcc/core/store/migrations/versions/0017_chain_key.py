"""The chain key: the log's records are sealed with a key held outside the database (HMAC), and
the chain head names the key (its id) the log is sealed with. A log written before this is
verified and sealed once, on the upgrade (``jprcc.core.store.sealing``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_head") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chain_head") as batch:
        batch.drop_column("key_id")
