"""Overload, shed cleanly: a retried command (same ``Idempotency-Key``) is applied once and answered
as the first time; beyond its bound of waiting writes the node answers 503 with ``Retry-After`` at
once and does nothing, so every acknowledged command is stored and no refused one is; a live-feed
reader that falls too far behind is cut off and loses nothing when it comes back."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.brokering.commands import ReportIncident
from jprcc.core.clock import ManualClock
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from tests.conftest import Cast, fast_settings, load_theater
from tests.server import serving


def report(n: int, **change: object) -> dict[str, object]:
    return {
        "incident_id": f"PR-LOAD{n}",
        "title": f"Beacon {n}",
        "owning_component": "JFSOCC",
        "isolating_event_at": "2026-11-25T01:00:00Z",
        "position": {"lat": 40.0 + n / 1000, "lon": 9.0},
        "uncertainty_m": 300,
        "channel": "beacon",
        "source_confidence": "confirmed",
        "environment": "land",
        "persons": [{"name": f"Person {n}", "component_id": "JFSOCC"}],
        **change,
    }


def reports_of(node: Node, incident_id: str) -> int:
    with node.database.read() as conn:
        return sum(
            1
            for r in node.queries.log(conn).read(stream_id=f"incident:{incident_id}")
            if r.event.type_name == "incident_reported"
        )


def headers_for(client: TestClient | str, cast: Cast, username: str) -> dict[str, str]:
    data = {"username": username, "password": cast.passwords[username]}
    if isinstance(client, str):
        answer = httpx2.post(f"{client}/api/auth/token", data=data)
    else:
        answer = client.post("/api/auth/token", data=data)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


class TestIdempotencyKeys:
    def test_a_retried_command_is_applied_once_and_answered_as_the_first_time(self, node: Node, cast: Cast):
        with TestClient(create_app(node, sweep_alerts=False)) as client:
            headers = {**headers_for(client, cast, "jfsocc"), "Idempotency-Key": "jfsocc-beacon-0142"}
            first = client.post("/api/incidents", json=report(1), headers=headers)
            again = client.post("/api/incidents", json=report(1), headers=headers)
        assert first.status_code == 201, first.text
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert reports_of(node, "PR-LOAD1") == 1

    def test_the_same_key_for_another_request_is_refused_naming_the_header(
        self, sqlite_node: Node, sqlite_cast: Cast
    ):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            headers = {**headers_for(client, sqlite_cast, "jfsocc"), "Idempotency-Key": "k-1"}
            assert client.post("/api/incidents", json=report(1), headers=headers).status_code == 201
            other = client.post("/api/incidents", json=report(2), headers=headers)
            assert other.status_code == 422
            assert other.json()["field"] == "Idempotency-Key"
            bad = client.post(
                "/api/incidents", json=report(3), headers={**headers, "Idempotency-Key": "no spaces"}
            )
            assert bad.status_code == 422
        assert reports_of(sqlite_node, "PR-LOAD2") == 0

    def test_a_key_is_each_users_own(self, sqlite_node: Node, sqlite_cast: Cast):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            for who, n in (("jfsocc", 1), ("controller", 2)):
                headers = {**headers_for(client, sqlite_cast, who), "Idempotency-Key": "same-key"}
                assert client.post("/api/incidents", json=report(n), headers=headers).status_code == 201
        assert reports_of(sqlite_node, "PR-LOAD1") == reports_of(sqlite_node, "PR-LOAD2") == 1

    def test_a_command_its_rules_refuse_claims_nothing_and_is_decided_again(
        self, sqlite_node: Node, sqlite_cast: Cast
    ):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            headers = {**headers_for(client, sqlite_cast, "controller"), "Idempotency-Key": "retry-me"}
            refused = client.post("/api/incidents", json=report(1, owning_component="JFXXX"), headers=headers)
            assert refused.status_code in (404, 422)
            assert client.post(
                "/api/incidents", json=report(1, owning_component="JFXXX"), headers=headers
            ).status_code == (refused.status_code)
        assert reports_of(sqlite_node, "PR-LOAD1") == 0

    def test_racing_retries_of_one_request_apply_it_once(self, sqlite_node: Node, sqlite_cast: Cast):
        with serving(create_app(sqlite_node, sweep_alerts=False)) as url:
            headers = {**headers_for(url, sqlite_cast, "jfsocc"), "Idempotency-Key": "race-1"}
            barrier, answers = threading.Barrier(6), []

            def send() -> None:
                barrier.wait()
                answers.append(
                    httpx2.post(f"{url}/api/incidents", json=report(7), headers=headers, timeout=30)
                )

            threads = [threading.Thread(target=send) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert {a.status_code for a in answers} == {201}, [
            a.text[:200] for a in answers if a.status_code != 201
        ]
        assert all(a.json() == answers[0].json() for a in answers)
        assert reports_of(sqlite_node, "PR-LOAD7") == 1

    def test_a_retry_waiting_for_the_first_answer_holds_no_command_thread(
        self, tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
    ):
        """Two threads run commands. The first request with a key is held as its answer is kept;
        three retries of it wait for that answer, and another user's command still goes through
        on the second thread meanwhile. Released, every retry is answered as the first."""
        settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path).model_copy(
            update={"command_threads": 2}
        )
        node = bootstrap(settings, clock=clock, migrate=True)
        cast = load_theater(node, clock)
        from jprcc.api import actions

        keeping, release = threading.Event(), threading.Event()
        real_keep = actions.idempotency.keep_answer

        def held_keep(*args: object) -> None:
            keeping.set()
            assert release.wait(30)
            real_keep(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(actions.idempotency, "keep_answer", held_keep)
        try:
            with serving(create_app(node, sweep_alerts=False)) as url:
                keyed = {**headers_for(url, cast, "jfsocc"), "Idempotency-Key": "held-1"}
                other = headers_for(url, cast, "jfacc")
                answers: list[httpx2.Response] = []

                def send() -> None:
                    answers.append(
                        httpx2.post(f"{url}/api/incidents", json=report(8), headers=keyed, timeout=60)
                    )

                first = threading.Thread(target=send)
                first.start()
                assert keeping.wait(30)
                retries = [threading.Thread(target=send) for _ in range(3)]
                for t in retries:
                    t.start()
                time.sleep(0.5)  # the retries have found the first still answering
                meanwhile = httpx2.post(
                    f"{url}/api/incidents",
                    json=report(
                        9, owning_component="JFACC", persons=[{"name": "P", "component_id": "JFACC"}]
                    ),
                    headers=other,
                    timeout=10,
                )
                assert meanwhile.status_code == 201, meanwhile.text
                assert len(answers) == 0  # the first and its retries are still waiting
                release.set()
                for t in [first, *retries]:
                    t.join(30)
            assert [a.status_code for a in answers] == [201] * 4
            assert all(a.json() == answers[0].json() for a in answers)
            assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
            assert reports_of(node, "PR-LOAD8") == 1
        finally:
            release.set()
            node.close()


class TestOverload:
    @pytest.fixture
    def bounded(self, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Node, Cast]]:
        settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path).model_copy(
            update={"max_pending_writes": 2}
        )
        node = bootstrap(settings, clock=clock, migrate=True)
        cast = load_theater(node, clock)
        yield node, cast
        node.close()

    def test_beyond_the_bound_a_write_is_answered_503_at_once_and_every_acknowledged_one_is_stored(
        self, bounded
    ):
        node, cast = bounded
        n = 40
        with serving(create_app(node, sweep_alerts=False)) as url:
            headers = headers_for(url, cast, "jfsocc")
            barrier, answers = threading.Barrier(n), {}

            def send(i: int) -> None:
                barrier.wait()
                answers[i] = httpx2.post(f"{url}/api/incidents", json=report(i), headers=headers, timeout=60)

            threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            shed = [i for i, a in answers.items() if a.status_code == 503]
            taken = [i for i, a in answers.items() if a.status_code == 201]
            assert len(shed) + len(taken) == n, {a.status_code for a in answers.values()}
            assert shed, "forty writes at once against a bound of two: some must be shed"
            for i in shed:
                assert int(answers[i].headers["Retry-After"]) >= 1
                assert answers[i].json()["error"] == "overloaded"
                assert reports_of(node, f"PR-LOAD{i}") == 0  # refused: nothing done
            for i in taken:
                assert reports_of(node, f"PR-LOAD{i}") == 1  # acknowledged: stored
            # the shed ones, sent again with a key until they go through, are stored once each
            for i in shed:
                keyed = {**headers, "Idempotency-Key": f"load-{i}"}
                for _ in range(50):
                    again = httpx2.post(f"{url}/api/incidents", json=report(i), headers=keyed, timeout=60)
                    if again.status_code != 503:
                        break
                assert again.status_code == 201
        assert all(reports_of(node, f"PR-LOAD{i}") == 1 for i in range(n))


class TestASlowFeedReader:
    def test_is_cut_off_at_its_bound_and_loses_nothing_when_it_catches_up(
        self, tmp_path: Path, clock: ManualClock
    ):
        from jprcc.core.feed import LiveFeed

        settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path)
        node = bootstrap(settings, clock=clock, migrate=True)
        try:
            load_theater(node, clock)
            feed = LiveFeed(node.queries, max_backlog=10)
            director = Actor("director", Role.JPRCC_DIRECTOR)
            stalled = asyncio.new_event_loop()  # never run: its reader takes nothing
            try:
                sub = feed.subscribe(director, "token", stalled)
                feed.stop()  # drive the feed by hand
                start = sub.start
                for i in range(30):
                    node.bus.handle(
                        ReportIncident(**_report_command(i)), Actor("jfsocc", Role.PRCC_OFFICER, "JFSOCC")
                    )
                while feed.step():
                    pass
                assert sub.overflowed
                assert sub.ended
                assert sub.sent == 10  # it holds no more than its bound
                assert feed.cut_off == 1
                frames, after = [], start
                while True:
                    found, after = feed.catch_up(director, after, node.queries.last_seq())
                    if not found:
                        break
                    frames += found
                assert sum("incident_reported" in f for f in frames) == 30  # reconnected: nothing lost
            finally:
                stalled.close()
        finally:
            node.close()


def _report_command(i: int) -> dict[str, object]:
    from datetime import UTC, datetime

    from jprcc.core.model import Environment, Position, ReportChannel, SourceConfidence
    from jprcc.core.values import PersonReport

    return {
        "incident_id": f"PR-SLOW{i}",
        "title": f"Beacon {i}",
        "owning_component": "JFSOCC",
        "isolating_event_at": datetime(2026, 11, 25, 1, tzinfo=UTC),
        "position": Position(40.0, 9.0 + i / 1000),
        "uncertainty_m": 300.0,
        "channel": ReportChannel.BEACON,
        "source_confidence": SourceConfidence.CONFIRMED,
        "environment": Environment.LAND,
        "persons": (PersonReport(name=f"Person {i}", service="USA", component_id="JFSOCC", unit="1st SFG"),),
    }


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("JPRCC_COMMAND_THREADS", "0", "greater than or equal to 1"),
        ("JPRCC_MAX_PENDING_WRITES", "lots", "valid integer"),
    ],
)
def test_a_bound_set_out_of_its_range_stops_the_command_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, rule: str
):
    from typer.testing import CliRunner

    from jprcc.cli import app
    from jprcc.cli.common import state

    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, value)
    state.node = None
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    state.node = None
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert f"{variable}={value!r}" in said
    assert rule in said
    assert "Traceback" not in said
