"""Exercise control's handlers: each records what exercise control did on the exercise's stream,
then steers the running exercise (the clock, the injects to come)."""

from __future__ import annotations

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
    now = control.apply_clock(c.speed, c.advance_s)
    event = ev.ExerciseClockSet(
        at=ctx.now,
        exercise=exercise.scenario.name,
        speed=control.speed,
        advanced_s=c.advance_s,
        scenario_time=now,
        by=ctx.actor.username,
        remarks=c.remarks,
    )
    uow.record([event], ctx.actor.username, ctx.now)
    return now.isoformat()


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
