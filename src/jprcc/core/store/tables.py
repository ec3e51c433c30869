"""The schema: the append-only event log, its chain head, and the read models.

Read models are derived: each can be rebuilt from the log (``jprcc db rebuild``). The two
exceptions are secrets, which are never history: ``credentials`` (password hashes) and
``tokens`` (hashes of bearer tokens).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC times in, aware UTC times out, on every engine.

    SQLite keeps no offset: without this, a time sent as 05:00+02:00 would be stored as 05:00
    and read back as 05:00Z. Naive times are refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive time {value!r}: every stored time carries its zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TZ = UtcDateTime()

events = Table(
    "events",
    metadata,
    # on SQLite the rowid itself (INTEGER PRIMARY KEY): the log is kept in its order, with no
    # index beside it to write on every append
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("node_id", String(64), nullable=False),
    Column("stream_id", String(160), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("recorded_at", TZ, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "stream_version"),
)

chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # the id of the chain key the log is sealed with (never the key): a process with another key
    # refuses to start rather than write records no audit could verify
    Column("key_id", String(12), nullable=True),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("owning_component", String(64), nullable=False),
    Column("supported_component", String(64)),
    Column("priority", Integer, nullable=False),
    Column("environment", String(32), nullable=False),
    Column("isolating_event_at", TZ, nullable=False),
    Column("reported_at", TZ, nullable=False),
    Column("last_update_at", TZ, nullable=False),
    Column("check_in_interval_s", Integer, nullable=False),
    Column("overdue_at", TZ),
    Column("overdue_alerted", Boolean, nullable=False),
    Column("dustwun_due_at", TZ),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("uncertainty_m", Float, nullable=False),
    Column("persons_count", Integer, nullable=False),
    Column("duty_statuses", String(200), nullable=False),
    Column("tasks", Text, nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("closed_at", TZ),
    Index(None, "is_open", "stage"),
    Index(None, "is_open", "overdue_at"),
    Index(None, "is_open", "dustwun_due_at"),
)

incident_involvement = Table(
    "incident_involvement",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("component_id", String(64), primary_key=True),
    Index(None, "component_id"),
)
"""Which components an incident involves (owner, persons', polled, nominated, supporting):
need-to-know for component-bound roles, and the board's component filter."""

turns = Table(
    "turns",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("party", String(80), primary_key=True),
    Column("kind", String(160), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("asks", Text, nullable=False),
    Column("since", TZ, nullable=False),
    Column("due_at", TZ),
    Column("urgent", Boolean, nullable=False),
    Index(None, "party", "since"),
)
"""What each open incident waits for, from whom (``brokering.turns``): the users' inboxes."""

person_journeys = Table(
    "person_journeys",
    metadata,
    Column("person_id", String(80), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("component_id", String(64), nullable=False),
    Column("duty_status", String(20), nullable=False),
    Column("remains_identified", Boolean, nullable=False),
    Column("status_since", TZ, nullable=False),
    Column("lifecycle", String(40), nullable=False),
    Column("location", String(200), nullable=False),
    Column("custodian", String(300), nullable=False),
    Column("next_decision", Text, nullable=False),
    Column("next_due", TZ),
    Column("ended", Boolean, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("document", Text),
)
"""Every isolated person's journey, one row each (``journey.projections``): the reintegration board."""

casefiles = Table(
    "casefiles",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
)
"""Each incident's interagency track and information collection plan (``journey``)."""

message_templates = Table(
    "message_templates",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", TZ, nullable=False),
)
"""The template in force for each kind of message (``publishing``; every version is in the log)."""

messages = Table(
    "messages",
    metadata,
    Column("message_id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("incident_id", String(64), index=True),
    Column("template_version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("released_by", String(64), nullable=False),
    Column("released_at", TZ, nullable=False),
)
"""Every message released: the exact text sent, its hash, to whom, by whom (``publishing``)."""

message_schedules = Table(
    "message_schedules",
    metadata,
    Column("schedule_id", String(40), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("first_at", TZ, nullable=False),
    Column("every_s", Integer, nullable=False),
    Column("recipients", Text, nullable=False),
    Column("line_length", Integer, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("cancelled_at", TZ),
    Column("last_due", TZ),
    Column("last_message_id", String(40)),
)
"""Standing releases (a daily summary at 0600Z) and the last time each ran (``publishing``)."""

tak_devices = Table(
    "tak_devices",
    metadata,
    Column("uid", String(200), primary_key=True),
    Column("callsign", String(100), nullable=False),
    Column("cot_type", String(100), nullable=False),
    Column("binding_kind", String(10)),
    Column("binding_ref", String(64)),
    Column("binding_label", String(200)),
    Column("component_id", String(64), index=True),
    Column("first_seen_at", TZ, nullable=False),
    Column("via", String(200), nullable=False),
    Column("last_report_at", TZ),
    Column("stale_at", TZ),
    Column("lat", Float),
    Column("lon", Float),
    Column("hae_m", Float),
    Column("ce_m", Float),
    Column("course_deg", Float),
    Column("speed_ms", Float),
    Column("reports", Integer, nullable=False),
    Column("open_alerts", Integer, nullable=False),
)
"""Every TAK device the node has heard, by uid: what it is bound to and its newest position (``tak``)."""

tak_alerts = Table(
    "tak_alerts",
    metadata,
    Column("alert_id", String(40), primary_key=True),
    Column("uid", String(200), nullable=False, index=True),
    Column("kind", String(24), nullable=False),
    Column("status", String(16), nullable=False),
    Column("is_open", Boolean, nullable=False, index=True),
    Column("component_id", String(64)),
    Column("received_at", TZ, nullable=False),
    Column("document", Text, nullable=False),
)
"""Every alert a TAK device raised, from receipt to a human's decision (``tak``)."""

incident_documents = Table(
    "incident_documents",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
)

incident_narrative = Table(
    "incident_narrative",
    metadata,
    Column("incident_id", String(64), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("entry_id", String(80), nullable=False),
    Column("author", String(64), nullable=False),
    Column("at", TZ, nullable=False),
    Column("text", Text, nullable=False),
    sqlite_with_rowid=False,  # kept in the order of its key: an append writes no separate index
)
"""Each incident's case narrative, entry by entry (``n`` from 1): appended by its entries' events,
never rewritten, and read apart from the incident's document."""

relationships = Table(
    "relationships",
    metadata,
    Column("relationship_id", String(120), primary_key=True),
    Column("incident_id", String(64), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("from_component", String(64), nullable=False),
    Column("to_component", String(64), nullable=False),
    Column("asset_ids", Text, nullable=False),
    Column("begin", TZ, nullable=False),
    Column("end", TZ),
    Column("source_id", String(120), nullable=False),
    Column("statement", Text, nullable=False),
    Index(None, "kind", "end"),
)

components = Table(
    "components",
    metadata,
    Column("component_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("prcc_name", String(200), nullable=False),
)

assets = Table(
    "assets",
    metadata,
    Column("asset_id", String(64), primary_key=True),
    Column("callsign", String(64), nullable=False),
    Column("asset_type", String(64), nullable=False),
    Column("component_id", String(64), nullable=False, index=True),
    Column("capabilities", Text, nullable=False),
    Column("base_lat", Float, nullable=False),
    Column("base_lon", Float, nullable=False),
    Column("base_name", String(200), nullable=False),
    Column("speed_kmh", Float, nullable=False),
    Column("range_km", Float, nullable=False),
    Column("endurance_h", Float),
    Column("readiness", String(32), nullable=False),
    Column("commitment_operation_id", String(64), index=True),
    Column("commitment_priority", Integer),
    Column("tasked_incident_id", String(64), index=True),
    Column("platform", String(32)),
    Column("carried_by", String(64)),
    Column("tasked_until", UtcDateTime()),  # the end of the window of the directive it serves
)

recovery_points = Table(
    "recovery_points",
    metadata,
    Column("point_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("component_id", String(64)),
    Column("remarks", Text, nullable=False),
)

intel_layers = Table(
    "intel_layers",
    metadata,
    Column("layer_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("valid_from", TZ, nullable=False),
    Column("valid_to", TZ),
    Column("document", Text, nullable=False),
)

decision_matrix = Table(
    "decision_matrix",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", TZ, nullable=False),
)

operations = Table(
    "operations",
    metadata,
    Column("operation_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("component_id", String(64), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("active", Boolean, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String(32), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("component_id", String(64)),
    Column("full_name", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_at", TZ),
)

credentials = Table(
    "credentials",
    metadata,
    Column("username", String(32), primary_key=True),
    Column("password_hash", String(255), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("username", String(32), nullable=False, index=True),
    Column("issued_at", TZ, nullable=False),
    Column("expires_at", TZ, nullable=False),
    Column("revoked", Boolean, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("until", TZ, nullable=False),
)
"""Work one server process does for all of them (the clock's alert sweep and timers): who holds it,
until when (``core.leases``)."""

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("username", String(32), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("created_at", TZ, nullable=False, index=True),
    Column("status", Integer),
    Column("media_type", String(100)),
    Column("answer", Text),
)
"""A command sent with an ``Idempotency-Key``: claimed in the transaction that records its events
(so a retry is never applied twice), then its answer kept to give again (``core.idempotency``)."""

isoprep_records = Table(
    "isoprep_records",
    metadata,
    Column("person_ref", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("service", String(64), nullable=False),
    Column("unit", String(200), nullable=False, index=True),
    Column("component_id", String(64), nullable=False, index=True),
    Column("review_date", Date, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("sealed", Text, nullable=False),  # ciphertext only
    Column("answer_hashes", Text, nullable=False),  # argon2 hashes, JSON list
    Column("number_hash", String(255)),
    Column("failures", Integer, nullable=False),  # the most failures in a row on any one item
    Column("failures_by_item", Text, nullable=False),  # JSON: {"1": n, ..., "number": n}
    Column("locked", Boolean, nullable=False),
    Column("recorded_at", TZ, nullable=False),
)

epa_plans = Table(
    "epa_plans",
    metadata,
    Column("person_ref", String(64), primary_key=True),
    Column("mission_id", String(64), primary_key=True),
    Column("valid_from", TZ, nullable=False),
    Column("valid_to", TZ, nullable=False),
    Column("sealed", Text, nullable=False),
)

auth_attempts = Table(
    "auth_attempts",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("person_ref", String(64), nullable=False),
    Column("asked_by", String(64), nullable=False),
    Column("at", TZ, nullable=False),
    Column("matched", Boolean, nullable=False),
    Index(None, "person_ref", "asked_by", "at"),
)

vault_keys = Table(
    "vault_keys",
    metadata,
    Column("record_id", String(64), primary_key=True),
    Column("wrapped", Text, nullable=False),  # the record's data key, wrapped by the master key
)

consumer_cursors = Table(
    "consumer_cursors",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the last event handled
    Column("owner", String(100)),  # the process holding the lease, if any
    Column("lease_until", TZ),
    Column("updated_at", TZ, nullable=False),
)
"""Where each durable consumer is in the log: not history, so not rebuilt from it."""
