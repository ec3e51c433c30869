"""Probing incident ids tells a component nothing: an incident that does not involve the caller's
component is answered exactly as an id never used (404, "unknown incident X", field incident_id),
on every read and every command that names it; the refusal is logged, never written to the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.node import Node, bootstrap
from tests.api_helpers import Api
from tests.conftest import Cast, demo_copy, fast_settings

#: the demo's incidents and the one component each does not involve that probes them
DRAGOON = "PR-DRAGOON"  # reported by JFLCC, involves JFLCC only
VIPER = "PR-VIPER12"  # JFACC's, in reintegration: a person's journey
CARGO = "PR-CARGO7"  # detained: a case file (JFLCC, JFSOCC)
NEVER = "PR-NEVER-USED"
PROBER = "jfmcc"
USERS = ("jfc", "director", "controller", "observer", "jfacc", "jflcc", "jfmcc", "jfsocc", "lno-jfmcc")

READS = [
    (DRAGOON, "/api/incidents/{id}"),
    (DRAGOON, "/api/incidents/{id}?as_of=2020-01-01T00:00:00Z"),
    (DRAGOON, "/api/incidents/{id}/timeline"),
    (DRAGOON, "/api/incidents/{id}/relationships"),
    (DRAGOON, "/api/incidents/{id}/options"),
    (DRAGOON, "/api/incidents/{id}/assessment"),
    (DRAGOON, "/api/incidents/{id}/dark-window"),
    (DRAGOON, "/api/incidents/{id}/locate"),
    (DRAGOON, "/api/incidents/{id}/capability-poll/offerable"),
    (DRAGOON, "/api/exchange/incidents.geojson?incident={id}"),
    (DRAGOON, "/api/exchange/routes.csv?incident={id}"),
    (CARGO, "/api/incidents/{id}/casefile"),
    (VIPER, "/api/incidents/{id}/persons/{id}-P1/journey"),
]

NOW = "2020-01-01T00:00:00Z"
REPORT = {"kind": "report", "position": {"lat": 40.0, "lon": 9.0}, "radius_m": 500}
WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    (DRAGOON, "POST", "/api/incidents/{id}/narrative", {"text": "anyone there?"}),
    (DRAGOON, "POST", "/api/incidents/{id}/check-in", {"remarks": "probe"}),
    (
        DRAGOON,
        "POST",
        "/api/incidents/{id}/assistance-request",
        {"reason": "help", "capabilities_needed": ["isr"]},
    ),
    (DRAGOON, "POST", "/api/incidents/{id}/capability-poll/answers", {"component_id": "JFMCC", "offers": []}),
    (
        DRAGOON,
        "POST",
        "/api/incidents/{id}/tacon-requests",
        {
            "asset_ids": ["KNIGHT-41"],
            "from_component": "JFMCC",
            "to_component": "JFLCC",
            "begin": "2030-01-01T00:00:00Z",
            "end": "2030-01-01T02:00:00Z",
            "reason": "a way in",
        },
    ),
    (DRAGOON, "POST", "/api/incidents/{id}/persons/{id}-P1/duty-status", {"status": "missing"}),
    (DRAGOON, "POST", "/api/incidents/{id}/options/OPT-0000000A/nomination", {"rationale": "we lead"}),
    (DRAGOON, "POST", "/api/incidents/{id}/locate/information", {"at": NOW, "body": REPORT}),
    (DRAGOON, "POST", "/api/incidents/{id}/persons/{id}-P1/authentication", {"statement": 1, "answer": "x"}),
    (DRAGOON, "POST", "/api/messages", {"kind": "sitrep", "incident_id": "{id}", "recipients": ["JFC"]}),
    (DRAGOON, "POST", "/api/messages/preview", {"kind": "sitrep", "incident_id": "{id}"}),
    (CARGO, "POST", "/api/incidents/{id}/casefile/entries", {"at": NOW, "source": "a", "text": "b"}),
    (VIPER, "POST", "/api/incidents/{id}/persons/{id}-P1/journey/team", {"role": "debriefer", "name": "X"}),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> Iterator[Node]:
    folder = tmp_path_factory.mktemp("enumeration")
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, folder), folder), migrate=True)
    yield node
    node.close()


@pytest.fixture(scope="module")
def api(demo: Node) -> Iterator[Api]:
    with TestClient(create_app(demo, sweep_alerts=False)) as client:
        yield Api(client, Cast({}, {u: f"demo-{u}" for u in USERS}))


def ask(api: Api, user: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.request(method, path, json=body, headers=api.headers(user))


def filled(template: Any, incident_id: str) -> Any:
    if isinstance(template, str):
        return template.replace("{id}", incident_id)
    if isinstance(template, dict):
        return {k: filled(v, incident_id) for k, v in template.items()}
    if isinstance(template, list):
        return [filled(v, incident_id) for v in template]
    return template


def shape(answer: Any, incident_id: str) -> tuple[int, Any]:
    """The status and the body, with the id asked for written ``<id>``: two answers that differ
    only by the id are the same answer."""
    return answer.status_code, filled_back(answer.json(), incident_id)


def filled_back(value: Any, incident_id: str) -> Any:
    if isinstance(value, str):
        return value.replace(incident_id, "<id>")
    if isinstance(value, dict):
        return {k: filled_back(v, incident_id) for k, v in value.items()}
    if isinstance(value, list):
        return [filled_back(v, incident_id) for v in value]
    return value


def probe(api: Api, user: str, real: str, method: str, path: str, body: Any = None) -> tuple[Any, Any]:
    """The answers to ``user`` for ``real`` and for an id never used, each with its id taken out."""
    seen = shape(ask(api, user, method, filled(path, real), filled(body, real)), real)
    never = shape(ask(api, user, method, filled(path, NEVER), filled(body, NEVER)), NEVER)
    return seen, never


UNKNOWN = (404, {"error": "not_found", "message": "unknown incident <id>", "field": "incident_id"})


@pytest.mark.parametrize(("incident_id", "path"), READS, ids=[p for _, p in READS])
def test_a_read_of_an_incident_of_others_answers_as_an_id_never_used(api, incident_id, path):
    seen, never = probe(api, PROBER, incident_id, "GET", path)
    assert seen == never
    assert seen == UNKNOWN


@pytest.mark.parametrize(("incident_id", "method", "path", "body"), WRITES, ids=[w[2] for w in WRITES])
def test_a_command_on_an_incident_of_others_answers_as_an_id_never_used(
    api, demo, incident_id, method, path, body
):
    api.headers(PROBER)  # logged in first: a login is recorded
    before = demo.queries.last_seq()
    seen, never = probe(api, PROBER, incident_id, method, path, body)
    assert seen == never
    assert seen == UNKNOWN
    assert demo.queries.last_seq() == before  # neither refusal is written into the chain


@pytest.mark.parametrize(
    ("user", "part"), [("jfsocc", "summary"), ("jfsocc", "description"), ("jfmcc", "summary")]
)
def test_a_record_opened_through_an_incident_of_others_answers_as_an_id_never_used(api, user, part):
    """Lindqvist's record is JFSOCC's; PR-DRAGOON neither names him nor involves JFSOCC or JFMCC."""
    path = f"/api/records/USA-LINDQVIST?part={part}&incident_id={{id}}"
    seen, never = probe(api, user, DRAGOON, "GET", path)
    assert seen == never == UNKNOWN
    assert api.get("jfsocc", f"/api/records/USA-LINDQVIST?part={part}&incident_id=PR-RAVEN21")


def test_a_liaison_officer_probes_no_better(api):
    seen, never = probe(api, "lno-jfmcc", DRAGOON, "POST", "/api/incidents/{id}/narrative", {"text": "hi"})
    assert seen == never == UNKNOWN


def test_the_involved_component_and_the_whole_theater_still_see_it(api):
    for user in ("jflcc", "controller", "director", "jfc", "observer"):
        assert api.get(user, f"/api/incidents/{DRAGOON}")["incident_id"] == DRAGOON
        assert api.get(user, f"/api/incidents/{DRAGOON}/timeline")
    assert api.get("jfacc", f"/api/incidents/{VIPER}/persons/{VIPER}-P1/journey")


def test_a_role_that_sees_the_incident_but_may_not_act_is_still_refused_403(api):
    observer = api.post("observer", f"/api/incidents/{DRAGOON}/narrative", {"text": "x"}, status=403)
    assert observer["error"] == "not_authorized"
    jflcc = api.post("jflcc", f"/api/incidents/{DRAGOON}/close", {"disposition": "false_alarm"}, status=403)
    assert jflcc["error"] == "not_authorized"


def test_the_refusal_is_logged_for_the_operators(api, caplog):
    with caplog.at_level(logging.INFO, logger="jprcc.need_to_know"):
        api.get(PROBER, f"/api/incidents/{DRAGOON}", status=404)
        api.post(PROBER, f"/api/incidents/{DRAGOON}/narrative", {"text": "x"}, status=404)
        api.get(PROBER, f"/api/incidents/{NEVER}", status=404)  # an id never used: nothing withheld
    withheld = [r for r in caplog.records if r.getMessage() == "incident withheld"]
    assert [(r.levelno, r.actor, r.component, r.incident_id, r.during) for r in withheld] == [
        (logging.WARNING, PROBER, "JFMCC", DRAGOON, "incident"),
        (logging.WARNING, PROBER, "JFMCC", DRAGOON, "AddNarrativeEntry"),
    ]
    assert all("does not involve JFMCC" in r.reason for r in withheld)
