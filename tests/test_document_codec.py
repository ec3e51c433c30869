"""The incident's document is written by orjson on every command, and must be the bytes pydantic
writes for the same incident: the document is read back by pydantic, compared with rebuilds, and
stored by older nodes in pydantic's form. Checked on every incident of the demo theater (every
stage a case reaches, polls, nominations, directives, captivity, closure) and on the values where
two JSON writers differ: escapes, non-ASCII, offsets, whole seconds, floats, keys that are enums."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from pydantic import TypeAdapter
from sqlalchemy import select

from jprcc.brokering.incident import Incident
from jprcc.core.model import Position
from jprcc.core.node import bootstrap
from jprcc.core.store.codec import _ORJSON, decode_incident, encode_incident
from jprcc.core.store.tables import incident_documents
from tests.conftest import demo_copy, fast_settings

PYDANTIC = TypeAdapter(Incident)


@pytest.fixture(scope="module")
def theater(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> dict[str, Incident]:
    folder = tmp_path_factory.mktemp("codec")
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, folder), folder), migrate=True)
    try:
        with node.database.read() as conn:
            rows = conn.execute(select(incident_documents.c.incident_id, incident_documents.c.document)).all()
    finally:
        node.close()
    return {iid: decode_incident(document) for iid, document in rows}


def pydantic_writes(incident: Incident) -> str:
    return PYDANTIC.dump_json(incident).decode()


def test_every_incident_of_the_theater_is_written_as_pydantic_writes_it(theater: dict[str, Incident]):
    assert len(theater) >= 10
    stages = {i.stage for i in theater.values()}
    assert len(stages) >= 4  # the theater holds cases at many stages, not one shape of document
    for incident in theater.values():
        written = encode_incident(incident)
        assert written == pydantic_writes(incident), incident.incident_id
        assert orjson.dumps(incident, option=_ORJSON).decode() == written  # (not pydantic's fallback)
        assert decode_incident(written) == incident


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda i: replace(i, title='a "quoted" \\ title\n\ttabbed \x01\x1f'), id="escapes"),
        pytest.param(lambda i: replace(i, summary="Čača — Ålesund 北京 😀 \u2028\u2029"), id="non-ascii"),
        pytest.param(
            lambda i: replace(i, reported_at=i.reported_at.replace(microsecond=0)), id="whole-seconds"
        ),
        pytest.param(
            lambda i: replace(i, reported_at=i.reported_at.astimezone(timezone(timedelta(hours=2)))),
            id="offset",
        ),
        pytest.param(lambda i: replace(i, position=Position(0.1 + 0.2, -179.99999999999997)), id="floats"),
        pytest.param(lambda i: replace(i, uncertainty_m=1e-7), id="small-float"),
        pytest.param(lambda i: replace(i, uncertainty_m=1e22), id="large-float"),
        pytest.param(lambda i: replace(i, check_in_interval_s=2**70), id="past-64-bits"),
        pytest.param(lambda i: replace(i, tasks={}), id="no-tasks"),
    ],
)
def test_values_where_json_writers_differ_are_written_as_pydantic_writes_them(theater, change):
    for incident in (theater["PR-RAVEN21"], theater["PR-HAWK31"]):
        changed = change(incident)
        assert encode_incident(changed) == pydantic_writes(changed)


def test_times_are_written_in_utc_with_a_z_as_pydantic_writes_them(theater):
    incident = replace(theater["PR-HAWK31"], last_update_at=datetime(2026, 12, 6, 3, 0, tzinfo=UTC))
    written = encode_incident(incident)
    assert '"last_update_at":"2026-12-06T03:00:00Z"' in written
    assert written == pydantic_writes(incident)
