"""``jprcc records`` on the demo theater: show, verify, readiness, import, and rotating the vault key."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jprcc.cli import app
from jprcc.cli.common import state
from tests.cli_helpers import as_operator
from tests.conftest import demo_copy


@pytest.fixture
def cli(tmp_path: Path, demo_snapshot: Path) -> Iterator[tuple[CliRunner, pytest.MonkeyPatch]]:
    demo_copy(demo_snapshot, tmp_path, "jprcc.sqlite3")  # as `jprcc demo load` leaves it
    patch = pytest.MonkeyPatch()
    as_operator(patch, tmp_path)
    yield CliRunner(), patch
    if state.node is not None:
        state.node.close()
    state.node = None
    patch.undo()


def run(cli: CliRunner, user: str, *args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    result = cli.invoke(app, ["--as", user, *args], env={"JPRCC_PASSWORD": f"demo-{user}", **(env or {})})
    assert result.exit_code == code, result.output
    return result.output


def test_show_verify_and_readiness(cli, tmp_path):
    runner, _ = cli
    summary = json.loads(run(runner, "jfsocc", "records", "show", "USA-LINDQVIST"))
    assert summary["readiness"] == "valid"
    prompts = json.loads(
        run(
            runner,
            "jfmcc",
            "records",
            "show",
            "USA-LINDQVIST",
            "--part",
            "statements",
            "--incident",
            "PR-RAVEN21",
        )
    )
    assert prompts["prompts"]["2"] == "Street I grew up on"
    run(
        runner,
        "jfmcc",
        "records",
        "show",
        "USA-LINDQVIST",
        "--part",
        "photos",
        "--incident",
        "PR-RAVEN21",
        "--out",
        str(tmp_path),
    )
    assert (tmp_path / "USA-LINDQVIST-front.png").stat().st_mode & 0o777 == 0o600
    said = run(
        runner,
        "jfmcc",
        "records",
        "verify",
        "PR-RAVEN21",
        "PR-RAVEN21-P1",
        "--statement",
        "3",
        env={"JPRCC_ANSWER": "LULEA"},
    )
    assert "MATCH" in said
    assert "LULEA" not in said.upper().replace("MATCH", "")
    run(
        runner,
        "jfmcc",
        "records",
        "verify",
        "PR-RAVEN21",
        "PR-RAVEN21-P1",
        "--statement",
        "3",
        code=5,
        env={"JPRCC_ANSWER": "oslo"},
    )
    table = run(runner, "controller", "records", "readiness")
    assert "Adeyemi" in " ".join(table.split())
    assert "expired" in table


def test_import_a_form_file_and_refuse_a_bad_roster_whole(cli, tmp_path):
    runner, _ = cli
    form = tmp_path / "kowal.yaml"
    form.write_text(
        "review_date: 2026-11-01\n"
        "identity: {person_ref: USA-TANAKA, name: SPC H. Tanaka, service: USA, unit: RAVEN 21,\n"
        "           component_id: JFSOCC}\n"
        "authentication: {statements: [{prompt: pet, answer: Miso}], number: '3816'}\n"
    )
    assert "imported 1" in run(runner, "director", "records", "import", str(form))
    roster = tmp_path / "bad.csv"
    roster.write_text(
        "person_ref,name,service,unit,component_id,review_date\nUSA-X,X,USA,U,JFSOCC,2026-02-30\n"
    )
    refused = run(runner, "director", "records", "import", str(roster), code=4)
    assert "row 2: review_date" in " ".join(refused.split())


def test_rotating_the_key_keeps_records_readable_under_the_new_key_only(cli, tmp_path):
    runner, patch = cli
    key = tmp_path / "new.key"
    run(runner, "director", "records", "new-key", "--out", str(key))
    run(runner, "jfsocc", "records", "rotate-key", "--new-key-file", str(key), code=4)  # not the director
    rotated = " ".join(run(runner, "director", "records", "rotate-key", "--new-key-file", str(key)).split())
    assert "rotated to key" in rotated
    assert "cleaning up: the old wrapped copies remain in the store's files" in rotated
    assert "no data key wrapped under another key in the store's file and its write-ahead log" in rotated
    state.node.close()
    state.node = None  # the next command starts the node again, as an operator would
    refused = run(
        runner,
        "jfmcc",
        "records",
        "show",
        "USA-LINDQVIST",
        "--part",
        "description",
        "--incident",
        "PR-RAVEN21",
        code=4,
    )
    assert "vault_unavailable" in refused
    state.node.close()
    state.node = None
    patch.setenv("JPRCC_VAULT_KEY_FILE", str(key))
    details = json.loads(
        run(
            runner,
            "jfmcc",
            "records",
            "show",
            "USA-LINDQVIST",
            "--part",
            "description",
            "--incident",
            "PR-RAVEN21",
        )
    )
    assert details["details"]["eyes"] == "grey"


def test_every_records_command_has_help(cli):
    runner, _ = cli
    for command in (
        [],
        ["import"],
        ["show"],
        ["export"],
        ["epa"],
        ["verify"],
        ["unlock"],
        ["readiness"],
        ["new-key"],
        ["rotate-key"],
        ["clean-up"],
        ["residue"],
    ):
        result = runner.invoke(app, ["records", *command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_readiness_and_verify_against_a_server_answer_as_in_process_and_the_answer_stays_in_the_body(
    cli, caplog
):
    """``jprcc --server URL records ...`` prints what the in-process command prints; the answer
    travels only in the request body: never in a URL, a query string or the server's access log."""
    from jprcc.api.app import create_app
    from jprcc.cli.client import RemoteClient
    from jprcc.core.node import bootstrap
    from tests.server import serving

    runner, _ = cli
    caplog.set_level(logging.DEBUG)
    right, wrong = "LULEA", "Quokka-Harbour-91"
    verify = ["records", "verify", "PR-RAVEN21", "PR-RAVEN21-P1", "--statement", "3"]

    def once(user: str, *args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
        try:
            return run(runner, user, *args, code=code, env=env)
        finally:
            if isinstance(state.client, RemoteClient):
                state.client.close()  # each run is one process's worth: its connection ends with it

    def both(server: list[str]) -> list[str]:
        return [
            once("controller", *server, "records", "readiness"),
            once("jfmcc", *server, "--json", "records", "readiness"),
            once("jfmcc", *server, *verify, env={"JPRCC_ANSWER": right}),
            once("jfmcc", *server, *verify, code=5, env={"JPRCC_ANSWER": wrong}),
        ]

    here = both([])
    state.node.close()
    state.node = None  # the server's node works the same store from here on
    urls: list[str] = []
    app = create_app(bootstrap(), sweep_alerts=False)

    async def recorded(scope, receive, send):  # every URL the server is asked for
        if scope["type"] == "http":
            urls.append(f"{scope['raw_path'].decode()}?{scope['query_string'].decode()}")
        await app(scope, receive, send)

    caplog.clear()
    try:
        with serving(recorded) as url:  # type: ignore[arg-type]
            there = both(["--server", url])
    finally:
        app.state.node.close()
    assert state.node is None  # the remote commands never opened this machine's store

    def untimed(text: str) -> str:  # the title's minute may turn between the two runs
        return re.sub(r"readiness \d\d \d{4}Z", "readiness DD HHMMZ", text)

    assert [untimed(t) for t in there] == [untimed(t) for t in here]
    assert "Adeyemi" in " ".join(here[0].split())
    assert "MATCH: authenticated" in here[2]
    assert "NO MATCH" in here[3]
    path = "/api/incidents/PR-RAVEN21/persons/PR-RAVEN21-P1/authentication?"
    assert urls.count(path) == 2
    access = [r for r in caplog.records if r.name == "jprcc.http"]
    assert sum(getattr(r, "path", "") == path[:-1] for r in access) == 2
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for answer in (right, wrong):
        for text in (logged, "\n".join(urls), *here, *there):
            assert answer.lower() not in text.lower().replace("match", "")
