"""All configuration in one settings object, read from ``JPRCC_*`` environment variables.

Nothing connects to anything when this module is imported; ``bootstrap`` does that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from jprcc.core.keys import load_key


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("jprcc", appauthor=False)


class Settings(BaseSettings):
    """Every setting of a jprcc node. Environment variable: ``JPRCC_`` + the name in capitals."""

    model_config = SettingsConfigDict(env_prefix="JPRCC_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the SQLite store lives.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite in data_dir. "
        "For PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    )
    node_id: str = Field(default="jprcc-main", description="Id of this node, written into every event.")
    check_in_interval_s: int = Field(
        default=1800, ge=60, description="Default check-in interval of an incident."
    )
    token_ttl_s: int = Field(default=12 * 3600, ge=60, description="Lifetime of a login token (one shift).")
    classification: str = Field(default="UNCLASSIFIED", description="Marking shown on every page and report.")
    exercise: str = Field(
        default="",
        max_length=80,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="The exercise this node runs (set by jprcc exercise run): every page, report and "
        "export is then marked EXERCISE with its name; empty for real operations.",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body accepted.")
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to GET /metrics; unset, /metrics answers 404.",
        repr=False,
    )
    feed_max_backlog: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="Frames a live-feed stream may fall behind before it is cut off (the page reconnects "
        "and catches up from the log).",
    )
    feed_gather_ms: int = Field(
        default=200,
        ge=0,
        le=1000,
        description="Under load, the live feed writes to its streams at most once in this many ms, each "
        "write carrying every commit since the last (a commit after a quiet spell goes out at once; 0: "
        "every commit at once).",
    )
    http_max_connections: int = Field(
        default=1000,
        ge=10,
        le=100_000,
        description="Connections and requests one server process holds at once; beyond it new ones are "
        "answered 503 (pages' live-feed streams count).",
    )
    http_keep_alive_s: int = Field(
        default=5, ge=1, le=300, description="How long an idle kept-alive connection is held open."
    )
    http_max_header_bytes: int = Field(
        default=65_536, ge=4096, le=1_048_576, description="Largest request line and headers accepted."
    )
    max_pending_writes: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Writes waiting in one server process; beyond it a write is answered 503 with "
        "Retry-After at once and nothing is done.",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL",
        description="SQLite only. NORMAL: a process killed loses nothing it acknowledged, but a power "
        "cut or a crash of the machine may lose the last commands since the log was last synced "
        "(at its checkpoint). FULL: the log is synced at every commit, so nothing acknowledged is "
        "lost to a power cut either, for one sync of the disk per command.",
    )
    command_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Threads that run commands in one server process (reads have their own). The store "
        "takes one write at a time: more threads only wait on it and contend for the interpreter.",
    )
    sweep_interval_s: float = Field(
        default=15.0, gt=0, description="How often the clock looks for overdue incidents."
    )
    auto_migrate: bool = Field(default=True, description="Bring the store schema up to date at start-up.")
    argon2_time_cost: int = Field(default=3, ge=1, description="argon2id passes for password hashes.")
    argon2_memory_kib: int = Field(default=65536, ge=8, description="argon2id memory for password hashes.")
    log_level: str = Field(default="INFO", description="Server log level.")
    terrain_elevation: Path | None = Field(
        default=None,
        description="Elevation GeoTIFF (WGS-84, metres) for ground movement; default: flat land.",
    )
    terrain_water: Path | None = Field(
        default=None,
        description="Land/water mask GeoTIFF (WGS-84, non-zero = water); default: at or below sea level.",
    )
    basemap_mbtiles: Path | None = Field(
        default=None,
        description="A detailed offline map (raster MBTiles file) drawn under the world basemap.",
    )
    forcing_dir: Path | None = Field(
        default=None,
        description="Folder of NetCDF wind and current files for drift at sea; default: data_dir/forcing.",
    )
    outbox_dir: Path | None = Field(
        default=None,
        description="Where each released message is written for the message system to send (its text "
        "and an envelope of recipients and hash); default: data_dir/outbox.",
    )
    locate_cache_models: int = Field(
        default=6, ge=1, le=100, description="Search-model simulations kept in memory (one per model)."
    )

    chain_key: str | None = Field(
        default=None,
        description="Key of the audit chain (32 bytes, base64): every record of the event log is "
        "sealed with it (HMAC-SHA256), so that someone who can write to the database cannot rewrite "
        "the log unseen. Never stored in the database; every process and node on one store needs the "
        "same key.",
    )
    chain_key_file: Path | None = Field(
        default=None,
        description="File holding the chain key; default: chain.key in data_dir, made on first use.",
    )
    vault_key: str | None = Field(
        default=None,
        description="Master key of the records vault (32 bytes, base64); never stored in the database.",
    )
    vault_key_file: Path | None = Field(
        default=None,
        description="File holding the vault master key; default: vault.key in data_dir, made on first use.",
    )
    reintegration_plan: Path | None = Field(
        default=None,
        description="YAML file of the theater's reintegration plan (each phase's checklist, phase II's "
        "minimum hours); default: the plan shipped with jprcc.",
    )
    phase_two_minimum_h: float | None = Field(
        default=None,
        ge=0,
        le=24 * 30,
        description="Phase II's minimum decompression time in hours (overrides the plan's; default 72).",
    )
    isoprep_validity_months: int = Field(
        default=12, ge=1, le=36, description="How long an ISOPREP is valid after its review date (6 or 12)."
    )
    auth_max_failures: int = Field(
        default=3, ge=1, le=20, description="Failed authentications in a row before a record is locked."
    )
    auth_rate_per_minute: int = Field(
        default=6, ge=1, le=600, description="Verifications one user may ask of one record in a minute."
    )
    login_lock_after: int = Field(
        default=5, ge=1, le=100, description="Wrong passwords in a row before an account is locked."
    )
    login_rate_per_minute: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Logins tried in a minute, per account and per source address, in each server process.",
    )
    login_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Passwords verified at once in each process (argon2 takes argon2_memory_kib each); "
        "beyond it a login is answered 503 with Retry-After.",
    )

    tak_listen: str = Field(
        default="",
        description="TAK listeners, comma-separated URLs: tcp://HOST:PORT, tls://HOST:PORT (with "
        "tak_cert_file and tak_key_file; devices must present a certificate signed by tak_ca_file), "
        "udp://GROUP:PORT (mesh, multicast or unicast). Each may end in ?audience=theater|COMPONENT "
        "to send this node's picture to what connects (default: nothing is sent).",
    )
    tak_servers: str = Field(
        default="",
        description="TAK servers to join, comma-separated URLs: tcp://HOST:PORT or tls://HOST:PORT, each "
        "with ?audience=theater|COMPONENT|none: who may see what this node sends there (default none).",
    )
    tak_cert_file: Path | None = Field(default=None, description="PEM certificate of this node for TLS.")
    tak_key_file: Path | None = Field(default=None, description="PEM private key of that certificate.")
    tak_ca_file: Path | None = Field(
        default=None, description="PEM of the certificate authority the TAK peers' certificates chain to."
    )
    tak_callsign: str = Field(default="JPRCC", max_length=60, description="This node's callsign on TAK.")
    tak_uid: str = Field(default="", description="This node's uid on TAK; default: jprcc-<node_id>.")
    tak_max_message_bytes: int = Field(
        default=64 * 1024, ge=1024, le=1024 * 1024, description="Largest CoT message accepted."
    )
    tak_device_rate: float = Field(
        default=20.0,
        gt=0,
        description="Messages per second one listener connection (a device) may send; positions over it "
        "are dropped and counted, alerts never. TAK servers carry many devices and are not limited.",
    )
    tak_flush_s: float = Field(
        default=0.5, gt=0, le=10, description="How often the newest position of each device is stored."
    )
    tak_routine_queue: int = Field(
        default=10_000,
        ge=10,
        description="Routine CoT waiting per peer (the newest per item; alerts are never dropped).",
    )

    plugins: str = Field(
        default="",
        description="More capabilities, as comma-separated Python modules that each hold a CAPABILITY "
        "(loaded after the shipped ones; their tables are created at start-up if missing).",
    )

    @property
    def marking(self) -> str:
        """The banner of every page, report and export: the classification, and in an exercise the
        exercise's name before and after it, as exercise traffic is marked."""
        if not self.exercise:
            return self.classification
        return f"EXERCISE {self.exercise.upper()} // {self.classification} // EXERCISE"

    @property
    def plugin_modules(self) -> list[str]:
        return [name.strip() for name in self.plugins.split(",") if name.strip()]

    @property
    def effective_outbox_dir(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @property
    def effective_forcing_dir(self) -> Path:
        return self.forcing_dir or self.data_dir / "forcing"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'jprcc.sqlite3'}"

    @property
    def chain_anchor_file(self) -> Path:
        """Where this node keeps the head of the log it last saw (outside the store)."""
        return self.data_dir / "chain.anchor"

    def effective_chain_key(self) -> bytes:
        """The chain key: ``chain_key``, else ``chain_key_file``, else ``data_dir/chain.key``."""
        return load_key(
            self.chain_key,
            self.chain_key_file,
            self.data_dir / "chain.key",
            what="chain key",
            setting="JPRCC_CHAIN_KEY",
        )
