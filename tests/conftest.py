"""Fixtures: a real store (SQLite file, or PostgreSQL schema), a node on it, the demo theater.

PostgreSQL tests use ``JPRCC_TEST_POSTGRES_URL`` (default: the local server, database
``test``), in a schema of their own that is dropped afterwards. They are skipped when no
server answers, unless ``JPRCC_REQUIRE_POSTGRES=1`` (as in CI), which makes that a failure.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update

from jprcc.core.clock import ManualClock, system_clock
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.core.store.database import GENESIS_HASH, Database
from jprcc.core.store.tables import chain_head, metadata
from jprcc.demo import DEMO_FILE
from jprcc.exercise import scenario
from tests.browser import browser  # noqa: F401  (a fixture for the browser tests)

# every node of the test session seals its log with one chain key (as every process of one store
# must), so that stores copied between test folders, and servers started on them, verify; the
# key file made on first use has its own tests
os.environ.setdefault("JPRCC_CHAIN_KEY", "dGVzdC1jaGFpbi1rZXktdGhpcnR5LXR3by1ieXRlcyE=")
POSTGRES_URL = os.environ.get("JPRCC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
"""A fixed 0200Z on day three: tests run on a manual clock that starts here."""


LONG_ONLY_MODULES = {"test_api_fuzz.py": frozenset({"long", "hypothesis"})}
"""Test modules whose every test is a long check, with the marks every test of each carries (the
fuzzer's are Hypothesis tests too: its plugin marks them ``hypothesis``);
``test_the_long_only_modules_hold_only_long_checks`` holds them to it. Where ``-m`` selects no test
with those marks, as ``make test``'s ``not long`` does, the module is not even collected: building
the fuzzer's six hundred operation tests from the OpenAPI cost every test process twenty seconds
before a single one was deselected."""


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    marks = LONG_ONLY_MODULES.get(collection_path.name)
    if marks is not None and not selects_marked(config.getoption("markexpr"), marks):
        return True
    return None  # the other hooks decide


_PYTEST_OWN_MARKS = frozenset({"parametrize", "usefixtures", "filterwarnings", "skip", "skipif", "xfail"})


@pytest.hookimpl(trylast=True)  # (after Hypothesis's plugin has marked its tests)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Wherever a long-only module is collected (``make test-long``), each of its tests must carry
    exactly the marks its entry in ``LONG_ONLY_MODULES`` names: with one more, or one fewer, some
    ``-m`` would leave out a test it selects."""
    for item in items:
        marks = LONG_ONLY_MODULES.get(item.path.name)
        if marks is not None:
            found = frozenset(m.name for m in item.iter_markers()) - _PYTEST_OWN_MARKS
            if found != marks:
                named = sorted(marks)
                raise pytest.UsageError(f"{item.nodeid} carries {sorted(found)}; LONG_ONLY_MODULES: {named}")


def selects_marked(markexpr: str, marks: frozenset[str]) -> bool:
    """Whether ``-m markexpr`` selects a test that carries exactly ``marks``."""
    from _pytest.mark.expression import Expression

    if not markexpr:
        return True
    return Expression.compile(markexpr).evaluate(lambda name, **_: name in marks)


def fast_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        check_in_interval_s=1800,
        sweep_interval_s=0.2,
    )


@pytest.fixture(autouse=True)
def _no_cli_node_left_behind() -> Iterator[None]:
    """The CLI keeps the node it started for the rest of its process (a process runs one command);
    the test process runs many, so a test that ran one leaves none for the next test to use."""
    yield
    from jprcc.cli.common import state

    if state.node is not None:
        state.node.close()
        state.node = None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server, migrated to head, for this test session."""
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # no server: skip, or fail where PostgreSQL is required
        admin.dispose()
        if os.environ.get("JPRCC_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}")
    schema = f"jprcc_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    node = bootstrap(fast_settings(url, Path("/nonexistent")), migrate=True)
    node.close()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names}"))
        conn.execute(text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH})
    engine.dispose()


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store migrated to the newest schema once per test process, copied by each
    test that needs a fresh one (running the migrations from nothing takes a second and a half);
    the migrations themselves have their own tests."""
    from jprcc.core.store.database import Database
    from jprcc.core.store.migrate import upgrade

    path = tmp_path_factory.mktemp("empty-store") / "jprcc.sqlite3"
    database = Database(f"sqlite:///{path}")  # no chain key: the first node to open a copy claims it
    upgrade(database)
    database.dispose()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


def _fresh_sqlite(empty_store: Path, folder: Path) -> str:
    import shutil

    shutil.copy2(empty_store, folder / "jprcc.sqlite3")
    return f"sqlite:///{folder / 'jprcc.sqlite3'}"


@pytest.fixture(scope="session")
def theater_store(tmp_path_factory: pytest.TempPathFactory, empty_store: Path) -> Path:
    """The empty store with the demo theater played into it at ``T0`` (``load_theater``), once per
    test process: a test on SQLite that takes the cast starts from a copy of it instead of playing
    the theater's commands again. Its folder holds the store and anything the node keeps beside it."""
    folder = tmp_path_factory.mktemp("theater")
    clock = ManualClock(T0)
    node = make_node(_fresh_sqlite(empty_store, folder), folder, clock)
    load_theater(node, clock)
    node.close()
    return folder


def _theater_copy(theater: Path, folder: Path) -> str:
    import shutil

    for source in theater.iterdir():
        if source.is_file():
            shutil.copy2(source, folder / source.name)
    return f"sqlite:///{folder / 'jprcc.sqlite3'}"


def _sqlite_for(request: pytest.FixtureRequest, folder: Path, cast: str) -> str:
    """A fresh SQLite store for the test: the theater's copy if it takes ``cast``, else empty."""
    if cast in request.fixturenames:
        return _theater_copy(request.getfixturevalue("theater_store"), folder)
    return _fresh_sqlite(request.getfixturevalue("empty_store"), folder)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that takes this runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_for(request, tmp_path, "cast")
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _sqlite_for(request, tmp_path, "sqlite_cast")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def make_node(url: str, data_dir: Path, clock: ManualClock) -> Node:
    return bootstrap(fast_settings(url, data_dir), clock=clock, migrate=True)


@pytest.fixture
def node(store_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    app = make_node(store_url, tmp_path, clock)
    yield app
    app.close()


@pytest.fixture
def two_processes(store_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[tuple[Node, Node, Cast]]:
    """Two nodes over one store, as two server processes would be: (first, second, the cast)."""
    first = make_node(store_url, tmp_path / "first", clock)
    cast = load_theater(first, clock)
    second = make_node(store_url, tmp_path / "second", clock)
    yield first, second, cast
    second.close()
    first.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A bare SQLite store (the tables, no node) in the test's folder, disposed after."""
    database = Database(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}")
    database.create_schema()
    yield database
    database.dispose()


def bump_head(db: Database, pause_s: float = 0.0) -> None:
    """One write: the chain head's sequence read and moved on by one (a lost update shows)."""
    with db.write() as conn:
        seq = conn.execute(select(chain_head.c.seq)).scalar_one()
        time.sleep(pause_s)
        conn.execute(update(chain_head).values(seq=seq + 1))
        conn.commit()


@pytest.fixture
def sqlite_node(sqlite_url: str, tmp_path: Path, clock: ManualClock) -> Iterator[Node]:
    app = make_node(sqlite_url, tmp_path, clock)
    yield app
    app.close()


@dataclass(frozen=True)
class Cast:
    """The demo theater's accounts, as actors, with their passwords."""

    actors: dict[str, Actor]
    passwords: dict[str, str]

    def __getitem__(self, username: str) -> Actor:
        return self.actors[username]


@functools.cache
def _demo_file() -> scenario.Scenario:
    return scenario.load(DEMO_FILE)  # read once per test process: the guarded reader takes half a second


def load_theater(node: Node, clock: ManualClock) -> Cast:
    """The demo theater's components, operations, assets and accounts: no incidents."""
    theater = copy.deepcopy(dataclasses.replace(_demo_file(), steps=[]))
    scenario.play(theater, node.bus, clock.now)
    return _cast_of(theater, clock)


def _cast_of(theater: scenario.Scenario, clock: ManualClock) -> Cast:
    clock.advance(timedelta(minutes=1))
    users = theater.users
    return Cast(
        actors={u["username"]: Actor(u["username"], Role(u["role"]), u.get("component_id")) for u in users},
        passwords={u["username"]: u["password"] for u in users},
    )


def _theater_on(node: Node, clock: ManualClock) -> Cast:
    """The theater on the node's store: played now, unless the store is a copy of
    ``theater_store`` (played at ``T0`` as this clock's start), then only the clock moves on."""
    if node.queries.last_seq() == 0:
        return load_theater(node, clock)
    assert clock.now == T0, "a copied theater was played at T0"
    return _cast_of(_demo_file(), clock)


@pytest.fixture
def cast(node: Node, clock: ManualClock) -> Cast:
    return _theater_on(node, clock)


@pytest.fixture
def sqlite_cast(sqlite_node: Node, clock: ManualClock) -> Cast:
    return _theater_on(sqlite_node, clock)


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo theater loaded once per test process (on the wall clock), to be copied by each test
    that needs a fresh demo: the store file and the vault key its records are sealed under."""
    return _demo_loaded(tmp_path_factory.mktemp("demo-snapshot"), None)


@pytest.fixture(scope="session")
def demo_snapshot_at_t0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As ``demo_snapshot``, loaded on a clock stopped at ``T0``: for a test whose node runs on
    ``ManualClock(T0)`` (loading the demo leaves the clock where it was)."""
    return _demo_loaded(tmp_path_factory.mktemp("demo-snapshot-t0"), ManualClock(T0))


def _demo_loaded(folder: Path, clock: ManualClock | None) -> Path:
    from jprcc.demo import load_demo

    settings = fast_settings(f"sqlite:///{folder / 'demo.sqlite3'}", folder)
    node = bootstrap(settings, clock=clock or system_clock, migrate=True)
    load_demo(node)
    assert clock is None or clock.now == T0
    node.close()
    return folder


@pytest.fixture
def demo_node(tmp_path: Path, demo_snapshot: Path) -> Iterator[Node]:
    """A node on a fresh copy of the demo store, this test's own."""
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    yield node
    node.close()


def demo_copy(snapshot: Path, folder: Path, name: str = "demo.sqlite3") -> str:
    """A fresh copy of the demo store in ``folder``; returns its database URL."""
    import shutil

    for source in snapshot.iterdir():
        if source.name.startswith("demo.sqlite3") or source.name == "vault.key":
            target = (
                name + source.name[len("demo.sqlite3") :]
                if source.name.startswith("demo.sqlite3")
                else source.name
            )
            shutil.copy2(source, folder / target)
    return f"sqlite:///{folder / name}"
