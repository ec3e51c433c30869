"""Accounts: who may use the system, in which role, for which component.

Passwords never enter an event: the log records that an account was created or its password
changed, and by whom; the hash itself lives only in the credential store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from jprcc.core import events as core_ev
from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts import events as ev
from jprcc.core.errors import Conflict, RuleViolation
from jprcc.core.model import Actor, Context, Role

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    component_id: str | None
    full_name: str
    active: bool = True
    failed_logins: int = 0  # wrong passwords since the last login or unlock
    locked_at: datetime | None = None  # locked after too many: the JPRCC director unlocks it

    @property
    def actor(self) -> Actor:
        return Actor(username=self.username, role=self.role, component_id=self.component_id)


def check_password(password: str, field: str = "password") -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise RuleViolation(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters", field=field)


def create_user(
    c: cmd.CreateUser, existing: User | None, component_known: bool, ctx: Context
) -> list[core_ev.Event]:
    if not USERNAME.match(c.username):
        raise RuleViolation(
            "username: 2-32 characters, lower-case letters, digits, '.', '_' or '-', starting with a letter",
            field="username",
        )
    if existing is not None:
        raise Conflict(f"user {c.username} already exists", field="username")
    if c.role is Role.SYSTEM:
        raise RuleViolation("the system role is not given to accounts", field="role")
    if c.role.component_bound and c.component_id is None:
        raise RuleViolation(f"role {c.role.value} is bound to a component: name it", field="component_id")
    if not c.role.component_bound and c.component_id is not None:
        raise RuleViolation(
            f"role {c.role.value} acts for the whole theater, not a component", field="component_id"
        )
    if c.component_id is not None and not component_known:
        raise RuleViolation(f"unknown component {c.component_id}", field="component_id")
    check_password(c.password)
    return [
        ev.UserCreated(
            at=ctx.now,
            username=c.username,
            role=c.role,
            component_id=c.component_id,
            full_name=c.full_name,
            created_by=ctx.actor.username,
        )
    ]


def change_password(c: cmd.ChangePassword, user: User, ctx: Context) -> list[core_ev.Event]:
    check_password(c.new_password, "new_password")
    return [ev.PasswordChanged(at=ctx.now, username=user.username, changed_by=ctx.actor.username)]


def set_active(c: cmd.SetUserActive, user: User, ctx: Context) -> list[core_ev.Event]:
    if user.active == c.active:
        raise Conflict(
            f"user {user.username} is already {'active' if c.active else 'inactive'}", field="active"
        )
    if user.username == ctx.actor.username and not c.active:
        raise RuleViolation("you cannot deactivate your own account", field="username")
    return [
        ev.UserActiveChanged(
            at=ctx.now, username=user.username, active=c.active, changed_by=ctx.actor.username
        )
    ]
