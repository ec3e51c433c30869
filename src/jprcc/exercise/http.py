"""The after-action actions: the metrics of every incident in the log (exercise or real), as JSON,
as CSV, and as a printable report with its plots. One table (``ACTIONS``) drives the HTTP routes and
the CLI (``jprcc exercise after-action``, in-process or against a server)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from jprcc.core.authorization import STAFF
from jprcc.core.clock import system_clock
from jprcc.core.contract import Action, Call
from jprcc.core.model import Actor, Role
from jprcc.core.ports import RecordedEvent
from jprcc.exercise import metrics as mx
from jprcc.exercise.commands import AddInject, SetExerciseClock
from jprcc.exercise.control import ExerciseControl
from jprcc.exercise.schemas import (
    AfterActionOut,
    AfterActionQuery,
    ClockIn,
    ExerciseOut,
    IncidentMetricsOut,
    InjectIn,
    InjectOut,
    StepOut,
)

TAGS = ("exercise",)
PAGE = 2_000
READERS = STAFF | {Role.JFC, Role.OBSERVER}
WHY = "only the JPRCC, the JFC and exercise control read the after-action figures of every incident"


def may_read(actor: Actor) -> bool:
    return actor.role in READERS


def log(call: Call) -> Iterator[RecordedEvent]:
    """Every event of the log, in order, a page at a time."""
    after = 0
    while True:
        page = call.node.queries.events_after(after, limit=PAGE)
        if not page:
            return
        yield from page
        after = page[-1].seq


def compute(call: Call) -> mx.Figures:
    """The figures of the whole log (or one incident's). A node opened on an exercise's store after
    the exercise reads them as of the log's last event: the exercise's clock stopped there."""
    q: AfterActionQuery | None = call.query
    stopped = call.node.settings.exercise and call.node.clock is system_clock
    figures = mx.after_action(log(call), None if stopped else call.node.clock())
    if q is not None and q.incident_id:
        return replace(figures, incidents=[m for m in figures.incidents if m.incident_id == q.incident_id])
    return figures


def metrics_out(m: mx.IncidentMetrics) -> IncidentMetricsOut:
    return IncidentMetricsOut(
        incident_id=m.incident_id,
        title=m.title,
        owning_component=m.owning_component,
        isolated_at=m.isolated_at,
        milestones=dict(m.at),
        minutes_from_isolation={name: m.minutes_to(name) for name in mx.MILESTONES},
        steps=[StepOut(name=s.name, began=s.began, ended=s.ended, minutes=s.minutes) for s in m.steps],
        dark_minutes_lost=m.dark_minutes_lost,
        components=sorted(m.components),
        relationships=m.relationships,
        offered=m.offered,
        chosen=m.chosen,
        options_weighed=m.options_weighed,
        option_chosen=m.option_chosen,
    )


def after_action(call: Call) -> AfterActionOut:
    figures = compute(call)
    return AfterActionOut(
        marking=call.node.settings.marking,
        as_of=figures.as_of,
        events_read=figures.events_read,
        incidents=[metrics_out(m) for m in figures.incidents],
    )


def after_action_csv(call: Call) -> bytes:
    """The same figures as CSV, one row per incident, under the node's marking."""
    figures = compute(call)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"# {call.node.settings.marking}"])
    writer.writerows(mx.csv_rows(figures.incidents))
    writer.writerow([f"# {call.node.settings.marking}"])
    return out.getvalue().encode("utf-8")


def after_action_report(call: Call) -> bytes:
    """The printable report (HTML with its pictures inline), under the node's marking."""
    from jprcc.exercise.report import render

    return render(compute(call), call.node.settings.marking).encode("utf-8")


# --- exercise control --------------------------------------------------------------------------

CONTROL = frozenset({Role.OBSERVER, Role.JPRCC_DIRECTOR})
CONTROL_WHY = "only exercise control (an observer account) and the JPRCC director steer an exercise"


def may_control(actor: Actor) -> bool:
    return actor.role in CONTROL


def exercise_out(call: Call) -> ExerciseOut:
    from jprcc.exercise.scenario import scripted_commands

    control: ExerciseControl = call.node.service(ExerciseControl)
    exercise = control.running()
    pending = list(exercise.player.pending)
    return ExerciseOut(
        name=exercise.scenario.name,
        marking=call.node.settings.marking,
        start=exercise.start,
        now=call.node.clock(),
        speed=control.speed,
        end=exercise.end,
        injects_played=exercise.injects,
        injects_refused=list(exercise.refused),
        pending=[
            InjectOut(due_at=when, actor=step.actor, name=step.name, fields=step.fields)
            for step, when in pending[:100]
        ],
        pending_total=len(pending),
        commands=sorted(scripted_commands(call.node.registry)),
        users=sorted(exercise.player.actors),
    )


def set_clock(call: Call) -> ExerciseOut:
    body: ClockIn = call.body
    command = SetExerciseClock(speed=body.speed, advance_s=body.advance_s, remarks=body.remarks)
    call.node.bus.handle(command, call.actor)
    control: ExerciseControl = call.node.service(ExerciseControl)
    control.set_speed(body.speed)
    control.step(body.advance_s)  # through what falls due, each at its own time
    return exercise_out(call)


def add_inject(call: Call) -> ExerciseOut:
    body: InjectIn = call.body
    due_at = call.node.clock() + timedelta(seconds=body.due_in_s)
    command = AddInject(
        due_at=due_at, actor=body.actor, name=body.name, fields=json.dumps(body.fields), remarks=body.remarks
    )
    step = call.node.bus.handle(command, call.actor).value  # checked and recorded
    call.node.service(ExerciseControl).add(step)
    return exercise_out(call)


ACTIONS: tuple[Action, ...] = (
    Action(
        "exercise.status",
        "GET",
        "/api/exercise",
        "Read the running exercise: its clock and the injects to come",
        exercise_out,
        response=ExerciseOut,
        tags=TAGS,
        allow=may_control,
        why=CONTROL_WHY,
    ),
    Action(
        "exercise.clock",
        "POST",
        "/api/exercise/clock",
        "Steer the scenario clock (speed, stop, step forward)",
        set_clock,
        body=ClockIn,
        response=ExerciseOut,
        command=SetExerciseClock,
        tags=TAGS,
    ),
    Action(
        "exercise.inject",
        "POST",
        "/api/exercise/injects",
        "Add an inject to the running exercise",
        add_inject,
        body=InjectIn,
        response=ExerciseOut,
        command=AddInject,
        tags=TAGS,
        status_code=201,
    ),
    Action(
        "exercise.after_action",
        "GET",
        "/api/after-action",
        "Read the after-action figures of every incident",
        after_action,
        query=AfterActionQuery,
        response=AfterActionOut,
        tags=TAGS,
        allow=may_read,
        why=WHY,
        description="From the whole event log (an exercise's or real operations'): per incident, the minutes "
        "from the isolating event to report, locate, authentication, directive, recovery and phase I; each "
        "brokering step's minutes; darkness lost to coordination; who was involved; offered against chosen.",
    ),
    Action(
        "exercise.after_action_csv",
        "GET",
        "/api/after-action.csv",
        "Read the after-action figures as CSV",
        after_action_csv,
        query=AfterActionQuery,
        tags=TAGS,
        media_type="text/csv",
        allow=may_read,
        why=WHY,
        description="One row per incident, under the node's marking (first and last line).",
    ),
    Action(
        "exercise.after_action_report",
        "GET",
        "/api/after-action/report",
        "Read the printable after-action report",
        after_action_report,
        query=AfterActionQuery,
        tags=TAGS,
        media_type="text/html",
        allow=may_read,
        why=WHY,
        description="One HTML page to print: each incident's timeline from its isolating event, the median "
        "of each brokering step, the milestones table and the definitions, under the node's marking.",
    ),
)
