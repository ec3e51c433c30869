"""The accounts' read model: users (credentials and tokens are secrets, not history)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, text, update

from jprcc.core.accounts import events as ev
from jprcc.core.store.notify import ANNOUNCE_SESSIONS
from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import (
    users,
)

# --- accounts

ACCOUNTS: ProjectorTable = {}


@projects(ACCOUNTS, ev.UserCreated)
def _user(conn: Connection, e: ev.UserCreated) -> None:
    conn.execute(
        insert(users).values(
            username=e.username,
            role=e.role.value,
            component_id=e.component_id,
            full_name=e.full_name,
            active=True,
            created_at=e.at,
        )
    )


@projects(ACCOUNTS, ev.LoginFailed)
def _failed(conn: Connection, e: ev.LoginFailed) -> None:
    conn.execute(update(users).where(users.c.username == e.username).values(failed_logins=e.failures))


@projects(ACCOUNTS, ev.AccountLocked)
def _locked(conn: Connection, e: ev.AccountLocked) -> None:
    conn.execute(update(users).where(users.c.username == e.username).values(locked_at=e.at))


@projects(ACCOUNTS, ev.AccountUnlocked)
def _unlocked(conn: Connection, e: ev.AccountUnlocked) -> None:
    conn.execute(update(users).where(users.c.username == e.username).values(locked_at=None, failed_logins=0))


@projects(ACCOUNTS, ev.UserLoggedIn)
def _logged_in(conn: Connection, e: ev.UserLoggedIn) -> None:
    conn.execute(
        update(users)
        .where(users.c.username == e.username, users.c.failed_logins != 0)
        .values(failed_logins=0)
    )


@projects(ACCOUNTS, ev.UserActiveChanged)
def _user_active(conn: Connection, e: ev.UserActiveChanged) -> None:
    conn.execute(update(users).where(users.c.username == e.username).values(active=e.active))
    _sessions_ended(conn, e)


@projects(ACCOUNTS, ev.TokenRevoked)
@projects(ACCOUNTS, ev.PasswordChanged)
def _sessions_ended(conn: Connection, e: ev.TokenRevoked | ev.PasswordChanged | ev.UserActiveChanged) -> None:
    """On PostgreSQL, the other server processes forget this user's sessions as the transaction
    commits (``core.accounts.sessions``; this process forgets them after it, as the bus's subscriber)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(ANNOUNCE_SESSIONS), {"username": e.username})
