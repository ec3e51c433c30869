"""What the message actions take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jprcc.api.schemas import Body, Identifier, Name
from jprcc.publishing.model import MAX_TEMPLATE, MessageKind

LineLength = Field(default=69, ge=40, le=200, description="Longest line of the plain text, in characters.")


class TemplateOut(BaseModel):
    kind: MessageKind
    label: str
    per_incident: bool = Field(description="About one incident (give incident_id), else theater-wide.")
    version: int = Field(description="0: the default shipped with jprcc.")
    text: str
    published_by: str
    published_at: datetime | None
    fields: list[str] = Field(description="The data the template uses.")
    data_schema: dict[str, object] = Field(description="The data this kind of message may use.")


class TemplateIn(Body):
    text: str = Field(min_length=1, max_length=MAX_TEMPLATE, description="The template (Jinja2 text).")


class RenderIn(Body):
    kind: MessageKind
    incident_id: Identifier | None = Field(default=None, description="For the kinds about one incident.")
    format: Literal["text", "html", "pdf"] = "text"
    line_length: int = LineLength


class ReleaseIn(Body):
    kind: MessageKind
    incident_id: Identifier | None = None
    recipients: list[Name] = Field(min_length=1, max_length=50, description="To whom it goes.")
    line_length: int = LineLength


class MessageOut(BaseModel):
    message_id: str
    kind: str
    incident_id: str | None
    template_version: int
    text: str
    sha256: str = Field(description="SHA-256 of the text as released (UTF-8).")
    recipients: list[str]
    released_by: str
    released_at: datetime


class ScheduleIn(Body):
    kind: MessageKind = Field(description="A theater-wide kind: daily_summary, theater_sitrep, ...")
    first_at: datetime = Field(description="The first release, with its time zone (e.g. 2026-12-06T06:00Z).")
    every_h: float = Field(default=24.0, ge=1, le=168, description="Hours between releases.")
    recipients: list[Name] = Field(min_length=1, max_length=50)
    line_length: int = LineLength


class ScheduleOut(BaseModel):
    schedule_id: str
    kind: str
    first_at: datetime
    every_h: float
    recipients: list[str]
    line_length: int
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    last_due: datetime | None = Field(description="The due time it last released.")
    last_message_id: str | None
    next_at: datetime | None = Field(description="When it next releases (null: cancelled).")


class SchedulesQuery(Body):
    include_cancelled: bool = False


class MessagesQuery(Body):
    incident_id: Identifier | None = None


class ExportQuery(Body):
    incident: Identifier | None = Field(
        default=None, description="Only this incident's features (required for routes)."
    )


class ImportIn(Body):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=10 * 1024 * 1024)

    format: Literal["geojson", "kml", "csv"]
    text: str = Field(min_length=1, max_length=10 * 1024 * 1024, description="The file's content.")


class ImportedOut(BaseModel):
    layer: str
    imported: int = Field(description="Features imported, all in one unit of work.")
