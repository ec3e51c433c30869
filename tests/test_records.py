"""Isolated-personnel records through the API: sealed at rest, verified never read, need-to-know,
audited, locked after failures, readiness, and a vault key that rotates."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node
from jprcc.records import commands as cmd
from jprcc.records.service import RecordsKeeper
from jprcc.records.vault import MasterKey, Vault, VaultError
from tests.api_helpers import Api
from tests.conftest import T0, Cast

ANSWERS = ["Periwinkle Zebra", "Quokka Harbour", "Tangerine Comet", "Basalt Lantern"]
PROMPTS = ["Name of my first pet", "Street I grew up on", "Favourite dessert", "My grandfather's boat"]
NUMBER = "9518"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"FRONT-PHOTO-PIXELS-7f3a9c-" * 4
SIDE = b"\xff\xd8\xff" + b"SIDE-PHOTO-PIXELS-1b2c3d-" * 4
REF = "USA-LINDQVIST"


def isoprep(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "person_ref": REF,
        "name": "SFC O. Lindqvist",
        "service": "USA",
        "unit": "RAVEN 21",
        "component_id": "JFSOCC",
        "review_date": "2026-10-01",
        "details": {"height_cm": "183", "eyes": "grey", "marks": "scar on the left forearm"},
        "photo_front": base64.b64encode(PHOTO).decode(),
        "photo_side": base64.b64encode(SIDE).decode(),
        "statements": [{"prompt": p, "answer": a} for p, a in zip(PROMPTS, ANSWERS, strict=True)],
        "authentication_number": NUMBER,
    }
    body.update(changes)
    return body


@pytest.fixture
def world(
    sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock
) -> Iterator[tuple[Node, Api, ManualClock]]:
    node, cast = sqlite_node, sqlite_cast
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, cast)
        api.post("jfsocc", "/api/records", isoprep(), status=201)
        report = {
            "incident_id": "PR-R21",
            "title": "RAVEN 21",
            "owning_component": "JFSOCC",
            "isolating_event_at": (T0 - timedelta(minutes=5)).isoformat(),
            "position": {"lat": 40.05, "lon": 9.35},
            "uncertainty_m": 200,
            "channel": "voice",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [
                {
                    "name": "SFC O. Lindqvist",
                    "service": "USA",
                    "component_id": "JFSOCC",
                    "unit": "RAVEN 21",
                    "person_ref": REF,
                }
            ],
        }
        api.post("jfsocc", "/api/incidents", report, status=201)
        yield node, api, clock


def ask(api: Api, who: str, statement: int | None, answer: str, status: int = 200) -> dict:
    return api.post(
        who,
        "/api/incidents/PR-R21/persons/PR-R21-P1/authentication",
        {"statement": statement, "answer": answer},
        status=status,
    )


def raw_database(node: Node) -> bytes:
    path = Path(node.settings.effective_database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


class TestSealedAtRest:
    def test_the_raw_database_holds_no_answer_number_prompt_detail_or_photo(self, world):
        node, api, _ = world
        ask(api, "jfsocc", 2, "quokka   harbour")
        raw = raw_database(node)
        for secret in [*ANSWERS, *PROMPTS, "scar on the left forearm"]:
            assert secret.encode() not in raw
            assert secret.lower().encode() not in raw
        for photo in (PHOTO, SIDE):
            assert photo[8:40] not in raw
            assert base64.b64encode(photo)[:40] not in raw
        for quoted in (f'"{NUMBER}"', f"'{NUMBER}'", f":{NUMBER},", f":{NUMBER}}}"):
            assert quoted.encode() not in raw
        assert b"$argon2id$" in raw  # the answers are there, as salted slow hashes

    def test_the_summary_says_what_is_there_without_opening_anything(self, world):
        _, api, _ = world
        summary = api.get("jfsocc", f"/api/records/{REF}")
        assert summary["readiness"] == "valid"
        assert (summary["statements"], summary["has_number"]) == (4, True)
        assert "prompts" not in summary
        assert "photos" not in summary
        assert "details" not in summary

    @pytest.mark.parametrize(
        ("number", "rule"), [("1234", "in sequence"), ("9511", "repeated"), ("9508", "1 to 9")]
    )
    def test_a_number_breaking_the_rules_is_refused_naming_the_field(self, world, number, rule):
        _, api, _ = world
        refused = api.post("jfsocc", "/api/records", isoprep(authentication_number=number), status=422)
        assert refused["field"] == "authentication_number"
        assert rule in refused["message"]
        assert number not in refused["message"]


class TestVerifyNeverRead:
    def test_a_matching_answer_authenticates_the_person_with_who_and_when_never_the_answer(self, world):
        _, api, _ = world
        answer = api.client.post(
            "/api/incidents/PR-R21/persons/PR-R21-P1/authentication",
            json={"statement": 1, "answer": "  periwinkle ZEBRA "},
            headers=api.headers("jfsocc"),
        )
        assert answer.status_code == 200
        assert answer.json()["matched"] is True
        assert "periwinkle" not in answer.text.lower()
        assert PROMPTS[0] not in answer.text
        person = api.get("controller", "/api/incidents/PR-R21")["persons"][0]
        assert person["authenticated_by"] == "jfsocc"
        assert person["authenticated_at"] is not None

    def test_the_number_is_verified_too_and_a_wrong_answer_is_just_no(self, world):
        _, api, _ = world
        assert ask(api, "jfsocc", None, NUMBER)["matched"] is True
        assert ask(api, "jfsocc", 3, "chocolate")["matched"] is False

    def test_repeated_failures_lock_the_record_until_the_director_unlocks_it_every_try_audited(self, world):
        node, api, _ = world
        for _ in range(3):
            assert ask(api, "jfsocc", 4, "wrong boat")["matched"] is False
        locked = ask(api, "jfsocc", 4, ANSWERS[3], status=423)
        assert locked["error"] == "locked"
        api.post(
            "controller", f"/api/records/{REF}/unlock", {"reason": "identity confirmed by voice"}, status=403
        )
        api.post("director", f"/api/records/{REF}/unlock", {"reason": "identity confirmed by voice"})
        assert ask(api, "jfsocc", 4, ANSWERS[3])["matched"] is True
        with node.database.read() as conn:
            tries = [
                r for r in node.queries.log(conn).read() if r.event.type_name == "authentication_attempted"
            ]
        assert [(r.event.matched, r.event.asked_by) for r in tries] == [(False, "jfsocc")] * 3 + [
            (True, "jfsocc")
        ]
        assert [r.event.locked for r in tries] == [False, False, True, False]
        with node.database.read() as conn:
            refusals = [
                r.event
                for r in node.queries.log(conn).read()
                if r.event.type_name == "authentication_refused"
            ]
        assert [(e.reason, e.asked_by, e.statement) for e in refusals] == [("locked", "jfsocc", 4)]

    def test_asking_too_fast_is_refused(self, world):
        _, api, _ = world
        for _ in range(6):
            ask(api, "jfsocc", 1, ANSWERS[0])
        assert ask(api, "jfsocc", 1, ANSWERS[0], status=429)["error"] == "rate_limited"

    def test_only_the_jprcc_and_the_recovery_force_may_ask(self, world):
        _, api, _ = world
        ask(api, "jflcc", 1, ANSWERS[0], status=404)  # not involved: as though there were no incident
        ask(api, "observer", 1, ANSWERS[0], status=403)
        assert ask(api, "controller", 1, ANSWERS[0])["matched"] is True


class TestTakingNothingThatIsNotYours:
    def test_reporting_an_incident_that_names_someone_elses_person_opens_nothing(self, world):
        _, api, _ = world
        fake = {
            "incident_id": "PR-FAKE",
            "title": "fake",
            "owning_component": "JFLCC",
            "isolating_event_at": (T0 - timedelta(minutes=5)).isoformat(),
            "position": {"lat": 40.0, "lon": 9.0},
            "uncertainty_m": 100,
            "channel": "voice",
            "source_confidence": "confirmed",
            "environment": "land",
            "persons": [
                {"name": "x", "service": "USA", "component_id": "JFSOCC", "unit": "u", "person_ref": REF}
            ],
        }
        api.post("jflcc", "/api/incidents", fake, status=201)
        api.get("jflcc", f"/api/records/{REF}", status=403, part="photos", incident_id="PR-FAKE")
        api.post(
            "jflcc",
            "/api/incidents/PR-FAKE/persons/PR-FAKE-P1/authentication",
            {"statement": 1, "answer": ANSWERS[0]},
            status=403,
        )

    def test_another_component_cannot_re_record_a_person_and_a_locked_record_is_not_reset(self, world):
        _, api, _ = world
        api.post("jflcc", "/api/records", isoprep(component_id="JFLCC"), status=403)
        for _ in range(3):
            ask(api, "jfsocc", None, "1357")
        api.post("jfsocc", "/api/records", isoprep(), status=423)
        assert api.get("jfsocc", f"/api/records/{REF}")["locked"] is True

    def test_a_known_answer_does_not_reset_the_count_of_wrong_numbers(self, world):
        _, api, _ = world
        for guess in ("1357", "2468", "3579"):
            ask(api, "jfsocc", None, guess)
            if guess != "3579":
                ask(api, "jfsocc", 1, ANSWERS[0])
        assert ask(api, "jfsocc", 1, ANSWERS[0], status=423)["error"] == "locked"


class TestNeedToKnow:
    def test_photos_open_only_through_an_active_incident_and_never_beside_the_statements(self, world):
        _, api, _ = world
        path = f"/api/records/{REF}"
        api.get("jfsocc", path, status=422, part="photos")  # no incident named
        photos = api.get("jfsocc", path, part="photos", incident_id="PR-R21")
        assert base64.b64decode(photos["photos"]["front"]) == PHOTO
        assert "prompts" not in photos
        assert "details" not in photos
        statements = api.get("jfsocc", path, part="statements", incident_id="PR-R21")
        assert statements["prompts"] == {str(i + 1): p for i, p in enumerate(PROMPTS)}
        assert "photos" not in statements
        assert not any(a in str(statements) for a in ANSWERS)
        api.get("jflcc", path, status=404, part="photos", incident_id="PR-R21")  # not involved: unknown
        api.get("observer", path, status=403, part="description", incident_id="PR-R21")

    def test_every_read_is_in_the_audit_chain_with_who_read_what(self, world):
        node, api, _ = world
        api.get("jfsocc", f"/api/records/{REF}", part="description", incident_id="PR-R21")
        with node.database.read() as conn:
            reads = [r.event for r in node.queries.log(conn).read() if r.event.type_name == "record_opened"]
        assert ("description", "jfsocc", "PR-R21") in {(e.part, e.opened_by, e.incident_id) for e in reads}

    def test_the_export_carries_the_classification_marking_and_is_for_the_director(self, world):
        _, api, _ = world
        api.get("controller", f"/api/records/{REF}/export", status=403)
        export = api.get("director", f"/api/records/{REF}/export")
        assert export["classification"] == "UNCLASSIFIED"
        assert export["marking"].startswith("UNCLASSIFIED")
        assert export["prompts"] == PROMPTS
        assert not any(a in str(export) for a in ANSWERS)


class TestReadiness:
    def test_who_lacks_a_valid_isoprep_or_an_epa_in_force_per_unit(self, world):
        _, api, clock = world
        api.post(
            "jfsocc",
            "/api/records",
            isoprep(person_ref="USA-KOWAL", name="SGT R. Kowal", photo_side=None, statements=[]),
            status=201,
        )
        units = {u["unit"]: u for u in api.get("controller", "/api/readiness")}
        lacking = {p["person_ref"]: p for p in units["RAVEN 21"]["lacking"]}
        assert lacking["USA-KOWAL"]["isoprep"] == "incomplete"
        assert lacking[REF]["isoprep"] == "valid"
        assert lacking[REF]["epa_missions"] == []
        epa = {
            "mission_id": "OP-NIGHT-OWL",
            "valid_from": (clock.now - timedelta(hours=1)).isoformat(),
            "valid_to": (clock.now + timedelta(days=2)).isoformat(),
            "destinations": [{"name": "LZ FALCON", "position": {"lat": 40.02, "lon": 9.31}}],
            "signals": "VS-17 panel, IR strobe",
        }
        api.post("jfsocc", f"/api/records/{REF}/epa", epa, status=201)
        units = {u["unit"]: u for u in api.get("controller", "/api/readiness")}
        assert REF not in {p["person_ref"] for p in units["RAVEN 21"]["lacking"]}
        plans = api.get("jfsocc", f"/api/records/{REF}", part="epa", incident_id="PR-R21")["plans"]
        assert plans["OP-NIGHT-OWL"]["signals"] == "VS-17 panel, IR strobe"


def test_rotating_the_vault_key_keeps_records_readable_and_the_old_key_opens_nothing(world, tmp_path):
    node, api, _ = world
    old = node.service(RecordsKeeper).vault
    assert old is not None
    new_key = MasterKey.generate()
    director = api.cast["director"]
    node.bus.handle(cmd.RotateVaultKey(new_key=new_key.key), director)
    node.service(RecordsKeeper).vault = Vault(new_key)
    photos = api.get("jfsocc", f"/api/records/{REF}", part="photos", incident_id="PR-R21")
    assert base64.b64decode(photos["photos"]["front"]) == PHOTO
    node.service(RecordsKeeper).vault = old
    refused = api.get("jfsocc", f"/api/records/{REF}", status=503, part="photos", incident_id="PR-R21")
    assert refused["error"] == "vault_unavailable"
    with node.database.read() as conn:
        from sqlalchemy import select

        from jprcc.core.store.tables import vault_keys

        wrapped = conn.execute(select(vault_keys.c.wrapped).where(vault_keys.c.record_id == REF)).scalar_one()
    with pytest.raises(VaultError):
        old.unwrap(wrapped, REF)
    raw = base64.b64decode(wrapped.partition(":")[2])  # not just the label: the old key cannot decrypt it
    with pytest.raises(InvalidTag):
        AESGCM(old.master.key).decrypt(raw[:12], raw[12:], f"jprcc:key:{REF}:{new_key.key_id}".encode())


class TestImport:
    ROSTER = (
        "person_ref,name,service,unit,component_id,review_date,eyes,prompt_1,answer_1,prompt_2,answer_2,"
        "prompt_3,answer_3,prompt_4,answer_4,authentication_number\n"
        "USA-ADEYEMI,SSG P. Adeyemi,USA,RAVEN 21,JFSOCC,2026-09-01,brown,pet,Comet Alpha,street,Elm Row,"
        "food,Jollof Nine,boat,Kestrel Two,7284\n"
        "USA-TANAKA,SPC H. Tanaka,USA,RAVEN 21,JFSOCC,2026-09-02,,pet,Miso Blue,,,,,,,\n"
    )

    def test_a_csv_roster_is_imported_whole(self, world):
        _, api, _ = world
        assert api.post("director", "/api/records/import", {"csv": self.ROSTER}, status=201) == {
            "imported": 2
        }
        assert api.get("jfsocc", "/api/records/USA-ADEYEMI")["readiness"] == "incomplete"  # no photos
        assert api.get("jfsocc", "/api/records/USA-TANAKA")["statements"] == 1

    def test_bad_rows_are_named_and_nothing_is_half_imported(self, world):
        _, api, _ = world
        bad = self.ROSTER + "USA-KOWAL,SGT R. Kowal,USA,RAVEN 21,JFSOCC,2026-13-01,,,,,,,,,,1123\n"
        refused = api.post("director", "/api/records/import", {"csv": bad}, status=422)
        assert "row 4: review_date" in refused["message"]
        assert "1123" not in refused["message"]
        api.get("jfsocc", "/api/records/USA-ADEYEMI", status=404)
        unknown = self.ROSTER.replace("JFSOCC,2026-09-02", "JFXXCC,2026-09-02")
        refused = api.post("director", "/api/records/import", {"csv": unknown}, status=422)
        assert refused["field"] == "rows[1].component_id"
        api.get("jfsocc", "/api/records/USA-ADEYEMI", status=404)

    def test_a_dd_1833_shaped_form_is_imported_with_its_photos(self, world):
        _, api, _ = world
        form = {
            "review_date": "2026-10-15",
            "identity": {
                "person_ref": "USA-KOWAL",
                "name": "SGT R. Kowal",
                "grade": "E-5",
                "service": "USA",
                "unit": "RAVEN 21",
                "component_id": "JFSOCC",
            },
            "description": {"height": "178 cm", "eyes": "blue"},
            "photos": {"front": base64.b64encode(PHOTO).decode(), "side": base64.b64encode(SIDE).decode()},
            "authentication": {
                "statements": [
                    {"prompt": p, "answer": a + " K"} for p, a in zip(PROMPTS, ANSWERS, strict=True)
                ],
                "number": "3816",
            },
        }
        assert api.post("director", "/api/records/import", {"forms": [form]}, status=201) == {"imported": 1}
        assert api.get("jfsocc", "/api/records/USA-KOWAL")["readiness"] == "valid"
