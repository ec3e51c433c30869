"""TAK interop: every device heard (by uid: its binding and newest position) and every alert a
device raised. Device, alert and track events are new: nothing before this revision to project.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tak_devices",
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("callsign", sa.String(length=100), nullable=False),
        sa.Column("cot_type", sa.String(length=100), nullable=False),
        sa.Column("binding_kind", sa.String(length=10), nullable=True),
        sa.Column("binding_ref", sa.String(length=64), nullable=True),
        sa.Column("binding_label", sa.String(length=200), nullable=True),
        sa.Column("component_id", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=200), nullable=False),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("hae_m", sa.Float(), nullable=True),
        sa.Column("ce_m", sa.Float(), nullable=True),
        sa.Column("course_deg", sa.Float(), nullable=True),
        sa.Column("speed_ms", sa.Float(), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("open_alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_tak_devices")),
    )
    op.create_index(op.f("ix_tak_devices_component_id"), "tak_devices", ["component_id"])
    op.create_table(
        "tak_alerts",
        sa.Column("alert_id", sa.String(length=40), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_tak_alerts")),
    )
    op.create_index(op.f("ix_tak_alerts_uid"), "tak_alerts", ["uid"])
    op.create_index(op.f("ix_tak_alerts_is_open"), "tak_alerts", ["is_open"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tak_alerts_is_open"), table_name="tak_alerts")
    op.drop_index(op.f("ix_tak_alerts_uid"), table_name="tak_alerts")
    op.drop_table("tak_alerts")
    op.drop_index(op.f("ix_tak_devices_component_id"), table_name="tak_devices")
    op.drop_table("tak_devices")
