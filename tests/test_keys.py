"""A key kept in the node's data folder is made on first use: whole or not at all, once, whichever
of several processes starting together makes it, and every one of them then holds the same key.
(Made in place, a process that found the file created but not yet written read an empty key and
stopped: two test workers importing the same module at once did exactly that.)"""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path
from typing import Any

import pytest

from jprcc.core import keys
from jprcc.core.keys import KEY_BYTES, KeyUnavailable, key_from_text, load_key, new_key_text


def _load(path: str) -> bytes:
    return load_key(None, None, Path(path), what="test key", setting="JPRCC_TEST_KEY")


def _racer(path: str, barrier: Any, results: Any) -> None:
    barrier.wait()
    try:
        results.put(("ok", _load(path).hex()))
    except Exception as e:  # (reported to the test, which fails on it)
        results.put(("error", repr(e)))


def test_processes_starting_together_all_hold_the_one_key_made(tmp_path: Path):
    context = mp.get_context("fork")
    for attempt in range(10):
        path = tmp_path / f"node-{attempt}" / "vault.key"
        barrier, results = context.Barrier(8), context.Queue()
        racers = [context.Process(target=_racer, args=(str(path), barrier, results)) for _ in range(8)]
        for racer in racers:
            racer.start()
        got = [results.get(timeout=60) for _ in racers]
        for racer in racers:
            racer.join(timeout=60)
        assert all(kind == "ok" for kind, _ in got), got
        assert len({key for _, key in got}) == 1, got
        assert bytes.fromhex(got[0][1]) == _load(str(path))
        assert [p.name for p in path.parent.iterdir()] == ["vault.key"]  # (no made file left behind)
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_key_file_appears_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """When its name appears, the file already holds the whole key, synced."""
    seen: list[bytes] = []
    link = os.link

    def watching(source: Any, target: Any) -> None:
        seen.append(key_from_text(Path(source).read_text(), str(source), "key"))
        link(source, target)

    monkeypatch.setattr(keys.os, "link", watching)
    path = tmp_path / "node" / "chain.key"
    key = _load(str(path))
    assert seen == [key]
    assert len(key) == KEY_BYTES


def test_a_key_another_process_made_first_is_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Another process links its key into place between this one's look and its own link: this
    one takes theirs, and leaves nothing of its own behind."""
    path = tmp_path / "node" / "vault.key"
    theirs = new_key_text()
    link = os.link

    def beaten(source: Any, target: Any) -> None:
        Path(target).write_text(theirs + "\n")
        link(source, target)  # (raises FileExistsError, as the race would)

    monkeypatch.setattr(keys.os, "link", beaten)
    assert _load(str(path)) == key_from_text(theirs, "theirs", "key")
    assert [p.name for p in path.parent.iterdir()] == ["vault.key"]


def test_a_key_file_left_empty_is_refused_by_name(tmp_path: Path):
    """(An empty file, left by a crash of an older version as it made the key, is not taken for a
    key, nor silently replaced: the operator restores it from the backup of the key.)"""
    path = tmp_path / "vault.key"
    path.write_text("")
    with pytest.raises(KeyUnavailable, match=r"vault.key: the test key must be 32 bytes \(base64\), not 0"):
        _load(str(path))


def test_where_no_hard_link_can_be_made_the_key_is_made_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A data folder on a file system without hard links (FAT on a removable disk) still gets its
    key, whole, and nothing else."""

    def no_links(source: Any, target: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(keys.os, "link", no_links)
    path = tmp_path / "node" / "vault.key"
    key = _load(str(path))
    assert len(key) == KEY_BYTES
    assert _load(str(path)) == key
    assert [p.name for p in path.parent.iterdir()] == ["vault.key"]
    assert path.stat().st_mode & 0o777 == 0o600
