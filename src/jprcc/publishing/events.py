"""Publishing's events: each template version on its kind's stream, each release on its own, each
standing release (schedule) on its own with the times it ran."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.core.events import Event, event


@event("message_template_published")
@dataclass(frozen=True, kw_only=True)
class TemplatePublished(Event):
    stream_kind: ClassVar[str] = "template"
    kind: str
    version: int
    text: str
    by: str

    @property
    def stream_id(self) -> str:
        return f"template:{self.kind}"


@event("message_released")
@dataclass(frozen=True, kw_only=True)
class MessageReleased(Event):
    """The exact text sent (``sha256`` its hash), the template version it was rendered from."""

    stream_kind: ClassVar[str] = "message"
    message_id: str
    kind: str
    incident_id: str | None
    template_version: int
    text: str
    sha256: str
    recipients: tuple[str, ...]
    by: str

    @property
    def stream_id(self) -> str:
        return f"message:{self.message_id}"


@event("message_scheduled")
@dataclass(frozen=True, kw_only=True)
class MessageScheduled(Event):
    """A standing release: ``kind`` to ``recipients`` at ``first_at`` and every ``every_s`` after."""

    stream_kind: ClassVar[str] = "schedule"
    schedule_id: str
    kind: str
    first_at: datetime
    every_s: int
    recipients: tuple[str, ...]
    line_length: int
    by: str

    @property
    def stream_id(self) -> str:
        return f"schedule:{self.schedule_id}"


@event("scheduled_message_released")
@dataclass(frozen=True, kw_only=True)
class ScheduleRan(Event):
    """The release due at ``due_at`` was made (``message_id``): it is never made twice."""

    stream_kind: ClassVar[str] = "schedule"
    schedule_id: str
    due_at: datetime
    message_id: str

    @property
    def stream_id(self) -> str:
        return f"schedule:{self.schedule_id}"


@event("message_schedule_cancelled")
@dataclass(frozen=True, kw_only=True)
class ScheduleCancelled(Event):
    stream_kind: ClassVar[str] = "schedule"
    schedule_id: str
    by: str

    @property
    def stream_id(self) -> str:
        return f"schedule:{self.schedule_id}"
