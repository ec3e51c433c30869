"""``jprcc inbox`` and decisions given by voice from the command line, on the demo theater."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_helpers import demo_cli, run


@pytest.fixture
def cli(tmp_path: Path, demo_snapshot: Path) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path, demo_snapshot)


def test_the_inbox_lists_what_waits_for_the_user(cli):
    # the demo's KNIGHT 44 poll waits for JFMCC's answer
    out = run(cli, "jfmcc", "inbox", "list")
    assert ("PR-KNIGHT44", "answer_poll") in {(i["incident_id"], i["kind"]) for i in out["items"]}
    assert out["urgent"] >= 1
    text = run(cli, "jfmcc", "inbox", "list", as_json=False)
    assert text.startswith("your turn: ")
    assert "PR-KNIGHT44" in text


def test_what_a_component_may_offer_names_the_ones_it_may_not(cli):
    out = run(cli, "jfacc", "inbox", "offerable", "PR-KNIGHT44")
    status = {a["asset_id"]: a["status"] for a in out["assets"]}
    assert status["STARLIGHT-21"] == "in_sequence"  # it serves RAVEN 21's directive until its window ends


def test_a_phoned_in_answer_is_recorded_by_the_controller_and_confirmed_by_the_component(cli):
    answered = run(
        cli,
        "controller",
        "incidents",
        "answer",
        "PR-KNIGHT44",
        "--component",
        "JFMCC",
        "--cannot",
        "every boat committed tonight",
        "--given-by",
        "CDR B. Ortiz, JFMCC PRCC",
        "--via",
        "radio",
    )
    [record] = answered["relayed"]
    assert (record["party"], record["channel"], record["status"]) == ("JFMCC", "radio", "recorded")
    assert "confirm:" + record["record_id"] in {
        i["kind"] for i in run(cli, "jfmcc", "inbox", "list")["items"]
    }
    confirmed = run(cli, "jfmcc", "inbox", "confirm", "PR-KNIGHT44", record["record_id"])
    assert confirmed["relayed"][0]["status"] == "confirmed"


def test_only_the_jprcc_records_for_someone_else(cli):
    text = run(
        cli,
        "jfsocc",
        "incidents",
        "answer",
        "PR-KNIGHT44",
        "--component",
        "JFMCC",
        "--cannot",
        "x",
        "--given-by",
        "someone",
        code=4,
        as_json=False,
    )
    assert "not_authorized" in text or "may not" in text


def test_the_board_is_searched_from_the_terminal_and_says_how_many_it_shows(cli):
    out = run(cli, "controller", "incidents", "list", "--search", "knight 44", "--sort", "newest")
    assert [r["incident_id"] for r in out["rows"]] == ["PR-KNIGHT44"]
    assert (out["total"], out["open_total"]) == (1, 9)
    text = run(cli, "controller", "incidents", "list", "--overdue", as_json=False)
    assert text.startswith("showing 2 of 2 incidents (9 open), 2 overdue")
