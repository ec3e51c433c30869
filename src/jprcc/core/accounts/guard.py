"""The guard on logging in, in each server process: how fast one account or one source may try,
and how many passwords are verified at once.

- **Rate**: once an account name or a source address has ``rate_per_minute`` refused tries in
  the last minute, its next try is refused (``RateLimited``, 429 with ``Retry-After``) before any
  password is hashed or anything is read. Good logins do not count: a script that logs in for
  each of its commands is never slowed, a guesser is.
- **Memory**: argon2 takes ``argon2_memory_kib`` per verification; at most ``concurrency`` run at
  once, and a login that cannot start one within ``wait_s`` is refused (``Overloaded``, 503 with
  ``Retry-After``): memory stays bounded however many wrong passwords arrive together.

The counts are per process (several processes behind a load balancer each count their own); the
lock-out after wrong passwords is in the store and holds across them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager

from jprcc.core.errors import Overloaded, RateLimited

WINDOW_S = 60.0
MAX_KEYS = 20_000  # names and addresses remembered (the oldest forgotten first): memory stays bounded


class LoginGuard:
    def __init__(
        self, rate_per_minute: int, concurrency: int, lock_after: int = 5, wait_s: float = 2.0
    ) -> None:
        self.rate = rate_per_minute
        self.lock_after = lock_after  # wrong passwords in a row that lock an account (in the store)
        self.wait_s = wait_s
        self._tries: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._hashing = threading.BoundedSemaphore(concurrency)

    def admit(self, username: str, source: str) -> None:
        """Refuse a try from an account or a source with ``rate`` refusals in the last minute."""
        now = time.monotonic()
        with self._lock:
            wait = max(self._wait(f"user:{username}", now), self._wait(f"source:{source}", now))
        if wait > 0:
            raise RateLimited(
                f"too many refused logins in a minute (at most {self.rate} per account and per address): "
                f"try again in {int(wait) + 1} s",
                field="username",
                retry_after_s=wait,
            )

    def refused(self, username: str, source: str) -> None:
        """Count a refused try against the account and the source."""
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{username}", f"source:{source}"):
                self._wait(key, now)  # made, and aged, if new
                self._tries[key].append(now)

    def forget(self, username: str) -> None:
        """Forget the account's refused tries (the director lifted its lock); the sources' stay."""
        with self._lock:
            self._tries.pop(f"user:{username}", None)

    def _wait(self, key: str, now: float) -> float:
        tries = self._tries.get(key)
        if tries is None:
            tries = self._tries[key] = deque()
            while len(self._tries) > MAX_KEYS:
                self._tries.popitem(last=False)
        self._tries.move_to_end(key)
        while tries and now - tries[0] >= WINDOW_S:
            tries.popleft()
        return 0.0 if len(tries) < self.rate else WINDOW_S - (now - tries[0])

    @contextmanager
    def hashing(self) -> Iterator[None]:
        """One password verification, if one may start within ``wait_s``."""
        if not self._hashing.acquire(timeout=self.wait_s):
            raise Overloaded("too many logins at once: try again in a moment", retry_after_s=2)
        try:
            yield
        finally:
            self._hashing.release()
