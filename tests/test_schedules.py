"""Standing releases: the daily summary for the JFC released by the clock at its time, each due time
exactly once (however many processes try, however long the node was down), kept in the log as a
person's release is, and written to the outbox for the message system with the hash it was
released under."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.errors import Conflict, NotAuthorized, RuleViolation
from jprcc.core.node import Node
from jprcc.publishing import commands as cmd
from jprcc.publishing.schedule import SCHEDULER, Outbox, release_due, schedules
from jprcc.publishing.service import Publisher
from tests.conftest import Cast, make_node


def at_next(clock: ManualClock, hour: int) -> datetime:
    """The next time of day ``hour``:00Z after the clock."""
    t = clock.now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return t if t > clock.now else t + timedelta(days=1)


def schedule_daily(node: Node, actor, first_at: datetime, every_h: float = 24.0) -> str:
    command = cmd.ScheduleMessage(
        kind="daily_summary", first_at=first_at, every_h=every_h, recipients=("JFC", "J3")
    )
    return node.bus.handle(command, actor).value


def released(node: Node) -> list:
    return [m for m in node.service(Publisher).released(SCHEDULER) if m.kind == "daily_summary"]


class TestTheDailySummary:
    def test_is_released_by_the_clock_at_its_time_then_every_day_once(
        self, node: Node, cast: Cast, clock: ManualClock
    ):
        first = at_next(clock, 6)
        schedule_id = schedule_daily(node, cast["controller"], first)
        assert release_due(node) == 0  # not yet
        clock.now = first - timedelta(seconds=1)
        assert node.next_timer() == first
        assert release_due(node) == 0
        clock.now = first + timedelta(seconds=30)
        assert node.run_timers() == 1
        assert release_due(node) == 0  # that due time is done
        (message,) = released(node)
        assert message.released_by == "scheduler"
        assert message.recipients == ["JFC", "J3"]
        assert message.sha256 == hashlib.sha256(message.text.encode()).hexdigest()
        assert "DAILY PR SUMMARY" in message.text.upper()
        (s,) = schedules(node.database)
        assert s.last_due == first
        assert s.last_message_id == message.message_id
        clock.now = first + timedelta(hours=23, minutes=59)
        assert release_due(node) == 0
        clock.now = first + timedelta(days=1, minutes=1)
        assert release_due(node) == 1
        assert len(released(node)) == 2
        with node.database.read() as conn:
            timeline = [
                r.event.type_name for r in node.queries.log(conn).read(stream_id=f"schedule:{schedule_id}")
            ]
        assert timeline == ["message_scheduled", "scheduled_message_released", "scheduled_message_released"]

    def test_a_node_down_over_several_due_times_releases_only_the_latest(
        self, node: Node, cast: Cast, clock: ManualClock
    ):
        first = at_next(clock, 6)
        schedule_daily(node, cast["controller"], first)
        clock.now = first + timedelta(days=3, hours=2)
        assert release_due(node) == 1
        (s,) = schedules(node.database)
        assert s.last_due == first + timedelta(days=3)

    def test_a_due_time_is_released_once_however_often_it_is_asked(
        self, node: Node, cast: Cast, clock: ManualClock
    ):
        first = at_next(clock, 6)
        schedule_id = schedule_daily(node, cast["controller"], first)
        clock.now = first
        again = cmd.ReleaseMessage(
            kind="daily_summary", recipients=("JFC", "J3"), schedule_id=schedule_id, due_at=first
        )
        node.bus.handle(again, SCHEDULER)
        with pytest.raises(Conflict, match="already released"):
            node.bus.handle(again, SCHEDULER)
        with pytest.raises(RuleViolation, match="not due") as early:
            node.bus.handle(
                cmd.ReleaseMessage(
                    kind="daily_summary",
                    recipients=("JFC", "J3"),
                    schedule_id=schedule_id,
                    due_at=first + timedelta(days=1),
                ),
                SCHEDULER,
            )
        assert early.value.field == "due_at"
        with pytest.raises(RuleViolation, match="its own recipients"):
            node.bus.handle(
                cmd.ReleaseMessage(
                    kind="daily_summary", recipients=("ANYONE",), schedule_id=schedule_id, due_at=first
                ),
                SCHEDULER,
            )
        assert len(released(node)) == 1

    def test_two_processes_on_one_store_release_it_once(
        self, store_url: str, node: Node, cast: Cast, clock: ManualClock, tmp_path: Path
    ):
        first = at_next(clock, 6)
        schedule_daily(node, cast["controller"], first)
        clock.now = first + timedelta(minutes=1)
        other = make_node(store_url, tmp_path / "other", clock)
        try:
            counts: list[int] = []
            barrier = threading.Barrier(2)

            def run(n: Node) -> None:
                barrier.wait()
                counts.append(release_due(n))

            threads = [threading.Thread(target=run, args=(n,)) for n in (node, other)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            other.close()
        assert sorted(counts) == [0, 1]
        assert len(released(node)) == 1

    def test_a_cancelled_schedule_releases_nothing_more(self, node: Node, cast: Cast, clock: ManualClock):
        first = at_next(clock, 6)
        schedule_id = schedule_daily(node, cast["controller"], first)
        node.bus.handle(cmd.CancelSchedule(schedule_id=schedule_id), cast["director"])
        clock.now = first + timedelta(hours=1)
        assert release_due(node) == 0
        assert node.next_timer() is None
        assert released(node) == []
        with pytest.raises(Conflict, match="already cancelled"):
            node.bus.handle(cmd.CancelSchedule(schedule_id=schedule_id), cast["director"])
        (s,) = schedules(node.database, include_cancelled=True)
        assert s.cancelled_at is not None


class TestScheduling:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"kind": "sitrep"}, "kind"),
            ({"kind": "no_such_kind"}, "kind"),
            ({"every_h": 0.5}, "every_h"),
            ({"every_h": 500}, "every_h"),
            ({"first_at": datetime(2026, 12, 6, 6)}, "first_at"),
            ({"recipients": ()}, "recipients"),
            ({"recipients": ("JFC\u202e",)}, "recipients"),
            ({"line_length": 20}, "line_length"),
        ],
    )
    def test_a_schedule_that_cannot_run_is_refused_naming_the_field(
        self, sqlite_node: Node, sqlite_cast: Cast, change: dict, field: str
    ):
        base = {
            "kind": "daily_summary",
            "first_at": datetime(2026, 12, 6, 6, tzinfo=UTC),
            "recipients": ("JFC",),
        }
        with pytest.raises(RuleViolation) as refused:
            sqlite_node.bus.handle(cmd.ScheduleMessage(**(base | change)), sqlite_cast["controller"])
        assert refused.value.field == field
        assert schedules(sqlite_node.database) == []

    def test_only_the_jprcc_schedules(self, sqlite_node: Node, sqlite_cast: Cast):
        for who in ("jfacc", "observer", "jfc", "lno-jfmcc"):
            with pytest.raises(NotAuthorized):
                schedule_daily(sqlite_node, sqlite_cast[who], datetime(2026, 12, 6, 6, tzinfo=UTC))


class TestTheOutbox:
    def test_every_release_is_written_whole_with_its_envelope_and_the_hash_it_was_released_under(
        self, sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock, tmp_path: Path
    ):
        first = at_next(clock, 6)
        schedule_daily(sqlite_node, sqlite_cast["controller"], first)
        clock.now = first
        release_due(sqlite_node)
        by_hand = sqlite_node.bus.handle(
            cmd.ReleaseMessage(kind="theater_sitrep", recipients=("JFC",)), sqlite_cast["controller"]
        ).value
        sqlite_node.dispatcher.drain()
        box = sqlite_node.settings.effective_outbox_dir
        assert box == tmp_path / "outbox"
        for m in sqlite_node.service(Publisher).released(SCHEDULER):
            text = (box / f"{m.message_id}.txt").read_bytes()
            envelope = json.loads((box / f"{m.message_id}.json").read_text())
            assert hashlib.sha256(text).hexdigest() == m.sha256 == envelope["sha256"]
            assert envelope["recipients"] == m.recipients
            assert envelope["kind"] == m.kind
            assert oct((box / f"{m.message_id}.txt").stat().st_mode & 0o777) == "0o600"
        assert (box / f"{by_hand}.txt").exists()
        assert not list(box.glob(".*partial"))

    def test_a_message_handed_over_twice_is_written_the_same(self, tmp_path: Path):
        from jprcc.publishing import events as ev

        e = ev.MessageReleased(
            at=datetime(2026, 12, 6, 6, tzinfo=UTC),
            message_id="MSG-261206-AB12CD34EF",
            kind="daily_summary",
            incident_id=None,
            template_version=0,
            text="UNCLASSIFIED\nDAILY\nUNCLASSIFIED\n",
            sha256=hashlib.sha256(b"UNCLASSIFIED\nDAILY\nUNCLASSIFIED\n").hexdigest(),
            recipients=("JFC",),
            by="scheduler",
        )
        box = Outbox(tmp_path / "out")
        box.write(e)
        first = sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir())
        box.write(e)
        assert sorted((p.name, p.read_bytes()) for p in (tmp_path / "out").iterdir()) == first
        assert [name for name, _ in first] == ["MSG-261206-AB12CD34EF.json", "MSG-261206-AB12CD34EF.txt"]


def test_over_the_api_and_the_cli(
    sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock, tmp_path, monkeypatch
):
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:

        def headers(user: str) -> dict[str, str]:
            token = client.post(
                "/api/auth/token", data={"username": user, "password": sqlite_cast.passwords[user]}
            ).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        controller = headers("controller")
        body = {"kind": "daily_summary", "first_at": "2030-01-01T06:00:00Z", "recipients": ["JFC"]}
        made = client.post("/api/messages/schedules", json=body, headers=controller)
        assert made.status_code == 201, made.text
        schedule = made.json()
        assert schedule["next_at"].startswith("2030-01-01T06:00")
        assert schedule["every_h"] == 24
        wrong = client.post("/api/messages/schedules", json=body | {"kind": "sitrep"}, headers=controller)
        assert wrong.status_code == 422
        assert wrong.json()["field"] == "kind"
        assert client.post("/api/messages/schedules", json=body, headers=headers("jfacc")).status_code == 403
        assert client.get("/api/messages/schedules", headers=headers("jfacc")).status_code == 403
        listed = client.get("/api/messages/schedules", headers=headers("observer")).json()
        assert [s["schedule_id"] for s in listed] == [schedule["schedule_id"]]
        gone = client.delete(f"/api/messages/schedules/{schedule['schedule_id']}", headers=controller)
        assert gone.status_code == 200
        assert gone.json()["next_at"] is None
        assert client.get("/api/messages/schedules", headers=controller).json() == []
        assert client.delete("/api/messages/schedules/SCH-00000000", headers=controller).status_code == 404


def test_a_headless_exercise_stops_at_each_due_time_and_releases_on_scenario_time(tmp_path: Path):
    """The night recovery runs three hours from 0030Z; a theater SITREP scheduled every hour from
    0040Z is released at 0040Z, 0140Z and 0240Z of that night, by the scenario's clock."""
    from jprcc.exercise.cli import SHIPPED
    from jprcc.exercise.run import prepare, run_headless
    from tests.conftest import fast_settings

    text = (SHIPPED / "night_recovery.yaml").read_text(encoding="utf-8")
    text += (
        "  - {at: 5m, as: controller, do: schedule_message, with: {kind: theater_sitrep, first_at: now+5m,"
        " every_h: 1, recipients: [JFC]}}\n"
    )
    path = tmp_path / "night_with_sitreps.yaml"
    path.write_text(text, encoding="utf-8")
    exercise = prepare(
        path, headless=True, settings=fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    )
    try:
        run_headless(exercise)
        start = exercise.start
        times = sorted(
            m.released_at
            for m in exercise.node.service(Publisher).released(SCHEDULER)
            if m.kind == "theater_sitrep"
        )
        end = exercise.node.clock()
        expected = [start + timedelta(minutes=10) + timedelta(hours=n) for n in range(4)]
        due = [t for t in expected if t <= end]
        assert len(times) == len(due) >= 3
        assert all(abs(t - d) < timedelta(seconds=1) for t, d in zip(times, due, strict=True))
        assert all(
            "EXERCISE NIGHT OWL" in m.text for m in exercise.node.service(Publisher).released(SCHEDULER)
        )
    finally:
        exercise.close()
