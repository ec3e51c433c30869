"""Account handlers: users, passwords, sessions. Passwords are hashed here (argon2id) and kept
apart from the log; the log records that a password changed, never the password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts import model as accounts
from jprcc.core.accounts.events import AccountLocked, AccountUnlocked, LoginFailed, TokenRevoked, UserLoggedIn
from jprcc.core.accounts.model import User
from jprcc.core.accounts.security import Passwords, new_token, token_hash
from jprcc.core.errors import AuthenticationFailed, Locked, NotFound, RuleViolation
from jprcc.core.events import Event
from jprcc.core.model import Context
from jprcc.core.ports import Token, UnitOfWork

LOCKED = "this account is locked after repeated wrong passwords: the JPRCC director unlocks it"


@dataclass(frozen=True)
class AccountPolicy:
    """What the account handlers use: the password hasher and how long a session lasts."""

    passwords: Passwords
    token_ttl_s: int


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.user(username)
    if user is None:
        raise NotFound(f"unknown user {username}", field="username")
    return user


def _prepared(found: str | None) -> str:
    if found is None:  # the bus always prepares these commands: a caller cannot skip it
        raise RuleViolation("the password was not prepared", field="password")
    return found


def create_user(c: cmd.CreateUser, uow: UnitOfWork, ctx: Context, check: Any) -> None:
    """The password was hashed before the transaction (``auth.PasswordCheck``)."""
    known = c.component_id is not None and c.component_id in uow.components()
    uow.record(accounts.create_user(c, uow.user(c.username), known, ctx), ctx.actor.username, ctx.now)
    uow.set_password_hash(c.username, _prepared(c.password_hash))


def change_password(c: cmd.ChangePassword, uow: UnitOfWork, ctx: Context, check: Any) -> None:
    """The current password was verified, and the new one hashed, before the transaction
    (``auth.PasswordCheck``): a wrong current password never holds the write lock."""
    user = _user(uow, c.username)
    new_hash = _prepared(c.new_password_hash)
    if c.verified_hash is not None and uow.password_hash(c.username) != c.verified_hash:
        raise AuthenticationFailed(
            "the password changed meanwhile: give the current one again", field="current_password"
        )
    uow.record(accounts.change_password(c, user, ctx), ctx.actor.username, ctx.now)
    uow.set_password_hash(c.username, new_hash)
    uow.revoke_tokens_of(c.username)


def set_user_active(c: cmd.SetUserActive, uow: UnitOfWork, ctx: Context, policy: AccountPolicy) -> None:
    uow.record(accounts.set_active(c, _user(uow, c.username), ctx), ctx.actor.username, ctx.now)
    if not c.active:
        uow.revoke_tokens_of(c.username)


def issue_token(c: cmd.IssueToken, uow: UnitOfWork, ctx: Context, policy: AccountPolicy) -> tuple[str, Token]:
    """Open a session (the password was verified before the transaction: see ``service.auth``)."""
    user = uow.user(c.username)
    if user is None or not user.active:
        raise AuthenticationFailed(
            "invalid username or password, or the account is inactive", field="password"
        )
    if user.locked_at is not None:
        raise Locked(LOCKED, field="username")
    secret = new_token()
    token = Token(
        token_id=str(uuid.uuid4()),
        username=user.username,
        issued_at=ctx.now,
        expires_at=ctx.now + timedelta(seconds=policy.token_ttl_s),
        revoked=False,
    )
    uow.store_token(token_hash(secret), token)
    logged_in = UserLoggedIn(
        at=ctx.now, username=user.username, token_id=token.token_id, expires_at=token.expires_at
    )
    uow.record([logged_in], user.username, ctx.now)
    return secret, token


def record_login_failure(
    c: cmd.RecordLoginFailure, uow: UnitOfWork, ctx: Context, policy: AccountPolicy
) -> int:
    """Wrong passwords since the last login or unlock (the account locked at ``lock_after``)."""
    user = _user(uow, c.username)
    counted = c.reason == "wrong_password" and user.locked_at is None
    failures = user.failed_logins + (1 if counted else 0)
    found: list[Event] = [
        LoginFailed(
            at=ctx.now, username=user.username, source=c.source[:100], reason=c.reason, failures=failures
        )
    ]
    if counted and failures >= c.lock_after:
        found.append(AccountLocked(at=ctx.now, username=user.username, failures=failures))
    uow.record(found, ctx.actor.username, ctx.now)
    return failures


def unlock_account(c: cmd.UnlockAccount, uow: UnitOfWork, ctx: Context, policy: AccountPolicy) -> None:
    user = _user(uow, c.username)
    if user.locked_at is None and not user.failed_logins:
        raise RuleViolation(
            f"{user.username} is not locked and has no wrong passwords counted", field="username"
        )
    if not c.reason.strip():
        raise RuleViolation("say why the account is unlocked", field="reason")
    unlocked = AccountUnlocked(
        at=ctx.now, username=user.username, reason=c.reason.strip(), unlocked_by=ctx.actor.username
    )
    uow.record([unlocked], ctx.actor.username, ctx.now)


def revoke_token(c: cmd.RevokeToken, uow: UnitOfWork, ctx: Context, policy: AccountPolicy) -> None:
    token = uow.token(token_hash(c.token))
    if token is None or token.username != ctx.actor.username:
        raise AuthenticationFailed("no such token for this user", field="token")
    uow.revoke_token(token.token_id)
    revoked = TokenRevoked(at=ctx.now, username=token.username, token_id=token.token_id)
    uow.record([revoked], ctx.actor.username, ctx.now)
