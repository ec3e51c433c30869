"""The demo theater, and the README's run command serving it on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from jprcc.core.model import RelationshipKind
from jprcc.core.queries import BoardFilter
from jprcc.core.store.audit import verify_chain
from jprcc.demo import demo_logins
from tests.server import free_port


def test_the_demo_holds_incidents_at_every_stage_of_the_flow(demo_node):
    sqlite_node = demo_node  # load_demo's theater: the snapshot every demo test copies
    controller = sqlite_node.queries.credentials("controller").actor
    board = sqlite_node.queries.board(controller, BoardFilter(include_closed=True))
    assert set(board.counts) >= {
        "reported",
        "organic_recovery",
        "capability_poll",
        "directive_in_force",
        "reintegration",
        "detained",
        "closed",
    }
    assert verify_chain(sqlite_node.database).ok


def test_the_demo_carries_the_articles_case_with_support_and_no_tacon_transfer(demo_node):
    sqlite_node = demo_node
    jfc = sqlite_node.queries.credentials("jfc")
    assert jfc is not None
    incident = sqlite_node.queries.incident(jfc.actor, "PR-RAVEN21")
    assert incident.directive is not None
    assert incident.directive.supported_component == "JFMCC"
    assert {r.from_component for r in incident.relationships} == {"JFACC", "JFLCC", "JFSOCC"}
    assert all(r.kind is RelationshipKind.SUPPORT_DIRECT for r in incident.relationships)


def test_the_demo_accounts_cover_every_role():
    roles = {role.split(" ")[0] for _, _, role in demo_logins()}
    assert roles == {
        "jfc",
        "jprcc_director",
        "jprcc_controller",
        "observer",
        "prcc_officer",
        "liaison_officer",
    }


def test_jprcc_serve_demo_answers_on_loopback(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "JPRCC_DATA_DIR": str(tmp_path),
        "JPRCC_ARGON2_TIME_COST": "1",
        "JPRCC_ARGON2_MEMORY_KIB": "64",
    }
    env.pop("JPRCC_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "jprcc", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            time.sleep(0.2)
        token = httpx2.post(f"{base}/api/auth/token", data={"username": "jfc", "password": "demo-jfc"}).json()
        board = httpx2.get(
            f"{base}/api/incidents", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert board.json()["total"] >= 6
        assert httpx2.get(f"{base}/openapi.json").status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "demo theater loaded" in output
    assert '"logger": "jprcc.http"' in output  # structured request logs


def test_jprcc_demo_load_fills_an_empty_store_once(tmp_path: Path, monkeypatch):
    """The operator's `jprcc demo load`: the theater and its accounts into an empty data folder; a
    second load is refused, and the store keeps what it holds."""
    from typer.testing import CliRunner

    from jprcc.cli import app
    from jprcc.cli.common import state
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings
    from tests.cli_helpers import as_operator

    as_operator(monkeypatch, tmp_path)
    loaded = CliRunner().invoke(app, ["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "demo theater loaded" in loaded.output
    assert "demo-controller" in loaded.output  # the accounts, with their passwords
    held = state.node.queries.last_seq()
    again = CliRunner().invoke(app, ["demo", "load"])
    assert again.exit_code != 0
    assert "already holds events" in " ".join(again.output.split())
    assert state.node.queries.last_seq() == held
    state.node.close()
    state.node = None

    node = bootstrap(Settings())
    try:
        controller = node.queries.credentials("controller").actor
        assert node.queries.board(controller, BoardFilter()).total >= 6
        assert verify_chain(node.database).ok
    finally:
        node.close()
