"""Exercise control's commands: steer the scenario clock, add an inject during a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command


@dataclass(frozen=True, kw_only=True)
class SetExerciseClock(Command):
    """Run the scenario clock at ``speed`` times real time (0 stops it), and/or move it forward."""

    speed: float | None = None
    advance_s: int = 0
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class AddInject(Command):
    """An inject added during the run: ``name`` (a scripted command) played as ``actor`` at ``due_at``
    (scenario time) with ``fields`` (JSON, the command's fields as in a scenario file)."""

    due_at: datetime
    actor: str
    name: str
    fields: str
    remarks: str = ""
