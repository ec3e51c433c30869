"""Account commands: users, passwords, sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from jprcc.core.commands import Command
from jprcc.core.model import (
    Role,
)

# --- accounts ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateUser(Command):
    username: str
    password: str = field(repr=False)
    role: Role
    component_id: str | None = None
    full_name: str = ""
    password_hash: str | None = field(default=None, repr=False)
    """Set by the bus's preparation (argon2, outside the write transaction), never by a caller."""


@dataclass(frozen=True, kw_only=True)
class ChangePassword(Command):
    """Users changing their own password give the current one; the director may reset any."""

    username: str
    new_password: str = field(repr=False)
    current_password: str | None = field(default=None, repr=False)
    new_password_hash: str | None = field(default=None, repr=False)
    """Set by the bus's preparation (argon2, outside the write transaction), never by a caller."""
    verified_hash: str | None = field(default=None, repr=False)
    """The stored hash the current password was verified against (preparation): the change is
    refused if it no longer is the stored one when the change is written."""


@dataclass(frozen=True, kw_only=True)
class SetUserActive(Command):
    username: str
    active: bool


@dataclass(frozen=True, kw_only=True)
class IssueToken(Command):
    """Open a session for a user whose password the entry point has just verified
    (``service.auth.login``): verification runs outside the write transaction."""

    username: str


@dataclass(frozen=True, kw_only=True)
class RecordLoginFailure(Command):
    """A login refused (recorded by the login entry point, as the system): counts a wrong password
    and locks the account at ``lock_after``; a try on a locked account is recorded, not counted."""

    username: str
    source: str
    reason: str  # wrong_password | locked
    lock_after: int


@dataclass(frozen=True, kw_only=True)
class UnlockAccount(Command):
    """Lift the lock after wrong passwords (the JPRCC director), saying why."""

    username: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RevokeToken(Command):
    token: str = field(repr=False)
