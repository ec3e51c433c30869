"""Standing releases and the outbox.

**Schedules.** The JPRCC schedules a theater-wide message (the daily summary for the JFC at
0600Z, a theater SITREP every 6 hours): ``ScheduleMessage``. The clock (``TIMER``, run by the
server's clock loop and by a headless exercise) releases each schedule when it falls due, as the
system actor ``scheduler``, through the same ``ReleaseMessage`` command as a person's release:
rendered from the template in force and the data as they stand, kept in the log with its hash.
The handler refuses a due time already released, so two server processes releasing at once release
once. A node that was down over several due times releases only the latest on its return (one
summary of the last 24 hours, not three stale ones).

**Outbox.** A durable consumer (``outbox``) writes every released message, as released, into the
outbox folder for the message system to send: ``<message_id>.txt`` (the exact text, whose SHA-256
is the one in the log) and ``<message_id>.json`` (kind, incident, recipients, who released it and
when, the hash). Each file is written whole (a temporary file renamed), so a gateway never picks up
half a message, and writing the same message again writes the same files (delivery is at least
once).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jprcc.core.contract import ConsumerSpec, Timer
from jprcc.core.errors import DomainError
from jprcc.core.model import Actor
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.codec import utc
from jprcc.core.store.tables import message_schedules
from jprcc.publishing import commands as cmd
from jprcc.publishing import events as ev
from jprcc.publishing.model import last_due

log = logging.getLogger("jprcc.publishing")
SCHEDULER = Actor.system("scheduler")
OUTBOX = "outbox"


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    kind: str
    first_at: datetime
    every_s: int
    recipients: list[str]
    line_length: int
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    last_due: datetime | None
    last_message_id: str | None

    def due(self, now: datetime) -> datetime | None:
        """The latest time this schedule fell due at or before ``now`` (None: not yet)."""
        return last_due(self.first_at, self.every_s, now)

    def next_at(self, now: datetime) -> datetime:
        """The first time it falls due after ``now``."""
        last = self.due(now)
        return self.first_at if last is None else last + timedelta(seconds=self.every_s)

    @property
    def owed(self) -> bool:
        return self.cancelled_at is None


def schedules(database: Any, include_cancelled: bool = False) -> list[Schedule]:
    query = select(message_schedules).order_by(message_schedules.c.created_at)
    if not include_cancelled:
        query = query.where(message_schedules.c.cancelled_at.is_(None))
    with database.read() as conn:
        rows = conn.execute(query).all()
    return [
        Schedule(
            r.schedule_id,
            r.kind,
            utc(r.first_at),
            r.every_s,
            [x for x in r.recipients.split("\n") if x],
            r.line_length,
            r.created_by,
            utc(r.created_at),
            utc(r.cancelled_at) if r.cancelled_at else None,
            utc(r.last_due) if r.last_due else None,
            r.last_message_id,
        )
        for r in rows
    ]


def release_due(node: Any) -> int:
    """Release every schedule that has fallen due since it last ran; how many were released."""
    now = node.clock()
    released = 0
    for s in schedules(node.database):
        due = s.due(now)
        if due is None or (s.last_due is not None and due <= s.last_due):
            continue
        command = cmd.ReleaseMessage(
            kind=s.kind,
            recipients=tuple(s.recipients),
            line_length=s.line_length,
            schedule_id=s.schedule_id,
            due_at=due,
        )
        try:
            node.bus.handle(command, SCHEDULER)
            released += 1
        except DomainError as refusal:  # another process released it first, or it was cancelled
            log.info(
                "scheduled release not made", extra={"schedule": s.schedule_id, "reason": refusal.message}
            )
    return released


def next_due(node: Any) -> datetime | None:
    now = node.clock()
    times = [s.next_at(now) for s in schedules(node.database)]
    return min(times) if times else None


TIMER = Timer("scheduled-messages", release_due, next_due)


# --- the outbox -----------------------------------------------------------------------------------


class Outbox:
    """The durable consumer that writes each released message into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def spec(self) -> ConsumerSpec:
        return ConsumerSpec(OUTBOX, self.handle, batch=200, event_types=(ev.MessageReleased,))

    def handle(self, found: Sequence[RecordedEvent], conn: Any) -> None:
        for recorded in found:
            e = recorded.event
            if isinstance(e, ev.MessageReleased):
                self.write(e)

    def write(self, e: ev.MessageReleased) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        envelope = {
            "message_id": e.message_id,
            "kind": e.kind,
            "incident_id": e.incident_id,
            "recipients": list(e.recipients),
            "released_by": e.by,
            "released_at": e.at.isoformat(),
            "template_version": e.template_version,
            "sha256": e.sha256,
        }
        # the text first, then its envelope: a gateway that waits for the envelope has the whole text
        _write_whole(self.folder / f"{e.message_id}.txt", e.text.encode("utf-8"))
        _write_whole(self.folder / f"{e.message_id}.json", (json.dumps(envelope, indent=1) + "\n").encode())


def _write_whole(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, path)
