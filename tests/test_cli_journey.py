"""``jprcc persons`` and ``jprcc casefile`` on the demo theater: the same journey and case file as
the page and the API, in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_helpers import demo_cli, run


@pytest.fixture
def cli(tmp_path: Path, demo_snapshot: Path) -> Iterator[CliRunner]:
    yield from demo_cli(tmp_path, demo_snapshot)


def test_the_board_shows_each_person_where_they_are_and_what_comes_next(cli):
    rows = {r["person_id"]: r for r in run(cli, "director", "persons", "board", "--all")}
    assert rows["PR-HAWK31-P1"]["lifecycle"] == "returned_to_duty"
    assert rows["PR-SPARTAN3-P1"]["lifecycle"] == "phase_II"
    assert rows["PR-CARGO7-P1"]["lifecycle"] == "captured"
    assert rows["PR-LANTERN-P1"]["next_due"] is not None  # the DUSTWUN redesignation
    text = run(cli, "director", "persons", "board", as_json=False)
    assert "PR-SPARTAN3-P1" in text
    assert "PR-HAWK31-P1" not in text  # ended: only with --all


def test_the_journey_from_the_command_line_to_return_to_duty(cli):
    # VIPER 12 is in phase I at the Role 3; the air component finishes it and the director decides
    person = ("PR-VIPER12", "PR-VIPER12-P1")
    shown = run(cli, "jfacc", "persons", "show", *person)
    open_items = [i["item"] for i in shown["phases"][0]["checklist"] if not i["done_at"]]
    for item in open_items:
        run(cli, "jfacc", "persons", "check", *person, item)
    run(cli, "jfacc", "persons", "team", *person, "chaplain", "CH (MAJ) D. Ward")
    refused = run(
        cli,
        "controller",
        "persons",
        "decide",
        *person,
        "return_to_duty",
        "--reason",
        "fit",
        code=4,
        as_json=False,
    )
    assert "may not" in refused  # the phase's end is the director's or the person's component's
    done = run(cli, "jfacc", "persons", "decide", *person, "return_to_duty", "--reason", "fit to fly")
    assert done["end"] == "returned_to_duty"
    text = run(cli, "director", "persons", "show", *person, as_json=False)
    assert "step: returned to duty" in text


def test_a_hand_off_from_the_command_line_waits_for_the_other_side(cli):
    person = ("PR-ANVIL", "PR-ANVIL-P1")
    out = run(
        cli, "jflcc", "persons", "handoff", *person,
        "--to-kind", "medical_facility", "--to", "Role 3, Base ALPHA", "--to-component", "JFACC",
        "--location", "Base ALPHA", "--side", "giver",
    )  # fmt: skip
    assert out["custody"][-1]["waits_for"] == "receiver"
    acknowledged = run(cli, "jfacc", "persons", "acknowledge", *person, out["custody"][-1]["handoff_id"])
    assert acknowledged["custodian"].startswith("Role 3, Base ALPHA")


def test_the_case_file_from_the_command_line(cli):
    f = run(cli, "director", "casefile", "show", "PR-CARGO7")
    assert {a["kind"] for a in f["actors"]} == {"icrc", "embassy"}
    # the PSYOP theme over the massif reaches within 25 km of the checkpoint; Oliena's council does not
    assert [r["layer_id"] for r in f["area_reports"]] == ["PSYOP-REWARD-EAST"]
    nearer = run(cli, "director", "casefile", "show", "PR-SPARTAN3")["area_reports"]
    assert [r["layer_id"] for r in nearer] == ["PSYOP-REWARD-EAST", "CIV-OLIENA"]
    assert f["requests"][0]["approval"] == "approved"
    out = run(
        cli,
        "jflcc",
        "casefile",
        "entry",
        "PR-CARGO7",
        "Second proof-of-life call",
        "--source",
        "ICRC, by phone",
    )
    assert out["entries"][-1]["text"] == "Second proof-of-life call"
    out = run(cli, "jfsocc", "casefile", "collected", "PR-CARGO7", "C1", "Held in a farm compound; 5 guards")
    assert next(i for i in out["collection"] if i["item_id"] == "C1")["result"].startswith("Held")
    hidden = run(cli, "jfsocc", "casefile", "show", "PR-CARGO7")
    assert hidden["partial"] is True
    assert hidden["actors"] == []
    text = run(cli, "director", "casefile", "show", "PR-CARGO7", as_json=False)
    assert "Consul R. Ibarra" in text


def test_every_command_has_help(cli):
    for group, commands in {
        "persons": ("board", "show", "handoff", "acknowledge", "phase", "team", "check", "decide", "end"),
        "casefile": ("show", "actor", "request", "approve", "outcome", "entry", "collect", "collected"),
    }.items():
        for command in commands:
            text = run(cli, "director", group, command, "--help", as_json=False)
            assert "Usage" in text, (group, command)


def test_the_jfc_orders_a_raid_from_the_command_line(cli):
    order = ("incidents", "deliberate-recovery", "PR-CARGO7", "--person", "PR-CARGO7-P1", "--reason")
    refused = run(cli, "director", *order, "r", code=4, as_json=False)
    assert "only the JFC" in refused
    out = run(cli, "jfc", *order, "to be moved tonight")
    assert out["stage"] == "assistance_requested"
    assert out["deliberate_recovery"] == ["PR-CARGO7-P1"]
    polled = run(
        cli, "controller", "incidents", "poll", "PR-CARGO7", "--component", "JFSOCC", "--component", "JFACC"
    )
    assert polled["stage"] == "capability_poll", "brokered like any other recovery"
