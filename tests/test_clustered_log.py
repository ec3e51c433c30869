"""On SQLite the log is kept in the order of its sequence (``seq`` is the rowid) and each incident's
narrative in the order of its entries (a table without rowid): an append writes no index beside
either. Migration 0019 rebuilds both tables of an older store and keeps every record, the chain
and the read models as they were."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, func, select, text

from jprcc.brokering.commands import AddNarrativeEntry
from jprcc.core.maintenance import audit_log
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node
from jprcc.core.store.audit import read_models_match_rebuild
from jprcc.core.store.migrate import alembic_config, upgrade
from jprcc.core.store.tables import events, incident_narrative

CONTROLLER = Actor("controller", Role.JPRCC_CONTROLLER)
INCIDENT = "PR-RAVEN21"


def indexes(conn: Connection, table: str) -> list[list[str]]:
    """The columns of each index SQLite keeps beside the table (its key included, where the key
    is not the table's own order)."""
    names = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"), {"t": table}
    ).scalars()
    return sorted([c[2] for c in conn.execute(text(f"PRAGMA index_info({name})"))] for name in list(names))


def clustered(conn: Connection) -> bool:
    """Whether the log's sequence is the rowid and the narrative has none."""
    narrative = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'incident_narrative'")
    ).scalar_one()
    return ["seq"] not in indexes(conn, "events") and "WITHOUT ROWID" in narrative.upper()


def everything(conn: Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    log = [tuple(r) for r in conn.execute(select(events).order_by(events.c.seq))]
    narrative = [
        tuple(r)
        for r in conn.execute(
            select(incident_narrative).order_by(incident_narrative.c.incident_id, incident_narrative.c.n)
        )
    ]
    return log, narrative


def test_an_append_writes_the_log_and_narrative_with_no_index_on_their_keys(demo_node: Node):
    with demo_node.database.read() as conn:
        assert indexes(conn, "events") == [["event_id"], ["stream_id", "stream_version"]]
        assert indexes(conn, "incident_narrative") == []  # its key is its order
        assert clustered(conn)
        # the rowid is the sequence: SQLite's own row number agrees with it on every record
        assert conn.execute(text("SELECT count(*) FROM events WHERE rowid != seq")).scalar_one() == 0


def test_an_older_store_is_rebuilt_with_every_record_kept_and_back_again(demo_node: Node):
    for i in range(5):
        demo_node.bus.handle(
            AddNarrativeEntry(incident_id=INCIDENT, text=f"before the upgrade {i}"), CONTROLLER
        )
    with demo_node.database.read() as conn:
        before = everything(conn)
    config = alembic_config(demo_node.database)
    with demo_node.database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018")
    with demo_node.database.read() as conn:
        assert not clustered(conn)
        assert ["seq"] in indexes(conn, "events")  # the older shape: an index beside the rowid
        assert everything(conn) == before
    upgrade(demo_node.database)
    with demo_node.database.read() as conn:
        assert clustered(conn)
        assert everything(conn) == before
    assert audit_log(demo_node.database, demo_node.registry, demo_node.settings.chain_anchor_file).ok
    assert read_models_match_rebuild(demo_node.database, demo_node.registry) == []
    demo_node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="after the upgrade"), CONTROLLER)
    with demo_node.database.read() as conn:
        last = conn.execute(select(func.max(events.c.seq))).scalar_one()
        assert last == before[0][-1][0] + 1  # the sequence goes on from the last record
    assert demo_node.queries.narrative(CONTROLLER, INCIDENT)[-1].text == "after the upgrade"
