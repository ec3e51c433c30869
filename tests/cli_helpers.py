"""The demo theater loaded once behind the CLI, and running a command as a demo user."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jprcc.cli import app
from jprcc.cli.client import RemoteClient
from jprcc.cli.common import state


def as_operator(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """The environment of an operator whose data folder is ``folder``: its store and vault key file
    there (none named elsewhere), cheap password hashing; no node left from an earlier command."""
    patch.setenv("JPRCC_DATA_DIR", str(folder))
    for name in ("JPRCC_DATABASE_URL", "JPRCC_VAULT_KEY", "JPRCC_VAULT_KEY_FILE"):
        patch.delenv(name, raising=False)
    patch.setenv("JPRCC_ARGON2_TIME_COST", "1")
    patch.setenv("JPRCC_ARGON2_MEMORY_KIB", "64")
    state.node = None


def demo_cli(folder: Path, snapshot: Path) -> Iterator[CliRunner]:
    """A CLI over a fresh data folder holding a copy of the demo store (``demo_snapshot``, its vault
    key with it), as an operator's after ``jprcc demo load`` (for a fixture to yield from). The
    command itself is walked by the README's tour and ``test_terrain``."""
    from tests.conftest import demo_copy

    folder.mkdir(parents=True, exist_ok=True)
    demo_copy(snapshot, folder, "jprcc.sqlite3")
    patch = pytest.MonkeyPatch()
    as_operator(patch, folder)
    yield CliRunner()
    if state.node is not None:
        state.node.close()
    state.node = None
    patch.undo()


def run(
    cli: CliRunner, user: str, *args: str, code: int = 0, as_json: bool = True, server: str | None = None
) -> object:
    """The command's JSON (with ``--json``), else its output as one line whatever the width;
    with ``server``, the command works that server (``jprcc --server URL``) instead of the store."""
    options = ["--as", user, *(["--json"] if as_json else []), *(["--server", server] if server else [])]
    result = cli.invoke(app, [*options, *args], env={"JPRCC_PASSWORD": f"demo-{user}"})
    if isinstance(state.client, RemoteClient):
        state.client.close()  # a process's one client goes with the process; a test's goes here
        state.client = None
    assert result.exit_code == code, result.output
    if code == 0 and as_json:
        return json.loads(result.stdout)
    return " ".join(result.output.split())
