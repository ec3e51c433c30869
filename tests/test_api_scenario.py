"""The article's scenario end to end through the HTTP API, each step by the role doctrine gives it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from tests.api_helpers import Api
from tests.conftest import Cast

INC = "PR-ARTICLE"


@pytest.fixture
def api(node: Node, cast: Cast) -> Iterator[Api]:
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        yield Api(client, cast)


def iso(clock: ManualClock, minutes: float = 0) -> str:
    return (clock.now + timedelta(minutes=minutes)).isoformat()


def run_article(api: Api, clock: ManualClock) -> dict:
    step = timedelta(minutes=6)
    incident = api.post(
        "jfsocc",
        "/api/incidents",
        {
            "incident_id": INC,
            "title": "RAVEN 21 in distress",
            "owning_component": "JFSOCC",
            "isolating_event_at": iso(clock, -15),
            "position": {"mgrs": "32TNK2985433365"},
            "uncertainty_m": 300,
            "channel": "voice",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [
                {
                    "name": "SFC O. Lindqvist",
                    "service": "USA",
                    "component_id": "JFSOCC",
                    "condition": "seriously_injured",
                }
            ],
        },
        status=201,
    )
    assert incident["position"]["mgrs"] == "32TNK2985433365"
    clock.advance(step)
    api.post(
        "jfsocc",
        f"/api/incidents/{INC}/assistance-request",
        {
            "capabilities_needed": ["rotary_wing_recovery", "isr", "airborne_c2", "armored_reconnaissance"],
            "reason": "our lift is not mission capable",
        },
    )
    clock.advance(step)
    api.post(
        "controller",
        f"/api/incidents/{INC}/capability-poll",
        {"component_ids": ["JFACC", "JFLCC", "JFMCC", "JFSOCC"]},
    )
    offers = {
        "JFACC": [("STARLIGHT-21", "isr"), ("SENTRY-31", "airborne_c2")],
        "JFMCC": [("KNIGHT-41", "rotary_wing_recovery")],
        "JFLCC": [("SABER-TROOP", "armored_reconnaissance")],
        "JFSOCC": [("RAVEN-21", "special_operations_team")],
    }
    for component, assets in offers.items():
        clock.advance(step)
        api.post(
            component.lower(),
            f"/api/incidents/{INC}/capability-poll/answers",
            {
                "component_id": component,
                "offers": [
                    {"asset_id": a, "capability": c, "available_at": iso(clock, 20)} for a, c in assets
                ],
            },
        )
    clock.advance(step)
    nominated = api.post(
        "controller",
        f"/api/incidents/{INC}/nomination",
        {
            "supported_component": "JFMCC",
            "support_kind": "direct",
            "priority": 1,
            "window_start": iso(clock),
            "window_end": iso(clock, 480),
            "desired_effects": "survivor recovered to Role 2 before first light",
            "contributions": [
                {"component_id": "JFMCC", "asset_ids": ["KNIGHT-41"], "task": "recovery vehicle"},
                {
                    "component_id": "JFACC",
                    "asset_ids": ["STARLIGHT-21", "SENTRY-31"],
                    "task": "ISR and airborne C2",
                },
                {"component_id": "JFLCC", "asset_ids": ["SABER-TROOP"], "task": "armored reconnaissance"},
                {
                    "component_id": "JFSOCC",
                    "asset_ids": ["RAVEN-21"],
                    "task": "move the survivor to the linkup point",
                },
            ],
        },
    )
    clock.advance(step)
    approved = api.post(
        "jfc",
        f"/api/incidents/{INC}/nomination/approval",
        {
            "nomination_id": nominated["nominations"][0]["nomination_id"],
            "expected_version": nominated["version"],
        },
    )
    for component in ("JFACC", "JFLCC", "JFSOCC"):
        clock.advance(step)
        api.post(component.lower(), f"/api/incidents/{INC}/support-tasks/{component}/acceptance", {})
    for who, path, body in [
        ("jfmcc", "recovery/begin", {}),
        ("jfmcc", "recovery", {}),
        ("director", "reintegration", {"receiving_team": "Role 2, phase INC"}),
        (
            "director",
            "persons/PR-ARTICLE-P1/journey/phases",
            {"phase": "I", "location": "Base", "facility": "Role 2"},
        ),
        (
            "director",
            "persons/PR-ARTICLE-P1/journey/decision",
            {"decision": "return_to_duty", "reason": "fit", "override_reason": "short isolation"},
        ),
        ("director", "close", {"disposition": "recovered_and_reintegrated"}),
    ]:
        clock.advance(step)
        api.post(who, f"/api/incidents/{INC}/{path}", body)
    return approved


def test_the_article_scenario_through_the_api(api, clock):
    approved = run_article(api, clock)
    directive = approved["directive"]
    assert approved["stage"] == "directive_in_force"
    assert directive["supported_component"] == "JFMCC"
    assert {c["component_id"] for c in directive["contributions"]} - {"JFMCC"} == {"JFACC", "JFLCC", "JFSOCC"}
    assert "TACON" in directive["tacon_statement"]

    relationships = api.get("controller", "/api/relationships", incident_id=INC)
    assert {(r["from_component"], r["to_component"]) for r in relationships} == {
        ("JFACC", "JFMCC"),
        ("JFLCC", "JFMCC"),
        ("JFSOCC", "JFMCC"),
    }
    assert not any(r["transfers_control"] for r in relationships)
    assert all(r["end"] is not None for r in relationships)  # closing ended them

    timeline = api.get("controller", f"/api/incidents/{INC}/timeline")
    times = [e["at"] for e in timeline]
    # report, assist, poll, 4 answers, nominate, approve, 3 accepts, 3 to reintegration, the person
    # accounted for, the close
    assert len(timeline) == 17
    assert len(set(times)) == len(times)
    assert timeline[-1]["event_type"] == "incident_closed"

    assert api.get("director", "/api/audit/verify")["ok"] is True


def test_the_incident_as_it_stood_at_approval(api, clock):
    run_article(api, clock)
    timeline = api.get("controller", f"/api/incidents/{INC}/timeline")
    approved_at = next(e["at"] for e in timeline if e["event_type"] == "nomination_approved")
    then = api.get("controller", f"/api/incidents/{INC}", as_of=approved_at)
    assert then["stage"] == "directive_in_force"
    assert then["directive"]["status"] == "in_force"


def test_each_step_is_refused_to_the_wrong_role(api, clock):
    run_article_until_poll(api, clock)
    refused = api.post(
        "jfacc", f"/api/incidents/{INC}/nomination/approval", {"nomination_id": f"{INC}/N1"}, status=403
    )
    assert refused["error"] == "not_authorized"
    assert "only the JFC" in refused["message"]
    api.post("observer", f"/api/incidents/{INC}/narrative", {"text": "hello"}, status=403)
    unpolled = api.post(  # JFLCC is not involved: the incident is, to it, no incident at all
        "jflcc",
        f"/api/incidents/{INC}/capability-poll/answers",
        {"component_id": "JFACC", "cannot_reason": "not ours"},
        status=404,
    )
    assert unpolled["message"] == f"unknown incident {INC}"


def run_article_until_poll(api: Api, clock: ManualClock) -> None:
    api.post(
        "jfsocc",
        "/api/incidents",
        {
            "incident_id": INC,
            "title": "t",
            "owning_component": "JFSOCC",
            "isolating_event_at": iso(clock),
            "position": {"lat": 40.05, "lon": 9.35},
            "uncertainty_m": 300,
            "channel": "voice",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [{"name": "A", "component_id": "JFSOCC"}],
        },
        status=201,
    )
    api.post(
        "jfsocc", f"/api/incidents/{INC}/assistance-request", {"capabilities_needed": ["isr"], "reason": "r"}
    )
    api.post("controller", f"/api/incidents/{INC}/capability-poll", {"component_ids": ["JFACC", "JFMCC"]})


def test_component_officers_see_only_what_involves_them(api, clock):
    run_article_until_poll(api, clock)
    assert api.get("jfacc", "/api/incidents")["total"] == 1
    assert api.get("jflcc", "/api/incidents")["total"] == 0
    api.get("jflcc", f"/api/incidents/{INC}", status=404)  # as an incident that does not exist
    assert api.get("jfc", "/api/incidents")["total"] == 1
