"""Secret keys a node holds outside its database: given in the environment (base64), read from a
file named in the settings, or kept in a file of the node's data folder, made on first use and
readable by the node's account only. The chain key (the audit's) is one; the records vault's
master key is another.

A key is named by its id: the first 12 hex digits of its SHA-256, which names it without
revealing it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


class KeyUnavailable(Exception):
    """A key that cannot be had: not base64, the wrong length, an unreadable file."""


class ChainKeyRefused(RuntimeError):
    """This process's chain key is not the one the log is sealed with (or the log is not sealed)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_from_text(text: str, where: str, what: str) -> bytes:
    stripped = text.strip()
    try:
        key = base64.urlsafe_b64decode(stripped.encode() + b"=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyUnavailable(f"{where}: the {what} is not base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(f"{where}: the {what} must be {KEY_BYTES} bytes (base64), not {len(key)}")
    return key


def load_key(value: str | None, file: Path | None, default_file: Path, *, what: str, setting: str) -> bytes:
    """The key given (``setting``), else the file named, else ``default_file`` (made, mode 0600, in
    a folder of mode 0700, the first time it is needed: see ``_make_key_file``)."""
    if value:
        return key_from_text(value, setting, what)
    path = file or default_file
    if file is None and not path.exists():
        _make_key_file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the {what} file {path}: {exc.strerror}") from exc
    return key_from_text(text, str(path), what)


def _make_key_file(path: Path) -> None:
    """A new key in ``path``, unless another process makes one there first (then theirs is the
    key). The key is written and synced in a file of its own, then linked into place: ``path``
    never exists half written, so a process starting beside this one (``serve --workers``, the
    first start of a node) reads the whole key or none, and never makes another. (Made in place,
    a process that found the file created but not yet written read an empty key and stopped.)"""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    text = new_key_text() + "\n"
    fd = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(made, path)
        except FileExistsError:  # another process made it first: use theirs
            return
        except OSError:  # a file system without hard links (FAT on a removable disk): made in place
            _make_in_place(path, text)
        _sync_folder(folder)  # (the key's name, as well as its bytes, survives a power cut)
    finally:
        made.unlink(missing_ok=True)


def _make_in_place(path: Path, text: str) -> None:
    """(Where no hard link can be made) the key written into ``path`` itself, created exclusively: a
    process starting at that very moment may find it still empty and stop, saying so."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
