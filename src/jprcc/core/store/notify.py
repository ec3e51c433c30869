"""Commits announced across server processes on PostgreSQL: LISTEN/NOTIFY.

Every write transaction that appends to the log sends a notification on the channel
``jprcc_log`` with the statement that moves the chain head (PostgreSQL delivers it at the commit,
only if the transaction commits, and once however many times the transaction sent it), its payload
the schema written to: nodes on other schemas of the same database (a training store beside the live
one) are not woken by it. Each process keeps one listening connection
(``Listener``) whose thread wakes the process's live feed and durable consumers the moment another
process commits, instead of their finding out at their next poll: one reader of the log per
process, however many pages are open, and a page on one process sees what was done on another
within milliseconds. A lost listening connection is opened again; the polls remain the safety net.

A transaction that ends sessions (a logout, a deactivated account, a new password) also notifies
``jprcc_sessions``, its payload the schema and the user; each process then forgets what it
remembers of that user's sessions (``core.accounts.sessions``), and forgets every session when its
listening connection opens again (a notification may have been missed while it was down).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.engine import make_url

log = logging.getLogger("jprcc.notify")
CHANNEL = "jprcc_log"
# the announcement as a statement of its own: the channel, and the schema written to
ANNOUNCE = f"SELECT pg_notify('{CHANNEL}', current_schema())"
SESSIONS_CHANNEL = "jprcc_sessions"
# the user whose sessions a transaction ended, with the schema written to
ANNOUNCE_SESSIONS = (
    f"SELECT pg_notify('{SESSIONS_CHANNEL}', "
    "json_build_array(current_schema(), CAST(:username AS text))::text)"
)


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq takes it (the driver name dropped, options kept)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    def __init__(
        self,
        url: str,
        wake: Sequence[Callable[[], None]],
        retry_s: float = 2.0,
        sessions: Callable[[list[str] | None], None] | None = None,
    ) -> None:
        self.url = libpq_url(url)
        self.wake = list(wake)
        self.sessions = sessions  # told the users whose sessions ended (None: every session)
        self.retry_s = retry_s
        self.heard = 0  # notifications received (for the metrics and the tests)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="jprcc-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    row = conn.execute("SELECT current_schema()").fetchone()
                    schema = row[0] if row else None
                    conn.execute(f"LISTEN {CHANNEL}")
                    if self.sessions is not None:
                        conn.execute(f"LISTEN {SESSIONS_CHANNEL}")
                        self.sessions(None)  # what was missed while not listening
                    self.listening.set()
                    while not self._stop.is_set():
                        for heard in conn.notifies(timeout=0.5):
                            if heard.channel == SESSIONS_CHANNEL:
                                self._sessions_ended(heard.payload, schema)
                                continue
                            if heard.payload not in ("", schema):
                                continue  # another schema's commit ("": a process of an older release)
                            self.heard += 1
                            for wake in self.wake:
                                wake()
            except Exception:
                self.listening.clear()
                log.warning("listening connection lost; opening it again", exc_info=True)
                self._stop.wait(self.retry_s)

    def _sessions_ended(self, payload: str, schema: str | None) -> None:
        try:
            written_to, username = json.loads(payload)
        except (ValueError, TypeError):
            log.warning("unreadable sessions notification; forgetting every session")
            written_to, username = schema, None
        if written_to == schema and self.sessions is not None:
            self.sessions(None if username is None else [str(username)])
