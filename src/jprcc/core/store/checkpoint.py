"""SQLite's checkpoints, off the writer's path.

In WAL mode every commit appends its pages to the write-ahead log; a **checkpoint** copies them
back into the database file, syncing the log first and the file after. Left to itself, SQLite runs
one inside the commit that takes the log past 1,000 pages: every eighty-odd commands, one command
waited for the copy and both syncs, and every command paid its share of it on the writer's thread.

Here the process's one writer connection leaves that to a thread of its own: after a commit it
only marks the store written (``wrote``, a flag); the thread, woken by the first mark, waits
``every_s`` (100 ms) so that a burst of commits is one checkpoint, then runs a ``PASSIVE``
checkpoint on its own connection. SQLite lets a checkpoint run beside the writer (it copies only
frames already committed, and waits for no reader or writer), and the driver lets the interpreter
go while SQLite works, so the bulk of the copy and the syncs run on another core.

The log starts again from its beginning only once a checkpoint has found it all copied. Copied only
beside a writer that never pauses, it never is, and it grows with every commit. So once the log
holds ``restart_pages`` (8,000 pages, about 32 MB), a second pass copies what the writer committed
during the first, a few frames, with the writer held between two commands (``exclusive``): the
log is all copied as the next command begins, and SQLite writes it again from its start. That
pass holds the writer for its two syncs, some milliseconds: after every checkpoint it took 3.4 %
of a busy writer's time; from 8,000 pages, 0.5 % at about 2,000 commands a second (measured over
4,000 narrative entries), and none at a cell's usual pace, where the writer pauses between
commands and a checkpoint beside it finds the log all copied anyway.

What a power cut costs is bounded by time rather than by pages: with ``synchronous=NORMAL``, the
commits since the last checkpoint (at most some 100 ms of them, while the thread keeps up): every
checkpoint, beside the writer or not, syncs what it copies. The writer connection keeps SQLite's
own checkpoint as a backstop at 20,000 pages (about 80 MB of log), which it reaches only if this
thread could not run for seconds.

The thread (``coalesce.Coalesced``) ends after ``idle_s`` without a write (the next starts it
again), so a store that is only read, or a handle left open, holds no thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager

from jprcc.core.store.coalesce import Coalesced

log = logging.getLogger(__name__)

#: the writer connection's own checkpoint, in pages: the backstop, reached only if this thread stalls
BACKSTOP_PAGES = 20_000
#: the log's size from which the writer is held for a pass that lets it start again
RESTART_PAGES = 8_000
_CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"


class Checkpointer:
    """The checkpoints of one SQLite file, run by a thread of this process (see the module)."""

    def __init__(
        self,
        path: str,
        exclusive: Callable[[], AbstractContextManager[bool]],
        *,
        every_s: float = 0.1,
        idle_s: float = 5.0,
        restart_pages: int = RESTART_PAGES,
    ) -> None:
        self.path = path
        self._exclusive = exclusive
        self.restart_pages = restart_pages
        self.passes = 0  # checkpoints run
        self.restarts = 0  # of which with the writer held, for the log to start again
        #: the last checkpoint's answer: (1 if it could not run, pages in the log, pages copied)
        self.last: tuple[int, int, int] | None = None
        self._copying = threading.Lock()  # held while a checkpoint runs (``paused``)
        self._thread = Coalesced(
            self.checkpoint, name="sqlite-checkpoint", every_s=every_s, idle_s=idle_s, resource=self._connect
        )

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return closing(sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False))

    def wrote(self) -> None:
        """The writer committed: a checkpoint follows within ``every_s``."""
        self._thread.mark()

    @property
    def idle_s(self) -> float:
        return self._thread.idle_s

    @idle_s.setter
    def idle_s(self, seconds: float) -> None:
        self._thread.idle_s = seconds

    @property
    def running(self) -> bool:
        """Whether the thread is there (it ends when the store has been quiet for ``idle_s``)."""
        return self._thread.running

    @property
    def stopped(self) -> bool:
        return self._thread.stopped

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        with self._copying:
            try:
                found = conn.execute(_CHECKPOINT).fetchone()
                if found[0] == 0 and found[1] >= self.restart_pages:
                    # then, with the writer held between two commands, whatever it committed
                    # meanwhile (a few frames): the log is all copied as the next command begins,
                    # and that command writes it again from its start; copied only beside the
                    # writer, the log would never be found all copied and would grow and grow
                    with self._exclusive() as held:
                        if held:
                            found = conn.execute(_CHECKPOINT).fetchone()
                            self.restarts += 1
            except sqlite3.Error as e:  # (a busy store: the next commit asks again)
                log.info("checkpoint not run", extra={"error": str(e)})
                self._thread.again()
                return
            self.last = (int(found[0]), int(found[1]), int(found[2]))
            self.passes += 1

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No checkpoint of this thread runs inside (a ``VACUUM`` truncating the log itself)."""
        with self._copying:
            yield

    def stop(self) -> None:
        """Stop the thread, after the checkpoint it may be running; what was written and not yet
        copied is copied when the store's last connection closes, as SQLite does."""
        self._thread.stop()
