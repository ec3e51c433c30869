"""A command does not read back, or rewrite, the rows derived from its incident that did not
change: the process remembers what it wrote at each version, once committed. What another
process wrote, and what a rolled-back transaction wrote, is never taken from that memory."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from jprcc.brokering import events as ev
from jprcc.brokering.commands import AddNarrativeEntry
from jprcc.core.clock import ManualClock
from jprcc.core.model import Position
from jprcc.core.node import Node, bootstrap
from jprcc.core.store.audit import read_models_match_rebuild
from jprcc.core.store.written import Written, recall, remember
from jprcc.journey.projections import TIME_ONLY, person_row
from tests.article import INCIDENT, to_close, to_directive
from tests.conftest import Cast, demo_copy, fast_settings


class Statements:
    """The SQL a node's store is sent, while counting."""

    def __init__(self, node: Node) -> None:
        self.sent: list[str] = []
        self._engine = node.database.engine
        event.listen(self._engine, "before_cursor_execute", self._heard)

    def _heard(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append(" ".join(statement.split()))

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._heard)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.sent if f" {table} " in f" {s} " or f" {table}." in s]


def test_a_narrative_entry_rewrites_only_what_changed(node: Node, cast: Cast, clock: ManualClock):
    """After one command on an incident, the next narrative entry reads back none of the turns,
    the involvement or the relationships, rewrites none of them, sets only the board's columns
    that moved, and moves the persons' time of last change in one statement; the read models
    still equal a replay of the log."""
    to_directive(node, cast, clock)
    node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="first"), cast["controller"])
    clock.advance(timedelta(minutes=1))
    heard = Statements(node)
    try:
        node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="second"), cast["controller"])
    finally:
        heard.close()
    assert heard.touching("turns") == []
    assert heard.touching("incident_involvement") == []
    assert heard.touching("relationships") == []
    assert heard.touching("components") == []  # nothing in the decision looked at them
    journeys = [s for s in heard.touching("person_journeys") if not s.startswith("SELECT")]
    assert len(journeys) == 1
    assert journeys[0].startswith("UPDATE person_journeys SET updated_at")
    # the board row: only the columns that moved (an entry is news: the check-in clock restarts),
    # so its indexes on the stage and on the DUSTWUN time keep their entries; the document:
    # replaced, not inserted over
    (board,) = heard.touching("incidents")
    assert board.startswith("UPDATE incidents SET ")
    assigned = board.split(" SET ")[1].split(" WHERE ")[0]
    assert {a.split("=")[0].strip() for a in assigned.split(",")} == {
        "last_update_at",
        "overdue_at",
        "version",
    }
    (document,) = [s for s in heard.touching("incident_documents") if not s.startswith("SELECT")]
    assert document.startswith("UPDATE incident_documents SET version")
    assert [s for s in heard.sent if s.startswith("SELECT events")] == []  # the document is the latest
    assert len([s for s in heard.sent if s.startswith("SELECT chain_head")]) == 1  # (PostgreSQL: its lock)
    # on PostgreSQL the commit is announced by the statement that moves the head, not one of its own
    moves = [s for s in heard.sent if s.startswith("UPDATE chain_head")]
    assert len(moves) == 1
    assert ("pg_notify" in moves[0]) is (not node.database.is_sqlite)
    assert [s for s in heard.sent if s.startswith("SELECT pg_notify")] == []
    assert read_models_match_rebuild(node.database, node.registry) == []


class Alternating:
    """Two server processes over one store, taking the commands in turn (queries from the first)."""

    def __init__(self, first: Node, second: Node) -> None:
        self.nodes = (first, second)
        self.queries = first.queries
        self.registry = first.registry
        self.handled = 0
        self.bus = self

    def handle(self, command: Any, actor: Any) -> Any:
        self.handled += 1
        return self.nodes[self.handled % 2].bus.handle(command, actor)


def test_two_processes_taking_turns_keep_the_read_models_equal_to_the_log(two_processes, clock: ManualClock):
    """A whole recovery, from the report to the close, its commands handled by two processes in
    turn: each starts from the document the other stored and takes the rows derived from it at
    that version, never what it remembers of an older one."""
    first, second, cast = two_processes
    both = Alternating(first, second)
    to_close(both, cast, clock)  # type: ignore[arg-type]
    assert both.handled >= 20
    assert first.database.states.misses > 0  # (each decoded what the other stored)
    assert second.database.states.misses > 0
    assert read_models_match_rebuild(first.database, first.registry) == []


def test_after_another_process_wrote_a_command_reads_back_none_of_the_derived_rows(
    two_processes, clock: ManualClock
):
    """The other process moved the incident: this one decodes the stored document, and takes the
    turns, the involvement, the relationships' ends and the board as they stand at its version
    from the document itself, reading none of them back; the read models equal the log's."""
    first, second, cast = two_processes
    to_directive(first, cast, clock)
    first.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="on the first"), cast["controller"])
    second.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="on the second"), cast["controller"])
    first.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="the first again"), cast["controller"])
    clock.advance(timedelta(minutes=1))
    heard = Statements(second)
    try:
        second.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="and the second"), cast["controller"])
    finally:
        heard.close()
    assert heard.touching("turns") == []
    assert heard.touching("incident_involvement") == []
    assert heard.touching("relationships") == []
    (board,) = heard.touching("incidents")
    assert board.startswith("UPDATE incidents SET ")  # the board's row known: only what moved is set
    assert read_models_match_rebuild(first.database, first.registry) == []


def test_only_the_version_asked_for_of_a_committed_transaction_is_recalled(sqlite_node: Node):
    memory = Written(capacity=2)
    database = sqlite_node.database
    with database.write() as conn:
        memory.attach(conn)
        remember(conn, "turns", "PR-1", 7, ("a",))
        assert recall(conn, "turns", "PR-1", 7) == ("a",)  # later in the same transaction
        memory.detach(conn, committed=False)  # rolled back
    with database.write() as conn:
        memory.attach(conn)
        assert recall(conn, "turns", "PR-1", 7) is None
        remember(conn, "turns", "PR-1", 7, ("a",))
        memory.detach(conn, committed=True)
    with database.write() as conn:
        assert recall(conn, "turns", "PR-1", 7) is None  # outside a unit of work: nothing
        memory.attach(conn)
        assert recall(conn, "turns", "PR-1", 7) == ("a",)
        assert recall(conn, "turns", "PR-1", 6) is None  # another version: another writer's
        assert recall(conn, "turns", "PR-1", 8) is None
        assert recall(conn, "involvement", "PR-1", 7) is None
        for k in ("PR-2", "PR-3"):  # the least recently told goes first
            remember(conn, "turns", k, 1, ())
        memory.detach(conn, committed=True)
    with database.write() as conn:
        memory.attach(conn)
        assert recall(conn, "turns", "PR-1", 7) is None
        assert recall(conn, "turns", "PR-3", 1) == ()
        memory.detach(conn, committed=False)


def test_a_document_that_lags_the_log_is_caught_up_from_it(node: Node, cast: Cast, clock: ManualClock):
    """The incident's document is read beside the head of its stream: where the log holds events
    the document does not (a store written by an older release), the unit of work folds them on."""
    from sqlalchemy import update

    from jprcc.core.store.codec import encode_incident
    from jprcc.core.store.tables import incident_documents

    to_directive(node, cast, clock)
    with node.database.read() as conn:
        records = list(node.queries.log(conn).read(stream_id=f"incident:{INCIDENT}"))
    older = node.registry.fold("incident", (r.event for r in records[:-3]))
    with node.database.write() as conn:
        conn.execute(
            update(incident_documents)
            .where(incident_documents.c.incident_id == INCIDENT)
            .values(version=older.version, document=encode_incident(older))
        )
        conn.commit()
    node.database.written.forget()
    entry = AddNarrativeEntry(incident_id=INCIDENT, text="caught up")
    after = node.bus.handle(entry, cast["controller"]).value
    with node.database.read() as conn:
        records = list(node.queries.log(conn).read(stream_id=f"incident:{INCIDENT}"))
    assert after == node.registry.fold("incident", (r.event for r in records))
    assert after.version == len(records)
    assert read_models_match_rebuild(node.database, node.registry) == []


def test_the_log_appends_from_the_head_its_own_transaction_moved(node: Node, cast: Cast, clock: ManualClock):
    """A unit of work appends from the head its transaction's lock read (PostgreSQL); any other
    writer of the log (the sealing of a log from before chain keys moves the head first) reads the
    head as it is, so the chain links to the head it moved."""
    from sqlalchemy import select, update

    from jprcc.core.model import ComponentKind
    from jprcc.core.store.event_log import EventLog
    from jprcc.core.store.tables import chain_head, events
    from jprcc.core.theater.events import ComponentRegistered

    to_directive(node, cast, clock)
    moved = "f" * 64
    with node.database.write() as conn:
        conn.execute(update(chain_head).where(chain_head.c.id == 1).values(hash=moved))
        e = ComponentRegistered(
            at=clock.now, component_id="CJTF-EAST", name="CJTF East", kind=ComponentKind.OTHER, prcc_name=""
        )
        log = EventLog(conn, "test", node.registry.event_types, node.database.chain_key)
        [r] = log.append([e], "system", clock.now)
        assert conn.execute(select(events.c.prev_hash).where(events.c.seq == r.seq)).scalar() == moved
        conn.rollback()


# --- the journey's rows after events that move only their time ------------------------------------


@pytest.fixture(scope="module")
def demo_incidents(demo_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], Any]:
    """Every incident of the demo with persons, folded from its log, in whatever stage the demo
    leaves it (open, closed, persons captured, recovered, in reintegration); and the registry."""
    folder = tmp_path_factory.mktemp("demo-incidents")
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, folder), folder), migrate=True)
    try:
        with node.database.read() as conn:
            found: dict[str, list[Any]] = {}
            for r in node.queries.log(conn).read():
                if r.stream_id.startswith("incident:"):
                    found.setdefault(r.stream_id, []).append(r.event)
        folded = [node.registry.fold("incident", stream) for stream in found.values()]
        return [i for i in folded if i.persons], node.registry
    finally:
        node.close()


def _case(kind: type, incidents: list[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    """An incident of ``incidents`` and an event of ``kind`` on it (on one of its persons where the
    event names one), the rest of the event's fields drawn from their types."""

    def event_on(incident: Any) -> st.SearchStrategy[tuple[Any, Any]]:
        fields: dict[str, Any] = {
            "incident_id": st.just(incident.incident_id),
            "at": st.just(incident.last_update_at + timedelta(minutes=5)),
        }
        if "person_id" in kind.__dataclass_fields__:
            fields["person_id"] = st.sampled_from(sorted(incident.persons))
        if "person_ids" in kind.__dataclass_fields__:
            fields["person_ids"] = st.lists(
                st.sampled_from(sorted(incident.persons)), min_size=1, unique=True
            ).map(tuple)
        if "position" in kind.__dataclass_fields__:
            fields["position"] = st.builds(
                Position, st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)
            )
        return st.tuples(st.just(incident), st.builds(kind, **fields))

    return st.sampled_from(incidents).flatmap(event_on)


def _rows_shown(incident: Any) -> dict[str, dict[str, Any]]:
    """Every column of each person's row but its time of last change."""
    at = incident.last_update_at
    return {
        pid: {k: v for k, v in person_row(incident, pid, None, at).items() if k != "updated_at"}
        for pid in incident.persons
    }


def _rows_kept_after(kind: type, demo_incidents: tuple[list[Any], Any]) -> None:
    incidents, registry = demo_incidents
    assert len(incidents) >= 5

    @settings(max_examples=60, deadline=None, database=None)
    @given(_case(kind, incidents))
    def check(case: tuple[Any, Any]) -> None:
        incident, e = case
        after = registry.apply("incident", copy.deepcopy(incident), e)
        assert _rows_shown(after) == _rows_shown(incident)

    check()


@pytest.mark.parametrize("kind", sorted(TIME_ONLY, key=lambda k: k.__name__))
def test_the_events_that_move_only_the_persons_time_change_nothing_their_rows_show(
    kind: type, demo_incidents
):
    """After these events the journey only moves the time of last change of the incident's
    persons, reading nothing: on every incident of the demo, whatever the event says, every other
    column of every person's row stays as it was."""
    _rows_kept_after(kind, demo_incidents)


@pytest.mark.parametrize("kind", [ev.DutyStatusChanged, ev.PersonsDetained, ev.PersonsRecovered])
def test_an_event_that_changes_a_persons_row_fails_that_check(kind: type, demo_incidents):
    """The check above is not vacuous: it finds the change an event that does change a row makes."""
    assert kind not in TIME_ONLY
    with pytest.raises(AssertionError):
        _rows_kept_after(kind, demo_incidents)
