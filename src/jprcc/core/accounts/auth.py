"""Logging in: passwords are verified on the read side, outside any write transaction, so that
a stream of wrong passwords never holds up the commands of the people working incidents.

Each try passes the process's ``LoginGuard`` first (its rate per account and per source, then a
bounded number of argon2 verifications at once). A wrong password for an account is recorded in
the log (``LoginFailed``, with where it came from) and counted; at ``login_lock_after`` in a row the
account is locked (``AccountLocked``) and every later try, the right password included, is refused
and recorded until the JPRCC director unlocks it. A name that is no account is refused with the same
words and logged by the server, not recorded in the log (a spray of made-up names would otherwise
fill the audit chain).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts.guard import LoginGuard
from jprcc.core.accounts.handlers import LOCKED
from jprcc.core.accounts.security import Passwords
from jprcc.core.bus import MessageBus
from jprcc.core.errors import AuthenticationFailed, Locked
from jprcc.core.model import Actor, Context, Role
from jprcc.core.ports import Token
from jprcc.core.queries import Queries

log = logging.getLogger("jprcc.auth")
REFUSED = "invalid username or password, or the account is inactive"
LOGIN = Actor.system("login")


def authenticate(
    queries: Queries, bus: MessageBus, username: str, password: str, source: str = "this machine"
) -> Actor:
    """The actor behind a username and password; one answer for every kind of wrong password."""
    if not username or any(c < " " or c == "\x7f" for c in username):  # NUL, control characters
        raise AuthenticationFailed(REFUSED, field="username")
    guard = bus.services[LoginGuard]
    guard.admit(username, source)
    found = queries.credentials(username)
    if found is not None and found.locked:
        guard.refused(username, source)
        _failed(bus, guard, username, source, "locked")
        raise Locked(LOCKED, field="username")
    with guard.hashing():
        ok = bus.services[Passwords].verify(found.password_hash if found else None, password)
    if found is None or not ok:
        guard.refused(username, source)
        if found is not None:
            _failed(bus, guard, username, source, "wrong_password")
        else:
            log.warning(
                "login refused: no such active account", extra={"username": username[:64], "source": source}
            )
        raise AuthenticationFailed(REFUSED, field="password")
    return found.actor


def _failed(bus: MessageBus, guard: LoginGuard, username: str, source: str, reason: str) -> None:
    command = cmd.RecordLoginFailure(
        username=username, source=source, reason=reason, lock_after=guard.lock_after
    )
    failures = bus.handle(command, LOGIN).value
    log.warning(
        "login refused",
        extra={"username": username, "source": source, "reason": reason, "failures": failures},
    )


class PasswordCheck:
    """The bus's preparation of the commands that carry a password (``CommandSpec.prepare``): once
    the actor is authorized, and outside any write transaction, the current password of a user
    changing their own is verified (through the login guard: a wrong one is a wrong password, rate
    limited, recorded and counted toward the lock-out) and the new password is hashed (argon2id,
    bounded like logins). The handler then only stores the hash."""

    def __init__(self, queries: Queries, bus: MessageBus) -> None:
        self.queries = queries
        self.bus = bus

    def change(self, c: cmd.ChangePassword, ctx: Context) -> cmd.ChangePassword:
        guard, passwords = self.bus.services[LoginGuard], self.bus.services[Passwords]
        privileged = ctx.actor.role in (Role.JPRCC_DIRECTOR, Role.SYSTEM)
        verified = None
        if ctx.actor.username == c.username and not privileged:
            guard.admit(c.username, CHANGE)
            found = self.queries.credentials(c.username)
            with guard.hashing():
                ok = passwords.verify(found.password_hash if found else None, c.current_password or "")
            if found is None or not ok:
                guard.refused(c.username, CHANGE)
                if found is not None:
                    _failed(self.bus, guard, c.username, CHANGE, "wrong_password")
                raise AuthenticationFailed(
                    "give your current password to change it", field="current_password"
                )
            verified = found.password_hash
        with guard.hashing():
            hashed = passwords.hash(c.new_password)
        return replace(c, new_password_hash=hashed, verified_hash=verified)

    def create(self, c: cmd.CreateUser, ctx: Context) -> cmd.CreateUser:
        guard, passwords = self.bus.services[LoginGuard], self.bus.services[Passwords]
        with guard.hashing():
            return replace(c, password_hash=passwords.hash(c.password))


CHANGE = "password change"


def prepare_change(c: cmd.ChangePassword, ctx: Context, check: PasswordCheck) -> cmd.ChangePassword:
    return check.change(c, ctx)


def prepare_create(c: cmd.CreateUser, ctx: Context, check: PasswordCheck) -> cmd.CreateUser:
    return check.create(c, ctx)


def login(
    queries: Queries, bus: MessageBus, username: str, password: str, source: str = "this machine"
) -> tuple[str, Token]:
    """Verify the password, then open a session: (bearer token, its record)."""
    actor = authenticate(queries, bus, username, password, source)
    secret, token = bus.handle(cmd.IssueToken(username=actor.username), actor).value
    return secret, token
