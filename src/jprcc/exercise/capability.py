"""Exercises: scenario files with timed injects, played on a node of its own on a scenario clock
(live or headless), every page and export marked EXERCISE."""

from __future__ import annotations

from jprcc.core.contract import Capability, CliGroup
from jprcc.exercise import http

CAPABILITY = Capability(
    name="exercise",
    summary="Exercises: scenarios and timed injects on a scenario clock, in a store of their own; "
    "after-action figures from any event log.",
    actions=http.ACTIONS,
    cli=(
        CliGroup(
            "exercise",
            "jprcc.exercise.cli:app",
            "Exercises on a scenario clock: run a scenario live or headless.",
        ),
    ),
)
