"""Backups and restore: a backup taken while the node writes restores into a store whose chain
verifies and whose read models equal a rebuild from the log, on SQLite and PostgreSQL; the vault key
is never in a backup; a damaged or foreign file, or a store that already holds events, is refused by
name. And the read models never lag the log: after the whole demo they equal a rebuild."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from jprcc.core.backup import backup, read_manifest, restore
from jprcc.core.clock import ManualClock
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.core.store.audit import read_models_match_rebuild, verify_chain
from tests.conftest import Cast, demo_copy, fast_settings, load_theater, make_node

NARRATOR = Actor("controller", Role.JPRCC_CONTROLLER)


def _all():
    from jprcc.core.board import BoardFilter

    return BoardFilter(include_closed=True, limit=500)


def narrate(node: Node, n: int) -> None:
    from jprcc.brokering.commands import AddNarrativeEntry

    for i in range(n):
        node.bus.handle(AddNarrativeEntry(incident_id="PR-RAVEN21", text=f"entry {i}"), NARRATOR)


class TestTheReadModelsNeverLagTheLog:
    def test_after_the_whole_demo_every_read_model_equals_a_rebuild(self, demo_node: Node):
        assert verify_chain(demo_node.database).ok
        assert read_models_match_rebuild(demo_node.database, demo_node.registry) == []

    def test_each_incident_s_stored_document_is_the_log_folded_so_a_command_may_start_from_it(
        self, demo_node: Node
    ):
        """The unit of work starts an incident from its document and the events after it (instead
        of the whole stream): the document must be exactly the fold of the log, version included."""
        from jprcc.brokering.projections import incident_snapshot

        with demo_node.database.read() as conn:
            ids = [r.incident_id for r in demo_node.queries.board(NARRATOR, _all()).rows]
            assert len(ids) >= 8
            for incident_id in ids:
                records = list(demo_node.queries.log(conn).read(stream_id=f"incident:{incident_id}"))
                folded = demo_node.registry.fold("incident", (r.event for r in records))
                snapshot, version, latest = incident_snapshot(conn, incident_id)
                assert version == records[-1].stream_version
                assert latest
                assert snapshot == folded, incident_id

    def test_an_aircraft_is_free_again_once_the_last_person_it_carried_is_handed_aboard(
        self, demo_node: Node
    ):
        """SPARTAN 3's three soldiers were handed aboard JOLLY 11 two days ago: the support
        relationship ended then, and neither JOLLY 11 nor MEDEVAC 7 is still shown tasked to it."""
        tasked = {a.asset.asset_id: a.tasked_incident_id for a in demo_node.queries.assets(None)}
        assert tasked["JOLLY-11"] != "PR-SPARTAN3"
        assert tasked["MEDEVAC-7"] != "PR-SPARTAN3"
        spartan = demo_node.queries.incident(NARRATOR, "PR-SPARTAN3")
        assert all(r.end is not None for r in spartan.relationships)
        shown = [r for r in demo_node.queries.relationships(NARRATOR) if r.incident_id == "PR-SPARTAN3"]
        assert shown
        assert all(r.end is not None for r in shown)


class TestBackupAndRestore:
    def test_a_backup_taken_while_the_node_writes_restores_whole(self, demo_node: Node, tmp_path: Path):
        stop = threading.Event()

        def keep_writing() -> None:
            while not stop.is_set():
                narrate(demo_node, 1)

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            manifest = backup(demo_node.database, demo_node.settings.node_id, tmp_path / "b.tar")
        finally:
            stop.set()
            writer.join()
        assert manifest.store == "sqlite"
        assert manifest.events >= 226
        assert "vault master key is not in this backup" in manifest.vault_key
        with tarfile.open(tmp_path / "b.tar") as archive:
            names = archive.getnames()
        assert names == ["manifest.json", "store.sqlite3"]
        assert (tmp_path / "b.tar").stat().st_mode & 0o777 == 0o600
        assert not any("vault" in n for n in names)
        target = tmp_path / "restored"
        target.mkdir()
        fresh = bootstrap(fast_settings(f"sqlite:///{target / 'jprcc.sqlite3'}", target), migrate=True)
        try:
            restored = restore(tmp_path / "b.tar", fresh.database, fresh.registry)
            assert restored.ok, (restored.chain_reason, restored.differences)
            assert restored.records == manifest.events
            assert fresh.queries.last_seq() == manifest.events
            assert (
                fresh.queries.incident(NARRATOR, "PR-RAVEN21").title
                == demo_node.queries.incident(NARRATOR, "PR-RAVEN21").title
            )
        finally:
            fresh.close()

    def test_restore_refuses_a_store_with_events_a_damaged_file_and_a_stranger(
        self, demo_node: Node, tmp_path: Path
    ):
        backup(demo_node.database, demo_node.settings.node_id, tmp_path / "b.tar")
        with pytest.raises(RuleViolation, match="never overwrites"):
            backup(demo_node.database, demo_node.settings.node_id, tmp_path / "b.tar")
        with pytest.raises(RuleViolation, match="already holds events"):
            restore(tmp_path / "b.tar", demo_node.database, demo_node.registry)
        manifest = read_manifest(tmp_path / "b.tar")
        damaged = tmp_path / "damaged.tar"
        with tarfile.open(tmp_path / "b.tar") as source, tarfile.open(damaged, "w") as out:
            for member in source.getmembers():
                data = source.extractfile(member).read()
                if member.name == manifest.member:
                    data = data[:-4096] + b"\0" * 4096
                member.size = len(data)
                out.addfile(member, io.BytesIO(data))
        empty = tmp_path / "empty"
        empty.mkdir()
        fresh = bootstrap(fast_settings(f"sqlite:///{empty / 'jprcc.sqlite3'}", empty), migrate=True)
        try:
            with pytest.raises(RuleViolation, match="damaged"):
                restore(damaged, fresh.database, fresh.registry)
            stranger = tmp_path / "notes.tar"
            with tarfile.open(stranger, "w") as out:
                body = json.dumps({"format": "something else"}).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(body)
                out.addfile(info, io.BytesIO(body))
            with pytest.raises(RuleViolation, match="not a jprcc-backup/1 backup"):
                restore(stranger, fresh.database, fresh.registry)
            (tmp_path / "plain.txt").write_text("hello")
            with pytest.raises(RuleViolation, match="not a jprcc backup") as refused:
                restore(tmp_path / "plain.txt", fresh.database, fresh.registry)
            assert refused.value.field == "file"
            assert fresh.queries.last_seq() == 0  # nothing was put in
        finally:
            fresh.close()

    @pytest.mark.postgres
    def test_on_postgresql_pg_dump_and_pg_restore_give_back_the_store(
        self, postgres_url: str, tmp_path: Path, clock: ManualClock
    ):
        from tests.conftest import _empty_postgres

        _empty_postgres(postgres_url)
        node = make_node(postgres_url, tmp_path, clock)
        try:
            cast: Cast = load_theater(node, clock)
            _report(node, cast, clock)
            narrate(node, 20)
            before = node.queries.last_seq()
            manifest = backup(node.database, node.settings.node_id, tmp_path / "pg.tar")
            assert manifest.store == "postgresql"
            assert manifest.events == before
            _empty_postgres(postgres_url)  # the disaster
            assert node.queries.last_seq() == 0
            restored = restore(tmp_path / "pg.tar", node.database, node.registry, force=True)
            assert restored.ok, (restored.chain_reason, restored.differences)
            assert node.queries.last_seq() == before
            assert node.queries.incident(NARRATOR, "PR-RAVEN21").title == "RAVEN 21"
            narrate(node, 1)  # and it takes writes again, chained to what was restored
            assert verify_chain(node.database).ok
        finally:
            node.close()

    def test_a_backup_of_one_kind_is_not_restored_into_the_other(self, demo_node: Node, tmp_path: Path):
        backup(demo_node.database, demo_node.settings.node_id, tmp_path / "b.tar")
        manifest = read_manifest(tmp_path / "b.tar")
        assert manifest.store == "sqlite"
        from jprcc.core.store.database import Database

        class Pretend(Database):
            @property
            def is_sqlite(self) -> bool:
                return False

        fake = Pretend(f"sqlite:///{tmp_path / 'x.sqlite3'}")
        try:
            with pytest.raises(RuleViolation, match="this node's store is postgresql"):
                restore(tmp_path / "b.tar", fake, demo_node.registry)
        finally:
            fake.dispose()


def _report(node: Node, cast: Cast, clock: ManualClock) -> None:
    from datetime import UTC, datetime

    from jprcc.brokering.commands import ReportIncident
    from jprcc.core.model import Environment, Position, ReportChannel, SourceConfidence
    from jprcc.core.values import PersonReport

    node.bus.handle(
        ReportIncident(
            incident_id="PR-RAVEN21",
            title="RAVEN 21",
            owning_component="JFACC",
            isolating_event_at=datetime(2026, 11, 25, 1, tzinfo=UTC),
            position=Position(40.0, 9.3),
            uncertainty_m=500.0,
            channel=ReportChannel.BEACON,
            source_confidence=SourceConfidence.CONFIRMED,
            environment=Environment.LAND,
            persons=(PersonReport(name="Capt A", service="USAF", component_id="JFACC", unit="494 FS"),),
        ),
        cast["jfacc"],
    )
    clock.advance(timedelta(minutes=1))


def test_the_cli_backs_up_and_restores(demo_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from jprcc.cli import app, state

    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    demo_copy(demo_snapshot, source, "jprcc.sqlite3")
    runner = CliRunner()
    monkeypatch.setenv("JPRCC_DATA_DIR", str(source))
    state.node = None
    taken = runner.invoke(app, ["backup", str(tmp_path / "nightly.tar")])
    assert taken.exit_code == 0, taken.output
    assert "backup written" in taken.output
    assert "vault master key is not in this backup" in taken.output
    checked = runner.invoke(app, ["db", "check"])
    assert checked.exit_code == 0, checked.output
    assert "every read model equals a rebuild" in checked.output
    monkeypatch.setenv("JPRCC_DATA_DIR", str(target))
    if state.node is not None:
        state.node.close()
    state.node = None
    put_back = runner.invoke(app, ["restore", str(tmp_path / "nightly.tar")])
    assert put_back.exit_code == 0, put_back.output
    assert "chain intact" in put_back.output
    again = runner.invoke(app, ["restore", str(tmp_path / "nightly.tar")])
    assert again.exit_code != 0
    assert "already holds events" in again.output
    if state.node is not None:
        state.node.close()
    state.node = None
