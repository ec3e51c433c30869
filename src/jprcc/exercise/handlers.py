"""Exercise control's handlers: each checks what exercise control asks against the running exercise
and records it on the exercise's stream. Nothing is steered here: once the command is committed,
the action applies it (a new speed, a step forward through everything due on the way, an inject
added to those to come), so a refused or failed command changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jprcc.core.contract import Subject
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.exercise import commands as cmd
from jprcc.exercise import events as ev
from jprcc.exercise.control import ExerciseControl
from jprcc.exercise.scenario import Step


def exercise_subject(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(label="the exercise")


def handle_clock(c: cmd.SetExerciseClock, uow: UnitOfWork, ctx: Context, control: ExerciseControl) -> str:
    exercise = control.running()
    control.check_clock(c.speed, c.advance_s)
    event = ev.ExerciseClockSet(
        at=ctx.now,
        exercise=exercise.scenario.name,
        speed=control.speed if c.speed is None else c.speed,
        advanced_s=c.advance_s,
        scenario_time=ctx.now + timedelta(seconds=c.advance_s),
        by=ctx.actor.username,
        remarks=c.remarks,
    )
    uow.record([event], ctx.actor.username, ctx.now)
    return event.scenario_time.isoformat()


def handle_inject(c: cmd.AddInject, uow: UnitOfWork, ctx: Context, control: ExerciseControl) -> Step:
    exercise = control.running()
    step = control.inject(c.due_at, c.actor, c.name, c.fields, ctx.now)
    event = ev.InjectAdded(
        at=ctx.now,
        exercise=exercise.scenario.name,
        due_at=c.due_at,
        actor=c.actor,
        name=c.name,
        fields=c.fields,
        by=ctx.actor.username,
        remarks=c.remarks,
    )
    uow.record([event], ctx.actor.username, ctx.now)
    return step
