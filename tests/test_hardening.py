"""Files and cookies: the store's folder and files are the node's account's alone; the login's answer
is never cached and its cookie is Secure behind TLS; a cookie-authenticated write from another
site's page is refused."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.brokering.commands import AddNarrativeEntry
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from tests.conftest import Cast, fast_settings, load_theater
from tests.test_overload import ReportIncident, _report_command


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_the_store_files_are_the_node_s_account_s_alone(tmp_path: Path, clock):
    folder = tmp_path / "data"
    node = bootstrap(
        fast_settings(f"sqlite:///{folder / 'jprcc.sqlite3'}", folder), clock=clock, migrate=True
    )
    try:
        cast: Cast = load_theater(node, clock)
        node.bus.handle(ReportIncident(**_report_command(1)), cast["jfsocc"])
        node.bus.handle(
            AddNarrativeEntry(incident_id="PR-SLOW1", text="x"), Actor("controller", Role.JPRCC_CONTROLLER)
        )
        assert mode(folder) == 0o700
        for name in ("jprcc.sqlite3", "jprcc.sqlite3-wal", "jprcc.sqlite3-shm"):
            if (folder / name).exists():
                assert mode(folder / name) == 0o600, name
        assert (folder / "jprcc.sqlite3-wal").exists()
    finally:
        node.close()


def test_the_login_answer_is_not_cached_and_its_cookie_is_secure_behind_tls(
    sqlite_node: Node, sqlite_cast: Cast
):
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        form = {"username": "controller", "password": sqlite_cast.passwords["controller"]}
        plain = client.post("/api/auth/token", data=form)
        behind_tls = client.post("/api/auth/token", data=form, headers={"X-Forwarded-Proto": "https"})
    assert plain.headers["Cache-Control"] == "no-store"
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "secure" in behind_tls.headers["set-cookie"].lower()
    assert "httponly" in behind_tls.headers["set-cookie"].lower()
    assert "samesite=strict" in behind_tls.headers["set-cookie"].lower()


def test_a_cookie_write_from_another_site_s_page_is_refused_and_the_node_s_own_page_is_not(
    sqlite_node: Node, sqlite_cast: Cast
):
    from tests.test_overload import report

    with TestClient(create_app(sqlite_node, sweep_alerts=False), base_url="http://jprcc.example") as client:
        client.post(
            "/api/auth/token", data={"username": "jfsocc", "password": sqlite_cast.passwords["jfsocc"]}
        )
        before = sqlite_node.queries.last_seq()
        foreign = client.post("/api/incidents", json=report(1), headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        assert foreign.json()["error"] == "foreign_origin"
        bodiless = client.post("/api/auth/logout", headers={"Origin": "https://evil.example"})
        assert bodiless.status_code == 403
        assert sqlite_node.queries.last_seq() == before
        own = client.post("/api/incidents", json=report(2), headers={"Origin": "http://jprcc.example"})
        assert own.status_code == 201, own.text
        no_origin = client.post("/api/incidents", json=report(3))  # a script, not a browser page
        assert no_origin.status_code == 201


def test_a_name_that_reorders_or_hides_its_text_is_refused_naming_the_field(
    sqlite_node: Node, sqlite_cast: Cast
):
    from tests.test_overload import report

    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        token = client.post(
            "/api/auth/token", data={"username": "jfsocc", "password": sqlite_cast.passwords["jfsocc"]}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        before = sqlite_node.queries.last_seq()
        for spoof in ("KNIGHT \u202e14", "RAVEN\u200f 21", "SAN\u2066DY"):
            answer = client.post("/api/incidents", json=report(1, title=spoof), headers=headers)
            assert answer.status_code == 422, spoof
            assert "title" in answer.json()["field"]
        assert sqlite_node.queries.last_seq() == before
        fine = client.post(
            "/api/incidents", json=report(1, title="Pilote éjecté — KNIGHT 41 (نقطة)"), headers=headers
        )
        assert fine.status_code == 201, fine.text  # other scripts and punctuation are names as any
