"""``jprcc options`` on the demo theater: compare options side by side, nominate one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jprcc.cli import app
from tests.cli_helpers import demo_cli, run


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path_factory.mktemp("cli-options"), demo_snapshot)


def test_options_for_the_articles_incident_put_its_package_first(cli):
    found = run(cli, "controller", "options", "show", "PR-RAVEN21")
    top = found["options"][0]
    assert top["supported_component"] == "JFMCC"
    assert top["site"]["name"] == "LZ FALCON"
    assert top["tacon_transfers"] == []


def test_the_table_compares_options_side_by_side_with_their_notes(cli):
    shown = run(cli, "controller", "options", "show", "PR-DRAGOON", as_json=False)
    for label in ("method", "supported", "launch", "P(success)", "disruption", "score", "TACON"):
        assert label in shown
    assert "OPT-" in shown


def test_tacon_options_are_shown_only_when_asked_and_loudly(cli):
    plain = run(cli, "controller", "options", "show", "PR-RAVEN21")
    assert not any(o["tacon_transfers"] for o in plain["options"])
    asked = run(cli, "controller", "options", "show", "PR-RAVEN21", "--tacon", as_json=False)
    assert "REQUIRES A TACON TRANSFER" in asked


def test_bad_weights_and_unknown_options_are_refused(cli):
    assert "weights" in run(
        cli,
        "controller",
        "options",
        "show",
        "PR-RAVEN21",
        "--w-time",
        "0",
        "--w-risk",
        "0",
        "--w-disruption",
        "0",
        code=2,
        as_json=False,
    )
    refused = run(
        cli,
        "controller",
        "options",
        "nominate",
        "PR-RAVEN21",
        "OPT-00000000",
        "--why",
        "x",
        code=4,
        as_json=False,
    )
    assert "option_id" in refused


def test_every_options_command_has_help(cli):
    for command in ([], ["show"], ["nominate"]):
        result = cli.invoke(app, ["options", *command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.output
