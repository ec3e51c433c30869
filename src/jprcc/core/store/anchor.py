"""The chain's anchor: the head of the log as this node last saw it, written outside the store.

The chain key stops someone who can write to the database from altering a record unseen; it
cannot stop them from removing the last records and moving the head back to a record that was
once the head (its hash was sealed by the node). The anchor can: after each commit the node writes
the head it reached (sequence, hash, and a seal of both with the chain key) to a file in its data
folder, and the audit checks that the log still holds that record with that hash. Records
removed from the end before the anchor last saw them are named.

The file is written after the commit (a new file moved into place, never half-written); several
processes of one node write the same file and the highest head wins. An anchor older than the
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
from pathlib import Path

from jprcc.core.ports import RecordedEvent


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
    """A subscriber of the bus: after each commit, the head it reached, if higher than the file's."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.key = key
        self._lock = threading.Lock()
        self._seen = -1

    def __call__(self, recorded: Sequence[RecordedEvent]) -> None:
        if not recorded:
            return
        last = max(recorded, key=lambda r: r.seq)
        with self._lock:
            if last.seq <= self._seen:
                return
            if self._seen < 0:  # first time: another process (or an earlier run) may be ahead
                try:
                    found = read_anchor(self.path, self.key)
                except AnchorInvalid:
                    found = None  # overwritten by ours; the audit reports a bad file when it reads one
                if found is not None and found.seq >= last.seq:
                    self._seen = found.seq
                    return
            write_anchor(self.path, self.key, last.seq, last.hash, last.recorded_at.isoformat())
            self._seen = last.seq
