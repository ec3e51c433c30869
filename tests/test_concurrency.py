"""Two controllers acting on the same incident at once, through two server processes' worth of
nodes on one PostgreSQL database: one succeeds, the other gets a clear conflict, and nothing is
lost or half-written."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from jprcc.brokering import commands as cmd
from jprcc.core.clock import ManualClock
from jprcc.core.errors import ConcurrencyConflict, Conflict
from jprcc.core.model import SupportKind
from jprcc.core.node import Node
from jprcc.core.store.audit import verify_chain
from tests import article
from tests.conftest import Cast, _empty_postgres, load_theater, make_node

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_nodes(postgres_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Node, Node]]:
    _empty_postgres(postgres_url)
    first, second = make_node(postgres_url, tmp_path, clock), make_node(postgres_url, tmp_path, clock)
    yield first, second
    first.close()
    second.close()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; return each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def nomination(clock: ManualClock, supported: str, version: int | None) -> cmd.NominateSupport:
    return cmd.NominateSupport(
        incident_id=article.INCIDENT,
        supported_component=supported,
        contributions=article.CONTRIBUTIONS,
        support_kind=SupportKind.DIRECT,
        priority=1,
        window_start=clock.now,
        window_end=clock.now + timedelta(hours=4),
        desired_effects="recover",
        expected_version=version,
    )


def prepared(nodes: tuple[Node, Node], clock: ManualClock) -> tuple[Cast, int]:
    first, _ = nodes
    cast = load_theater(first, clock)
    article.to_poll(first, cast, clock)
    incident = article.answer_all(first, cast, clock)
    return cast, incident.version


def test_two_controllers_nominating_on_the_same_version_one_wins_one_gets_a_conflict(two_nodes, clock):
    cast, version = prepared(two_nodes, clock)
    first, second = two_nodes
    results = at_once(
        lambda: first.bus.handle(nomination(clock, "JFMCC", version), cast["controller"]),
        lambda: second.bus.handle(nomination(clock, "JFMCC", version), cast["director"]),
    )
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], ConcurrencyConflict)
    assert "changed since you read it" in str(failures[0])
    incident = first.queries.incident(cast["controller"], article.INCIDENT)
    assert len(incident.nominations) == 1
    assert incident.version == version + 1
    assert verify_chain(first.database).ok


def test_racing_without_versions_still_lets_exactly_one_nomination_through(two_nodes, clock):
    cast, _ = prepared(two_nodes, clock)
    first, second = two_nodes
    calls = [
        lambda n=n: n.bus.handle(nomination(clock, "JFMCC", None), cast["controller"])
        for n in (first, second, first, second)
    ]
    results = at_once(*calls)
    successes = [r for r in results if not isinstance(r, Exception)]
    assert len(successes) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert len(first.queries.incident(cast["controller"], article.INCIDENT).nominations) == 1
    assert verify_chain(first.database).ok


def test_concurrent_narrative_entries_are_all_kept_in_one_unbroken_chain(two_nodes, clock):
    cast, version = prepared(two_nodes, clock)
    first, second = two_nodes
    calls = [
        lambda i=i: (first if i % 2 else second).bus.handle(
            cmd.AddNarrativeEntry(incident_id=article.INCIDENT, text=f"entry {i}"), cast["controller"]
        )
        for i in range(12)
    ]
    results = at_once(*calls)
    assert not [r for r in results if isinstance(r, Exception)]
    incident = second.queries.incident(cast["controller"], article.INCIDENT)
    narrative = second.queries.narrative(cast["controller"], article.INCIDENT)
    assert sorted(e.text for e in narrative) == sorted(f"entry {i}" for i in range(12))
    assert [e.entry_id for e in narrative] == [f"{article.INCIDENT}/L{n}" for n in range(1, 13)]
    assert incident.narrative_count == 12
    assert incident.version == version + 12
    assert verify_chain(first.database).ok
