"""Exercises: scenario files with timed injects, played on a node of its own on a scenario clock
(live or headless), every page and export marked EXERCISE."""

from __future__ import annotations

from typing import Any

from jprcc.core.contract import Capability, CliGroup, CommandSpec, ServiceSpec
from jprcc.core.model import Actor, Role
from jprcc.exercise import commands as cmd
from jprcc.exercise import events as ev
from jprcc.exercise import http
from jprcc.exercise.control import ExerciseControl
from jprcc.exercise.handlers import exercise_subject, handle_clock, handle_inject

CONTROL = "only exercise control (an observer account) and the JPRCC director steer an exercise"


def exercise_control(a: Actor, c: Any, s: Any) -> bool:
    return a.role in (Role.OBSERVER, Role.JPRCC_DIRECTOR)


CAPABILITY = Capability(
    name="exercise",
    summary="Exercises: scenarios and timed injects on a scenario clock, in a store of their own; "
    "after-action figures from any event log.",
    commands=(
        CommandSpec(
            cmd.SetExerciseClock,
            exercise_control,
            CONTROL,
            handle_clock,
            exercise_subject,
            needs=ExerciseControl,
        ),
        CommandSpec(
            cmd.AddInject, exercise_control, CONTROL, handle_inject, exercise_subject, needs=ExerciseControl
        ),
    ),
    events=(ev.ExerciseClockSet, ev.InjectAdded),
    timeline={
        ev.ExerciseClockSet: lambda e: (
            f"Exercise control ({e.by}) set the clock to {e.speed:g}x"
            + (f", {e.advanced_s // 60} min forward" if e.advanced_s else "")
            + f": scenario time {e.scenario_time:%d %H%MZ}"
        ),
        ev.InjectAdded: lambda e: (
            f"Exercise control ({e.by}) added an inject: {e.name} as {e.actor} at {e.due_at:%d %H%MZ}"
        ),
    },
    services=(ServiceSpec(ExerciseControl, ExerciseControl),),
    actions=http.ACTIONS,
    cli=(
        CliGroup(
            "exercise",
            "jprcc.exercise.cli:app",
            "Exercises on a scenario clock: run a scenario live or headless.",
        ),
    ),
)
