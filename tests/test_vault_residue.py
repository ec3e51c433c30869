"""What a rotation of the vault key leaves behind, found and cleaned: a rotation stopped after its
commit (the clean-up never ran) leaves the data keys wrapped under the old key in the SQLite file
and its write-ahead log; ``jprcc records residue`` counts them and names the clean-up;
``jprcc records clean-up`` removes them, and may be run again at any time."""

from __future__ import annotations

import re
from pathlib import Path

from jprcc.cli.common import state
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node
from jprcc.records import commands as cmd
from jprcc.records import residue
from jprcc.records.residue import clean_up, count_wrapped, find_residue
from jprcc.records.service import RecordsKeeper
from jprcc.records.vault import MasterKey, Vault, load_master_key
from tests import test_records_import
from tests.conftest import Cast
from tests.test_cli_records import run
from tests.test_records_import import record

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)
demo_cli = test_records_import.demo_cli  # the command line on a copy of the demo store


def _no_checkpoints(node: Node) -> None:
    """SQLite's checkpoints stop for this store (SQLite's own backstop stays, far off): a
    checkpoint copies the new pages over the old ones in the file and then starts the log again,
    so what a scan finds would depend on when it ran."""
    if node.database.checkpoints is not None:
        node.database.checkpoints.stop()


def test_a_rotation_stopped_after_its_commit_is_found_and_cleaned_up_on_the_command_line(demo_cli, tmp_path):
    runner = demo_cli
    key = tmp_path / "new.key"
    run(runner, "director", "records", "new-key", "--out", str(key))
    assert "no clean-up pending" in run(runner, "director", "records", "residue")
    # the rotation as `rotate-key` makes it, and then the process is killed: no clean-up, and no
    # checkpoint after it either (a running process's would copy the new pages over the old ones)
    node: Node = state.node  # type: ignore[assignment]
    _no_checkpoints(node)
    old = node.service(RecordsKeeper).vault
    new = load_master_key(None, key, tmp_path)
    rotated = node.bus.handle(cmd.RotateVaultKey(new_key=new.key), DIRECTOR).value
    assert "jprcc records clean-up" in rotated.to_do
    found = find_residue(node.database)
    assert found.count > 0
    assert found.pending == (old.master.key_id,) == found.rotated_out
    said = " ".join(run(runner, "director", "records", "residue", code=6).split())
    assert f"{found.count} copies of data keys wrapped under an old key remain" in said
    assert f"{old.master.key_id} ({found.count})" in said
    assert "run `jprcc records clean-up`" in said
    for _ in range(2):  # once, and again: the same answer on a clean store
        cleaned = " ".join(run(runner, "director", "records", "clean-up").split())
        assert "no data key wrapped under another key in the store's file and its write-ahead log" in cleaned
        assert "no clean-up pending" in cleaned
    assert find_residue(node.database).clean
    run(runner, "director", "records", "residue")  # exit 0


def test_the_clean_up_on_both_stores(node: Node, cast: Cast):
    """SQLite: the copies counted, then none; PostgreSQL: the clean-up pending (VACUUM FULL), then
    not; both say what applies."""
    for n in (1, 2, 3):
        node.bus.handle(record(n), cast["jfsocc"])
    _no_checkpoints(node)  # (the copies are counted as the rotation left them)
    keeper = node.service(RecordsKeeper)
    old = keeper.vault
    new_key = MasterKey.generate()
    node.bus.handle(cmd.RotateVaultKey(new_key=new_key.key), DIRECTOR)
    found = find_residue(node.database)
    assert found.pending == (old.master.key_id,)
    assert not found.clean
    if node.database.is_sqlite:
        assert found.copies.get(old.master.key_id, 0) >= 3
    else:
        assert any("VACUUM FULL vault_keys" in line for line in found.lines())
    # a second rotation before the clean-up: both old keys are pending
    keeper.vault = Vault(new_key)
    node.bus.handle(cmd.RotateVaultKey(new_key=MasterKey.generate().key), DIRECTOR)
    assert find_residue(node.database).pending == (old.master.key_id, new_key.key_id)
    for _ in range(2):
        after, problem = clean_up(node.database)
        assert problem is None
        assert after.clean, after.lines()
        assert after.count == 0
        assert after.rotated_out == (old.master.key_id, new_key.key_id)
    said = " ".join(after.lines())
    if node.database.is_sqlite:
        assert "no data key wrapped under another key" in said
    else:
        assert "no clean-up pending: vault_keys was written afresh (VACUUM FULL)" in said
        assert "backups taken before a rotation keep old rows" in said


def test_a_wrapped_key_across_two_reads_is_counted_once(tmp_path: Path, monkeypatch):
    old, new = Vault(MasterKey.generate()), Vault(MasterKey.generate())
    parts = []
    for i in range(40):
        parts.append(b"x" * (i * 7 % 53))
        vault = old if i % 3 else new
        parts.append(vault.wrap(vault.new_data_key(), f"P-{i}").encode())
    path = tmp_path / "store"
    path.write_bytes(b"".join(parts))
    expected = len(re.findall(re.escape(old.master.key_id.encode()) + rb":", path.read_bytes()))
    for chunk in (150, 200, 997, 8 << 20):
        monkeypatch.setattr(residue, "CHUNK", chunk)
        assert count_wrapped(path, new.master.key_id) == {old.master.key_id: expected}


def test_the_clean_up_and_the_check_are_local_administration(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from jprcc.cli import app

    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    for name in ("clean-up", "residue"):
        said = CliRunner().invoke(app, ["--server", "http://127.0.0.1:9", "records", name])
        assert said.exit_code == 2
        assert "cannot run against" in " ".join(said.output.split())
    assert not list(tmp_path.iterdir())  # no store was opened here
