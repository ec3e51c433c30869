"""Backups of the store, and restoring one.

A backup is one file, a tar archive holding:

- ``manifest.json``: what it is (format, store kind, schema revision, node id, when it was taken,
  the number of events and the chain head's hash, the SHA-256 of the store file);
- the store: ``store.sqlite3``, a consistent copy taken **online** through SQLite's backup API
  (the server keeps running and writing), or ``store.pgdump``, ``pg_dump``'s custom format for a
  PostgreSQL store (one consistent snapshot, taken online too).

The records vault's master key is **not** in a backup, on purpose: a stolen backup must not open
the sealed ISOPREP parts. Keep the key file (or ``JPRCC_VAULT_KEY``) apart from the backups;
without it a restored store works, but its sealed parts stay sealed.

Restoring refuses a store that already holds events (unless forced), checks the archive against
its manifest, then checks what it restored: the hash chain verifies, and the read models equal a
rebuild from the log (``store.audit.read_models_match_rebuild``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from jprcc.core.errors import RuleViolation
from jprcc.core.store import audit, migrate, sealing
from jprcc.core.store.anchor import write_anchor
from jprcc.core.store.database import Database
from jprcc.core.store.tables import chain_head, events

FORMAT = "jprcc-backup/1"
VAULT_NOTE = (
    "the vault master key is not in this backup: keep it apart (its file, or JPRCC_VAULT_KEY); "
    "without it the sealed ISOPREP parts of a restored store stay sealed. Nor is the chain key: "
    "restore with the same JPRCC_CHAIN_KEY (or chain.key file), or the restored log cannot be verified"
)
Progress = Callable[[int, int], None]  # (done, total) pages or steps


@dataclass(frozen=True)
class Manifest:
    format: str
    store: str  # sqlite | postgresql
    schema_revision: str | None
    node_id: str
    created_at: str
    events: int
    chain_head: str
    member: str  # the store's file in the archive
    sha256: str
    vault_key: str = VAULT_NOTE


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    chain_ok: bool
    chain_reason: str
    records: int
    differences: list[str]

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.differences


def _head(database: Database) -> tuple[int, str]:
    with database.read() as conn:
        row = conn.execute(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
    return int(row.seq), str(row.hash)


def _libpq(url: str) -> tuple[str, str | None]:
    """A SQLAlchemy PostgreSQL URL as libpq takes it, and the schema its search path names."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    schema = None
    if isinstance(options, str) and "search_path" in options:
        schema = options.split("search_path=", 1)[1].split()[0].split(",")[0]
    plain = parsed.set(drivername="postgresql", query={})
    return plain.render_as_string(hide_password=False), schema


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(database: Database, node_id: str, out: Path, progress: Progress | None = None) -> Manifest:
    """Write a backup of the store to ``out`` (a new file), taken while the node runs."""
    if out.exists():
        raise RuleViolation(f"{out} exists: a backup never overwrites a file", field="out")
    seq, head = _head(database)
    with tempfile.TemporaryDirectory(prefix="jprcc-backup-") as work:
        if database.is_sqlite:
            member, path = "store.sqlite3", Path(work) / "store.sqlite3"
            source = sqlite3.connect(str(make_url(database.url).database))
            target = sqlite3.connect(str(path))
            try:
                step = (
                    (lambda status, remaining, total: progress(total - remaining, total))
                    if progress
                    else None
                )
                source.backup(target, pages=256, progress=step)
            finally:
                target.close()
                source.close()
            seq, head = _sqlite_head(path)  # what the copy holds (writes may have come in since)
        else:
            member, path = "store.pgdump", Path(work) / "store.pgdump"
            url, schema = _libpq(database.url)
            command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"]
            command += [f"--schema={schema}"] if schema else []
            _run([*command, url], "pg_dump")
        manifest = Manifest(
            format=FORMAT,
            store="sqlite" if database.is_sqlite else "postgresql",
            schema_revision=migrate.current_revision(database),
            node_id=node_id,
            created_at=datetime.now(UTC).isoformat(),
            events=seq,
            chain_head=head,
            member=member,
            sha256=_sha256(path),
        )
        partial = out.with_name(f".{out.name}.partial")
        with tarfile.open(partial, "w") as archive:
            data = (json.dumps(asdict(manifest), indent=1) + "\n").encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(data), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(path, arcname=member)
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    return manifest


def _sqlite_head(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(str(path))
    try:
        row = conn.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
    finally:
        conn.close()
    return int(row[0]), str(row[1])


def _run(command: list[str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise RuleViolation(f"{what} is not installed here (Debian: postgresql-client)", field="store")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # never echo the command: the URL may hold a password
        raise RuleViolation(f"{what} failed: {done.stderr.strip()[:500]}", field="store")


def read_manifest(archive_path: Path) -> Manifest:
    try:
        with tarfile.open(archive_path, "r") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            data = json.loads(member.read(1 << 20))
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as e:
        raise RuleViolation(
            f"{archive_path} is not a jprcc backup: {type(e).__name__}", field="file"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RuleViolation(f"{archive_path} is not a {FORMAT} backup", field="file")
    known = {k: data[k] for k in Manifest.__dataclass_fields__ if k in data}
    try:
        return Manifest(**known)
    except TypeError:
        raise RuleViolation(f"{archive_path}: its manifest lacks fields", field="file") from None


def restore(
    archive_path: Path,
    database: Database,
    registry: Any,
    force: bool = False,
    settings: Any = None,
    anchor: Path | None = None,
) -> Restored:
    """Restore a backup into ``database`` (an empty store of the same kind), then check it. A
    backup from before chain keys is sealed (``settings``: what its log rewrites need); the node's
    anchor (``anchor``) is moved to the restored head: the restore is the rollback the operator
    chose, not one to report."""
    manifest = read_manifest(archive_path)
    kind = "sqlite" if database.is_sqlite else "postgresql"
    if manifest.store != kind:
        raise RuleViolation(
            f"the backup is of a {manifest.store} store; this node's store is {kind}", field="file"
        )
    if not force and _holds_events(database):
        raise RuleViolation(
            "the store already holds events: restore into an empty one (or --force)", field="store"
        )
    with tempfile.TemporaryDirectory(prefix="jprcc-restore-") as work:
        with tarfile.open(archive_path, "r") as archive:
            source = archive.extractfile(manifest.member)
            if source is None:
                raise RuleViolation(f"the backup lacks {manifest.member}", field="file")
            path = Path(work) / manifest.member
            with open(path, "wb") as f:
                shutil.copyfileobj(source, f)
        if _sha256(path) != manifest.sha256:
            raise RuleViolation(
                "the store file does not match the backup's manifest (damaged?)", field="file"
            )
        database.engine.dispose()
        if database.is_sqlite:
            target = Path(str(make_url(database.url).database))
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            partial = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(path, partial)
            os.chmod(partial, 0o600)
            os.replace(partial, target)
        else:
            url, schema = _libpq(database.url)
            command = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
            ]
            command += [f"--schema={schema}"] if schema else []
            _run([*command, f"--dbname={url}", str(path)], "pg_restore")
        database.engine.dispose()
    migrate.upgrade(database)  # a backup from an older version is brought up to this one's schema
    node_id = settings.node_id if settings is not None else "restore"
    sealing.seal_legacy_log(database, registry, settings, node_id, None)
    verdict = audit.verify_chain(database)
    if verdict.ok and anchor is not None:
        with database.read() as conn:
            head = conn.execute(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1)).one()
        write_anchor(anchor, database.chain_key, int(head.seq), str(head.hash), datetime.now(UTC).isoformat())
    differences = audit.read_models_match_rebuild(database, registry) if verdict.ok else []
    return Restored(manifest, verdict.ok, verdict.reason, verdict.records, differences)


def _holds_events(database: Database) -> bool:
    try:
        with database.read() as conn:
            return bool(conn.execute(select(func.count()).select_from(events)).scalar())
    except Exception:  # no tables yet: an empty store
        return False
