"""The terminal keeps a session: log in once, and the next commands start without the password
(and without hashing it again), on this machine's store and against a server."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jprcc.cli import app
from jprcc.cli.client import RemoteClient
from jprcc.cli.common import state
from tests.cli_helpers import demo_cli


@pytest.fixture
def cli(tmp_path: Path, demo_snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.delenv("JPRCC_PASSWORD", raising=False)
    monkeypatch.setenv("JPRCC_SESSIONS", str(tmp_path / "sessions-for-servers"))
    yield from demo_cli(tmp_path / "store", demo_snapshot)


def invoke(cli: CliRunner, *args: str, typed: str | None = None) -> tuple[int, str]:
    """A command with no password in the environment; ``typed`` answers the password prompt."""
    result = cli.invoke(app, list(args), input=typed, env={"JPRCC_PASSWORD": ""})
    if isinstance(state.client, RemoteClient):
        state.client.close()
        state.client = None
    return result.exit_code, " ".join(result.output.split())


def kept_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


class TestOnThisMachine:
    def test_logged_in_once_the_next_commands_ask_for_no_password(self, cli, tmp_path):
        code, out = invoke(cli, "--as", "controller", "login", typed="demo-controller\n")
        assert code == 0, out
        assert "logged in as controller" in out
        # no password in the environment and nothing typed: the kept session serves
        code, out = invoke(cli, "--as", "controller", "--json", "incidents", "list")
        assert code == 0, out
        assert "PR-RAVEN21" in out

    def test_the_kept_session_is_readable_by_its_user_only(self, cli, tmp_path):
        invoke(cli, "--as", "controller", "login", typed="demo-controller\n")
        folder = tmp_path / "store" / "sessions"
        (kept,) = kept_files(folder)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert "demo-controller" not in kept.read_text()  # a token, never the password

    def test_a_wrong_password_keeps_nothing_and_is_refused(self, cli, tmp_path):
        code, out = invoke(cli, "--as", "controller", "login", typed="not-the-password\n")
        assert code == 3, out
        assert kept_files(tmp_path / "store" / "sessions") == []

    def test_one_users_session_does_not_serve_another(self, cli, tmp_path):
        invoke(cli, "--as", "controller", "login", typed="demo-controller\n")
        code, out = invoke(cli, "--as", "jfc", "incidents", "list", typed="wrong\n")
        assert code == 3, out  # the JFC was asked for its own password

    def test_after_logout_the_token_is_revoked_and_the_password_asked_again(self, cli, tmp_path):
        invoke(cli, "--as", "controller", "login", typed="demo-controller\n")
        (kept,) = kept_files(tmp_path / "store" / "sessions")
        token = kept.read_text()
        code, out = invoke(cli, "--as", "controller", "logout")
        assert code == 0, out
        assert kept_files(tmp_path / "store" / "sessions") == []
        code, out = invoke(cli, "--as", "controller", "incidents", "list", typed="wrong\n")
        assert code == 3, out
        # the old token was revoked in the store, not only forgotten here: put back, it is refused
        kept.parent.mkdir(exist_ok=True)
        kept.write_text(token)
        code, out = invoke(cli, "--as", "controller", "incidents", "list", typed="wrong\n")
        assert code == 3, out


def test_against_a_server_the_session_is_kept_per_server_and_user(cli, tmp_path):
    from jprcc.api.app import create_app
    from jprcc.core.node import bootstrap
    from tests.server import serving

    assert state.node is None  # the server's node works the store the CLI's would
    served = create_app(bootstrap(), sweep_alerts=False)
    try:
        with serving(served) as url:
            code, out = invoke(cli, "--server", url, "--as", "jfacc", "login", typed="demo-jfacc\n")
            assert code == 0, out
            (kept,) = kept_files(tmp_path / "sessions-for-servers")
            assert stat.S_IMODE(kept.stat().st_mode) == 0o600
            code, out = invoke(cli, "--server", url, "--as", "jfacc", "--json", "incidents", "list")
            assert code == 0, out
            assert "PR-" in out
            code, out = invoke(cli, "--server", url, "--as", "jfacc", "logout")
            assert code == 0, out
            assert kept_files(tmp_path / "sessions-for-servers") == []
            code, out = invoke(cli, "--server", url, "--as", "jfacc", "incidents", "list", typed="no\n")
            assert code == 3, out
    finally:
        served.state.node.close()
    assert state.node is None
