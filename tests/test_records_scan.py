"""After a full demo run and a round of every record operation, no authentication answer or
number appears anywhere — log lines, error messages, API responses, the raw database file — and
photos appear only where they were asked for (the photos part and the export, to those allowed).
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.demo import DEMO_FILE, load_demo
from tests.api_helpers import Api
from tests.conftest import T0, Cast, make_node

PASSWORDS = {
    u: f"demo-{u}" for u in ("jfc", "director", "controller", "observer", "jfmcc", "jfsocc", "jflcc")
}


def demo_secrets() -> tuple[list[str], list[str], list[str]]:
    """The answers, numbers and photos the demo file records."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    records = [
        r for step in data["script"] if step["do"] == "import_records" for r in step["with"]["records"]
    ]
    answers = [s["answer"] for r in records for s in r.get("statements", [])]
    numbers = [r["authentication_number"] for r in records if r.get("authentication_number")]
    photos = [r[k] for r in records for k in ("photo_front", "photo_side") if r.get(k)]
    return answers, numbers, photos


def test_no_answer_number_or_stray_photo_anywhere_after_a_full_demo_run(tmp_path: Path, caplog):
    answers, numbers, photos = demo_secrets()
    assert answers
    assert numbers
    assert photos
    caplog.set_level(logging.DEBUG)
    node = make_node(f"sqlite:///{tmp_path / 'scan.sqlite3'}", tmp_path, ManualClock(T0))
    load_demo(node)
    seen: list[str] = []  # every answer body except the photos the caller asked for
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        api = Api(client, Cast({}, PASSWORDS))

        def call(method: str, who: str, path: str, **kwargs: object) -> str:
            answer = client.request(method, path, headers=api.headers(who), **kwargs)  # type: ignore[arg-type]
            seen.append(answer.text)
            return answer.text

        for who in ("director", "jfmcc", "jfsocc", "jflcc", "observer"):
            for ref in ("USA-LINDQVIST", "USA-ADEYEMI", "USA-KOWAL"):
                for part in ("summary", "description", "statements", "epa"):
                    call(
                        "GET", who, f"/api/records/{ref}", params={"part": part, "incident_id": "PR-RAVEN21"}
                    )
            call("GET", who, "/api/readiness")
            call("GET", who, "/api/incidents/PR-RAVEN21")
            call("GET", who, "/api/incidents/PR-RAVEN21/timeline")
        for guess in ("wrong guess", answers[0], answers[1]):
            call(
                "POST",
                "jfmcc",
                "/api/incidents/PR-RAVEN21/persons/PR-RAVEN21-P1/authentication",
                json={"statement": 1, "answer": guess},
            )
        call(
            "POST",
            "jfmcc",
            "/api/incidents/PR-RAVEN21/persons/PR-RAVEN21-P1/authentication",
            json={"statement": None, "answer": numbers[0]},
        )
        bad_forms = [
            {
                "identity": {
                    "person_ref": "X-1",
                    "name": "x",
                    "service": "s",
                    "unit": "u",
                    "component_id": "JFSOCC",
                },
                "review_date": "2026-01-01",
                "authentication": {"number": "1123", "statements": [{"prompt": "p", "answer": "sekrit-zz"}]},
            }
        ]
        call("POST", "director", "/api/records/import", json={"forms": bad_forms})
        photo_answers = [
            client.get(
                "/api/records/USA-LINDQVIST",
                params={"part": "photos", "incident_id": "PR-RAVEN21"},
                headers=api.headers("jfmcc"),
            ).text,
            client.get("/api/records/USA-LINDQVIST/export", headers=api.headers("director")).text,
        ]
    # logging's own clock and process numbers left out: a relativeCreated of 11232.5 ms is no leak
    stamps = {"created", "msecs", "relativeCreated", "thread", "process"}
    fields = [{k: v for k, v in r.__dict__.items() if k not in stamps} for r in caplog.records]
    logs = "\n".join(f"{r.getMessage()} {f}" for r, f in zip(caplog.records, fields, strict=True))
    path = Path(node.settings.effective_database_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    node.close()

    everywhere = "\n".join(seen) + "\n" + logs
    for answer in [*answers, "sekrit-zz"]:
        assert answer.lower() not in everywhere.lower(), answer
        assert answer.encode() not in raw, answer
        assert answer.lower().encode() not in raw, answer
        assert not any(answer.lower() in text.lower() for text in photo_answers), answer
    for number in [*numbers, "1123"]:
        for shape in (f'"{number}"', f"'{number}'", f": {number}", f":{number}"):
            assert shape not in everywhere, number
            assert shape.encode() not in raw, number
    for photo in photos:
        assert photo not in everywhere
        assert photo.encode() not in raw
        assert base64.b64decode(photo)[8:] not in raw
    assert all(photos[0] in text for text in photo_answers)  # where it was asked for, it is there
