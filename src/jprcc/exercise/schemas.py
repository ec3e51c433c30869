"""What the after-action answers look like."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from jprcc.api.schemas import Body


class AfterActionQuery(Body):
    incident_id: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$", description="Only this incident."
    )


class StepOut(BaseModel):
    name: str = Field(description="The brokering step, e.g. 'poll → answers in'.")
    began: datetime
    ended: datetime
    minutes: float


class IncidentMetricsOut(BaseModel):
    """One incident's after-action figures (definitions in the after-action report and the guide)."""

    incident_id: str
    title: str
    owning_component: str
    isolated_at: datetime
    milestones: dict[str, datetime] = Field(
        description="When each milestone was reached: reported, located, authenticated, directive, "
        "recovered, phase_one (and the brokering steps' ends: assistance, poll, answers, nominated, "
        "execution)."
    )
    minutes_from_isolation: dict[str, float | None] = Field(
        description="Minutes from the isolating event to each milestone (null: not reached)."
    )
    steps: list[StepOut]
    dark_minutes_lost: float = Field(
        description="Minutes of darkness at the person's position between the request for assistance and "
        "the start of execution."
    )
    components: list[str]
    relationships: list[str]
    offered: list[str] = Field(description="Assets offered in the poll answers.")
    chosen: list[str] = Field(description="Assets in the approved nomination.")
    options_weighed: int
    option_chosen: str


class AfterActionOut(BaseModel):
    marking: str = Field(description="The node's marking (an exercise's included).")
    as_of: datetime
    events_read: int
    incidents: list[IncidentMetricsOut]


class ClockIn(Body):
    speed: float | None = Field(
        default=None,
        ge=0,
        le=3600,
        description="Scenario seconds per real second from now on (0 stops the clock).",
    )
    advance_s: int = Field(
        default=0, ge=0, le=7 * 86400, description="Move the clock forward by this many seconds."
    )
    remarks: str = Field(default="", max_length=500)


class InjectIn(Body):
    due_in_s: int = Field(default=0, ge=0, le=7 * 86400, description="Seconds of scenario time from now.")
    actor: str = Field(max_length=64, description="The user the inject is played as, e.g. jfmcc.")
    name: str = Field(max_length=64, pattern=r"^[a-z_]+$", description="The command, as in a scenario file.")
    fields: dict[str, Any] = Field(
        default_factory=dict, description="The command's fields, as in a scenario file."
    )
    remarks: str = Field(default="", max_length=500)


class InjectOut(BaseModel):
    due_at: datetime
    actor: str
    name: str
    fields: dict[str, Any]


class ExerciseOut(BaseModel):
    """The running exercise as exercise control sees it."""

    name: str
    marking: str
    start: datetime
    now: datetime
    speed: float
    end: datetime
    injects_played: int
    injects_refused: list[str]
    pending: list[InjectOut] = Field(description="The next injects to come (at most 100), in order.")
    pending_total: int
    commands: list[str] = Field(description="The commands an inject may issue.")
    users: list[str] = Field(description="Whom an inject may be played as.")
