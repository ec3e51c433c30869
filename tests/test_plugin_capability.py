"""A capability defined only inside the tests (``tests.plugin_beacons``), loaded by name, works end
to end with nothing outside its module edited: its HTTP routes, its CLI command (against a running
server), its decider and authorization rule, its events, appliers and timeline lines, its read
model, its durable consumer, and its frames on the live feed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.cli import app as cli_app
from jprcc.cli.common import state
from jprcc.core.clock import ManualClock
from jprcc.core.contract import Registry
from jprcc.core.node import Node, bootstrap, node_capabilities
from jprcc.core.settings import Settings
from tests import plugin_beacons as plugin
from tests.conftest import T0, Cast, load_theater
from tests.server import serving
from tests.test_live_feed import login, next_of_type, subscribe

PLUGIN = "tests.plugin_beacons"


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'jprcc.sqlite3'}",
        data_dir=tmp_path,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        plugins=PLUGIN,
    )
    clock = ManualClock(T0)
    found = bootstrap(settings, clock=clock, migrate=True)
    found.cast = load_theater(found, clock)  # type: ignore[attr-defined]
    yield found
    found.close()


@pytest.fixture
def server(node: Node) -> Iterator[str]:
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url


def test_the_plugin_is_in_the_registry_with_everything_it_declares(node: Node) -> None:
    registry = node.registry
    assert registry.owner[plugin.HearBeacon] == "beacons"
    assert registry.streams["beacon"].starts is plugin.BeaconRegistered
    assert "beacons.hear" in registry.actions
    assert "beacon-alarms" in registry.consumers
    # a registry without it knows nothing of it: it was loaded by name, not by being imported
    assert plugin.HearBeacon not in Registry(node_capabilities()).commands


def test_a_plugin_works_end_to_end_over_http_the_cli_the_log_and_the_feed(
    node: Node, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast: Cast = node.cast  # type: ignore[attr-defined]
    controller, observer = login(server, cast, "controller"), login(server, cast, "observer")
    feed = subscribe(server, controller)
    beacon = {
        "beacon_id": "PRC-112-7",
        "incident_id": "PR-X",
        "component_id": "JFACC",
        "frequency_mhz": 243.0,
    }

    # HTTP route → authorization rule: an observer is refused, nothing is stored
    refused = httpx2.post(f"{server}/api/beacons", json=beacon, headers=observer)
    assert refused.status_code == 403
    assert "only the JPRCC or the beacon's component" in refused.json()["message"]
    assert httpx2.get(f"{server}/api/beacons", headers=controller).json() == []
    # the decider: a survival radio's frequency, named in the refusal
    bad = httpx2.post(f"{server}/api/beacons", json={**beacon, "frequency_mhz": 900.0}, headers=controller)
    assert bad.status_code == 422
    assert bad.json()["field"] == "frequency_mhz"
    created = httpx2.post(f"{server}/api/beacons", json=beacon, headers=controller)
    assert created.status_code == 201, created.text
    assert next_of_type(feed, "beacon_registered")["summary"].startswith("Beacon PRC-112-7 on 243.000 MHz")

    # the CLI command, against the running server (the plug-in's group comes from JPRCC_PLUGINS)
    monkeypatch.setenv("JPRCC_PLUGINS", PLUGIN)
    state.node = None
    result = CliRunner().invoke(
        cli_app,
        [
            "--server",
            server,
            "--as",
            "controller",
            "--json",
            "beacons",
            "hear",
            "PRC-112-7",
            "--strength",
            "0.7",
        ],
        env={"JPRCC_PASSWORD": cast.passwords["controller"], "JPRCC_PLUGINS": PLUGIN},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["heard"] == 1

    # the feed frame carries the plug-in's timeline line; the read model moved in the same commit
    frame = next_of_type(feed, "beacon_heard")
    assert frame["summary"] == "Beacon PRC-112-7 heard by controller (strength 0.7)"
    assert frame["stream_id"] == "beacon:PRC-112-7"
    assert frame["stream_version"] == 2
    listed = httpx2.get(f"{server}/api/beacons", headers=controller).json()
    assert listed == [
        {
            "beacon_id": "PRC-112-7",
            "incident_id": "PR-X",
            "frequency_mhz": 243.0,
            "heard": 1,
            "last_strength": 0.7,
        }
    ]

    # the stream folds with the plug-in's applier; the durable consumer sounded one alarm
    with node.database.read() as conn:
        stream = [r.event for r in node.queries.log(conn).read(stream_id="beacon:PRC-112-7")]
    assert node.registry.fold("beacon", stream).heard == 1
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with node.database.read() as conn:
            sounded = conn.execute(select(plugin.alarms.c.beacon_id)).scalars().all()
        if sounded:
            break
        time.sleep(0.05)
    assert sounded == ["PRC-112-7"]
    unknown = httpx2.post(f"{server}/api/beacons/NOPE/heard", json={"strength": 1}, headers=controller)
    assert unknown.status_code == 404
