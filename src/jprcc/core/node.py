"""Wires a jprcc node together from its list of capabilities.

Every entry point calls ``bootstrap`` once; nothing connects to anything before that. The node's
registry is assembled from ``CAPABILITIES`` (or the list given); its services are built once,
in the order the capabilities declare them.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from jprcc.core.accounts.sessions import Sessions, read_session
from jprcc.core.bus import MessageBus
from jprcc.core.clock import Clock, system_clock
from jprcc.core.consumers import Dispatcher
from jprcc.core.contract import Capability, Registry, ServiceSpec
from jprcc.core.errors import StoreBusy
from jprcc.core.feed import LiveFeed
from jprcc.core.monitoring import Metrics
from jprcc.core.queries import Queries
from jprcc.core.settings import Settings
from jprcc.core.store.anchor import ChainAnchor
from jprcc.core.store.database import Database
from jprcc.core.store.migrate import upgrade
from jprcc.core.store.sealing import seal_legacy_log
from jprcc.core.store.tables import metadata
from jprcc.core.store.uow import SqlUnitOfWork

T = TypeVar("T")
Builder = Callable[[Any], Any]

log = logging.getLogger(__name__)

CAPABILITIES: tuple[str, ...] = (
    "jprcc.core.chain",
    "jprcc.core.theater.capability",
    "jprcc.core.accounts.capability",
    "jprcc.brokering.capability",
    "jprcc.intel.capability",
    "jprcc.options.capability",
    "jprcc.records.capability",
    "jprcc.locate.capability",
    "jprcc.journey.capability",
    "jprcc.tak.capability",
    "jprcc.publishing.capability",
    "jprcc.exercise.capability",
)
"""The capabilities of a node, in dependency order: each module holds one ``CAPABILITY``."""


def shipped_capabilities() -> list[Capability]:
    return [importlib.import_module(name).CAPABILITY for name in CAPABILITIES]


def node_capabilities(plugins: Iterable[str] = ()) -> list[Capability]:
    """The shipped capabilities, then the plug-ins' (modules that each hold a ``CAPABILITY``)."""
    return [*shipped_capabilities(), *(importlib.import_module(name).CAPABILITY for name in plugins)]


class Services:
    """The node's services by type, built once, in declaration order."""

    def __init__(self) -> None:
        self._built: dict[type[Any], Any] = {}

    def build(
        self,
        specs: Sequence[ServiceSpec[Any]],
        node: Node,
        overrides: Mapping[type[Any], Builder] | None = None,
    ) -> None:
        """Build each service; ``overrides`` replaces the builder of a kind (a test's counting
        subclass of a real service, a deployment's own adapter)."""
        for spec in specs:
            if spec.kind in self._built:
                raise ValueError(f"service {spec.kind.__name__} is declared twice")
            build = (overrides or {}).get(spec.kind, spec.build)
            self._built[spec.kind] = build(node)

    def __getitem__(self, kind: type[T]) -> T:
        try:
            found: T = self._built[kind]
        except KeyError:
            raise LookupError(f"no capability of this node provides {kind.__name__}") from None
        return found

    def __contains__(self, kind: object) -> bool:
        return kind in self._built


@dataclass
class Node:
    settings: Settings
    registry: Registry
    database: Database
    bus: MessageBus
    queries: Queries
    feed: LiveFeed
    clock: Clock
    dispatcher: Dispatcher
    services: Services = field(default_factory=Services)
    anchor: ChainAnchor | None = None
    metrics: Metrics = field(init=False)
    sessions: Sessions = field(init=False)
    _listener: Any = field(default=None, init=False, repr=False)

    def service(self, kind: type[T]) -> T:
        return self.services[kind]

    def start_runners(self) -> None:
        """Start the services that work in the background (a server does; a CLI command does not)."""
        for spec in self.registry.services:
            if spec.runs:
                self.services[spec.kind].start()

    def stop_runners(self) -> None:
        for spec in reversed(self.registry.services):
            if spec.runs and spec.kind in self.services:
                self.services[spec.kind].stop()

    def start_listening(self) -> None:
        """On PostgreSQL, hear other server processes' commits (LISTEN/NOTIFY) and wake this
        process's live feed and durable consumers at once (a server does; a CLI command does not)."""
        if self.database.is_sqlite or self._listener is not None:
            return
        from jprcc.core.store.notify import Listener

        self._listener = Listener(
            self.database.url, [self.feed.wake, self.dispatcher.wake], sessions=self.sessions.forget
        )
        self._listener.start()

    def stop_listening(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    def run_timers(self) -> int:
        """Do what the capabilities' timers have due now (the server's clock calls it)."""
        return sum(timer.run(self) for timer in self.registry.timers.values())

    def next_timer(self) -> datetime | None:
        """When a capability's timer next falls due (None: nothing is scheduled)."""
        times = [t for t in (timer.next(self) for timer in self.registry.timers.values()) if t is not None]
        return min(times) if times else None

    def close(self) -> None:
        self.stop_listening()
        self.stop_runners()
        self.feed.stop()
        self.dispatcher.stop()
        if self.anchor is not None:
            self.anchor.close()
        self.database.dispose()


def create_plugin_tables(database: Database, registry: Registry) -> None:
    """Tables of capabilities that bring their own (a plug-in, a test): made if missing. The
    shipped capabilities' tables are the schema's, changed only by migrations."""
    extra = [t for t in registry.tables() if t.metadata is not metadata]
    for table in extra:
        table.create(database.engine, checkfirst=True)


EXERCISE_MARKER = "exercise.json"
"""In the data directory of an exercise: its name. A store made by an exercise is always served as one."""


def exercise_marked(settings: Settings) -> Settings:
    """``settings``, with the exercise's marking if its data directory holds an exercise's store
    (whoever points a server at an exercise's folder still sees every page marked EXERCISE)."""
    marker = settings.data_dir / EXERCISE_MARKER
    if settings.exercise or not marker.is_file():
        return settings
    name = str(json.loads(marker.read_text(encoding="utf-8")).get("name", "")) or "UNNAMED"
    return settings.model_copy(update={"exercise": name})


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    migrate: bool | None = None,
    capabilities: Iterable[Capability] | None = None,
    services: Mapping[type[Any], Builder] | None = None,
) -> Node:
    settings = exercise_marked(settings or Settings())
    chosen = node_capabilities(settings.plugin_modules) if capabilities is None else capabilities
    registry = Registry(chosen)
    database = Database(
        settings.effective_database_url,
        chain_key=settings.effective_chain_key(),
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    if settings.auto_migrate if migrate is None else migrate:
        upgrade(database)
        create_plugin_tables(database, registry)
        seal_legacy_log(database, registry, settings, settings.node_id, settings.chain_anchor_file)
    try:
        database.claim_chain_key()
    except StoreBusy:  # unreachable now: not ready; the first write claims it
        log.warning("the store cannot be reached: the chain key is checked at the first write")
    queries = Queries(database, clock, registry)
    feed = LiveFeed(queries, max_backlog=settings.feed_max_backlog, gather_s=settings.feed_gather_ms / 1000)
    dispatcher = Dispatcher(database, registry.event_types, list(registry.consumers.values()))
    anchor = ChainAnchor(settings.chain_anchor_file, database.chain_key)
    built = Services()
    bus = MessageBus(
        uow_factory=lambda: SqlUnitOfWork(database, settings.node_id, registry),
        registry=registry,
        services=built,
        clock=clock,
        subscribers=[anchor, dispatcher, feed, queries.pages],
    )
    node = Node(settings, registry, database, bus, queries, feed, clock, dispatcher, built, anchor)
    node.metrics = Metrics(node)
    node.sessions = Sessions(partial(read_session, database, clock), clock)
    bus.subscribers.append(node.sessions)  # (the sessions a commit ended are forgotten after it)
    bus.observers.append(node.metrics.command)
    built.build(registry.services, node, services)
    return node
