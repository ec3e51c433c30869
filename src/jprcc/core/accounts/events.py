"""Account events: users, passwords, sessions (never a password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.core.events import Event, event
from jprcc.core.model import (
    Role,
)

# --- accounts ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccountEvent(Event):
    stream_kind: ClassVar[str] = "user"
    username: str

    @property
    def stream_id(self) -> str:
        return f"user:{self.username}"


@event("user_created")
@dataclass(frozen=True, kw_only=True)
class UserCreated(AccountEvent):
    role: Role
    component_id: str | None
    full_name: str
    created_by: str


@event("password_changed")
@dataclass(frozen=True, kw_only=True)
class PasswordChanged(AccountEvent):
    changed_by: str


@event("user_active_changed")
@dataclass(frozen=True, kw_only=True)
class UserActiveChanged(AccountEvent):
    active: bool
    changed_by: str


@event("user_logged_in")
@dataclass(frozen=True, kw_only=True)
class UserLoggedIn(AccountEvent):
    token_id: str
    expires_at: datetime


@event("login_failed")
@dataclass(frozen=True, kw_only=True)
class LoginFailed(AccountEvent):
    """A login refused for this account: a wrong password, or any password while it is locked.
    ``failures``: wrong passwords since the last login or unlock. ``source``: where it came from."""

    source: str
    reason: str  # wrong_password | locked
    failures: int


@event("account_locked")
@dataclass(frozen=True, kw_only=True)
class AccountLocked(AccountEvent):
    failures: int


@event("account_unlocked")
@dataclass(frozen=True, kw_only=True)
class AccountUnlocked(AccountEvent):
    reason: str
    unlocked_by: str


@event("token_revoked")
@dataclass(frozen=True, kw_only=True)
class TokenRevoked(AccountEvent):
    token_id: str
