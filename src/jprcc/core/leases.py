"""Leases: work that one server process does for all the processes of a node (the clock that
raises overdue alerts and releases scheduled messages), held through a row in the store.

``Lease.hold()`` takes the lease if nobody holds it or its holder's time ran out, renews it if this
process holds it, and says whether this process holds it now (compare and set, in one write
transaction). A process that dies stops renewing; ``ttl`` later another takes the work over. The
work itself stays safe if two ever ran it at once (each alert, each scheduled release is refused a
second time by its decider): the lease saves the duplicate effort, not the correctness.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from jprcc.core.store.database import Database
from jprcc.core.store.tables import leases


class Lease:
    def __init__(self, database: Database, name: str, ttl_s: float, owner: str | None = None) -> None:
        self.database = database
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.owner = owner or str(uuid.uuid4())

    def hold(self) -> bool:
        now = datetime.now(UTC)
        c = leases.c
        with self.database.write(chain=False) as conn:
            if conn.execute(select(c.name).where(c.name == self.name)).first() is None:
                try:
                    conn.execute(
                        insert(leases).values(name=self.name, owner=self.owner, until=now + self.ttl)
                    )
                    conn.commit()
                    return True
                except IntegrityError:  # another process inserted it first
                    conn.rollback()
                    return False
            taken = conn.execute(
                update(leases)
                .where(c.name == self.name, or_(c.owner == self.owner, c.until < now))
                .values(owner=self.owner, until=now + self.ttl)
            )
            conn.commit()
            return taken.rowcount == 1

    def release(self) -> None:
        """Give the lease up (a process stopping cleanly): another takes it at once."""
        c = leases.c
        with self.database.write(chain=False) as conn:
            conn.execute(
                update(leases)
                .where(c.name == self.name, c.owner == self.owner)
                .values(until=datetime(1970, 1, 1, tzinfo=UTC))
            )
            conn.commit()
