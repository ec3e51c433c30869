"""A capability with one durable consumer, for the consumer tests (imported by a child process too).

``tally`` keeps, in tables of its own, every event it has been handed: ``tally`` once per event id
(its idempotence: an upsert keyed by the id) and ``deliveries`` once per hand-over, so a test can
tell a redelivery (allowed: at least once) from a doubled effect (never allowed).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert, select

from jprcc.core.consumers import ConsumerSpec, Dispatcher
from jprcc.core.contract import Capability, ReadModel
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.database import Database

metadata = MetaData()
tally = Table(
    "test_tally",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)
deliveries = Table(
    "test_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False),
)


class Tally:
    """The consumer: writes each event it is handed, slowly enough to be killed mid-way."""

    def __init__(self, database: Database, pause_s: float = 0.0) -> None:
        self.database = database
        self.pause_s = pause_s

    def __call__(self, found: Sequence[RecordedEvent], conn: Any) -> None:
        for r in found:
            with self.database.write() as c:
                c.execute(insert(deliveries).values(seq=r.seq))
                seen = c.execute(select(tally.c.event_id).where(tally.c.event_id == r.event_id)).first()
                if seen is None:  # idempotent by event id
                    c.execute(insert(tally).values(event_id=r.event_id, seq=r.seq))
                c.commit()
            if self.pause_s:
                time.sleep(self.pause_s)


def capability(database: Database | None = None, pause_s: float = 0.0, batch: int = 10) -> Capability:
    """The consumer's tables are a plug-in's: the node creates them at start-up."""
    consumers = () if database is None else (ConsumerSpec("tally", Tally(database, pause_s), batch=batch),)
    return Capability(
        name="tally",
        read_models=(ReadModel(name="tally", tables=(tally, deliveries)),),
        consumers=consumers,
    )


def tallied(database: Database) -> tuple[list[str], list[int]]:
    with database.read() as conn:
        ids = [r.event_id for r in conn.execute(select(tally.c.event_id).order_by(tally.c.seq))]
        seqs = [r.seq for r in conn.execute(select(deliveries.c.seq).order_by(deliveries.c.id))]
    return ids, seqs


def run_until_killed(url: str, data_dir: str) -> None:
    """The child: a node whose dispatcher tallies slowly; the parent kills it mid-way."""
    from jprcc.core.node import bootstrap, shipped_capabilities
    from jprcc.core.settings import Settings

    settings = Settings(database_url=url, data_dir=Path(data_dir), argon2_time_cost=1, argon2_memory_kib=64)
    database = Database(url)
    node = bootstrap(settings, migrate=False, capabilities=[*shipped_capabilities(), capability()])
    dispatcher = Dispatcher(
        node.database,
        node.registry.event_types,
        [ConsumerSpec("tally", Tally(database, 0.02), batch=10)],
        lease_s=1,
    )
    print("ready", flush=True)
    dispatcher.drain()
    print("done", flush=True)


if __name__ == "__main__":
    run_until_killed(sys.argv[1], sys.argv[2])
