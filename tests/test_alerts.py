"""Check-in timers and the DUSTWUN clock raise alerts, once, and an update clears them."""

from __future__ import annotations

from datetime import timedelta

from jprcc.brokering import commands as cmd
from jprcc.brokering.alerts import sweep
from jprcc.core.model import DutyStatus
from tests import article


def test_an_incident_nobody_updates_within_its_interval_becomes_overdue_once(sqlite_node, sqlite_cast, clock):
    node, cast = sqlite_node, sqlite_cast
    node.bus.handle(article.report_command("PR-T", clock), cast["jfsocc"])
    clock.advance(timedelta(minutes=29))
    assert sweep(node.bus, node.queries) == 0
    assert node.queries.alerts(cast["controller"]) == []
    clock.advance(timedelta(minutes=2))
    assert [a.kind for a in node.queries.alerts(cast["controller"])] == ["overdue"]
    assert sweep(node.bus, node.queries) == 1
    assert sweep(node.bus, node.queries) == 0
    timeline = node.queries.timeline(cast["controller"], "PR-T")
    assert timeline[-1].event_type == "incident_overdue"


def test_a_check_in_resets_the_clock(sqlite_node, sqlite_cast, clock):
    node, cast = sqlite_node, sqlite_cast
    node.bus.handle(article.report_command("PR-T", clock), cast["jfsocc"])
    clock.advance(timedelta(minutes=40))
    sweep(node.bus, node.queries)
    node.bus.handle(cmd.CheckIn(incident_id="PR-T", remarks="team still moving"), cast["jfsocc"])
    assert node.queries.alerts(cast["controller"]) == []
    clock.advance(timedelta(minutes=31))
    assert sweep(node.bus, node.queries) == 1


def test_dustwun_must_be_redesignated_after_ten_days(sqlite_node, sqlite_cast, clock):
    node, cast = sqlite_node, sqlite_cast
    node.bus.handle(article.report_command("PR-D", clock), cast["jfsocc"])
    node.bus.handle(cmd.SetCheckInInterval(incident_id="PR-D", interval_s=7 * 24 * 3600), cast["controller"])
    node.bus.handle(
        cmd.ChangeDutyStatus(incident_id="PR-D", person_id="PR-D-P1", status=DutyStatus.DUSTWUN),
        cast["jfsocc"],
    )
    clock.advance(timedelta(days=6))
    node.bus.handle(cmd.CheckIn(incident_id="PR-D"), cast["jfsocc"])
    clock.advance(timedelta(days=4, minutes=1))
    kinds = {a.kind for a in node.queries.alerts(cast["controller"])}
    assert "dustwun" in kinds
    sweep(node.bus, node.queries)
    types = [e.event_type for e in node.queries.timeline(cast["controller"], "PR-D")]
    assert types.count("dustwun_redesignation_due") == 1
    node.bus.handle(
        cmd.ChangeDutyStatus(incident_id="PR-D", person_id="PR-D-P1", status=DutyStatus.MISSING),
        cast["jfsocc"],
    )
    assert "dustwun" not in {a.kind for a in node.queries.alerts(cast["controller"])}


def test_closed_incidents_raise_no_alerts(sqlite_node, sqlite_cast, clock):
    node, cast = sqlite_node, sqlite_cast
    node.bus.handle(article.report_command("PR-C", clock), cast["jfsocc"])
    node.bus.handle(
        cmd.CloseIncident(incident_id="PR-C", disposition=article.Disposition.FALSE_ALARM), cast["director"]
    )
    clock.advance(timedelta(days=2))
    assert sweep(node.bus, node.queries) == 0
