"""Work done after commits, on a thread of its own, once for a burst of them.

Some work follows commits but need not follow each one: writing the chain's anchor file (its
head), copying SQLite's log into the file (a checkpoint). A commit only ``mark``s that the work
is due (a flag, no thread started, nothing waited for); a thread woken by the first mark waits
``every_s`` so that the commits of that moment are all covered, then does the work once. The
thread ends after ``idle_s`` without a mark and the next mark starts another, so a quiet process,
or a handle left open, holds no thread. (A timer thread per burst, started from the commit, cost
the committing thread some 25 µs at every start.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

log = logging.getLogger(__name__)


class Coalesced:
    """``work(resource)`` run on a thread of its own within ``every_s`` of a ``mark``, once for
    all the marks of that moment; ``resource`` is opened by the thread as it starts and closed
    as it ends (a connection of its own), or None."""

    def __init__(
        self,
        work: Callable[[Any], None],
        *,
        name: str,
        every_s: float,
        idle_s: float = 5.0,
        resource: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> None:
        self.work = work
        self.name = name
        self.every_s = every_s
        self.idle_s = idle_s
        self.resource = resource
        self._marked = threading.Event()
        self._stopping = threading.Event()
        self._state = threading.Lock()
        self._thread: threading.Thread | None = None

    def mark(self) -> None:
        """The work is due: it runs within ``every_s``."""
        if self._marked.is_set():  # (already due: the thread that will run it is there, since a
            return  # thread ends only with no mark set, and the mark that set it started one)
        with self._state:  # (the thread ends idle under this lock: a mark is never left unseen)
            self._marked.set()
            if self._stopping.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def again(self) -> None:
        """(From the work) it could not be done now: it is due again, within ``every_s``."""
        self._marked.set()

    @property
    def running(self) -> bool:
        """Whether the thread is there."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def _run(self) -> None:
        try:
            opened = self.resource()
            held = opened.__enter__()
        except Exception:  # (the work is not done by this thread; the next mark tries again)
            log.warning("could not start the work", extra={"work": self.name}, exc_info=True)
            with self._state:
                self._thread = None
                self._marked.clear()  # (so that the next mark starts a thread again)
            return
        try:
            while not self._stopping.is_set():
                if not self._marked.wait(self.idle_s):
                    with self._state:
                        if not self._marked.is_set():
                            self._thread = None
                            return
                    continue
                if self._stopping.wait(self.every_s):  # (the marks of this moment join the first)
                    break
                self._marked.clear()
                try:
                    self.work(held)
                except Exception:  # a failed run must not end the thread: the next mark runs it
                    log.exception("work after commits failed", extra={"work": self.name})
        finally:
            opened.__exit__(None, None, None)

    def stop(self) -> None:
        """Stop the thread, after the run it may be in; no mark starts another."""
        self._stopping.set()
        self._marked.set()
        with self._state:
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
