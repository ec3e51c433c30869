"""Initial schema: the event log, its chain head, read models, credentials and tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 15:34:43.099610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("callsign", sa.String(length=64), nullable=False),
        sa.Column("asset_type", sa.String(length=64), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.Column("capabilities", sa.Text(), nullable=False),
        sa.Column("base_lat", sa.Float(), nullable=False),
        sa.Column("base_lon", sa.Float(), nullable=False),
        sa.Column("base_name", sa.String(length=200), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("range_km", sa.Float(), nullable=False),
        sa.Column("endurance_h", sa.Float(), nullable=True),
        sa.Column("readiness", sa.String(length=32), nullable=False),
        sa.Column("commitment_operation_id", sa.String(length=64), nullable=True),
        sa.Column("commitment_priority", sa.Integer(), nullable=True),
        sa.Column("tasked_incident_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_assets")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assets_commitment_operation_id"), ["commitment_operation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assets_component_id"), ["component_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assets_tasked_incident_id"), ["tasked_incident_id"], unique=False
        )

    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_head")),
    )
    op.create_table(
        "components",
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("prcc_name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("component_id", name=op.f("pk_components")),
    )
    op.create_table(
        "credentials",
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_credentials")),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("stream_id", sa.String(length=160), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_events_event_id")),
        sa.UniqueConstraint("stream_id", "stream_version", name=op.f("uq_events_stream_id_stream_version")),
    )
    op.create_table(
        "incident_documents",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_documents")),
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("owning_component", sa.String(length=64), nullable=False),
        sa.Column("supported_component", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=32), nullable=False),
        sa.Column("isolating_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_in_interval_s", sa.Integer(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_alerted", sa.Boolean(), nullable=False),
        sa.Column("dustwun_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("uncertainty_m", sa.Float(), nullable=False),
        sa.Column("persons_count", sa.Integer(), nullable=False),
        sa.Column("duty_statuses", sa.String(length=200), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("involved", sa.Text(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_is_open_dustwun_due_at"), ["is_open", "dustwun_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incidents_is_open_overdue_at"), ["is_open", "overdue_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incidents_is_open_stage"), ["is_open", "stage"], unique=False)

    op.create_table(
        "operations",
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_operations")),
    )
    op.create_table(
        "relationships",
        sa.Column("relationship_id", sa.String(length=120), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_component", sa.String(length=64), nullable=False),
        sa.Column("to_component", sa.String(length=64), nullable=False),
        sa.Column("asset_ids", sa.Text(), nullable=False),
        sa.Column("begin", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("relationship_id", name=op.f("pk_relationships")),
    )
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relationships_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_relationships_kind_end"), ["kind", "end"], unique=False)

    op.create_table(
        "tokens",
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_username"), ["username"], unique=False)

    op.create_table(
        "users",
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("component_id", sa.String(length=64), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    chain_head = sa.table("chain_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    op.bulk_insert(chain_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])


def downgrade() -> None:
    op.drop_table("users")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_username"))

    op.drop_table("tokens")
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationships_kind_end"))
        batch_op.drop_index(batch_op.f("ix_relationships_incident_id"))

    op.drop_table("relationships")
    op.drop_table("operations")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_is_open_stage"))
        batch_op.drop_index(batch_op.f("ix_incidents_is_open_overdue_at"))
        batch_op.drop_index(batch_op.f("ix_incidents_is_open_dustwun_due_at"))

    op.drop_table("incidents")
    op.drop_table("incident_documents")
    op.drop_table("events")
    op.drop_table("credentials")
    op.drop_table("components")
    op.drop_table("chain_head")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assets_tasked_incident_id"))
        batch_op.drop_index(batch_op.f("ix_assets_component_id"))
        batch_op.drop_index(batch_op.f("ix_assets_commitment_operation_id"))

    op.drop_table("assets")
