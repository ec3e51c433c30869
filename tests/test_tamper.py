"""Tampering by someone who can write to the database but does not hold the node's chain key.

The log's records are sealed with a key kept outside the store (HMAC-SHA256), the chain head names
that key, the node keeps the head it last saw in an anchor file outside the store, and the audit
compares who may see or do what (accounts, roles, incident involvement) with a replay of the log.
Each tampering below verified as "ok" before; each is now detected and named. A log written
before chain keys is verified and sealed once, on the upgrade; its evasion-plan destinations,
once stored in clear, are sealed on the way."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from jprcc.core.keys import ChainKeyRefused
from jprcc.core.maintenance import audit_log
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.core.store.codec import canonical_json, utc
from jprcc.core.store.database import GENESIS_HASH
from jprcc.core.store.sealing import legacy_hash
from jprcc.core.store.tables import events
from tests.conftest import demo_copy, fast_settings

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
JFMCC = Actor("jfmcc", Role.PRCC_OFFICER, "JFMCC")


@pytest.fixture
def demo(tmp_path: Path, demo_snapshot: Path) -> Iterator[Node]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    node.bus.handle(_narrative("the audit's anchor sees this"), DIRECTOR)
    node.anchor.flush()  # (written within 50 ms of a commit; now, for the test)
    yield node
    node.close()


def _narrative(words: str):
    from jprcc.brokering.commands import AddNarrativeEntry

    return AddNarrativeEntry(incident_id="PR-RAVEN21", text=words)


def _audit(node: Node):
    return audit_log(node.database, node.registry, node.settings.chain_anchor_file)


def _sql(node: Node, statement: str, **values) -> None:
    with node.database.engine.begin() as conn:
        conn.execute(text(statement), values)


def _rechain_without_key(node: Node, after: int) -> None:
    """What a tamperer without the key can do: recompute every hash from ``after`` on, as the
    unkeyed chain did, and move the head to the new end."""
    with node.database.engine.begin() as conn:
        rows = conn.execute(select(events).where(events.c.seq >= after).order_by(events.c.seq)).all()
        prev = conn.execute(select(events.c.hash).where(events.c.seq == after - 1)).scalar() or GENESIS_HASH
        for row in rows:
            digest = legacy_hash(prev, row)
            conn.execute(
                text("UPDATE events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": row.seq},
            )
            prev = digest
        conn.execute(text("UPDATE chain_head SET hash = :h WHERE id = 1"), {"h": prev})


class TestTheAuditNamesWhatWasAltered:
    def test_an_untouched_store_passes_the_audit(self, demo: Node):
        verdict = _audit(demo)
        assert verdict.ok, verdict.reason
        assert verdict.records == demo.queries.last_seq()

    def test_an_edited_record_with_every_later_hash_recomputed_is_named(self, demo: Node):
        with demo.database.read() as conn:
            row = conn.execute(
                select(events.c.seq, events.c.payload)
                .where(events.c.event_type == "narrative_entry_added")
                .limit(1)
            ).one()
        payload = json.loads(row.payload)
        payload["text"] = "JOLLY 11 was never tasked"
        _sql(demo, "UPDATE events SET payload = :p WHERE seq = :s", p=canonical_json(payload), s=row.seq)
        _rechain_without_key(demo, row.seq)
        verdict = _audit(demo)
        assert not verdict.ok
        assert verdict.bad_seq == row.seq
        assert "sealed hash" in verdict.reason

    def test_the_last_records_removed_and_the_head_moved_back_are_named(self, demo: Node):
        last = demo.queries.last_seq()
        with demo.database.read() as conn:
            before = conn.execute(select(events.c.hash).where(events.c.seq == last - 2)).scalar_one()
        _sql(demo, "DELETE FROM events WHERE seq > :s", s=last - 2)
        _sql(demo, "UPDATE chain_head SET seq = :s, hash = :h WHERE id = 1", s=last - 2, h=before)
        verdict = _audit(demo)
        assert not verdict.ok
        assert f"reach record {last}" in verdict.reason
        assert "2 records were removed from the end" in verdict.reason

    def test_an_observer_made_director_in_the_database_is_named(self, demo: Node):
        _sql(demo, "UPDATE users SET role = 'jprcc_director' WHERE username = 'observer'")
        verdict = _audit(demo)
        assert not verdict.ok
        assert "users: 1 rows not as the log gives them" in verdict.reason
        assert "observer" in verdict.reason

    def test_a_component_given_an_incident_it_is_not_involved_in_is_named(self, demo: Node):
        with demo.database.read() as conn:
            incident, outsider = conn.execute(
                text(
                    "SELECT i.incident_id, c.component_id FROM incidents i, components c WHERE NOT EXISTS "
                    "(SELECT 1 FROM incident_involvement v WHERE v.incident_id = i.incident_id "
                    "AND v.component_id = c.component_id)"
                )
            ).first()
        _sql(
            demo,
            "INSERT INTO incident_involvement (incident_id, component_id) VALUES (:i, :c)",
            i=incident,
            c=outsider,
        )
        verdict = _audit(demo)
        assert not verdict.ok
        assert "incident_involvement" in verdict.reason

    def test_the_anchor_is_outside_the_store_and_sealed(self, demo: Node):
        anchor = demo.settings.chain_anchor_file
        assert anchor.stat().st_mode & 0o777 == 0o600
        body = json.loads(anchor.read_text())
        assert body["seq"] == demo.queries.last_seq()
        body["seq"] -= 1  # a forged anchor: its seal does not fit
        anchor.write_text(json.dumps(body))
        verdict = _audit(demo)
        assert not verdict.ok
        assert "not sealed with this node's chain key" in verdict.reason

    def test_the_director_sees_the_verdict_over_http_and_the_cli_fails_loudly(self, demo: Node):
        from fastapi.testclient import TestClient

        from jprcc.api.app import create_app

        _sql(demo, "UPDATE users SET role = 'jprcc_director' WHERE username = 'observer'")
        with TestClient(create_app(demo)) as client:
            token = client.post("/api/auth/token", data={"username": "director", "password": "demo-director"})
            assert token.status_code == 200, token.text
            answer = client.get(
                "/api/audit/verify", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
        assert answer.status_code == 200
        assert answer.json()["ok"] is False
        assert "users" in answer.json()["reason"]


class TestTheChainKey:
    def test_the_key_is_made_once_outside_the_store_readable_by_the_node_only(self, tmp_path: Path):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}", data_dir=tmp_path, chain_key=None
        )
        node = bootstrap(settings, migrate=True)
        node.close()
        key_file = tmp_path / "chain.key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        key = settings.effective_chain_key()
        assert settings.effective_chain_key() == key  # made once, then read
        stored = (tmp_path / "j.sqlite3").read_bytes()
        assert key not in stored
        assert key_file.read_text().strip().encode() not in stored

    def test_a_process_with_another_key_refuses_to_start(self, tmp_path: Path, demo_snapshot: Path):
        url = demo_copy(demo_snapshot, tmp_path)
        other = fast_settings(url, tmp_path).model_copy(
            update={"chain_key": "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE="}
        )
        with pytest.raises(ChainKeyRefused, match="same JPRCC_CHAIN_KEY"):
            bootstrap(other, migrate=True)

    def test_a_head_whose_key_was_removed_is_not_sealed_again(self, demo: Node):
        """A tamperer who rewrites the log with the unkeyed hashes and removes the key's id from
        the head, hoping the next start takes it for a log from before chain keys: the anchor
        shows it was sealed, and the node refuses."""
        _rechain_without_key(demo, 1)
        _sql(demo, "UPDATE chain_head SET key_id = NULL WHERE id = 1")
        with pytest.raises(ChainKeyRefused, match="shows this log was sealed"):
            bootstrap(demo.settings, migrate=True)


# --- a log from before chain keys ---------------------------------------------------------------


def _define_epa_model(node: Node) -> None:
    from jprcc.locate.service import Locate
    from jprcc.locate.views import SearchModelIn, define_command

    body = SearchModelIn.model_validate(
        {"movement": {"kind": "evader", "destinations_from_epa": "USA-LINDQVIST"}, "seed": 3}
    )
    command = define_command(node.service(Locate), JFMCC, "PR-RAVEN21", body)
    node.bus.handle(command, JFMCC)


def _map_mean(node: Node, at: datetime) -> tuple[float, float]:
    """The simulation's mean at ``at``: a fixed time, since the picture is drawn for now and the
    survivor walks between two readings."""
    from jprcc.locate.service import Locate
    from jprcc.locate.views import locate_out

    out = locate_out(node.service(Locate), JFMCC, "PR-RAVEN21", at=at)
    return out.mean["lat"], out.mean["lon"]


def _as_before_chain_keys(node: Node, path: Path) -> None:
    """Make the store what a node before chain keys left: the plan's destinations in clear in the
    model, every hash unkeyed SHA-256, a head naming no key, no anchor file."""
    from jprcc.records.sealing import RecordSeal

    seal = node.service(RecordSeal)
    node.close()
    db = sqlite3.connect(path)
    (seq, payload), *_ = db.execute(
        "SELECT seq, payload FROM events WHERE event_type = 'search_model_defined' ORDER BY seq DESC"
    ).fetchall()
    stored = json.loads(payload)
    movement = stored["model"]["movement"]
    opened = seal.open(movement["from_epa"], stored["incident_id"], movement.pop("sealed_destinations"))
    movement["destinations"] = [
        {"name": d["name"], "position": {"lat": d["lat"], "lon": d["lon"]}, "weight": d["weight"]}
        for d in opened
    ]
    db.execute("UPDATE events SET payload = ? WHERE seq = ?", (canonical_json(stored), seq))
    db.commit()
    db.close()
    _unkeyed(path, node.settings.chain_anchor_file)


def _unkeyed(path: Path, anchor: Path) -> None:
    """Every hash unkeyed SHA-256, the head naming no key, no anchor file."""
    db = sqlite3.connect(path)
    prev = GENESIS_HASH
    for row in db.execute(
        "SELECT seq, event_id, node_id, stream_id, stream_version, event_type, recorded_at, actor, payload "
        "FROM events ORDER BY seq"
    ).fetchall():
        record = _Row(*row)
        digest = legacy_hash(prev, record)
        db.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, record.seq))
        prev = digest
    db.execute("UPDATE chain_head SET hash = ?, key_id = NULL WHERE id = 1", (prev,))
    db.commit()
    db.close()
    os.unlink(anchor)


class _Row:
    def __init__(
        self, seq, event_id, node_id, stream_id, stream_version, event_type, recorded_at, actor, payload
    ):
        self.seq, self.event_id, self.node_id, self.stream_id = seq, event_id, node_id, stream_id
        self.stream_version, self.event_type, self.actor, self.payload = (
            stream_version,
            event_type,
            actor,
            payload,
        )
        self.recorded_at = utc(datetime.fromisoformat(recorded_at))


class TestALogFromBeforeChainKeys:
    def test_is_verified_and_sealed_once_on_the_upgrade_its_plan_destinations_sealed(
        self, tmp_path: Path, demo_snapshot: Path
    ):
        url = demo_copy(demo_snapshot, tmp_path)
        settings = fast_settings(url, tmp_path)
        node = bootstrap(settings, migrate=True)
        _define_epa_model(node)
        at = node.queries.clock()
        mean = _map_mean(node, at)
        records = node.queries.last_seq()
        _as_before_chain_keys(node, tmp_path / "demo.sqlite3")
        clear = (tmp_path / "demo.sqlite3").read_bytes()
        assert b"LZ FALCON" in clear  # (the legacy store, as it was)

        node = bootstrap(settings, migrate=True)
        try:
            verdict = _audit(node)
            assert verdict.ok, verdict.reason
            assert verdict.records == records + 1
            with node.database.read() as conn:
                sealed = conn.execute(select(events).where(events.c.seq == records + 1)).one()
                model = (
                    conn.execute(
                        select(events.c.payload)
                        .where(events.c.event_type == "search_model_defined")
                        .order_by(events.c.seq.desc())
                    )
                    .scalars()
                    .first()
                )
            assert sealed.event_type == "chain.log_sealed"
            said = json.loads(sealed.payload)
            assert said["records"] == records
            assert said["rewritten"] == 1
            assert "LZ FALCON" not in model
            assert "40.02" not in model
            # the simulation is exactly what it was: the same destinations, in the same order
            assert _map_mean(node, at) == pytest.approx(mean, abs=2e-6)
            assert node.queries.incident(DIRECTOR, "PR-RAVEN21").search.model.movement.sealed_destinations
        finally:
            node.close()

    def test_that_does_not_verify_is_not_sealed_and_the_record_is_named(
        self, tmp_path: Path, demo_snapshot: Path
    ):
        url = demo_copy(demo_snapshot, tmp_path)
        settings = fast_settings(url, tmp_path)
        node = bootstrap(settings, migrate=True)
        node.bus.handle(_narrative("one more"), DIRECTOR)
        node.close()
        _unkeyed(tmp_path / "demo.sqlite3", node.settings.chain_anchor_file)
        db = sqlite3.connect(tmp_path / "demo.sqlite3")
        db.execute("UPDATE events SET actor = 'someone else' WHERE seq = 17")
        db.commit()
        db.close()
        with pytest.raises(ChainKeyRefused, match="does not verify at record 17"):
            bootstrap(settings, migrate=True)


def test_on_either_store_an_edited_record_and_a_role_changed_in_the_database_are_named(node: Node, cast):
    assert _audit(node).ok
    with node.database.read() as conn:
        actor = conn.execute(select(events.c.actor).where(events.c.seq == 3)).scalar_one()
    _sql(node, "UPDATE events SET actor = 'nobody' WHERE seq = 3")
    _rechain_without_key(node, 3)
    verdict = _audit(node)
    assert (verdict.ok, verdict.bad_seq) == (False, 3)
    assert "sealed hash" in verdict.reason

    _sql(node, "UPDATE events SET actor = :a WHERE seq = 3", a=actor)
    _rechain_with_the_key(node)  # (the log restored as it was; only the role is changed now)
    _sql(node, "UPDATE users SET role = 'jprcc_director' WHERE username = 'observer'")
    verdict = _audit(node)
    assert not verdict.ok
    assert "users: 1 rows not as the log gives them" in verdict.reason


def _rechain_with_the_key(node: Node) -> None:
    from jprcc.core.store.event_log import stored_hash

    with node.database.engine.begin() as conn:
        prev = GENESIS_HASH
        for row in conn.execute(select(events).order_by(events.c.seq)).all():
            digest = stored_hash(node.database.chain_key, prev, row)
            conn.execute(
                text("UPDATE events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": row.seq},
            )
            prev = digest
        conn.execute(text("UPDATE chain_head SET hash = :h WHERE id = 1"), {"h": prev})


def test_a_burst_of_commits_is_anchored_once_within_a_moment(demo: Node):
    import time

    anchor = demo.settings.chain_anchor_file
    writes = []
    original = demo.anchor.flush

    def counted() -> None:
        writes.append(1)
        original()

    demo.anchor.flush = counted  # type: ignore[method-assign]
    for i in range(30):
        demo.bus.handle(_narrative(f"burst {i}"), DIRECTOR)
    deadline = time.monotonic() + 2
    while json.loads(anchor.read_text())["seq"] != demo.queries.last_seq() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert json.loads(anchor.read_text())["seq"] == demo.queries.last_seq()
    assert len(writes) < 30


def test_the_cli_names_the_failed_audit_and_a_process_with_another_key(demo: Node):
    from typer.testing import CliRunner

    from jprcc.cli import app
    from jprcc.cli.common import state

    _sql(demo, "UPDATE users SET role = 'jprcc_director' WHERE username = 'observer'")
    runner = CliRunner()
    env = {"JPRCC_DATA_DIR": str(demo.settings.data_dir), "JPRCC_DATABASE_URL": demo.settings.database_url}
    try:
        state.node = None
        failed = runner.invoke(app, ["audit", "verify"], env=env)
        assert failed.exit_code == 5
        assert "AUDIT FAILED" in failed.output
        assert "users" in failed.output
        state.node.close()
        state.node = None
        other = {**env, "JPRCC_CHAIN_KEY": "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE="}
        refused = runner.invoke(app, ["audit", "verify"], env=other)
        assert refused.exit_code == 2
        assert "chain key" in " ".join(refused.output.split())
        assert "same JPRCC_CHAIN_KEY" in " ".join(refused.output.split())
    finally:
        if state.node is not None:
            state.node.close()
        state.node = None


def test_a_records_seal_is_the_hmac_the_log_documents():
    """HMAC-SHA256 under the chain key of the previous hash, a newline, and the canonical JSON of
    (seq, event id, node, stream, version, type, time, actor, payload): written out here by hand,
    so that a seal computed over another body, or another way, is caught, not only a tampered row."""
    import hashlib
    import hmac
    from datetime import timedelta, timezone

    from jprcc.core.store.event_log import chain_hash, stored_hash

    key, prev = b"k" * 32, "ab" * 32
    at = datetime(2026, 12, 7, 3, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
    payload = '{"text":"Zoë\\n"}'
    body = (
        '[7,"e-1","node-a","incident:PR-1",3,"NarrativeEntryAdded",'
        '"2026-12-07T01:02:03.000004+00:00","zoë","{\\"text\\":\\"Zoë\\\\n\\"}"]'
    )
    expected = hmac.new(key, f"{prev}\n{body}".encode(), hashlib.sha256).hexdigest()
    fields = {
        "seq": 7,
        "event_id": "e-1",
        "node_id": "node-a",
        "stream_id": "incident:PR-1",
        "stream_version": 3,
        "event_type": "NarrativeEntryAdded",
        "recorded_at": at,
        "actor": "zoë",
        "payload": payload,
    }
    assert chain_hash(key, prev, **fields) == expected

    class Row:
        pass

    row = Row()
    row.__dict__.update(fields)
    assert stored_hash(key, prev, row) == expected
    assert chain_hash(b"x" * 32, prev, **fields) != expected
