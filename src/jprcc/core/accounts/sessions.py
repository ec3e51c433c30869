"""The sessions a server process has seen lately, so that a request does not read its token.

Every request names its session by a bearer token or the session cookie. Looking the token up
in the store costs a read (on PostgreSQL a round trip) and, on the event loop, a hop to a worker
thread and back: about an eighth of what a narrative command over HTTP cost the server. A process
therefore remembers, by the token's hash (never the token), the actor of each session it has
looked up, and answers from that memory without touching the store while the memory holds:

- **a session that ends is forgotten at once.** A logout, a deactivated account and a new
  password are events; this process forgets that user's sessions after every commit that records
  one (the bus calls ``Sessions`` as a subscriber), and on PostgreSQL every other server process
  forgets them as the transaction commits (the accounts projection sends a notification on
  ``jprcc_sessions``, which PostgreSQL delivers at the commit and only if it commits);
- **a session's expiry is checked on every use**, against the node's clock, as the store's
  lookup does;
- **nothing remembered is older than ``max_age_s``** (2 s): it is looked up again then. That
  bounds what a lost notification could leave (the listening connection dropped and not yet back;
  it also forgets everything when it connects again), and a change made by a process that cannot
  notify (a ``jprcc user`` command on the same SQLite file) reaches a running server within it;
- **a lookup that raced a session's end keeps nothing**: every forgetting moves a generation,
  and what a lookup found is kept only if no forgetting happened while it read.

A token the store refuses is not remembered: each use of an unknown token reads the store again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from jprcc.core.accounts import events as ev
from jprcc.core.accounts.security import token_hash
from jprcc.core.clock import Clock
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.model import Actor, Role
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.codec import utc
from jprcc.core.store.database import Database
from jprcc.core.store.direct import Direct
from jprcc.core.store.tables import tokens, users

ENDS_SESSIONS = (ev.TokenRevoked, ev.UserActiveChanged, ev.PasswordChanged)
"""The events after which a user's sessions are looked up again (some of them ended)."""


_TOKEN = Direct(
    select(
        tokens.c.expires_at,
        tokens.c.revoked,
        users.c.username,
        users.c.role,
        users.c.component_id,
        users.c.active,
    )
    .join(users, users.c.username == tokens.c.username)
    .where(tokens.c.token_hash == bindparam("hash"))
)


def read_session(database: Database, clock: Clock, token: str) -> tuple[Actor, datetime]:
    """The session's actor and when it expires, read from the store; ``AuthenticationFailed`` for
    an unknown, revoked or expired token, or an inactive account."""
    with database.read() as conn:  # (sent on the driver's cursor)
        row = _TOKEN.first(conn, {"hash": token_hash(token)})
    if row is None or row[1] or not row[5] or utc(row[0]) <= clock():
        raise AuthenticationFailed("invalid or expired token; log in again")
    return Actor(row[2], Role(row[3]), row[4]), utc(row[0])


@dataclass(frozen=True, slots=True)
class _Known:
    actor: Actor
    expires_at: datetime
    until: float  # time.monotonic() after which it is looked up again


class Sessions:
    """One per node. ``lookup(token)`` reads the store: (the session's actor, when it expires),
    or raises ``AuthenticationFailed``."""

    def __init__(
        self,
        lookup: Callable[[str], tuple[Actor, datetime]],
        clock: Callable[[], datetime],
        *,
        capacity: int = 4096,
        max_age_s: float = 2.0,
    ) -> None:
        self._lookup = lookup
        self._clock = clock
        self.capacity = capacity
        self.max_age_s = max_age_s
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self.hits = 0
        self.lookups = 0

    def known(self, token: str) -> Actor | None:
        """The session's actor if this process remembers it valid now; None: ask ``actor``."""
        found = self._known.get(token_hash(token))
        if found is None or found.until <= time.monotonic() or found.expires_at <= self._clock():
            return None
        self.hits += 1
        return found.actor

    def actor(self, token: str) -> Actor:
        """The session's actor, from memory or the store (``AuthenticationFailed`` if it is not
        a valid session)."""
        remembered = self.known(token)
        if remembered is not None:
            return remembered
        generation = self._generation
        self.lookups += 1
        actor, expires_at = self._lookup(token)  # (raises for an unknown, ended or expired session)
        with self._lock:
            if self._generation == generation:  # no session ended while it was read
                key = token_hash(token)
                self._known[key] = _Known(actor, expires_at, time.monotonic() + self.max_age_s)
                self._known.move_to_end(key)
                while len(self._known) > self.capacity:
                    self._known.popitem(last=False)
        return actor

    def __call__(self, recorded: list[RecordedEvent]) -> None:
        """After a commit of this process: forget the sessions of users whose sessions it ended."""
        ended = {r.event.username for r in recorded if isinstance(r.event, ENDS_SESSIONS)}
        if ended:
            self.forget(ended)

    def forget(self, usernames: Iterable[str] | None = None) -> None:
        """Forget these users' sessions (None: every session)."""
        with self._lock:
            self._generation += 1
            if usernames is None:
                self._known.clear()
                return
            gone = set(usernames)
            for key in [k for k, v in self._known.items() if v.actor.username in gone]:
                del self._known[key]
