"""Operating the node: readiness for a load balancer, Prometheus metrics behind the scraper's token
(commands, latencies, requests, feed lag, queue depths, consumer lag)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node, bootstrap
from tests.conftest import Cast, fast_settings, load_theater
from tests.test_overload import headers_for, report

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def watched(tmp_path: Path, clock: ManualClock) -> Node:
    settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path).model_copy(
        update={"metrics_token": TOKEN}
    )
    node = bootstrap(settings, clock=clock, migrate=True)
    yield node
    node.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def test_ready_when_the_store_answers_at_this_version_s_schema(sqlite_node: Node):
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        answer = client.get("/api/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"store": "ok", "schema": "ok"}}


def test_not_ready_when_the_store_cannot_be_reached(tmp_path: Path):
    node = bootstrap(fast_settings("postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path), migrate=False)
    try:
        with TestClient(create_app(node, sweep_alerts=False)) as client:
            answer = client.get("/api/ready")
            health = client.get("/api/health")
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert answer.json()["checks"]["store"].startswith("unreachable")
        assert health.status_code == 200  # alive, not ready: restart nothing, route nothing to it
    finally:
        node.close()


def test_metrics_count_commands_requests_and_read_the_feed_and_the_consumers(
    watched: Node, clock: ManualClock
):
    cast: Cast = load_theater(watched, clock)
    with TestClient(create_app(watched, sweep_alerts=False)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        headers = headers_for(client, cast, "jfsocc")
        assert client.post("/api/incidents", json=report(1), headers=headers).status_code == 201
        assert client.post("/api/incidents", json=report(1), headers=headers).status_code == 409
        watched.dispatcher.drain()
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    found = samples(text.text)
    assert found[("jprcc_commands_total", (("command", "ReportIncident"), ("outcome", "ok")))] == 1
    assert found[("jprcc_commands_total", (("command", "ReportIncident"), ("outcome", "refused")))] == 1
    assert found[("jprcc_command_seconds_count", (("command", "ReportIncident"),))] == 1
    assert found[("jprcc_http_requests_total", (("method", "POST"), ("status", "201")))] == 1
    assert found[("jprcc_http_requests_total", (("method", "POST"), ("status", "409")))] == 1
    assert found[("jprcc_log_events", ())] == watched.queries.last_seq()
    assert found[("jprcc_writes_pending", ())] == 0
    assert found[("jprcc_feed_streams", ())] == 0
    assert found[("jprcc_consumer_lag_events", (("consumer", "outbox"),))] == 0


def test_metrics_are_off_unless_a_token_is_set(sqlite_node: Node):
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_every_setting_is_documented_by_its_variable():
    """Each setting an operator may give is named, as its environment variable, in the README's
    configuration table or in a guide under docs/ (several may share one row)."""
    import re

    from jprcc.core.settings import Settings

    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text() + "".join(p.read_text() for p in (root / "docs").glob("*.md"))
    named = set(re.findall(r"JPRCC_[A-Z0-9_]+", text))
    missing = [
        f"JPRCC_{name.upper()}" for name in Settings.model_fields if f"JPRCC_{name.upper()}" not in named
    ]
    assert missing == []
