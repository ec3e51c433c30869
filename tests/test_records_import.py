"""Recording and importing ISOPREPs: the answers are hashed before the write lock is taken (never
while it is held), an import is committed in batches that other writes go between, a refusal in a
later batch names its row and says what stayed imported, and a record that already has a data key
keeps it."""

from __future__ import annotations

import base64
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from jprcc.api.app import create_app
from jprcc.brokering.commands import ReportIncident
from jprcc.cli.common import state
from jprcc.core.errors import ConcurrencyConflict
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node
from jprcc.core.store.tables import isoprep_records, vault_keys
from jprcc.records import commands as cmd
from jprcc.records import importing
from jprcc.records.service import RecordsKeeper
from jprcc.records.vault import MasterKey, Vault
from tests.api_helpers import Api
from tests.cli_helpers import as_operator
from tests.conftest import Cast, demo_copy
from tests.test_cli_records import run
from tests.test_overload import _report_command

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"pixels" * 8).decode()
NUMBERS = ("9518", "7284", "3816", "1357", "2468", "9513")


def record(n: int, **change: object) -> cmd.RecordIsoprep:
    fields: dict[str, object] = {
        "person_ref": f"USA-IMP{n}",
        "name": f"SGT Import {n}",
        "service": "USA",
        "unit": "RAVEN 21",
        "component_id": "JFSOCC",
        "review_date": date(2026, 10, 1),
        "photo_front": PNG,
        "photo_side": PNG,
        "statements": tuple(cmd.AuthStatement(f"prompt {i}", f"answer {n}-{i}") for i in range(1, 5)),
        "authentication_number": NUMBERS[n % len(NUMBERS)],
    }
    fields.update(change)
    return cmd.RecordIsoprep(**fields)  # type: ignore[arg-type]


def lock_held(node: Node) -> bool:
    """Whether some connection holds SQLite's write lock now (asked without waiting)."""
    probe = sqlite3.connect(node.database.url.removeprefix("sqlite:///"), timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_no_answer_is_hashed_while_the_write_lock_is_held(sqlite_node: Node, sqlite_cast: Cast, monkeypatch):
    passwords = sqlite_node.service(RecordsKeeper).passwords
    real, held = passwords.hash, []

    def hash_(value: str) -> str:
        held.append(lock_held(sqlite_node))
        return real(value)

    monkeypatch.setattr(passwords, "hash", hash_)
    sqlite_node.bus.handle(record(0), sqlite_cast["jfsocc"])
    sqlite_node.bus.handle(cmd.ImportRecords(records=(record(1), record(2), record(3))), DIRECTOR)
    assert len(held) == 4 * 5  # four answers and a number each
    assert not any(held), f"{sum(held)} of {len(held)} hashes ran while the write lock was held"


def test_another_write_commits_while_an_import_is_being_hashed(
    sqlite_node: Node, sqlite_cast: Cast, monkeypatch
):
    """The import waits inside its hashing until the other write is done: that write can commit only
    if the import holds no lock then (it commits first: its events come before the import's)."""
    passwords = sqlite_node.service(RecordsKeeper).passwords
    real, hashing, go_on = passwords.hash, threading.Event(), threading.Event()

    def hash_(value: str) -> str:
        hashing.set()
        assert go_on.wait(20), "the other write never came through"
        return real(value)

    monkeypatch.setattr(passwords, "hash", hash_)
    outcome: list[object] = []

    def run_import() -> None:
        try:
            outcome.append(
                sqlite_node.bus.handle(cmd.ImportRecords(records=(record(1), record(2))), DIRECTOR)
            )
        except Exception as exc:  # the assertion is made in the test's own thread
            outcome.append(exc)

    importer = threading.Thread(target=run_import)
    importer.start()
    assert hashing.wait(20)
    other = sqlite_node.bus.handle(ReportIncident(**_report_command(1)), sqlite_cast["jfsocc"])
    go_on.set()
    importer.join(30)
    imported = outcome[0]
    assert not isinstance(imported, Exception), imported
    assert max(r.seq for r in other.events) < min(r.seq for r in imported.events)  # type: ignore[attr-defined]


def test_a_data_key_rotated_while_the_record_was_prepared_refuses_it_and_it_can_be_sent_again(
    sqlite_node: Node, sqlite_cast: Cast, monkeypatch
):
    keeper = sqlite_node.service(RecordsKeeper)
    sqlite_node.bus.handle(record(1), sqlite_cast["jfsocc"])
    passwords, new_key = keeper.passwords, MasterKey.generate()
    real, rotated = passwords.hash, []

    def hash_(value: str) -> str:
        if not rotated:  # a rotation commits between the preparation and the record's transaction
            rotated.append(sqlite_node.bus.handle(cmd.RotateVaultKey(new_key=new_key.key), DIRECTOR))
        return real(value)

    monkeypatch.setattr(passwords, "hash", hash_)
    with pytest.raises(ConcurrencyConflict, match="data key of record USA-IMP1 changed") as refused:
        sqlite_node.bus.handle(cmd.ImportRecords(records=(record(1, name="SGT Reviewed"),)), DIRECTOR)
    assert refused.value.field == "rows[0].person_ref"
    assert "nothing imported" in refused.value.message
    keeper.vault = Vault(new_key)  # the node restarted with the new key
    sqlite_node.bus.handle(cmd.ImportRecords(records=(record(1, name="SGT Reviewed"),)), DIRECTOR)
    with sqlite_node.database.read() as conn:
        name = conn.execute(select(isoprep_records.c.name).where(isoprep_records.c.person_ref == "USA-IMP1"))
        assert name.scalar_one() == "SGT Reviewed"


def _api(node: Node) -> TestClient:
    return TestClient(create_app(node, sweep_alerts=False))


def roster(refs: list[int], component: dict[int, str] | None = None) -> str:
    lines = ["person_ref,name,service,unit,component_id,review_date,prompt_1,answer_1,authentication_number"]
    for n in refs:
        where = (component or {}).get(n, "JFSOCC")
        lines.append(
            f"USA-IMP{n},SGT Import {n},USA,RAVEN 21,{where},2026-10-01,pet,Rex {n},{NUMBERS[n % 6]}"
        )
    return "\n".join(lines) + "\n"


def test_an_import_is_committed_in_batches_and_a_later_refusal_says_what_stayed(
    sqlite_node: Node, sqlite_cast: Cast, monkeypatch
):
    monkeypatch.setattr(importing, "BATCH", 2)
    handled: list[tuple[str, str]] = []
    sqlite_node.bus.observers.append(lambda kind, outcome, _s: handled.append((kind, outcome)))
    with _api(sqlite_node) as client:
        api = Api(client, sqlite_cast)
        assert api.post("director", "/api/records/import", {"csv": roster([1, 2, 3, 4, 5])}, status=201) == {
            "imported": 5
        }
        assert [h for h in handled if h[0] == "ImportRecords"] == [("ImportRecords", "ok")] * 3
        for n in (1, 5):
            assert api.get("jfsocc", f"/api/records/USA-IMP{n}")["statements"] == 1
        # checked against the store before anything is recorded: an unknown component, nothing done
        unknown = api.post(
            "director", "/api/records/import", {"csv": roster([6, 7, 8], {8: "JFXXCC"})}, status=422
        )
        assert unknown["field"] == "rows[2].component_id"
        assert "nothing imported" in unknown["message"]
        api.get("jfsocc", "/api/records/USA-IMP6", status=404)
        assert api.post(
            "director", "/api/records/import", {"csv": roster([6]), "check": True}, status=201
        ) == {"checked": 1}
        api.get("jfsocc", "/api/records/USA-IMP6", status=404)

        # a record locked after the check, while the first batch is recorded: the second is refused
        def lock_after_first_batch(kind: str, outcome: str, _s: float) -> None:
            if kind == "ImportRecords" and outcome == "ok":
                with sqlite_node.database.write() as conn:
                    conn.execute(
                        update(isoprep_records)
                        .where(isoprep_records.c.person_ref == "USA-IMP3")
                        .values(locked=True)
                    )
                    conn.commit()

        sqlite_node.bus.observers.append(lock_after_first_batch)
        refused = api.post("director", "/api/records/import", {"csv": roster([9, 10, 3, 11, 12])}, status=423)
        assert refused["field"] == "rows[2]"
        assert refused["message"].startswith("record 3 (USA-IMP3): the record of USA-IMP3 is locked")
        assert (
            "the first 2 record(s) stayed imported (earlier batches); none from record 3 on"
            in refused["message"]
        )
        for n, status in ((9, 200), (10, 200), (11, 404), (12, 404)):
            api.get("jfsocc", f"/api/records/USA-IMP{n}", status=status)


def test_a_re_import_is_a_review_under_the_records_own_data_key(sqlite_node: Node, sqlite_cast: Cast):
    sqlite_node.bus.handle(record(1), sqlite_cast["jfsocc"])

    def wrapped() -> str:
        with sqlite_node.database.read() as conn:
            query = select(vault_keys.c.wrapped).where(vault_keys.c.record_id == "USA-IMP1")
            return str(conn.execute(query).scalar_one())

    before = wrapped()
    statements = (cmd.AuthStatement("prompt 1", "a new answer"),)
    sqlite_node.bus.handle(cmd.ImportRecords(records=(record(1, statements=statements),)), DIRECTOR)
    assert wrapped() == before  # the same data key: the sealed evasion plans still open
    row = sqlite_node.service(RecordsKeeper).reader.row("USA-IMP1")  # type: ignore[union-attr]
    assert row is not None
    assert len(row.answer_hashes) == 1


@pytest.fixture
def demo_cli(demo_snapshot: Path, tmp_path: Path, monkeypatch) -> Iterator[CliRunner]:
    """The command line on a copy of the demo store (its vault key with it), as an operator's."""
    demo_copy(demo_snapshot, tmp_path, "jprcc.sqlite3")
    as_operator(monkeypatch, tmp_path)
    yield CliRunner()
    if state.node is not None:
        state.node.close()
    state.node = None


def test_the_command_line_imports_a_long_roster_batch_by_batch(
    demo_cli: CliRunner, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(importing, "BATCH", 2)
    good = tmp_path / "roster.csv"
    good.write_text(roster([1, 2, 3, 4, 5]))
    assert "imported 5 record(s) in 3 batches" in run(demo_cli, "director", "records", "import", str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(roster([6, 7, 8, 9, 10], {9: "JFXXCC"}))
    refused = " ".join(run(demo_cli, "director", "records", "import", str(bad), code=4).split())
    assert "rows[3].component_id" in refused
    assert "nothing imported" in refused
    run(demo_cli, "jfsocc", "records", "show", "USA-IMP6", code=4)  # checked before the first batch
