"""Idempotency keys: a retried request is applied once.

A client that may not know whether its command went through (a timeout, a dropped connection, a
503) sends the same request again with the same ``Idempotency-Key`` header. The first time, the
key is **claimed in the write transaction that decides the command** (``claim_in``, called as the
unit of work opens): the command's events and its key commit together or not at all, and a retry
racing the first waits for the write lock, then finds the key taken. The answer is then kept
beside the key. A retry with the key is given the kept answer (with ``Idempotent-Replayed: true``)
and nothing runs again; a retry whose request differs from the first is refused (422, naming the
header); a retry that races the first waits on the same claim and is answered from it.

Keys are per user, at most 100 characters, and kept ``KEEP`` (48 hours). A command refused by its
rules claims nothing: retried, it is decided again.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from jprcc.core.errors import Conflict
from jprcc.core.store.codec import utc
from jprcc.core.store.tables import idempotency_keys

KEEP = timedelta(hours=48)
HEADER = "Idempotency-Key"


@dataclass
class Claim:
    username: str
    key: str
    fingerprint: str
    action: str
    claimed: bool = False


@dataclass(frozen=True)
class Kept:
    fingerprint: str
    action: str
    created_at: datetime
    status: int | None
    media_type: str | None
    answer: str | None


CLAIM: ContextVar[Claim | None] = ContextVar("jprcc_idempotency_claim", default=None)


class KeyTaken(Conflict):
    """Another request with the same key committed first."""

    code = "idempotency_key_taken"


def fingerprint(action: str, path: Any, query: Any, body: Any) -> str:
    """What makes two requests the same request: the action, its path, query and body."""

    def plain(value: Any) -> Any:
        return value.model_dump(mode="json") if hasattr(value, "model_dump") else value

    text = json.dumps([action, plain(path), plain(query), plain(body)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def claim_in(conn: Connection, now: datetime) -> Claim | None:
    """Claim this request's key in the write transaction about to decide its command (the claim
    commits with the command's events, or is rolled back with its refusal)."""
    claim = CLAIM.get()
    if claim is None or claim.claimed:
        return None
    conn.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < now - KEEP))
    try:
        with conn.begin_nested():
            conn.execute(
                insert(idempotency_keys).values(
                    username=claim.username,
                    key=claim.key,
                    fingerprint=claim.fingerprint,
                    action=claim.action,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise KeyTaken(f"{HEADER} {claim.key} was used by a request that went through first") from None
    return claim


def find(database: Any, username: str, key: str) -> Kept | None:
    c = idempotency_keys.c
    with database.read() as conn:
        row = conn.execute(select(idempotency_keys).where(c.username == username, c.key == key)).first()
    if row is None:
        return None
    return Kept(row.fingerprint, row.action, utc(row.created_at), row.status, row.media_type, row.answer)


def keep_answer(database: Any, username: str, key: str, status: int, media_type: str, answer: str) -> None:
    c = idempotency_keys.c
    with database.write() as conn:
        conn.execute(
            update(idempotency_keys)
            .where(c.username == username, c.key == key)
            .values(status=status, media_type=media_type, answer=answer)
        )
        conn.commit()
