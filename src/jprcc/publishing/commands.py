"""Publishing's commands: a new version of a message template, and a message released."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command
from jprcc.core.theater.commands import RegisterAsset
from jprcc.intel.commands import PublishLayer


@dataclass(frozen=True, kw_only=True)
class PublishTemplate(Command):
    """A new version of ``kind``'s template (Jinja2 text), checked against its schema first."""

    kind: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ReleaseMessage(Command):
    """Release a message of ``kind`` (about ``incident_id`` for the kinds about one incident) to
    ``recipients``, its lines at most ``line_length``. The text is rendered once the releaser is
    authorized (``text``, ``template_version`` and ``sha256`` are filled in then: a body that
    brings its own is refused)."""

    kind: str
    incident_id: str | None = None
    recipients: tuple[str, ...]
    line_length: int = 69
    text: str = ""
    template_version: int = -1
    sha256: str = ""
    schedule_id: str | None = None  # a standing release: the scheduler releases each due time once
    due_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleMessage(Command):
    """Release a theater-wide message of ``kind`` to ``recipients`` at ``first_at`` and every
    ``every_h`` hours after (a daily summary for the JFC at 0600Z: ``every_h=24``)."""

    kind: str
    first_at: datetime
    every_h: float = 24.0
    recipients: tuple[str, ...]
    line_length: int = 69


@dataclass(frozen=True, kw_only=True)
class CancelSchedule(Command):
    schedule_id: str


@dataclass(frozen=True, kw_only=True)
class ImportAssets(Command):
    """Register (or register again) every asset of a file, all in one unit of work or none."""

    assets: tuple[RegisterAsset, ...]


@dataclass(frozen=True, kw_only=True)
class ImportLayers(Command):
    """Publish every threat layer of a file, all in one unit of work or none."""

    layers: tuple[PublishLayer, ...]
