"""Accounts: users, roles, passwords and sessions."""

from __future__ import annotations

from typing import Any

from jprcc.core import authorization as r
from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts import events as ev
from jprcc.core.accounts import handlers as h
from jprcc.core.accounts import http, projections
from jprcc.core.accounts.auth import PasswordCheck, prepare_change, prepare_create
from jprcc.core.accounts.guard import LoginGuard
from jprcc.core.accounts.handlers import AccountPolicy
from jprcc.core.accounts.security import Passwords
from jprcc.core.accounts.timeline import ACCOUNTS_LINES
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec, Subject
from jprcc.core.model import Actor, Role
from jprcc.core.store.tables import users

HELP = "Accounts (local administration, or as the JPRCC director)."
ACCOUNTS = "only the JPRCC director manages accounts"


def change_password(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.ChangePassword)
    return a.role in (Role.JPRCC_DIRECTOR, Role.SYSTEM) or a.username == c.username


def _passwords(node: Any) -> Passwords:
    return Passwords(time_cost=node.settings.argon2_time_cost, memory_kib=node.settings.argon2_memory_kib)


def _policy(node: Any) -> AccountPolicy:
    return AccountPolicy(passwords=node.service(Passwords), token_ttl_s=node.settings.token_ttl_s)


def _guard(node: Any) -> LoginGuard:
    s = node.settings
    return LoginGuard(s.login_rate_per_minute, s.login_concurrency, s.login_lock_after)


def _router() -> Any:
    from jprcc.core.accounts.http import router

    return router


CAPABILITY = Capability(
    name="accounts",
    summary="Users, their roles and components, passwords (argon2id) and sessions (bearer tokens).",
    commands=(
        CommandSpec(
            cmd.CreateUser,
            r.director_or_system,
            ACCOUNTS,
            h.create_user,
            needs=PasswordCheck,
            prepare=prepare_create,
        ),
        CommandSpec(
            cmd.ChangePassword,
            change_password,
            "only the JPRCC director or the account's owner",
            h.change_password,
            needs=PasswordCheck,
            prepare=prepare_change,
        ),
        CommandSpec(
            cmd.SetUserActive, r.director_or_system, ACCOUNTS, h.set_user_active, needs=AccountPolicy
        ),
        CommandSpec(
            cmd.IssueToken,
            r.oneself,
            "a session is opened only for the user who logged in",
            h.issue_token,
            needs=AccountPolicy,
            internal=True,
        ),
        CommandSpec(cmd.RevokeToken, r.anyone, "", h.revoke_token, needs=AccountPolicy, internal=True),
        CommandSpec(
            cmd.RecordLoginFailure,
            r.system_only,
            "only the login entry point records a refused login",
            h.record_login_failure,
            needs=AccountPolicy,
            internal=True,
        ),
        CommandSpec(cmd.UnlockAccount, r.director_or_system, ACCOUNTS, h.unlock_account, needs=AccountPolicy),
    ),
    events=(
        ev.UserCreated,
        ev.PasswordChanged,
        ev.UserActiveChanged,
        ev.UserLoggedIn,
        ev.TokenRevoked,
        ev.LoginFailed,
        ev.AccountLocked,
        ev.AccountUnlocked,
    ),
    timeline=ACCOUNTS_LINES,
    read_models=(
        ReadModel(name="accounts", tables=(users,), guards=(users,), on_event=projections.ACCOUNTS),
    ),
    services=(
        ServiceSpec(Passwords, _passwords),
        ServiceSpec(AccountPolicy, _policy),
        ServiceSpec(LoginGuard, _guard),
        ServiceSpec(PasswordCheck, lambda node: PasswordCheck(node.queries, node.bus)),
    ),
    actions=http.ACTIONS,
    routers=(_router,),  # logging in and out: a form and a session cookie
    cli=(
        CliGroup(
            "users",
            "jprcc.core.accounts.cli:app",
            "Accounts (local administration, or as the JPRCC director).",
        ),
    ),
)
