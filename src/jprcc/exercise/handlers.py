"""Exercise control's handlers: each records what exercise control did on the exercise's stream and
steers the running exercise (the clock's speed, the injects to come). A step forward is taken by the
action once the step is recorded: everything due on the way is played then, through the bus."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jprcc.core.contract import Subject
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.exercise import commands as cmd
from jprcc.exercise import events as ev
from jprcc.exercise.control import ExerciseControl


def exercise_subject(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(label="the exercise")


def handle_clock(c: cmd.SetExerciseClock, uow: UnitOfWork, ctx: Context, control: ExerciseControl) -> str:
    exercise = control.running()
    control.check_clock(c.speed, c.advance_s)
    control.set_speed(c.speed)
    event = ev.ExerciseClockSet(
        at=ctx.now,
        exercise=exercise.scenario.name,
        speed=control.speed,
        advanced_s=c.advance_s,
        scenario_time=ctx.now + timedelta(seconds=c.advance_s),
        by=ctx.actor.username,
        remarks=c.remarks,
    )
    uow.record([event], ctx.actor.username, ctx.now)
    return event.scenario_time.isoformat()  # the step itself is taken once this is recorded


def handle_inject(c: cmd.AddInject, uow: UnitOfWork, ctx: Context, control: ExerciseControl) -> str:
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
    control.add(step)
    return c.due_at.isoformat()
