"""The store contract: the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text, update

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.core.queries import BoardFilter
from jprcc.core.store.audit import rebuild_read_models, verify_chain
from jprcc.core.store.event_log import EventLog
from jprcc.core.store.migrate import current_revision, head_revision
from jprcc.core.store.tables import (
    events,
    incident_documents,
    incident_involvement,
    incidents,
    metadata,
    relationships,
    turns,
)
from tests import article


def test_the_event_log_offers_append_and_reads_and_nothing_else():
    public = {
        name for name, _ in inspect.getmembers(EventLog, inspect.isfunction) if not name.startswith("_")
    }
    assert public == {"append", "read", "read_versions"}  # never an update, never a delete


def test_migrations_and_models_agree(node):
    assert current_revision(node.database) == head_revision(node.database)
    with node.database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


class TestTheLog:
    def test_every_record_is_chained_and_the_chain_verifies(self, node, cast, clock):
        article.to_close(node, cast, clock)
        verdict = verify_chain(node.database)
        assert verdict.ok, verdict.reason
        assert verdict.records == node.queries.last_seq()

    def test_changing_one_stored_event_names_that_record(self, node, cast, clock):
        article.to_directive(node, cast, clock)
        with node.database.engine.begin() as conn:
            seq, event_id = conn.execute(
                select(events.c.seq, events.c.event_id).where(events.c.event_type == "nomination_approved")
            ).one()
            conn.execute(
                update(events)
                .where(events.c.seq == seq)
                .values(payload=text("replace(payload, 'JFMCC', 'JFACC')"))
            )
        verdict = verify_chain(node.database)
        assert not verdict.ok
        assert (verdict.bad_seq, verdict.bad_event_id) == (seq, event_id)
        assert "altered" in verdict.reason

    def test_deleting_a_record_in_the_middle_is_found(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        with node.database.engine.begin() as conn:
            conn.execute(events.delete().where(events.c.seq == 10))
        verdict = verify_chain(node.database)
        assert not verdict.ok
        assert verdict.bad_seq == 11
        assert "gap" in verdict.reason

    def test_cutting_records_off_the_end_is_found(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        last = node.queries.last_seq()
        with node.database.engine.begin() as conn:
            conn.execute(events.delete().where(events.c.seq == last))
        verdict = verify_chain(node.database)
        assert not verdict.ok
        assert "removed from the end" in verdict.reason

    def test_a_stream_version_cannot_be_written_twice(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        with node.database.engine.connect() as conn:
            row = conn.execute(
                select(events)
                .where(events.c.stream_id == f"incident:{article.INCIDENT}")
                .order_by(events.c.seq.desc())
            ).first()
            assert row is not None
            copy = dict(row._mapping) | {"seq": 99_999, "event_id": "duplicate"}
            with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
                conn.execute(events.insert().values(**copy))
            conn.rollback()


class TestReadModels:
    def test_read_models_rebuilt_from_the_log_equal_the_live_ones(self, node, cast, clock):
        article.to_close(node, cast, clock)
        article.to_directive(node, cast, clock, "PR-OPEN")

        def snapshot() -> tuple[list[tuple[object, ...]], ...]:
            with node.database.read() as conn:
                return tuple(
                    sorted(tuple(r) for r in conn.execute(select(table)))
                    for table in (incidents, incident_involvement, incident_documents, relationships, turns)
                )

        live = snapshot()
        assert live[-1], "the open incident waits on someone: the turns read model holds it"
        assert rebuild_read_models(node.database, node.registry) == node.queries.last_seq()
        assert snapshot() == live

    def test_the_board_shows_open_incidents_with_counts_per_stage(self, node, cast, clock):
        article.to_poll(node, cast, clock, "PR-A")
        article.to_directive(node, cast, clock, "PR-B")
        board = node.queries.board(cast["controller"], BoardFilter())
        assert {r.incident_id for r in board.rows} == {"PR-A", "PR-B"}
        assert board.counts == {"capability_poll": 1, "directive_in_force": 1}
        only = node.queries.board(cast["controller"], BoardFilter(stage=Stage.DIRECTIVE_IN_FORCE))
        assert [r.incident_id for r in only.rows] == ["PR-B"]

    def test_component_officers_see_only_incidents_that_involve_them(self, node, cast, clock):
        node.bus.handle(article.report_command("PR-SOF", clock), cast["jfsocc"])
        board = node.queries.board(cast["jflcc"], BoardFilter())
        assert board.rows == []
        node.bus.handle(
            cmd.RequestAssistance(
                incident_id="PR-SOF", reason="r", capabilities_needed=(), cannot_recover=True
            ),
            cast["jfsocc"],
        )
        node.bus.handle(
            cmd.OpenCapabilityPoll(
                incident_id="PR-SOF", component_ids=("JFLCC",), capabilities_needed=(article.Capability.ISR,)
            ),
            cast["controller"],
        )
        assert [r.incident_id for r in node.queries.board(cast["jflcc"], BoardFilter()).rows] == ["PR-SOF"]


class TestReplay:
    def test_an_incident_can_be_replayed_as_of_any_past_time(self, node, cast, clock):
        article.to_poll(node, cast, clock)
        polled_at = clock.now
        clock.advance(timedelta(minutes=1))
        article.answer_all(node, cast, clock)
        article.nominate(node, cast, clock)
        then = node.queries.incident(cast["controller"], article.INCIDENT, as_of=polled_at)
        now = node.queries.incident(cast["controller"], article.INCIDENT)
        assert then.stage is Stage.CAPABILITY_POLL
        assert then.poll is not None
        assert then.poll.answers == {}
        assert now.stage is Stage.NOMINATED
        assert now.version > then.version


def test_the_involvement_migration_keeps_what_each_incident_involved(tmp_path):
    """An incident stored before the join table keeps the components it involved."""
    from jprcc.core.store.database import Database
    from jprcc.core.store.migrate import upgrade

    database = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(database, "0005")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incidents (incident_id, title, stage, owning_component, priority, environment, "
                "isolating_event_at, reported_at, last_update_at, check_in_interval_s, overdue_alerted, "
                "lat, lon, uncertainty_m, persons_count, duty_statuses, tasks, involved, is_open, version) "
                "VALUES ('PR-OLD', 't', 'reported', 'JFSOCC', 1, 'land', '2026-11-25 02:00:00', "
                "'2026-11-25 02:00:00', '2026-11-25 02:00:00', 1800, 0, 40, 9, 100, 1, 'isolated', '{}', "
                "',JFACC,JFSOCC,', 1, 1)"
            )
        )
    upgrade(database)
    with database.read() as conn:
        rows = (
            conn.execute(select(incident_involvement.c.component_id).order_by("component_id")).scalars().all()
        )
        columns = [
            c["name"] for c in MigrationContext.configure(conn).impl.dialect.get_columns(conn, "incidents")
        ]
    database.dispose()
    assert rows == ["JFACC", "JFSOCC"]
    assert "involved" not in columns
