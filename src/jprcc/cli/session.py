"""The terminal's session: log in once, and the next commands start without the password.

``jprcc --as USER login`` (or the first command that asks for a password) verifies the password
once and keeps the bearer token it gets, in a file only the user can read (mode 0600, in a folder
of mode 0700), one per user and target: the node's own data folder for this machine's store, the
user's state folder (``$XDG_STATE_HOME/jprcc``, or ``JPRCC_SESSIONS``) for a server. A command
that finds no password in ``JPRCC_PASSWORD`` uses the kept token while it is valid (checked
against the store, or by the server), and asks for the password again once it has expired or was
revoked. ``jprcc logout`` revokes the token and forgets it. Keeping a session is a convenience:
a folder that cannot be written leaves the command working, only without a kept session.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path


def _folder(target: str, data_dir: Path | None) -> Path:
    if data_dir is not None:
        return data_dir / "sessions"
    given = os.environ.get("JPRCC_SESSIONS")
    if given:
        return Path(given)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "jprcc" / "sessions"


def _file(target: str, username: str, data_dir: Path | None) -> Path:
    name = hashlib.sha256(f"{target}\n{username}".encode()).hexdigest()[:32]
    return _folder(target, data_dir) / f"{name}.json"


def load(target: str, username: str, data_dir: Path | None = None) -> str | None:
    """The kept token of ``username`` for ``target``, if any."""
    try:
        kept = json.loads(_file(target, username, data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if kept.get("target") != target or kept.get("username") != username:
        return None
    token = kept.get("token")
    return token if isinstance(token, str) and token else None


def save(target: str, username: str, token: str, data_dir: Path | None = None) -> bool:
    """Keep ``token``, readable by this user only; False when the folder cannot be written."""
    path = _file(target, username, data_dir)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"target": target, "username": username, "token": token}, out)
        os.chmod(path, 0o600)  # a file kept from before keeps its mode through O_CREAT
    except OSError:
        return False
    return True


def forget(target: str, username: str, data_dir: Path | None = None) -> None:
    with contextlib.suppress(OSError):
        _file(target, username, data_dir).unlink()
