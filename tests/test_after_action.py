"""After-action figures, checked against an event log written by hand and figured by hand, then
against the NIGHT OWL exercise run through the real store and read over the API and as CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.brokering import events as b
from jprcc.cli import app as jprcc_cli
from jprcc.core.model import (
    Capability,
    Environment,
    Position,
    RelationshipKind,
    ReportChannel,
    SourceConfidence,
    SupportKind,
)
from jprcc.core.ports import RecordedEvent
from jprcc.core.values import CommandRelationship, Contribution, Offer, PersonReport
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.metrics import LOCATED_M, after_action, csv_rows, dark_minutes
from jprcc.exercise.report import render
from jprcc.exercise.run import prepare, run_headless
from jprcc.intel.planning import light
from jprcc.journey import events as j
from jprcc.journey.model import Phase
from jprcc.locate import events as loc
from jprcc.locate.model import Fix, Information
from jprcc.records import events as r
from tests.conftest import fast_settings

T = datetime(2025, 6, 21, 20, 0, tzinfo=UTC)  # midsummer evening over Sardinia: sunset near 19:30Z
WHERE = Position(40.0, 9.0)
INC = "PR-HAND"


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


class Log:
    """An event log written by hand: each event at a minute after T."""

    def __init__(self) -> None:
        self.records: list[RecordedEvent] = []

    def add(self, event: Any) -> None:
        n = len(self.records) + 1
        self.records.append(
            RecordedEvent(n, f"e{n}", "node", event.stream_id, n, event.at, "tester", event, f"h{n}")
        )


def incident_log(*, uncertainty_m: float = 5000.0) -> Log:
    """Isolated at T-10; reported at T+0 (±5 km: not yet located); a fix at +12 (0.8 km: located);
    authenticated at +20 (a miss at +15 first); help asked at +25; poll at +30; answers at +38 and
    +44, and one late at +70 (after the nomination, so not part of it); a first nomination at +50
    rejected, a second at +60 approved at +75; execution at +90; recovered at +140; phase I at +200."""
    log = Log()
    person = PersonReport(name="Lt A. Hand", service="USN", component_id="JFMCC", unit="VF-1")
    log.add(
        b.IncidentReported(
            at=at(0),
            incident_id=INC,
            title="Hand-made",
            owning_component="JFMCC",
            isolating_event_at=at(-10),
            position=WHERE,
            uncertainty_m=uncertainty_m,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.PROBABLY_TRUE,
            persons=(b.ReportedPerson("P1", person),),
            environment=Environment.LAND,
            priority=1,
            summary="",
            check_in_interval_s=1800,
            reported_by="jfmcc",
        )
    )
    fix = Fix(kind="fix", position=WHERE, semi_major_m=800.0, semi_minor_m=300.0)
    log.add(
        loc.SearchInformationRecorded(
            at=at(12),
            incident_id=INC,
            information=Information("I1", at(12), fix, 0.9, "beacon", "jfmcc", at(12)),
        )
    )
    for minute, matched in ((15, False), (20, True)):
        log.add(
            r.AuthenticationAttempted(
                at=at(minute),
                incident_id=INC,
                person_id="P1",
                person_ref="USN-HAND",
                statement=1,
                matched=matched,
                asked_by="jfmcc",
                locked=False,
            )
        )
    log.add(
        b.AssistanceRequested(
            at=at(25),
            incident_id=INC,
            capabilities_needed=(Capability.ROTARY_WING_RECOVERY,),
            reason="no helicopter",
            cannot_recover=True,
        )
    )
    log.add(
        b.CapabilityPollOpened(
            at=at(30),
            incident_id=INC,
            poll_id="Q1",
            component_ids=("JFACC", "JFLCC"),
            capabilities_needed=(),
            respond_by=None,
        )
    )
    for minute, component, asset in (
        (38, "JFACC", "JOLLY-11"),
        (44, "JFLCC", "SABER"),
        (70, "JFLCC", "LATE-1"),
    ):
        offer = Offer(asset, Capability.ROTARY_WING_RECOVERY, at(minute + 20))
        log.add(
            b.CapabilityPollAnswered(
                at=at(minute),
                incident_id=INC,
                poll_id="Q1",
                component_id=component,
                offers=(offer,),
                cannot_reason=None,
                answered_by=component.lower(),
            )
        )
    for minute, nomination, assets in ((50, "N1", ("SABER",)), (60, "N2", ("JOLLY-11",))):
        log.add(
            b.SupportNominated(
                at=at(minute),
                incident_id=INC,
                nomination_id=nomination,
                supported_component="JFMCC",
                contributions=(Contribution("JFACC" if nomination == "N2" else "JFLCC", assets, "pick up"),),
                support_kind=SupportKind.DIRECT,
                priority=1,
                window_start=at(60),
                window_end=at(300),
                desired_effects="",
                rationale="",
                nominated_by="controller",
            )
        )
    log.add(
        b.NominationRejected(at=at(55), incident_id=INC, nomination_id="N1", rejected_by="jfc", reason="no")
    )
    relationship = CommandRelationship(
        "R1", RelationshipKind.SUPPORT_DIRECT, "JFACC", "JFMCC", INC, ("JOLLY-11",), at(75), None, "N2", ""
    )
    log.add(
        b.NominationApproved(
            at=at(75),
            incident_id=INC,
            nomination_id="N2",
            directive_id="D1",
            approved_by="jfc",
            remarks="",
            tacon_statement="",
            relationships=(relationship,),
        )
    )
    log.add(b.RecoveryBegun(at=at(90), incident_id=INC, remarks=""))
    log.add(b.PersonsRecovered(at=at(140), incident_id=INC, person_ids=("P1",), remarks=""))
    log.add(
        j.PhaseBegun(
            at=at(200),
            incident_id=INC,
            person_id="P1",
            phase=Phase.I,
            location="",
            facility="",
            component_id=None,
            checklist=(),
            minimum_until=None,
            by="jfmcc",
        )
    )
    return log


class TestAHandComputedLog:
    def test_each_milestone_in_minutes_from_the_isolating_event(self):
        (m,) = after_action(incident_log().records, at(300)).incidents
        assert m.minutes_to("reported") == 10
        assert m.minutes_to("located") == 22  # the fix at +12, not the report's 5 km
        assert m.minutes_to("authenticated") == 30  # the match at +20, not the miss at +15
        assert m.minutes_to("directive") == 85
        assert m.minutes_to("recovered") == 150
        assert m.minutes_to("phase_one") == 210

    def test_each_brokering_step(self):
        (m,) = after_action(incident_log().records, at(300)).incidents
        assert {s.name: s.minutes for s in m.steps} == {
            "report → assistance request": 25,
            "assistance request → poll": 5,
            "poll → answers in": 14,  # the last answer before the approved nomination (+44), not the late one
            "answers in → nomination": 16,  # to the approved nomination N2 (+60), not the rejected N1
            "nomination → approval": 15,
            "approval → execution": 15,
            "execution → recovery": 50,
        }

    def test_who_was_involved_and_what_was_offered_against_chosen(self):
        (m,) = after_action(incident_log().records, at(300)).incidents
        assert m.components == {"JFMCC", "JFACC", "JFLCC"}
        assert m.relationships == ["direct support JFACC → JFMCC (JOLLY-11)"]
        assert m.offered == ["JOLLY-11 (JFACC)", "SABER (JFLCC)", "LATE-1 (JFLCC)"]
        assert m.chosen == ["JOLLY-11 (JFACC)"]

    def test_darkness_lost_to_coordination_is_counted_from_the_request_to_the_execution(self):
        (m,) = after_action(incident_log().records, at(300)).incidents
        # help asked at 20:25Z, execution at 21:30Z, at 40N 9E on midsummer's day: civil dusk near
        # 20:05Z, so all 65 minutes are dark
        assert m.dark_minutes_lost == 65
        expected = sum(light.is_dark(40.0, 9.0, at(25 + k + 0.5)) for k in range(65))
        assert m.dark_minutes_lost == expected

    def test_a_located_report_is_located_at_once_and_nothing_is_reached_before_it_happens(self):
        log = incident_log(uncertainty_m=LOCATED_M)
        (m,) = after_action(log.records[:1], at(5)).incidents
        assert m.minutes_to("located") == 10
        assert m.minutes_to("directive") is None
        assert m.steps == []
        assert m.dark_minutes_lost == 0  # no help asked: nothing lost to coordination

    def test_help_asked_and_not_yet_executed_counts_darkness_to_the_end_of_the_log(self):
        log = incident_log()
        cut = [rec for rec in log.records if rec.event.at <= at(40)]
        (m,) = after_action(cut, at(40)).incidents
        assert m.dark_minutes_lost == 15  # +25 to +40

    def test_the_csv_has_one_row_per_incident_with_the_same_figures(self):
        rows = csv_rows(after_action(incident_log().records, at(300)).incidents)
        header, row = rows
        got = dict(zip(header, row, strict=True))
        assert got["min_to_directive"] == "85.0"
        assert got["step_min: poll → answers in"] == "14.0"
        assert got["dark_minutes_lost"] == "65.0"
        assert got["chosen"] == "JOLLY-11 (JFACC)"


@pytest.mark.parametrize(
    ("begin", "minutes", "dark"),
    [
        (datetime(2025, 6, 21, 12, 0, tzinfo=UTC), 60, 0),  # noon
        (datetime(2025, 6, 21, 0, 0, tzinfo=UTC), 60, 60),  # midnight
        (datetime(2025, 6, 21, 0, 0, tzinfo=UTC), 0, 0),
        # 17:00Z is late afternoon at 40N 9E but after dusk at 9N 40E: latitude and longitude not swapped
        (datetime(2025, 6, 21, 17, 0, tzinfo=UTC), 60, 0),
    ],
)
def test_dark_minutes_at_noon_midnight_and_late_afternoon(begin, minutes, dark):
    assert dark_minutes(WHERE, begin, begin + timedelta(minutes=minutes)) == dark


def test_the_night_owl_figures_over_the_api_and_as_csv(tmp_path: Path):
    """The script's offsets figured by hand: isolated 00:29Z, reported 00:35, authenticated 00:44,
    help 00:46, poll 00:49, answers 00:51 to 01:01, nominated 01:05, approved 01:11, launched
    01:20, recovered 02:35, phase I 03:30 (all on 18 November 2025, all in darkness)."""
    settings = fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    exercise = prepare(SHIPPED / "night_recovery.yaml", headless=True, settings=settings)
    try:
        run_headless(exercise)
        with TestClient(create_app(exercise.node, sweep_alerts=False)) as client:

            def login(username: str) -> dict[str, str]:
                token = client.post(
                    "/api/auth/token", data={"username": username, "password": f"demo-{username}"}
                )
                return {"Authorization": f"Bearer {token.json()['access_token']}"}

            found = client.get("/api/after-action", headers=login("observer")).json()
            text = client.get("/api/after-action.csv", headers=login("jfc")).text
            refused = client.get("/api/after-action", headers=login("jfacc"))
    finally:
        exercise.close()
    assert found["marking"] == "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE"
    (m,) = found["incidents"]
    assert m["minutes_from_isolation"] == {
        "reported": 6.0,
        "located": 6.0,  # reported within 300 m
        "authenticated": 15.0,
        "directive": 42.0,
        "recovered": 126.0,
        "phase_one": 181.0,
    }
    assert [s["minutes"] for s in m["steps"]] == [11.0, 3.0, 12.0, 4.0, 6.0, 9.0, 75.0]
    assert m["dark_minutes_lost"] == 34.0  # 00:46 to 01:20, all night
    assert m["relationships"] == [
        "direct support JFMCC → JFACC (KNIGHT-41)",
        "direct support JFLCC → JFACC (SABER-TROOP)",
    ]
    assert "JOLLY-11 (JFACC)" not in m["offered"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["# EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE"]
    assert rows[-1] == rows[0]
    assert dict(zip(rows[1], rows[2], strict=True))["min_to_recovered"] == "126.0"
    assert refused.status_code == 403
    assert "only the JPRCC, the JFC and exercise control" in refused.json()["message"]


def test_the_printable_report_draws_each_incident_escapes_the_log_and_carries_the_marking():
    log = incident_log()
    hostile = replace(log.records[0].event, title="<script>alert(1)</script>")
    log.records[0] = replace(log.records[0], event=hostile)
    page = render(after_action(log.records, at(300)), "EXERCISE HAND // UNCLASSIFIED // EXERCISE")
    assert page.count("EXERCISE HAND // UNCLASSIFIED // EXERCISE</div>") == 2  # top and bottom
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert page.count("<svg") == 2  # the timeline and the steps chart
    assert "<title>poll → answers in: 14 min</title>" in page
    assert "<title>directive at 85 min</title>" in page
    assert "<dt>dark minutes lost</dt>" in page


def test_an_exercise_store_read_afterwards_on_the_wall_clock_stops_at_its_last_event(tmp_path: Path):
    """Darkness is not counted to today for an exercise whose clock stopped a year ago."""
    settings = fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    exercise = prepare(SHIPPED / "night_recovery.yaml", headless=True, settings=settings)
    try:
        run_headless(exercise, until=exercise.start + timedelta(minutes=49))  # help asked, not yet launched
    finally:
        exercise.close()
    result = CliRunner().invoke(
        jprcc_cli,
        ["--json", "--as", "observer", "exercise", "after-action", "--csv", str(tmp_path / "aar.csv"),
         "--report", str(tmp_path / "aar.html")],
        env={"JPRCC_DATA_DIR": str(exercise.folder), "JPRCC_PASSWORD": "demo-observer",
             "JPRCC_ARGON2_TIME_COST": "1", "JPRCC_ARGON2_MEMORY_KIB": "64"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["marking"].startswith("EXERCISE NIGHT OWL")
    assert found["as_of"] == "2025-11-18T01:15:00Z"  # JFLCC's acceptance, the last event before the launch
    (m,) = found["incidents"]
    assert m["dark_minutes_lost"] == 29.0  # 00:46 to 01:15, not to today
    assert (tmp_path / "aar.csv").read_text().startswith("# EXERCISE NIGHT OWL")
    assert "<svg" in (tmp_path / "aar.html").read_text()
