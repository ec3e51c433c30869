"""Time. Everything asks a clock for 'now' so that exercises and tests can run their own.

Three clocks: the system's (real operations), a manual one (tests, the demo's back-dated script, a
headless exercise that jumps from one inject to the next) and the scenario clock of a live exercise,
which starts at any date and time and runs at real time, at a multiple of it, or stands still and
moves a step at a time. None ever goes back: the log's times only move forward.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
MAX_SPEED = 3600.0  # an hour of scenario time per second of real time


def system_clock() -> datetime:
    return datetime.now(UTC)


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("a clock keeps UTC-aware time")
    return when.astimezone(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, exercises, the demo's back-dated script)."""

    speed = 0.0  # it stands still between moves

    def __init__(self, start: datetime) -> None:
        self.now = _aware(start)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


class ScenarioClock:
    """Scenario time: ``start`` when made, then ``speed`` scenario seconds per real second (0: it
    stands still until ``advance`` moves it). Safe to read and steer from any thread."""

    def __init__(
        self, start: datetime, speed: float = 1.0, wall: Callable[[], float] = time.monotonic
    ) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._base = _aware(start)
        self._wall0 = wall()
        self._speed = _checked(speed)

    def __call__(self) -> datetime:
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        return self._base + timedelta(seconds=(self._wall() - self._wall0) * self._speed)

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> datetime:
        """Run at ``speed`` from now on (0 stops the clock); answers the scenario time it changed at."""
        checked = _checked(speed)
        with self._lock:
            self._base, self._wall0 = self._now(), self._wall()
            self._speed = checked
            return self._base

    def advance(self, delta: timedelta) -> datetime:
        """Move scenario time forward by ``delta`` at once (a step; the next inject, an hour)."""
        if delta < timedelta(0):
            raise ValueError("a scenario clock never goes back")
        with self._lock:
            self._base, self._wall0 = self._now() + delta, self._wall()
            return self._base

    def advance_to(self, when: datetime) -> datetime:
        """Move scenario time to ``when`` if that is ahead; a time already past changes nothing."""
        target = _aware(when)
        with self._lock:
            now = self._now()
            self._base, self._wall0 = max(now, target), self._wall()
            return self._base


def speed_of(clock: Clock) -> float:
    """Seconds of the clock's time per real second: 1 for the system's, 0 for a manual one."""
    return float(getattr(clock, "speed", 1.0))


def _checked(speed: float) -> float:
    if not 0.0 <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between 0 and {MAX_SPEED:g} times real time")
    return float(speed)
