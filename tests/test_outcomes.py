"""Partial outcomes: the stage follows the persons, whatever order their news arrives in."""

from __future__ import annotations

import pytest

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.core.errors import RuleViolation
from jprcc.core.model import DutyStatus
from tests import article

P1, P2 = f"{article.INCIDENT}-P1", f"{article.INCIDENT}-P2"


@pytest.fixture
def underway(sqlite_node, sqlite_cast, clock):
    article.to_directive(sqlite_node, sqlite_cast, clock)
    for component in ("JFACC", "JFLCC", "JFSOCC"):
        sqlite_node.bus.handle(
            cmd.AcceptSupportTask(incident_id=article.INCIDENT, component_id=component),
            sqlite_cast[component.lower()],
        )
    sqlite_node.bus.handle(cmd.BeginRecovery(incident_id=article.INCIDENT), sqlite_cast["jfmcc"])
    return sqlite_node, sqlite_cast


def handle(node, actor, command):
    return node.bus.handle(command, actor).value


def test_one_recovered_and_one_dead_is_a_finished_recovery(underway):
    node, cast = underway
    handle(node, cast["jfmcc"], cmd.RecordRecovery(incident_id=article.INCIDENT, person_ids=(P1,)))
    incident = handle(
        node,
        cast["director"],  # a casualty status: the director or the person's own component
        cmd.ChangeDutyStatus(incident_id=article.INCIDENT, person_id=P2, status=DutyStatus.DECEASED),
    )
    assert incident.stage is Stage.RECOVERED
    assert incident.directive is None
    assert all(r.end is not None for r in incident.relationships)


@pytest.mark.parametrize("detained_first", [True, False])
def test_one_detained_and_one_recovered_is_the_detained_track_in_either_order(underway, detained_first):
    node, cast = underway
    detain = cmd.DeclareDetained(incident_id=article.INCIDENT, person_ids=(P2,), detaining_party="militia")
    recover = cmd.RecordRecovery(incident_id=article.INCIDENT, person_ids=(P1,))
    first, second = (detain, recover) if detained_first else (recover, detain)
    handle(node, cast["jfmcc"] if first is recover else cast["controller"], first)
    incident = handle(node, cast["jfmcc"] if second is recover else cast["controller"], second)
    assert incident.stage is Stage.DETAINED
    assert incident.directive is None
    assert node.queries.assets(None, asset_id="KNIGHT-41")[0].tasked_incident_id is None


def test_an_escape_from_detention_puts_the_incident_back_on_the_military_track(
    sqlite_node, sqlite_cast, clock
):
    node, cast = sqlite_node, sqlite_cast
    node.bus.handle(article.report_command("PR-ESC", clock), cast["jfsocc"])
    handle(
        node,
        cast["jfsocc"],
        cmd.DeclareDetained(
            incident_id="PR-ESC", person_ids=("PR-ESC-P1", "PR-ESC-P2"), detaining_party="militia"
        ),
    )
    incident = handle(
        node,
        cast["jfsocc"],
        cmd.ChangeDutyStatus(
            incident_id="PR-ESC", person_id="PR-ESC-P1", status=DutyStatus.EVADING, remarks="escaped"
        ),
    )
    assert incident.stage is Stage.REPORTED
    handle(
        node,
        cast["jfsocc"],
        cmd.RequestAssistance(
            incident_id="PR-ESC",
            reason="escapee needs pick-up",
            capabilities_needed=(article.Capability.ISR,),
        ),
    )


def test_a_recovered_person_cannot_go_missing_again(underway):
    node, cast = underway
    handle(node, cast["jfmcc"], cmd.RecordRecovery(incident_id=article.INCIDENT, person_ids=(P1,)))
    with pytest.raises(RuleViolation, match="only a death can be reported"):
        handle(
            node,
            cast["director"],
            cmd.ChangeDutyStatus(incident_id=article.INCIDENT, person_id=P1, status=DutyStatus.MISSING),
        )
