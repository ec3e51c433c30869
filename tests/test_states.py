"""The next command on an incident starts from the state the last one committed in this process,
handed over instead of decoded from the stored document, and only when that is safe: the state is
the one the store holds, no caller still holds it, and no transaction changed it without
committing. Whatever is handed over equals the stored document and the fold of the log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jprcc.brokering import events as ev
from jprcc.brokering.commands import AddNarrativeEntry
from jprcc.brokering.incident import Incident, narrative_entry_id
from jprcc.core.clock import ManualClock
from jprcc.core.errors import InvalidTransition
from jprcc.core.node import Node
from jprcc.core.store.audit import read_models_match_rebuild
from jprcc.core.store.codec import decode_incident
from jprcc.core.store.tables import incident_documents
from jprcc.core.store.uow import SqlUnitOfWork
from jprcc.core.store.written import States
from tests.article import INCIDENT, to_close, to_directive
from tests.conftest import Cast

STREAM = f"incident:{INCIDENT}"


def stored(node: Node, incident_id: str = INCIDENT) -> Incident:
    with node.database.read() as conn:
        document = conn.execute(
            select(incident_documents.c.document).where(incident_documents.c.incident_id == incident_id)
        ).scalar_one()
    return decode_incident(document)


def folded(node: Node, incident_id: str = INCIDENT) -> Incident:
    with node.database.read() as conn:
        records = list(node.queries.log(conn).read(stream_id=f"incident:{incident_id}"))
    found: Incident = node.registry.fold("incident", (r.event for r in records))
    return found


def kept(node: Node, stream_id: str = STREAM) -> tuple[int, Any] | None:
    return node.database.states._kept.get(stream_id)


class Checked:
    """The node's bus, checking after every command that the state kept for the next one is the
    stored document's and the log's."""

    def __init__(self, node: Node) -> None:
        self.node, self.queries, self.registry, self.bus = node, node.queries, node.registry, self
        self.compared = 0

    def handle(self, command: Any, actor: Any) -> Any:
        result = self.node.bus.handle(command, actor)
        found = kept(self.node)
        if found is not None:
            version, state = found
            assert state == stored(self.node) == folded(self.node)
            assert version == state.version
            self.compared += 1
        return result


def test_a_whole_recovery_hands_each_command_the_state_the_last_committed(
    node: Node, cast: Cast, clock: ManualClock
):
    """From the report to the close, every command's state is handed to the next: it equals the
    stored document and the fold of the log after every one, and the read models a rebuild. A
    refused command keeps nothing of what it took."""
    checked = Checked(node)
    to_close(checked, cast, clock)  # type: ignore[arg-type]
    assert checked.compared >= 15
    assert node.database.states.hits >= 15
    with pytest.raises(InvalidTransition):  # refused: the state it took is dropped, not kept
        node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="after the close"), cast["controller"])
    assert kept(node) is None
    assert stored(node) == folded(node)
    assert read_models_match_rebuild(node.database, node.registry) == []


def test_a_state_its_caller_still_holds_is_left_to_the_caller(node: Node, cast: Cast, clock: ManualClock):
    """The answer of one command is the state it committed: while the caller holds it, the next
    command decodes its own, and the answer the caller holds does not change under it."""
    to_directive(node, cast, clock)
    held = node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="first"), cast["controller"]).value
    version, count = held.version, held.narrative_count
    misses = node.database.states.misses
    after = node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="second"), cast["controller"]).value
    assert node.database.states.misses == misses + 1
    assert after is not held
    assert (held.version, held.narrative_count) == (version, count)
    assert (after.version, after.narrative_count) == (version + 1, count + 1)
    del held, after
    hits = node.database.states.hits
    node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="third"), cast["controller"])
    assert node.database.states.hits == hits + 1  # let go of: handed over again
    assert stored(node) == folded(node)


def test_a_command_that_does_not_commit_leaves_nothing_changed_to_take(
    node: Node, cast: Cast, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
):
    """A command whose events were applied to the state but whose transaction never committed
    leaves that state to no one: the next command starts from what the store holds."""
    to_directive(node, cast, clock)
    node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="kept"), cast["controller"])
    assert kept(node) is not None
    before = stored(node)
    commit: Callable[[SqlUnitOfWork], None] = SqlUnitOfWork.commit

    def fail(self: SqlUnitOfWork) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(SqlUnitOfWork, "commit", fail)
    with pytest.raises(RuntimeError):
        node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="lost"), cast["controller"])
    assert kept(node) is None
    monkeypatch.setattr(SqlUnitOfWork, "commit", commit)
    clock.advance(timedelta(minutes=1))
    after = node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="next"), cast["controller"]).value
    assert after.version == before.version + 1
    assert after.narrative_count == before.narrative_count + 1
    assert after == stored(node) == folded(node)


def test_a_unit_of_work_that_goes_on_after_its_commit_keeps_nothing_it_changes_uncommitted(
    node: Node, cast: Cast, clock: ManualClock
):
    """What a unit of work committed is kept for the next; the moment it applies new events to that
    state again, it is kept no longer: if those never commit, no one starts from them."""
    to_directive(node, cast, clock)

    def entry(incident: Incident, text: str) -> ev.NarrativeEntryAdded:
        n = incident.narrative_count + 1
        entry_id = narrative_entry_id(INCIDENT, n)
        return ev.NarrativeEntryAdded(
            at=clock.now, incident_id=INCIDENT, entry_id=entry_id, author="controller", text=text
        )

    with node.bus.uow_factory() as uow:
        incident = uow.incident(INCIDENT)
        assert incident is not None
        uow.record([entry(incident, "committed")], "controller", clock.now)
        uow.commit()
        assert kept(node) == (incident.version, incident)
        uow.record([entry(incident, "never committed")], "controller", clock.now)
        assert kept(node) is None
        uow.rollback()
    del incident
    assert stored(node) == folded(node)
    after = node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text="next"), cast["controller"]).value
    assert after == stored(node) == folded(node)
    page = node.queries.latest_narrative(cast["controller"], after)
    assert [n.text for n in page][-2:] == ["committed", "next"]


class Box:
    def __init__(self, name: str) -> None:
        self.name = name


def test_a_kept_state_is_taken_once_at_its_version_and_only_if_no_one_else_holds_it():
    states = States(capacity=2)
    states.keep("incident:A", 3, Box("a3"))
    assert states.take("incident:A", 4) is None  # another process wrote version 4
    assert states.take("incident:A", 3) is None  # (and the stale one is gone)
    states.keep("incident:A", 4, Box("a4"))
    taken = states.take("incident:A", 4)
    assert taken is not None
    assert taken.name == "a4"
    assert states.take("incident:A", 4) is None  # one taker only
    held = Box("a5")
    states.keep("incident:A", 5, held)
    assert states.take("incident:A", 5) is None  # someone holds it still
    states.keep("incident:A", 6, Box("a6"))
    states.release("incident:A", Box("another"))  # not the one kept: nothing happens
    states.release("incident:B", held)
    assert states.take("incident:A", 6) is not None
    states.keep("incident:A", 7, held)
    states.release("incident:A", held)  # it is about to change uncommitted
    del held
    assert states.take("incident:A", 7) is None
    for key in ("A", "B", "C"):  # the least recently kept go first
        states.keep(f"incident:{key}", 1, Box(key))
    assert states.take("incident:A", 1) is None
    assert states.take("incident:C", 1) is not None
