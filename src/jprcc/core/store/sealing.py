"""Sealing a log written before chain keys, once, on the upgrade.

Such a log is chained with plain SHA-256: anyone who could write to the database could alter a
record and recompute every hash after it. On the upgrade it is first verified as it stands (a
log that does not verify is not sealed: the damage stays visible), then every record is re-hashed
with the chain key, in one transaction; a capability's ``log_rewrites`` change the form of the
records that need it on the way (a secret once stored in clear, sealed). The read models are then
rebuilt from the sealed log, and a ``LogSealed`` record says what was done.

A log that was sealed once is never sealed again: a node that finds the chain head naming no key
while its anchor file shows the log was sealed refuses (someone removed the key's id).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from jprcc.core.contract import Registry
from jprcc.core.events import LogSealed
from jprcc.core.keys import ChainKeyRefused
from jprcc.core.store.audit import BATCH, replay
from jprcc.core.store.codec import canonical_json
from jprcc.core.store.database import GENESIS_HASH, Database
from jprcc.core.store.event_log import EventLog, row_body, stored_hash
from jprcc.core.store.tables import chain_head, events

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RewriteContext:
    """What a log rewrite may use: the upgrade's open transaction and the node's settings."""

    conn: Connection
    settings: Any


@dataclass(frozen=True)
class Sealed:
    records: int
    rewritten: int
    legacy_head: str


def legacy_hash(prev_hash: str, row: Any) -> str:
    """The hash of a record as logs before chain keys computed it (unkeyed SHA-256)."""
    return hashlib.sha256(b"%s\n%s" % (prev_hash.encode(), row_body(row))).hexdigest()


_UPDATE = (
    update(events)
    .where(events.c.seq == bindparam("at_seq"))
    .values(payload=bindparam("new_payload"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"))
)


def seal_legacy_log(
    database: Database, registry: Registry, settings: Any, node_id: str, anchor: Path | None
) -> Sealed | None:
    """Seal the log if it was written before chain keys; None if there was nothing to do."""
    with database.write() as conn:
        head = conn.execute(select(chain_head).where(chain_head.c.id == 1)).one()
        if head.key_id is not None or head.seq == 0:
            return None
        if anchor is not None and anchor.exists():
            raise ChainKeyRefused(
                f"the chain head names no key, but {anchor} shows this log was sealed: the head was "
                "altered; the log is not sealed again (run `jprcc audit verify`)"
            )
        context = RewriteContext(conn, settings)
        prev_old, prev_new, last, count, rewritten = GENESIS_HASH, GENESIS_HASH, 0, 0, 0
        while True:
            rows = conn.execute(
                select(events).where(events.c.seq > last).order_by(events.c.seq).limit(BATCH)
            ).all()
            if not rows:
                break
            changes = []
            for row in rows:
                if (
                    row.seq != count + 1
                    or row.prev_hash != prev_old
                    or legacy_hash(prev_old, row) != row.hash
                ):
                    raise ChainKeyRefused(
                        f"the log from before chain keys does not verify at record {row.seq} "
                        f"({row.event_id}): it is not sealed; restore it from a backup"
                    )
                payload = row.payload
                rewrite = registry.log_rewrites.get(row.event_type)
                if rewrite is not None:
                    new_form = canonical_json(rewrite(json.loads(payload), context))
                    if new_form != payload:
                        payload, rewritten = new_form, rewritten + 1
                digest = stored_hash(database.chain_key, prev_new, row, payload)
                changes.append(
                    {"at_seq": row.seq, "new_payload": payload, "new_prev": prev_new, "new_hash": digest}
                )
                prev_old, prev_new, last, count = row.hash, digest, row.seq, count + 1
            conn.execute(_UPDATE, changes)
        if count != head.seq or prev_old != head.hash:
            raise ChainKeyRefused(
                f"the log from before chain keys ends at record {count}, its head says {head.seq}: "
                "records were removed from the end; it is not sealed"
            )
        conn.execute(
            chain_head.update().where(chain_head.c.id == 1).values(hash=prev_new, key_id=database.key_id)
        )
        sealed = Sealed(count, rewritten, head.hash)
        now = datetime.now(UTC)
        record = LogSealed(
            at=now,
            key_id=database.key_id,
            records=count,
            rewritten=rewritten,
            legacy_head=head.hash,
        )
        EventLog(conn, node_id, registry.event_types, database.chain_key).append([record], "system", now)
        replay(conn, registry, None)
        conn.commit()
    log.warning(
        "log from before chain keys sealed",
        extra={"records": count, "rewritten": rewritten, "legacy_head": head.hash, "key_id": database.key_id},
    )
    return sealed
