"""Publishing's events: each template version on its kind's stream, each release on its own."""

from __future__ import annotations

from dataclasses import dataclass
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
