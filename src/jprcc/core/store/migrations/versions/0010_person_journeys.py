"""The person's journey: one row per isolated person (the reintegration board) and one case file
per incident (the interagency track, the information collection plan). Rows for persons of
incidents reported before the upgrade appear at their incident's next event, or at once after
``jprcc db rebuild``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_journeys",
        sa.Column("person_id", sa.String(length=80), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.Column("duty_status", sa.String(length=20), nullable=False),
        sa.Column("remains_identified", sa.Boolean(), nullable=False),
        sa.Column("status_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifecycle", sa.String(length=40), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("custodian", sa.String(length=300), nullable=False),
        sa.Column("next_decision", sa.Text(), nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_journeys")),
    )
    op.create_index(op.f("ix_person_journeys_incident_id"), "person_journeys", ["incident_id"])
    op.create_table(
        "casefiles",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_casefiles")),
    )


def downgrade() -> None:
    op.drop_table("casefiles")
    op.drop_index(op.f("ix_person_journeys_incident_id"), table_name="person_journeys")
    op.drop_table("person_journeys")
