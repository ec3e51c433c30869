"""The air package under a surface-to-air threat: who suppresses it, and who runs the scene.

The scenario: SPRINGER 21, an F-16 pilot of the JFACC, ejects near the SA-8 battery on the Lanusei
ridge (demo theater). A helicopter going in needs the SA-8 suppressed or jammed (the escort, ISR
and C2 aircraft at medium altitude are inside its envelope) and an on-scene commander to direct
the assets over the pickup (SANDY 01, the A-10 rescue escort lead). WEASEL 21 is the theater's
SEAD flight. Close to the battery the threat is high and the matrix requires both; farther out
it is medium, and the matrix can do without suppression, at a cost in P(success).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from tests.api_helpers import Api
from tests.conftest import T0, load_theater, make_node

UNDER_THE_SA8 = {"lat": 39.895, "lon": 9.56}  # 1.7 km from the battery: high threat
EDGE_OF_THE_SA8 = {"lat": 39.935, "lon": 9.56}  # 6 km out: medium


def report(api: Api, incident_id: str, where: dict[str, float]) -> None:
    """The pilot reported by his beacon, and authenticated by his ISOPREP answer over the radio."""
    ref = f"USAF-{incident_id}"
    api.post(
        "jfacc",
        "/api/records",
        {
            "person_ref": ref,
            "name": f"Maj {incident_id[-2:]} Brandt",
            "service": "USAF",
            "unit": "SPRINGER flight",
            "component_id": "JFACC",
            "review_date": "2026-10-01",
            "photo_front": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"F" * 64).decode(),
            "photo_side": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"S" * 64).decode(),
            "statements": [
                {"prompt": "First car", "answer": "Red Saab"},
                {"prompt": "Grandmother's town", "answer": "Tromso"},
                {"prompt": "Favourite band", "answer": "Kettle"},
                {"prompt": "School mascot", "answer": "Lynx"},
            ],
            "authentication_number": "3915",
        },
        status=201,
    )
    api.post(
        "jfacc",
        "/api/incidents",
        {
            "incident_id": incident_id,
            "title": f"{incident_id}: F-16 pilot down near the Lanusei ridge",
            "owning_component": "JFACC",
            "isolating_event_at": (T0 - timedelta(minutes=10)).isoformat(),
            "position": where,
            "uncertainty_m": 100,
            "channel": "beacon",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [
                {
                    "name": f"Maj {incident_id[-2:]} Brandt",
                    "service": "USAF",
                    "component_id": "JFACC",
                    "person_ref": ref,
                    "condition": "uninjured",
                }
            ],
        },
        status=201,
    )
    persons = api.get("controller", f"/api/incidents/{incident_id}")["persons"]
    verdict = api.post(
        "jfacc",
        f"/api/incidents/{incident_id}/persons/{persons[0]['person_id']}/authentication",
        {"statement": 2, "answer": "tromso"},
    )
    assert verdict["matched"] is True


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("air-package")
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{folder / 'air.sqlite3'}", folder, clock)
    cast = load_theater(node, clock)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, cast)
        report(api, "PR-SPRINGER21", UNDER_THE_SA8)
        report(api, "PR-SPRINGER22", EDGE_OF_THE_SA8)
        yield api
    node.close()


def options(api: Api, incident_id: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.get(
        "controller", f"/api/incidents/{incident_id}/options", scope="all", **params
    )
    return found


FLOWN = ("rotary_wing_recovery", "unassisted_evasion", "sof_assisted_linkup")


def flown(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The options whose recovery vehicle flies in (a helicopter to the person or to a pickup point)."""
    every = [*found["options"], *found["also_considered"]]
    return [o for o in every if o["method"] in FLOWN]


def roles(option: dict[str, Any]) -> dict[str, str]:
    return {a["role"]: a["asset_id"] for a in option["assets"]}


class TestUnderTheSA8:
    def test_the_assessment_reads_a_high_threat_at_the_person(self, api):
        found = options(api, "PR-SPRINGER21")
        assert "(high)" in found["matrix"]["reasons"][0]

    def test_a_helicopter_goes_in_only_with_the_sa8_suppressed_and_sandy_running_the_scene(self, api):
        found = options(api, "PR-SPRINGER21")
        helicopters = flown(found)
        assert helicopters, found["infeasible"]
        for option in helicopters:
            assert roles(option)["sead_ew"] == "WEASEL-21"
            assert roles(option)["on_scene_commander"] == "SANDY-01"

    def test_with_no_sead_no_helicopter_is_sent_and_the_answer_says_why(self, api):
        found = options(api, "PR-SPRINGER21", exclude_asset=["WEASEL-21"])
        assert not flown(found)
        assert any("sead_ew" in line for line in found["infeasible"]), found["infeasible"]
        assert [o["method"] for o in found["options"]] == ["ground_recovery"] * len(found["options"])

    def test_sandy_escorts_the_helicopter_and_directs_the_scene_in_one_sortie(self, api):
        found = options(api, "PR-SPRINGER21")
        option = next(o for o in flown(found) if o["method"] == "rotary_wing_recovery")
        assert roles(option)["escort_fires"] == roles(option)["on_scene_commander"] == "SANDY-01"
        held = sorted(a["role"] for a in option["assets"] if a["asset_id"] == "SANDY-01")
        assert held == ["escort_fires", "on_scene_commander"]


def test_every_role_has_a_task_for_the_nomination():
    """A nomination drafted from an option tasks each asset in words: no role may lack them (the
    draft would fail at the JPRCC's desk, not here)."""
    from jprcc.options.model import TaskRole
    from jprcc.options.option_set import ROLE_TASKS

    assert set(ROLE_TASKS) == set(TaskRole)
    assert "air defences" in ROLE_TASKS[TaskRole.SEAD_EW]


class TestAtTheEdgeOfTheSA8:
    def test_the_threat_is_medium_and_suppression_is_still_planned(self, api):
        found = options(api, "PR-SPRINGER22")
        assert "(medium)" in found["matrix"]["reasons"][0]
        assert any(roles(o).get("sead_ew") == "WEASEL-21" for o in flown(found))

    def test_without_sead_the_helicopter_is_offered_at_a_lower_p_success_and_the_reason_given(self, api):
        best_with = max(o["p_success"] for o in flown(options(api, "PR-SPRINGER22")))
        without = options(api, "PR-SPRINGER22", exclude_asset=["WEASEL-21"])
        helicopters = flown(without)
        assert helicopters, without["infeasible"]
        assert all("sead_ew" not in roles(o) for o in helicopters)
        assert max(o["p_success"] for o in helicopters) < best_with
        notes = " ".join(n for o in helicopters for n in o["notes"])
        assert "no SEAD/EW" in notes
