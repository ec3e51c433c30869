"""The event log: ``append`` and ``read``, nothing else.

Every record is chained to the one before it and sealed with the node's chain key::

    hash = HMAC-SHA256(chain key, prev_hash || canonical JSON of (seq, event_id, node_id,
                       stream_id, stream_version, event_type, recorded_at, actor, payload))

so that changing, inserting or deleting any stored record breaks the chain at that record
(``jprcc audit verify`` finds it), and someone who can write to the database but does not hold
the key (it is never stored there) cannot compute the hashes of a record they altered. Each
record carries a globally unique id and the id of the node that wrote it, so that logs from
several nodes can one day be merged.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from jprcc.core.events import Event
from jprcc.core.ports import RecordedEvent
from jprcc.core.store import notify
from jprcc.core.store.codec import canonical_bytes, decode_event, encode_event, iso, utc
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import chain_head, events


def chain_hash(
    key: bytes,
    prev_hash: str,
    *,
    seq: int,
    event_id: str,
    node_id: str,
    stream_id: str,
    stream_version: int,
    event_type: str,
    recorded_at: datetime,
    actor: str,
    payload: str,
) -> str:
    body = canonical_bytes(
        [seq, event_id, node_id, stream_id, stream_version, event_type, iso(recorded_at), actor, payload]
    )  # (the same list as ``row_body``: one record, one body)
    return _sealed(key, prev_hash, body)


def row_body(row: Any, payload: str | None = None) -> bytes:
    """The canonical JSON a stored row's hash covers (``payload``: a rewritten one in its place),
    encoded. (Numbers and text only: ``canonical_bytes`` writes what ``canonical_json`` would.)"""
    return canonical_bytes(
        [
            row.seq,
            row.event_id,
            row.node_id,
            row.stream_id,
            row.stream_version,
            row.event_type,
            iso(utc(row.recorded_at)),
            row.actor,
            row.payload if payload is None else payload,
        ]
    )


def stored_hash(key: bytes, prev_hash: str, row: Any, payload: str | None = None) -> str:
    """``chain_hash`` of a stored row, as the audit recomputes it."""
    return _sealed(key, prev_hash, row_body(row, payload))


def _sealed(key: bytes, prev_hash: str, body: bytes) -> str:
    """HMAC-SHA256 of the previous hash, a newline and the body, in hex (one call into OpenSSL)."""
    return hmac.digest(key, b"%s\n%s" % (prev_hash.encode(), body), "sha256").hex()


_HEAD = Direct(select(chain_head.c.seq, chain_head.c.hash).where(chain_head.c.id == 1))
_APPEND = Direct(events.insert())
_MOVE = (
    update(chain_head)
    .where(chain_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_MOVE_HEAD = Direct(_MOVE)
# on PostgreSQL the statement that moves the head also announces the commit to the other server
# processes (``notify``): PostgreSQL delivers the notification at the commit, only if it commits,
# and once however many times one transaction sends it; no round trip of its own
_MOVE_HEAD_ANNOUNCED = Direct(_MOVE.returning(func.pg_notify(notify.CHANNEL, func.current_schema())))
_STREAM_VERSION = select(func.max(events.c.stream_version)).where(events.c.stream_id == bindparam("stream"))
_STREAM_VERSIONS = (
    select(events.c.stream_id, func.max(events.c.stream_version))
    .where(events.c.stream_id.in_(bindparam("streams", expanding=True)))
    .group_by(events.c.stream_id)
)
_STREAM = select(events).where(events.c.stream_id == bindparam("stream")).order_by(events.c.seq)
_STREAM_AFTER = (
    select(events)
    .where(events.c.stream_id == bindparam("stream"), events.c.stream_version > bindparam("version"))
    .order_by(events.c.seq)
)


class EventLog:
    """The log, seen through one open transaction."""

    def __init__(
        self,
        conn: Connection,
        node_id: str,
        event_types: Mapping[str, type[Event]],
        chain_key: bytes = b"",
        head: Callable[[], tuple[int, str] | None] | None = None,
    ) -> None:
        """``head``: gives the chain head as the caller's transaction locked it, nothing having
        moved it since (the unit of work on PostgreSQL), or None: the first append starts from
        it, unread."""
        self._conn = conn
        self._node_id = node_id
        self._types = event_types
        self._key = chain_key
        self._head = head

    def append(
        self,
        new: Sequence[Event],
        actor: str,
        recorded_at: datetime,
        known_versions: Mapping[str, int] | None = None,
    ) -> list[RecordedEvent]:
        """Append ``new`` in order; the caller holds the write lock (see ``Database.write``).

        ``known_versions`` gives the current version of streams the caller has just read, so
        the log need not look them up; a wrong one is caught by the unique constraint."""
        if not new:
            return []
        if not self._key:
            raise RuntimeError("the log is appended to only with the chain key")
        locked, self._head = self._head, None
        head = (locked() if locked is not None else None) or _HEAD.rows(self._conn, {})[0]
        seq, prev = int(head[0]), str(head[1])
        versions: dict[str, int] = dict(known_versions or {})
        unknown = {e.stream_id for e in new} - versions.keys()
        if len(unknown) > 1:  # many streams at once (a flush of positions): one query per 500
            versions.update(self.read_versions(sorted(unknown)))
        rows, recorded = [], []
        for e in new:
            stream = e.stream_id
            if stream not in versions:
                versions[stream] = self._stream_version(stream)
            versions[stream] += 1
            seq += 1
            event_type, payload = encode_event(e)
            event_id = str(uuid.uuid4())
            digest = chain_hash(
                self._key,
                prev,
                seq=seq,
                event_id=event_id,
                node_id=self._node_id,
                stream_id=stream,
                stream_version=versions[stream],
                event_type=event_type,
                recorded_at=recorded_at,
                actor=actor,
                payload=payload,
            )
            rows.append(
                {
                    "seq": seq,
                    "event_id": event_id,
                    "node_id": self._node_id,
                    "stream_id": stream,
                    "stream_version": versions[stream],
                    "event_type": event_type,
                    "recorded_at": recorded_at,
                    "actor": actor,
                    "payload": payload,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            recorded.append(
                RecordedEvent(
                    seq, event_id, self._node_id, stream, versions[stream], recorded_at, actor, e, digest
                )
            )
            prev = digest
        _APPEND.run(self._conn, rows)
        move = _MOVE_HEAD_ANNOUNCED if self._conn.dialect.name == "postgresql" else _MOVE_HEAD
        move.run(self._conn, {"new_seq": seq, "new_hash": prev})
        return recorded

    def _stream_version(self, stream_id: str) -> int:
        return int(self._conn.execute(_STREAM_VERSION, {"stream": stream_id}).scalar() or 0)

    def read_versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """The current version of each stream (0: no events yet), in one query per 500 streams."""
        found = dict.fromkeys(stream_ids, 0)
        for i in range(0, len(stream_ids), 500):
            chunk = list(stream_ids[i : i + 500])
            for stream, version in self._conn.execute(_STREAM_VERSIONS, {"streams": chunk}):
                found[stream] = int(version)
        return found

    def read(
        self,
        *,
        stream_id: str | None = None,
        after_seq: int = 0,
        after_version: int = 0,
        until: datetime | None = None,
        limit: int | None = None,
        skip_types: Sequence[str] = (),
        only_types: Sequence[str] | None = None,
        until_seq: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Records in log order: of one stream or all, after a sequence number, up to a time or a
        sequence number, leaving out the event types ``skip_types`` names, or only those
        ``only_types`` names."""
        if (
            stream_id is not None
            and after_seq == 0
            and after_version == 0
            and until is None
            and limit is None
            and not skip_types
            and only_types is None
            and until_seq is None
        ):
            rows = self._conn.execute(_STREAM, {"stream": stream_id})  # the hot path: load one aggregate
        elif (
            stream_id is not None
            and after_version
            and not (after_seq or until or limit or skip_types)
            and only_types is None
            and until_seq is None
        ):
            # the other hot path: what was appended to a stream since its stored snapshot
            rows = self._conn.execute(_STREAM_AFTER, {"stream": stream_id, "version": after_version})
        else:
            query = select(events).where(events.c.seq > after_seq).order_by(events.c.seq)
            if stream_id is not None:
                query = query.where(events.c.stream_id == stream_id)
            if after_version:
                query = query.where(events.c.stream_version > after_version)
            if until is not None:
                query = query.where(events.c.recorded_at <= until)
            if skip_types:
                query = query.where(events.c.event_type.not_in(skip_types))
            if only_types is not None:
                query = query.where(events.c.event_type.in_(only_types))
            if until_seq is not None:
                query = query.where(events.c.seq <= until_seq)
            if limit is not None:
                query = query.limit(limit)
            rows = self._conn.execute(query)
        for row in rows:
            yield RecordedEvent(
                seq=row.seq,
                event_id=row.event_id,
                node_id=row.node_id,
                stream_id=row.stream_id,
                stream_version=row.stream_version,
                recorded_at=utc(row.recorded_at),
                actor=row.actor,
                event=decode_event(row.event_type, row.payload, self._types),
                hash=row.hash,
            )
