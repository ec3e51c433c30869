"""The case narrative: every entry kept in order, read beside the incident, and never loaded or
stored again by the commands that follow. A narrative grows for the whole life of a case (day three
of an operation: hundreds of entries); what a command on the incident costs must not grow with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import func, select

from jprcc.api.app import create_app
from jprcc.api.views import IncidentDetail
from jprcc.brokering.commands import AddNarrativeEntry, CheckIn
from jprcc.brokering.incident import Incident
from jprcc.core.clock import ManualClock
from jprcc.core.errors import Withheld
from jprcc.core.maintenance import audit_log
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.core.store.audit import read_models_match_rebuild
from jprcc.core.store.migrate import alembic_config, upgrade
from jprcc.core.store.tables import incident_documents, incident_narrative
from tests.browser import logged_in
from tests.conftest import demo_copy, fast_settings
from tests.server import serving

CONTROLLER = Actor("controller", Role.JPRCC_CONTROLLER)
INCIDENT = "PR-RAVEN21"


def add(node: Node, text: str) -> None:
    node.bus.handle(AddNarrativeEntry(incident_id=INCIDENT, text=text), CONTROLLER)


def document_size(node: Node) -> int:
    with node.database.read() as conn:
        doc = conn.execute(
            select(incident_documents.c.document).where(incident_documents.c.incident_id == INCIDENT)
        ).scalar_one()
    return len(doc)


def test_entries_are_kept_in_order_with_ids_that_count_from_one(demo_node: Node):
    before = demo_node.queries.narrative(CONTROLLER, INCIDENT)
    for i in range(12):
        add(demo_node, f"entry {i}")
    narrative = demo_node.queries.narrative(CONTROLLER, INCIDENT)
    assert [e.text for e in narrative[len(before) :]] == [f"entry {i}" for i in range(12)]
    assert [e.entry_id for e in narrative] == [f"{INCIDENT}/L{n}" for n in range(1, len(narrative) + 1)]
    assert demo_node.queries.incident(CONTROLLER, INCIDENT).narrative_count == len(narrative)


def test_the_incidents_stored_document_does_not_grow_with_its_narrative(demo_node: Node):
    """What every command on the incident reads and writes again: the same size after 150 long
    entries (their count's digits aside) as after one."""
    add(demo_node, "first")
    size = document_size(demo_node)
    for i in range(150):
        add(demo_node, f"entry {i}: " + "sea state 4, wind 270/25, visibility 2 NM in rain showers. " * 3)
    assert document_size(demo_node) <= size + 3


def test_a_replay_shows_the_narrative_as_it_stood(demo_snapshot: Path, tmp_path: Path):
    clock = ManualClock(datetime.now(UTC) + timedelta(minutes=1))
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), clock=clock, migrate=True)
    try:
        add(node, "before the replay point")
        middle = clock.advance(timedelta(minutes=30))
        clock.advance(timedelta(minutes=30))
        add(node, "after the replay point")
        then = node.queries.narrative(CONTROLLER, INCIDENT, middle)
        now = node.queries.narrative(CONTROLLER, INCIDENT)
        assert then[-1].text == "before the replay point"
        assert now[-1].text == "after the replay point"
        assert len(now) == len(then) + 1
    finally:
        node.close()


@pytest.fixture
def client(demo_node: Node) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(demo_node, sweep_alerts=False)) as client:
        token = client.post("/api/auth/token", data={"username": "controller", "password": "demo-controller"})
        yield client, {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_the_answer_to_a_write_carries_the_latest_entries_in_order(demo_node: Node, client):
    api, headers = client
    for i in range(3):
        answer = api.post(f"/api/incidents/{INCIDENT}/narrative", json={"text": f"http {i}"}, headers=headers)
        assert answer.status_code == 200, answer.text
    entries = answer.json()["narrative"]
    assert [e["text"] for e in entries[-3:]] == ["http 0", "http 1", "http 2"]
    assert [e["entry_id"] for e in entries] == [f"{INCIDENT}/L{n}" for n in range(1, len(entries) + 1)]
    assert answer.json()["narrative_total"] == len(entries)
    other = api.post(f"/api/incidents/{INCIDENT}/check-in", json={"remarks": "ok"}, headers=headers)
    assert other.status_code == 200, other.text
    assert other.json()["narrative"] == entries  # any command's answer: the incident as it stands
    assert api.get(f"/api/incidents/{INCIDENT}", headers=headers).json()["narrative"] == entries


def test_an_answer_with_entries_written_once_is_byte_for_byte_what_fastapi_writes(demo_node: Node, client):
    """The entries of an answer are serialized once per process and spliced into it: the answer is
    still exactly what FastAPI's own serialization of the model writes, whatever an entry's text
    holds (quotes, the splice's own marker, non-ASCII), and the same once the entries are cached."""
    api, headers = client
    texts = ['"narrative":[]', 'say "again"\\', "Überflug 0300Z — ✈", "}{][", "plain"]
    for text in texts:
        add(demo_node, text)

    def fastapi_writes() -> tuple[IncidentDetail, bytes]:
        incident = demo_node.queries.incident(CONTROLLER, INCIDENT)
        narrative = demo_node.queries.latest_narrative(CONTROLLER, incident)
        detail = IncidentDetail.of(incident, CONTROLLER, demo_node.registry, narrative)
        return detail, TypeAdapter(IncidentDetail).dump_json(detail, by_alias=True)

    detail, written = fastapi_writes()
    assert detail.to_json() == written
    assert detail.to_json() == written  # (now from the entries' cache)
    answer = api.post(f"/api/incidents/{INCIDENT}/narrative", json={"text": "last"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.content == fastapi_writes()[1]
    assert [e["text"] for e in answer.json()["narrative"][-6:]] == [*texts, "last"]


def test_a_long_narrative_is_answered_by_its_latest_hundred_and_paged_back_to_its_start(
    demo_node: Node, client
):
    """Day three: 260 entries. Every answer carries the latest 100 and the total; the rest come a
    page at a time, before the first one shown, back to L1, nothing missed or repeated."""
    api, headers = client
    for i in range(260):
        add(demo_node, f"entry {i}")
    detail = api.get(f"/api/incidents/{INCIDENT}", headers=headers).json()
    total = detail["narrative_total"]
    assert total >= 260
    assert len(detail["narrative"]) == 100
    assert detail["narrative"][-1]["text"] == "entry 259"
    assert detail["narrative"][0]["entry_id"] == f"{INCIDENT}/L{total - 99}"
    pages, first = [], total - 99
    while first > 1:
        page = api.get(
            f"/api/incidents/{INCIDENT}/narrative", params={"before": first, "limit": 70}, headers=headers
        )
        assert page.status_code == 200, page.text
        pages = page.json() + pages
        first = int(page.json()[0]["entry_id"].rsplit("/L", 1)[1])
    ids = [e["entry_id"] for e in pages + detail["narrative"]]
    assert ids == [f"{INCIDENT}/L{n}" for n in range(1, total + 1)]


def test_an_answer_reads_only_the_entries_another_process_wrote_since_and_shows_its_own_count(
    demo_node: Node, tmp_path: Path
):
    """The latest page is kept in memory: an entry this process commits extends it (its answer
    reads nothing); one another process commits is read, one row; and an answer is exactly the
    page of its own state's count (an entry committed after it is not in it)."""
    pages, queries = demo_node.queries.pages, demo_node.queries

    def answer() -> Incident:
        return queries.incident(CONTROLLER, INCIDENT)

    first = answer()
    assert queries.latest_narrative(CONTROLLER, first) == queries.narrative(CONTROLLER, INCIDENT)
    read = pages.rows_read
    add(demo_node, "one more")
    state = answer()
    page = queries.latest_narrative(CONTROLLER, state)
    assert pages.rows_read == read  # its own commit: from memory
    assert page == queries.narrative(CONTROLLER, INCIDENT)
    assert page[-1].text == "one more"
    assert len(page) == min(first.narrative_count + 1, 100)
    other = bootstrap(fast_settings(demo_node.settings.database_url, tmp_path), migrate=False)
    try:
        add(other, "from the other process")
        assert queries.latest_narrative(CONTROLLER, state) == page  # the answer's own count
        now = queries.latest_narrative(CONTROLLER, answer())
        assert pages.rows_read == read + 1
        assert now == queries.narrative(CONTROLLER, INCIDENT)
        assert now[-1].text == "from the other process"
        for i in range(130):  # more than a page behind: the page is read afresh
            add(other, f"burst {i}")
    finally:
        other.close()
    latest = queries.latest_narrative(CONTROLLER, answer())
    assert pages.rows_read == read + 1 + 100
    assert latest == queries.narrative(CONTROLLER, INCIDENT)
    assert [e.text for e in latest[-2:]] == ["burst 128", "burst 129"]
    assert len(latest) == 100
    assert "CJTF-EAST" not in state.involved_components()
    with pytest.raises(Withheld):  # a component the incident does not involve is told nothing
        queries.latest_narrative(Actor("outsider", Role.PRCC_OFFICER, "CJTF-EAST"), state)
    assert queries.latest_narrative(Actor("jfmcc", Role.PRCC_OFFICER, "JFMCC"), state) == page


def test_the_narrative_pages_refuse_what_is_out_of_range_and_withhold_what_the_reader_may_not_see(client):
    api, headers = client
    for query, field in ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"before": 0}, "before"):
        refused = api.get(f"/api/incidents/{INCIDENT}/narrative", params=query, headers=headers)
        assert refused.status_code == 422
        assert field in refused.text
    assert api.get("/api/incidents/PR-NEVER-USED/narrative", headers=headers).status_code == 404
    token = api.post("/api/auth/token", data={"username": "jfmcc", "password": "demo-jfmcc"}).json()
    officer = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.get("/api/incidents/PR-SANDY02/narrative", headers=officer).status_code == 404  # not involved


def test_a_store_from_before_keeps_every_entry_across_the_upgrade_and_back(demo_node: Node):
    """Migration 0018 moves the entries out of the documents into their table, and back on a
    downgrade; the read models then equal a rebuild, and the audit holds."""
    add(demo_node, "written before the upgrade")
    expected = demo_node.queries.narrative(CONTROLLER, INCIDENT)
    config = alembic_config(demo_node.database)
    with demo_node.database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0017")
    with demo_node.database.engine.connect() as conn:
        doc = conn.execute(
            select(incident_documents.c.document).where(incident_documents.c.incident_id == INCIDENT)
        ).scalar_one()
    assert "written before the upgrade" in doc  # the older shape: the narrative in the document
    assert '"narrative_count"' not in doc
    upgrade(demo_node.database)
    assert demo_node.queries.narrative(CONTROLLER, INCIDENT) == expected
    with demo_node.database.read() as conn:
        assert conn.execute(select(func.count()).select_from(incident_narrative)).scalar_one() >= len(
            expected
        )
    assert demo_node.queries.incident(CONTROLLER, INCIDENT).narrative_count == len(expected)
    assert read_models_match_rebuild(demo_node.database, demo_node.registry) == []
    add(demo_node, "written after the upgrade")
    assert (
        demo_node.queries.narrative(CONTROLLER, INCIDENT)[-1].entry_id == f"{INCIDENT}/L{len(expected) + 1}"
    )
    assert audit_log(demo_node.database, demo_node.registry, demo_node.settings.chain_anchor_file).ok


def test_a_document_of_the_older_shape_is_not_trusted_for_the_count(demo_node: Node):
    """A document still holding the narrative (written by an older node) is folded from the log
    instead: the next entry's id still counts on from the last."""
    count = demo_node.queries.incident(CONTROLLER, INCIDENT).narrative_count
    with demo_node.database.engine.begin() as conn:
        doc = conn.execute(
            select(incident_documents.c.document).where(incident_documents.c.incident_id == INCIDENT)
        ).scalar_one()
        conn.execute(
            incident_documents.update()
            .where(incident_documents.c.incident_id == INCIDENT)
            .values(
                document=doc.replace('"narrative_count"', '"narrative"').replace(
                    f'"narrative":{count}', '"narrative":[]'
                )
            )
        )
    demo_node.bus.handle(CheckIn(incident_id=INCIDENT, remarks="still there"), CONTROLLER)
    add(demo_node, "next")
    assert demo_node.queries.narrative(CONTROLLER, INCIDENT)[-1].entry_id == f"{INCIDENT}/L{count + 1}"


@pytest.mark.browser
def test_the_page_shows_the_latest_entries_and_pages_back_on_request(demo_node: Node, browser):
    for i in range(130):
        add(demo_node, f"entry {i}")
    total = demo_node.queries.incident(CONTROLLER, INCIDENT).narrative_count
    with serving(create_app(demo_node, sweep_alerts=False)) as url:
        _, page = logged_in(browser, url, "controller", "demo-controller")
        page.goto(f"{url}/#/incident/{INCIDENT}")
        page.wait_for_selector(".narrative >> text=entry 129")
        assert page.locator(".narrative .entry").count() == 100
        page.click(f".narrative button.earlier >> text={total - 100} earlier entries: show")
        page.wait_for_function(f"document.querySelectorAll('.narrative .entry').length === {total}")
        assert page.locator(".narrative button.earlier").count() == 0
        oldest = demo_node.queries.narrative(CONTROLLER, INCIDENT, limit=total)[0]
        assert oldest.text in page.locator(".narrative .entry").first.inner_text()


def test_on_either_store_entries_are_kept_paged_and_answered(node: Node, cast, clock: ManualClock):
    """The same on PostgreSQL as on SQLite (its INTEGER is 32 bits: every bound stays inside it)."""
    from jprcc.brokering.commands import ReportIncident
    from tests.test_overload import _report_command

    officer = cast["jfsocc"]
    node.bus.handle(ReportIncident(**_report_command(1)), officer)
    for i in range(130):
        clock.advance(timedelta(seconds=10))
        node.bus.handle(AddNarrativeEntry(incident_id="PR-SLOW1", text=f"entry {i}"), officer)
    latest = node.queries.narrative(officer, "PR-SLOW1")
    assert [e.text for e in latest] == [f"entry {i}" for i in range(30, 130)]
    earlier = node.queries.narrative(officer, "PR-SLOW1", before=31)
    assert [e.text for e in earlier] == [f"entry {i}" for i in range(30)]
    middle = clock.now - timedelta(seconds=10 * 65)
    assert node.queries.narrative(officer, "PR-SLOW1", middle)[-1].text == "entry 64"
    with TestClient(create_app(node, sweep_alerts=False)) as api:
        token = api.post("/api/auth/token", data={"username": "jfsocc", "password": cast.passwords["jfsocc"]})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        answer = api.post("/api/incidents/PR-SLOW1/narrative", json={"text": "over HTTP"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["narrative"][-1]["text"] == "over HTTP"
        assert answer.json()["narrative_total"] == 131


def test_the_cli_writes_and_reads_the_narrative_a_page_at_a_time(tmp_path: Path, demo_snapshot: Path):
    from tests.cli_helpers import demo_cli, run

    for cli in demo_cli(tmp_path, demo_snapshot):
        for i in range(3):
            run(cli, "controller", "incidents", "note", INCIDENT, f"cli entry {i}")
        latest = run(cli, "controller", "incidents", "narrative", INCIDENT, "--limit", "2")
        assert [e["text"] for e in latest] == ["cli entry 1", "cli entry 2"]
        n = int(latest[0]["entry_id"].rsplit("/L", 1)[1])
        before = run(
            cli, "controller", "incidents", "narrative", INCIDENT, "--before", str(n), "--limit", "1"
        )
        assert before[0]["text"] == "cli entry 0"
        table = run(cli, "controller", "incidents", "narrative", INCIDENT, as_json=False)
        assert "cli entry 2" in table
        run(cli, "controller", "incidents", "narrative", INCIDENT, "--limit", "0", code=2, as_json=False)
