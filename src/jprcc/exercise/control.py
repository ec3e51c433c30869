"""Exercise control in the running node: the exercise it runs (attached by ``jprcc exercise run``),
the scenario clock to steer, the injects still to come. A node that runs no exercise refuses every
control command by name."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from jprcc.core.clock import MAX_SPEED, ScenarioClock, speed_of
from jprcc.core.errors import Conflict, RuleViolation
from jprcc.exercise.scenario import ScenarioError, Step, build_command, scripted_commands

MAX_ADVANCE_S = 7 * 86400


class ExerciseControl:
    def __init__(self, node: Any) -> None:
        self.node = node
        self.exercise: Any = None  # jprcc.exercise.run.Exercise, once attached

    def attach(self, exercise: Any) -> None:
        self.exercise = exercise

    def running(self) -> Any:
        if self.exercise is None:
            raise Conflict("this node runs no exercise (start one with jprcc exercise run)")
        return self.exercise

    @property
    def speed(self) -> float:
        return speed_of(self.node.clock)

    def check_clock(self, speed: float | None, advance_s: int) -> None:
        self.running()
        if speed is not None and not 0 <= speed <= MAX_SPEED:
            raise RuleViolation(f"must be between 0 and {MAX_SPEED:g} times real time", field="speed")
        if not 0 <= advance_s <= MAX_ADVANCE_S:
            raise RuleViolation("the clock only moves forward, at most a week at a time", field="advance_s")
        clock = self.node.clock
        if speed is not None and not isinstance(clock, ScenarioClock):
            raise Conflict("a headless exercise's clock is moved by its run, not by hand", field="speed")

    def set_speed(self, speed: float | None) -> None:
        clock = self.node.clock
        if speed is not None and isinstance(clock, ScenarioClock):
            clock.set_speed(speed)

    def step(self, advance_s: int) -> datetime:
        """Move the clock forward through everything due on the way, each at its own time."""
        from jprcc.exercise.run import run_forward

        now: datetime = self.node.clock()
        if advance_s:
            run_forward(self.running(), now + timedelta(seconds=advance_s))
        later: datetime = self.node.clock()
        return later

    def inject(self, due_at: datetime, actor: str, name: str, fields: str, now: datetime) -> Step:
        """The inject as the player will play it, checked now: a known command whose fields build, as
        a user of the exercise, not in the past."""
        exercise = self.running()
        if due_at < now:
            raise RuleViolation("an inject is due now or later in scenario time", field="due_at")
        if name not in scripted_commands(self.node.registry):
            raise RuleViolation(f"unknown command {name!r} (the commands of a scenario file)", field="name")
        if actor not in exercise.player.actors:
            raise RuleViolation(f"no user {actor!r} in the exercise", field="actor")
        try:
            values = json.loads(fields)
        except ValueError:
            raise RuleViolation("the command's fields as a JSON object", field="fields") from None
        if not isinstance(values, dict):
            raise RuleViolation("the command's fields as a JSON object", field="fields")
        try:
            build_command(self.node.registry, name, values, due_at)
        except ScenarioError as exc:
            raise RuleViolation(str(exc), field="fields") from None
        return Step(due_at - exercise.start, actor, name, values, 10_000 + len(exercise.player.pending))

    def add(self, step: Step) -> None:
        self.running().player.add(step)
