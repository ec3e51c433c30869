"""The live feed's doorbell: wakes waiting feed streams as soon as a command commits.

Streams read the committed events themselves, from the log, by sequence number; the hub
only tells them when to look. A stream that is not woken (events committed by another
server process) still looks every ``poll_s`` seconds.
"""

from __future__ import annotations

import asyncio
import threading

from jprcc.service.ports import RecordedEvent


class FeedHub:
    def __init__(self, poll_s: float = 1.0) -> None:
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def __call__(self, recorded: list[RecordedEvent]) -> None:
        """Bus subscriber: called after commit, from whatever thread ran the command."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    async def wait(self) -> None:
        """Return when a command commits, or after ``poll_s`` seconds."""
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(entry)
        try:
            await asyncio.wait_for(event.wait(), timeout=self.poll_s)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(entry)
