"""Which components an incident involves: a join table instead of a comma-fenced text column
searched with LIKE. Existing incidents keep what they involved.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_involvement",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "component_id", name=op.f("pk_incident_involvement")),
    )
    op.create_index(op.f("ix_incident_involvement_component_id"), "incident_involvement", ["component_id"])
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT incident_id, involved FROM incidents")).all()
    pairs = [
        {"incident_id": incident_id, "component_id": component}
        for incident_id, involved in rows
        for component in sorted({c for c in (involved or "").split(",") if c})
    ]
    if pairs:
        involvement = sa.table("incident_involvement", sa.column("incident_id"), sa.column("component_id"))
        conn.execute(sa.insert(involvement), pairs)
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("involved")


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("involved", sa.Text(), nullable=False, server_default=","))
    op.drop_index(op.f("ix_incident_involvement_component_id"), table_name="incident_involvement")
    op.drop_table("incident_involvement")
