"""Exercise control's events, on the exercise's own stream: what exercise control did to the
clock and which injects it added (the after-action review sees them beside what the players did)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.core.events import Event, event


@dataclass(frozen=True, kw_only=True)
class ExerciseEvent(Event):
    stream_kind: ClassVar[str] = "exercise"
    exercise: str

    @property
    def stream_id(self) -> str:
        return f"exercise:{self.exercise}"


@event("exercise_clock_set")
@dataclass(frozen=True, kw_only=True)
class ExerciseClockSet(ExerciseEvent):
    speed: float
    advanced_s: int
    scenario_time: datetime  # the scenario time the clock stood at once set
    by: str
    remarks: str


@event("exercise_inject_added")
@dataclass(frozen=True, kw_only=True)
class InjectAdded(ExerciseEvent):
    due_at: datetime
    actor: str
    name: str
    fields: str
    by: str
    remarks: str
