"""The article's scenario end to end through the ``jprcc`` command line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from jprcc.cli import app
from jprcc.cli.common import state
from jprcc.demo import DEMO_FILE

INC = "PR-CLI"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JPRCC_DATABASE_URL", raising=False)
    monkeypatch.setenv("JPRCC_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("JPRCC_ARGON2_MEMORY_KIB", "64")
    state.node = None
    theater = yaml.safe_load(DEMO_FILE.read_text())
    theater["script"] = []
    (tmp_path / "theater.yaml").write_text(yaml.safe_dump(theater))
    runner = CliRunner()
    loaded = runner.invoke(app, ["theater", "load", str(tmp_path / "theater.yaml")])
    assert loaded.exit_code == 0, loaded.output
    yield runner
    if state.node is not None:
        state.node.close()
    state.node = None


def run(cli: CliRunner, user: str, *args: str, code: int = 0) -> dict:
    result = cli.invoke(app, ["--as", user, "--json", *args], env={"JPRCC_PASSWORD": f"demo-{user}"})
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else {"output": result.output}


def test_the_article_scenario_through_the_cli(cli, tmp_path):
    reported = run(
        cli,
        "jfsocc",
        "incidents",
        "report",
        "--incident-id",
        INC,
        "--title",
        "RAVEN 21 in distress",
        "--owner",
        "JFSOCC",
        "--position",
        "32TNK2985433365",
        "--environment",
        "mountain",
        "--channel",
        "voice",
        "--confidence",
        "confirmed",
        "--person",
        "SFC O. Lindqvist|USA|JFSOCC|RAVEN 21|seriously_injured",
    )
    assert reported["stage"] == "reported"
    run(
        cli,
        "jfsocc",
        "incidents",
        "assist",
        INC,
        "--reason",
        "lift down",
        "--capability",
        "rotary_wing_recovery",
    )
    run(
        cli,
        "controller",
        "incidents",
        "poll",
        INC,
        *[arg for c in ("JFACC", "JFLCC", "JFMCC", "JFSOCC") for arg in ("--component", c)],
    )
    run(
        cli,
        "jfacc",
        "incidents",
        "answer",
        INC,
        "--component",
        "JFACC",
        "--offer",
        "STARLIGHT-21:isr:20",
        "--offer",
        "SENTRY-31:airborne_c2:20",
    )
    run(
        cli,
        "jfmcc",
        "incidents",
        "answer",
        INC,
        "--component",
        "JFMCC",
        "--offer",
        "KNIGHT-41:rotary_wing_recovery:30",
    )
    run(
        cli,
        "jflcc",
        "incidents",
        "answer",
        INC,
        "--component",
        "JFLCC",
        "--offer",
        "SABER-TROOP:armored_reconnaissance",
    )
    run(
        cli,
        "jfsocc",
        "incidents",
        "answer",
        INC,
        "--component",
        "JFSOCC",
        "--offer",
        "RAVEN-21:special_operations_team",
    )
    nominated = run(
        cli,
        "controller",
        "incidents",
        "nominate",
        INC,
        "--supported",
        "JFMCC",
        "--contribution",
        "JFMCC:KNIGHT-41:recovery vehicle",
        "--contribution",
        "JFACC:STARLIGHT-21,SENTRY-31:ISR and airborne C2",
        "--contribution",
        "JFLCC:SABER-TROOP:armored reconnaissance",
        "--contribution",
        "JFSOCC:RAVEN-21:move the survivor to the linkup point",
        "--effects",
        "survivor at Role 2 before first light",
    )
    refused = run(cli, "controller", "incidents", "approve", INC, "--nomination", f"{INC}/N1", code=4)
    assert "only the JFC approves" in refused["output"]
    approved = run(
        cli, "jfc", "incidents", "approve", INC, "--nomination", nominated["nominations"][0]["nomination_id"]
    )
    assert approved["directive"]["supported_component"] == "JFMCC"
    for component in ("JFACC", "JFLCC", "JFSOCC"):
        run(cli, component.lower(), "incidents", "accept", INC, "--component", component)
    run(cli, "jfmcc", "incidents", "begin", INC)
    run(cli, "jfmcc", "incidents", "recovered", INC)
    run(cli, "director", "incidents", "reintegrate", INC, "--team", "Role 2 phase I")
    run(
        cli,
        "director",
        "persons",
        "phase",
        INC,
        f"{INC}-P1",
        "I",
        "--location",
        "Base",
        "--facility",
        "Role 2",
    )
    run(
        cli,
        "director",
        "persons",
        "decide",
        INC,
        f"{INC}-P1",
        "return_to_duty",
        "--reason",
        "fit",
        "--override-reason",
        "short",
    )
    closed = run(cli, "director", "incidents", "close", INC, "--disposition", "recovered_and_reintegrated")
    assert closed["stage"] == "closed"

    relationships = run(cli, "controller", "relationships", "--incident", INC)
    assert sorted(r["from_component"] for r in relationships) == ["JFACC", "JFLCC", "JFSOCC"]
    assert {r["to_component"] for r in relationships} == {"JFMCC"}
    assert not any(r["transfers_control"] for r in relationships)
    timeline = run(cli, "controller", "incidents", "timeline", INC)
    assert [e["event_type"] for e in timeline][:3] == [
        "incident_reported",
        "assistance_requested",
        "capability_poll_opened",
    ]
    assert all(e["at"] for e in timeline)

    verified = cli.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0
    assert "chain intact" in verified.output


def test_audit_verify_names_the_record_changed_by_hand(cli, tmp_path):
    run(
        cli,
        "jfsocc",
        "incidents",
        "report",
        "--incident-id",
        INC,
        "--title",
        "t",
        "--owner",
        "JFSOCC",
        "--position",
        "40.05, 9.35",
        "--person",
        "A|USA|JFSOCC",
    )
    run(cli, "controller", "incidents", "note", INC, "first light in 3 hours")
    database = sqlite3.connect(tmp_path / "jprcc.sqlite3")
    seq, event_id = database.execute(
        "select seq, event_id from events where event_type = 'narrative_entry_added'"
    ).fetchone()
    database.execute(
        "update events set payload = replace(payload, '3 hours', '9 hours') where seq = ?", (seq,)
    )
    database.commit()
    database.close()
    verified = cli.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 5
    assert f"seq {seq}" in verified.output
    assert event_id in verified.output.replace("\n", "")


def test_bad_input_on_the_command_line_is_named(cli):
    out = run(
        cli,
        "jfsocc",
        "incidents",
        "report",
        "--title",
        "t",
        "--owner",
        "JFSOCC",
        "--position",
        "99ZZZ",
        "--person",
        "A|USA|JFSOCC",
        code=2,
    )
    assert "position" in out["output"]
    wrong = cli.invoke(app, ["--as", "jfsocc", "incidents", "list"], env={"JPRCC_PASSWORD": "wrong"})
    assert wrong.exit_code == 3


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["incidents", "--help"],
        ["incidents", "nominate", "--help"],
        ["audit", "verify", "--help"],
        ["serve", "--help"],
        ["users", "add", "--help"],
        ["theater", "load", "--help"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "jprcc", *args], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_a_component_changes_the_readiness_of_its_own_assets_only(cli):
    done = cli.invoke(
        app,
        ["--as", "jfsocc", "theater", "readiness", "NIGHTSTALKER-61", "ready"],
        env={"JPRCC_PASSWORD": "demo-jfsocc"},
    )
    assert done.exit_code == 0, done.output
    refused = cli.invoke(
        app,
        ["--as", "jfsocc", "theater", "readiness", "KNIGHT-41", "ready"],
        env={"JPRCC_PASSWORD": "demo-jfsocc"},
    )
    assert refused.exit_code == 4
    status = run(cli, "jfsocc", "theater", "status", "JFSOCC")
    assert status["assets_by_readiness"] == {"ready": 4}
