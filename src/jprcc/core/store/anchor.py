"""The chain's anchor: the head of the log as this node last saw it, written outside the store.

The chain key stops someone who can write to the database from altering a record unseen; it
cannot stop them from removing the last records and moving the head back to a record that was
once the head (its hash was sealed by the node). The anchor can: after each commit the node writes
the head it reached (sequence, hash, and a seal of both with the chain key) to a file in its data
folder, and the audit checks that the log still holds that record with that hash. Records
removed from the end before the anchor last saw them are named.

The file is written after the commit (a new file moved into place, never half-written), at most
every 50 ms however many commits land (a crash loses at most the last 50 ms of anchoring, never a
record); several processes of one node write the same file and each writes only a higher head
than it last wrote. An anchor older than the
head is not a fault: the records after it are checked by the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jprcc.core.ports import RecordedEvent
from jprcc.core.store.coalesce import Coalesced


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str


class AnchorInvalid(Exception):
    """The anchor file is not one this node's chain key sealed."""


def _seal(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"jprcc:anchor:{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def read_anchor(path: Path, key: bytes) -> Anchor | None:
    """The anchor in ``path``; None if there is none. A file not sealed with ``key`` is refused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AnchorInvalid(f"the chain anchor {path.name} cannot be read: {exc}") from exc
    try:
        anchor = Anchor(int(data["seq"]), str(data["hash"]), str(data.get("at", "")))
        sealed = hmac.compare_digest(str(data["seal"]), _seal(key, anchor.seq, anchor.hash))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnchorInvalid(f"the chain anchor {path.name} is not an anchor") from exc
    if not sealed:
        raise AnchorInvalid(f"the chain anchor {path.name} is not sealed with this node's chain key")
    return anchor


def write_anchor(path: Path, key: bytes, seq: int, digest: str, at: str) -> None:
    body = {"seq": seq, "hash": digest, "at": at, "seal": _seal(key, seq, digest)}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(body) + "\n")
    os.replace(partial, path)


class ChainAnchor:
    """A subscriber of the bus: the head each commit reached, written to the file at most every
    ``every_s`` (a burst of commits is one write, made by a thread of its own: see
    ``coalesce``; ``flush`` writes what is pending now). The file is replaced only by a higher
    head than it holds."""

    def __init__(self, path: Path, key: bytes, every_s: float = 0.05) -> None:
        self.path = path
        self.key = key
        self._lock = threading.Lock()  # the pending head (a commit waits for nothing else)
        self._file = threading.Lock()  # the file, one writer at a time (the thread, or ``close``)
        self._written = -1
        self._pending: tuple[int, str, datetime] | None = None
        self._thread = Coalesced(lambda _: self.flush(), name="chain-anchor", every_s=every_s)

    def __call__(self, recorded: Sequence[RecordedEvent]) -> None:
        if not recorded:
            return
        last = recorded[-1]  # (a command's records, in the order of the log)
        with self._lock:
            if self._pending is not None and self._pending[0] >= last.seq:
                return
            self._pending = (last.seq, last.hash, last.recorded_at)
        self._thread.mark()

    def flush(self) -> None:
        with self._file:  # (the commits go on meanwhile: they only replace the pending head)
            with self._lock:
                pending, self._pending = self._pending, None
            if pending is None or pending[0] <= self._written:
                return
            seq, digest, at = pending
            if self._written < 0:  # first time: another process (or an earlier run) may be ahead
                try:
                    found = read_anchor(self.path, self.key)
                except AnchorInvalid:
                    found = None  # replaced by ours; the audit reports a bad file it finds
                if found is not None and found.seq >= seq:
                    self._written = found.seq
                    return
            write_anchor(self.path, self.key, seq, digest, at.isoformat())
            self._written = seq

    def close(self) -> None:
        """Write what is pending and stop the thread."""
        self._thread.stop()
        self.flush()
