"""Wires a jprcc node together: store, unit of work, bus, queries, live feed.

Every entry point calls ``bootstrap`` once; nothing connects to anything before that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jprcc.planning.terrain import Terrain
from jprcc.service.clock import Clock, system_clock
from jprcc.service.feed import FeedHub
from jprcc.service.handlers import HANDLERS
from jprcc.service.locate import SimulationCache
from jprcc.service.messagebus import Dependencies, MessageBus
from jprcc.service.options import RouteCache
from jprcc.service.queries import Queries
from jprcc.service.security import Passwords
from jprcc.service.terrain import read_terrain
from jprcc.service.vault import Vault, load_master_key
from jprcc.settings import Settings
from jprcc.store.database import Database
from jprcc.store.migrate import upgrade
from jprcc.store.uow import SqlUnitOfWork


@dataclass
class App:
    settings: Settings
    database: Database
    bus: MessageBus
    queries: Queries
    feed: FeedHub
    clock: Clock
    terrain: Terrain = field(default_factory=Terrain)
    route_cache: RouteCache = field(default_factory=RouteCache)
    locate_cache: SimulationCache = field(default_factory=SimulationCache)

    def close(self) -> None:
        self.database.dispose()


def bootstrap(
    settings: Settings | None = None, *, clock: Clock = system_clock, migrate: bool | None = None
) -> App:
    settings = settings or Settings()
    # A bad terrain file stops start-up here rather than failing every route request later.
    terrain = read_terrain(settings.terrain_elevation, settings.terrain_water)
    database = Database(settings.effective_database_url)
    if settings.auto_migrate if migrate is None else migrate:
        upgrade(database)
    feed = FeedHub()
    passwords = Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    vault = Vault(load_master_key(settings.vault_key, settings.vault_key_file, settings.data_dir))
    bus = MessageBus(
        uow_factory=lambda: SqlUnitOfWork(database, settings.node_id),
        handlers=HANDLERS,
        dependencies=Dependencies(settings=settings, passwords=passwords, vault=vault),
        clock=clock,
        subscribers=[feed],
    )
    locate_cache = SimulationCache(settings.locate_cache_models)
    return App(
        settings, database, bus, Queries(database, clock), feed, clock, terrain, locate_cache=locate_cache
    )
