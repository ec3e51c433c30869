"""What a rotation of the vault's master key leaves in the store's files, and the clean-up.

Rotating the master key re-wraps every record's data key under the new key in one transaction
(``service.rotate_vault_key``). The copies wrapped under the old key (``<old key id>:<base64>``,
see ``vault``) are then no longer rows, but their bytes stay where the store wrote them until it
is cleaned up:

* **SQLite**: in old pages of the database file and in frames of its write-ahead log (``-wal``).
  The clean-up checkpoints the log into the file, vacuums the file (every page written afresh)
  and checkpoints again, truncating the log to nothing. ``find_residue`` reads the file and its
  log and counts every wrapped data key under a key id other than the current one.
* **PostgreSQL**: in the dead row versions of ``vault_keys`` (an update writes a new version; the
  old one stays in the table's pages until the space is reused). The clean-up is ``VACUUM FULL
  vault_keys`` (the table written afresh) and a ``CHECKPOINT``; the check reports the table's
  dead row versions as the server's statistics count them. The server's own write-ahead log, its
  archive and every backup taken before the rotation keep old row images until they are recycled
  or expired: that part is the database administrator's.

The clean-up changes no row and may be run again at any time (it is the same on a clean store);
``jprcc records rotate-key`` runs it right after its commit, and ``jprcc records residue`` says
whether a rotation's clean-up was left undone (a process killed after the commit, a reader that
held the log).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from jprcc.core.store.tables import events, vault_keys
from jprcc.records.service import CLEAN_UP, CURRENT

#: a wrapped data key: key id, ':', base64 of nonce (12) + key (32) + tag (16) = 80 characters
WRAPPED = re.compile(rb"([0-9a-f]{12}):[A-Za-z0-9+/]{80}")
CHUNK = 8 << 20
OVERLAP = 128  # longer than a wrapped key: one that straddles two reads is found once


@dataclass(frozen=True)
class Residue:
    """What the store still holds of data keys wrapped under master keys no longer in use."""

    engine: str
    current_key_id: str | None
    rotated_out: tuple[str, ...] = ()  # key ids rotations replaced, from the log, oldest first
    pending: tuple[str, ...] = ()  # rotated-out key ids whose clean-up has not finished
    copies: dict[str, int] = field(default_factory=dict)  # SQLite: key id -> copies in the files
    files: tuple[str, ...] = ()
    dead_row_versions: int | None = None  # PostgreSQL: vault_keys' dead row versions (statistics)

    @property
    def count(self) -> int:
        """Copies found (SQLite); on PostgreSQL, the dead row versions while a clean-up is pending."""
        if self.engine == "sqlite":
            return sum(self.copies.values())
        return (self.dead_row_versions or 0) if self.pending else 0

    @property
    def clean(self) -> bool:
        return not self.count and not self.pending

    def lines(self) -> list[str]:
        """What an operator is told."""
        rotated = ", ".join(self.rotated_out) or "none"
        said = [f"current vault key {self.current_key_id or '(none yet)'}; rotated out: {rotated}"]
        pending = ", ".join(self.pending)
        if self.engine == "sqlite":
            where = "the store's file and its write-ahead log"
            if self.copies:
                keys = ", ".join(f"{k} ({n})" for k, n in sorted(self.copies.items()))
                said.append(
                    f"{self.count} copies of data keys wrapped under an old key remain in {where}: {keys}"
                )
            elif self.pending:
                said.append(
                    f"no old wrapped key found in {where}, but the clean-up after {pending} has not finished"
                )
            else:
                said.append(f"no data key wrapped under another key in {where}; no clean-up pending")
            if not self.clean:
                said.append(
                    "run `jprcc records clean-up` (at any time; stop the server if a reader holds the log)"
                )
            return said
        if self.pending:
            said += [
                f"the clean-up after the rotation from {pending} has not run: vault_keys may hold the old "
                f"wrapped keys in dead row versions ({self.dead_row_versions} in the server's statistics)",
                "run `jprcc records clean-up` (VACUUM FULL vault_keys, then a CHECKPOINT)",
            ]
        else:
            said.append(
                "no clean-up pending: vault_keys was written afresh (VACUUM FULL) after the last rotation"
            )
        said.append(
            "the server's write-ahead log, its archive and backups taken before a rotation keep old rows "
            "until recycled or expired: take a new base backup and expire the older ones"
        )
        return said


def _key_ids(conn: Any) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """The current key id and the pending clean-ups (the store's own rows), and the ids rotations
    replaced (the log's)."""
    rows = dict(
        conn.execute(
            select(vault_keys.c.record_id, vault_keys.c.wrapped).where(
                vault_keys.c.record_id.in_([CURRENT, CLEAN_UP])
            )
        ).all()
    )
    pending = tuple(rows.get(CLEAN_UP, "").split()[1:])
    logged = conn.execute(
        select(events.c.payload)
        .where(events.c.stream_id == "vault", events.c.event_type == "vault_key_rotated")
        .order_by(events.c.seq)
    )
    rotated = tuple(dict.fromkeys(json.loads(r.payload)["old_key_id"] for r in logged))
    return rows.get(CURRENT), rotated, pending


def sqlite_files(database: Any) -> list[Path]:
    """The SQLite store's file and its logs, those that exist."""
    name = make_url(database.url).database
    if not name or name == ":memory:":
        return []
    path = Path(name)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


def count_wrapped(path: Path, current: str | None) -> dict[str, int]:
    """Wrapped data keys in a file's raw bytes, by key id, leaving out the current key's."""
    found: dict[str, int] = {}
    tail = b""
    with path.open("rb") as f:
        while True:
            block = f.read(CHUNK)
            data = tail + block
            end = len(data) if not block else max(0, len(data) - OVERLAP)
            for m in WRAPPED.finditer(data):
                if m.start() >= end:
                    break
                key_id = m.group(1).decode()
                if key_id != current:
                    found[key_id] = found.get(key_id, 0) + 1
            if not block:
                return found
            tail = data[end:]


def find_residue(database: Any) -> Residue:
    """Scan the store for data keys wrapped under a key other than the current one."""
    with database.read() as conn:
        current, rotated, pending = _key_ids(conn)
        if not database.is_sqlite:
            dead = conn.execute(
                text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass('vault_keys')")
            ).scalar()
            return Residue("postgresql", current, rotated, pending, dead_row_versions=int(dead or 0))
    files = sqlite_files(database)
    copies: dict[str, int] = {}
    for path in files:
        for key_id, n in count_wrapped(path, current).items():
            copies[key_id] = copies.get(key_id, 0) + n
    return Residue("sqlite", current, rotated, pending, copies, tuple(str(p) for p in files))


def clean_up(database: Any) -> tuple[Residue, str | None]:
    """Vacuum and empty the log (SQLite), or ``VACUUM FULL vault_keys`` and a checkpoint
    (PostgreSQL); then scan, and mark the rotations' clean-up done if nothing remains. Returns what
    remains and, if the clean-up could not be finished, why (a reader holding the log: run it again
    when it has let go)."""
    problem = None
    try:
        database.vacuum("vault_keys")
    except (RuntimeError, sqlite3.Error, SQLAlchemyError) as exc:  # a reader holds the log, a lock
        problem = str(exc).splitlines()[0]
    found = find_residue(database)
    if problem is None and found.pending and not found.copies:
        with database.write() as conn:  # the marker holds key ids only: nothing to clean after it
            conn.execute(delete(vault_keys).where(vault_keys.c.record_id == CLEAN_UP))
            conn.commit()
        found = replace(found, pending=())
    return found, problem
