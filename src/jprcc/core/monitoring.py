"""What a node reports to Prometheus (``GET /metrics``, text format), per server process.

Counted as they happen:

- ``jprcc_commands_total{command, outcome}``: commands handled (``ok``, ``refused``, ``error``);
- ``jprcc_command_seconds{command}``: how long each took, from authorization to commit;
- ``jprcc_http_requests_total{method, status}`` and ``jprcc_http_request_seconds{method}``;
- ``jprcc_writes_shed_total``: writes answered 503 at the bound of waiting writes.

Read when scraped:

- ``jprcc_log_events``: the last sequence number of the log;
- ``jprcc_feed_streams``, ``jprcc_feed_lag_events`` (events committed but not yet handed to the
  streams), ``jprcc_feed_cut_off_total`` (streams cut off for falling behind),
  ``jprcc_feed_backlog_max`` (the longest stream backlog, in frames);
- ``jprcc_writes_pending``: writes waiting in this process;
- ``jprcc_consumer_lag_events{consumer}``: events a durable consumer has still to handle.

Each node has its own registry (``Metrics.registry``), not the library's global one, so that
several nodes in one process (tests, exercises) never mix their figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("jprcc.metrics")
SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Load:
    """The write gate's figures (kept by ``api.middleware.WriteGate``)."""

    pending: int = 0
    shed: int = 0


class Metrics:
    def __init__(self, node: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.load = Load()
        self.commands = Counter(
            "jprcc_commands",
            "Commands handled, by type and outcome.",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.command_seconds = Histogram(
            "jprcc_command_seconds",
            "Time to handle a command.",
            ["command"],
            buckets=SECONDS,
            registry=self.registry,
        )
        self.requests = Counter(
            "jprcc_http_requests", "HTTP requests answered.", ["method", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "jprcc_http_request_seconds", "Time to answer an HTTP request.", ["method"], buckets=SECONDS,
            registry=self.registry,
        )  # fmt: skip
        self.registry.register(_NodeCollector(node, self.load))
        # each metric's labelled children, found once (``labels`` takes a lock and builds a key)
        self._counted: dict[tuple[Any, ...], Any] = {}
        self._timed: dict[tuple[Any, ...], Any] = {}

    def command(self, name: str, outcome: str, seconds: float) -> None:
        _child(self._counted, self.commands, name, outcome).inc()
        if outcome == "ok":
            _child(self._timed, self.command_seconds, name).observe(seconds)

    def request(self, method: str, status: int, seconds: float) -> None:
        _child(self._counted, self.requests, method, str(status)).inc()
        _child(self._timed, self.request_seconds, method).observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)


def _child(found: dict[tuple[Any, ...], Any], metric: Counter | Histogram, *labels: str) -> Any:
    """``metric.labels(*labels)``, looked up once (children are never removed)."""
    key = (metric, *labels)
    child = found.get(key)
    if child is None:
        child = found[key] = metric.labels(*labels)
    return child


class _NodeCollector(Collector):
    """The figures read at each scrape: the log, the feed, the write gate, the consumers."""

    def __init__(self, node: Any, load: Load) -> None:
        self.node = node
        self.load = load

    def collect(self) -> Iterator[Any]:
        node = self.node
        yield GaugeMetricFamily(
            "jprcc_writes_pending", "Writes waiting in this process.", value=self.load.pending
        )
        yield CounterMetricFamily(
            "jprcc_writes_shed", "Writes answered 503 at the bound of waiting writes.", value=self.load.shed
        )
        feed = node.feed
        yield GaugeMetricFamily("jprcc_feed_streams", "Live-feed streams open.", value=feed.streams)
        yield CounterMetricFamily(
            "jprcc_feed_cut_off", "Live-feed streams cut off for falling behind.", value=feed.cut_off
        )
        yield GaugeMetricFamily(
            "jprcc_feed_backlog_max",
            "The longest backlog of a live-feed stream, in frames.",
            value=feed.max_backlog_now,
        )
        try:
            last = node.queries.last_seq()
            cursors = node.dispatcher.cursors()
        except Exception:  # the store is down: say what can be said
            log.warning("metrics: the store did not answer")
            return
        yield GaugeMetricFamily("jprcc_log_events", "The last sequence number of the event log.", value=last)
        behind = 0 if feed.cursor is None else max(0, last - feed.cursor)
        yield GaugeMetricFamily(
            "jprcc_feed_lag_events", "Events committed and not yet handed to the streams.", value=behind
        )
        lag = GaugeMetricFamily(
            "jprcc_consumer_lag_events", "Events a durable consumer has still to handle.", labels=["consumer"]
        )
        for c in cursors:
            lag.add_metric([c.name], max(0, last - c.seq))
        yield lag
