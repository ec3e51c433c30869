"""Logging in: passwords are verified on the read side, outside any write transaction, so that
a stream of wrong passwords never holds up the commands of the people working incidents."""

from __future__ import annotations

from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts.security import Passwords
from jprcc.core.bus import MessageBus
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.model import Actor
from jprcc.core.ports import Token
from jprcc.core.queries import Queries

REFUSED = "invalid username or password, or the account is inactive"


def authenticate(queries: Queries, bus: MessageBus, username: str, password: str) -> Actor:
    """The actor behind a username and password; one answer for every kind of failure."""
    found = queries.credentials(username)
    ok = bus.services[Passwords].verify(found[1] if found else None, password)
    if found is None or not ok:
        raise AuthenticationFailed(REFUSED, field="password")
    return found[0]


def login(queries: Queries, bus: MessageBus, username: str, password: str) -> tuple[str, Token]:
    """Verify the password, then open a session: (bearer token, its record)."""
    actor = authenticate(queries, bus, username, password)
    secret, token = bus.handle(cmd.IssueToken(username=actor.username), actor).value
    return secret, token
