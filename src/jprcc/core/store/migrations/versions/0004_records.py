"""Isolated-personnel records: ISOPREP index and sealed content, evasion plans, authentication
attempts, and the wrapped data keys of the vault.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "isoprep_records",
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("answer_hashes", sa.Text(), nullable=False),
        sa.Column("number_hash", sa.String(length=255), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failures_by_item", sa.Text(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_ref", name=op.f("pk_isoprep_records")),
    )
    op.create_index(op.f("ix_isoprep_records_unit"), "isoprep_records", ["unit"])
    op.create_index(op.f("ix_isoprep_records_component_id"), "isoprep_records", ["component_id"])
    op.create_table(
        "epa_plans",
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("mission_id", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person_ref", "mission_id", name=op.f("pk_epa_plans")),
    )
    op.create_table(
        "auth_attempts",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=False),
        sa.Column("asked_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_auth_attempts")),
    )
    op.create_index(
        op.f("ix_auth_attempts_person_ref_asked_by_at"), "auth_attempts", ["person_ref", "asked_by", "at"]
    )
    op.create_table(
        "vault_keys",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_vault_keys")),
    )


def downgrade() -> None:
    op.drop_table("vault_keys")
    op.drop_index(op.f("ix_auth_attempts_person_ref_asked_by_at"), table_name="auth_attempts")
    op.drop_table("auth_attempts")
    op.drop_table("epa_plans")
    op.drop_index(op.f("ix_isoprep_records_component_id"), table_name="isoprep_records")
    op.drop_index(op.f("ix_isoprep_records_unit"), table_name="isoprep_records")
    op.drop_table("isoprep_records")
