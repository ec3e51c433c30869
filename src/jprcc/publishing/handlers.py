"""Publishing's handlers: a template is checked against its kind's schema before it is kept; a
message is rendered once its releaser is authorized (``prepare_release``, outside the write lock)
and recorded with the exact text and its hash; a standing release (schedule) is released once for
each time it falls due, however many processes try (``release`` refuses a due time already run)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from jprcc.brokering.handling import incident_subject
from jprcc.core.contract import NO_SUBJECT, Subject
from jprcc.core.errors import Conflict, NotFound, RuleViolation
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.publishing import commands as cmd
from jprcc.publishing import events as ev
from jprcc.publishing.model import last_due
from jprcc.publishing.service import MAX_LINE, MIN_LINE, Publisher, kind_of
from jprcc.publishing.templates import check

MAX_RECIPIENTS = 50
RECIPIENT = re.compile(r"^[^\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]{1,200}$")


@dataclass
class TemplateStream:
    kind: str
    version: int


def start_template(e: ev.TemplatePublished) -> TemplateStream:
    return TemplateStream(e.kind, e.version)


def apply_template(s: TemplateStream, e: ev.TemplatePublished) -> None:
    s.version = e.version


@dataclass
class ScheduleStream:
    schedule_id: str
    kind: str
    first_at: datetime
    every_s: int
    recipients: tuple[str, ...]
    line_length: int
    cancelled: bool = False
    last_due: datetime | None = None

    def due(self, now: datetime) -> datetime | None:
        """The latest time this schedule fell due at or before ``now`` (None: not yet)."""
        return last_due(self.first_at, self.every_s, now)


def start_schedule(e: ev.MessageScheduled) -> ScheduleStream:
    return ScheduleStream(e.schedule_id, e.kind, e.first_at, e.every_s, e.recipients, e.line_length)


def apply_ran(s: ScheduleStream, e: ev.ScheduleRan) -> None:
    s.last_due = e.due_at


def apply_cancelled(s: ScheduleStream, e: ev.ScheduleCancelled) -> None:
    s.cancelled = True


def release_subject(c: cmd.ReleaseMessage, uow: UnitOfWork) -> Subject:
    """The incident a message is about (an unknown one refused before any rule); none for the
    theater's messages."""
    return incident_subject(c, uow) if c.incident_id else NO_SUBJECT


def publish_template(c: cmd.PublishTemplate, uow: UnitOfWork, ctx: Context, _: Any) -> int:
    kind = kind_of(c.kind)
    check(kind, c.text)
    state: TemplateStream | None = uow.state("template", kind.value)
    version = (state.version if state else 0) + 1
    uow.record(
        [
            ev.TemplatePublished(
                at=ctx.now, kind=kind.value, version=version, text=c.text, by=ctx.actor.username
            )
        ],
        ctx.actor.username,
        ctx.now,
    )
    return version


def check_recipients(recipients: tuple[str, ...]) -> None:
    if not recipients or len(recipients) > MAX_RECIPIENTS:
        raise RuleViolation(f"name 1 to {MAX_RECIPIENTS} recipients", field="recipients")
    for r in recipients:
        if not isinstance(r, str) or not RECIPIENT.match(r) or not r.strip():
            raise RuleViolation(
                "a recipient is 1 to 200 characters, with no control or bidirectional characters",
                field="recipients",
            )


def prepare_release(c: cmd.ReleaseMessage, ctx: Context, publisher: Publisher) -> cmd.ReleaseMessage:
    if c.text or c.sha256 or c.template_version != -1:
        raise RuleViolation("a release brings no text of its own: the node renders it", field="text")
    check_recipients(c.recipients)
    rendered = publisher.render(ctx.actor, kind_of(c.kind), c.incident_id, c.line_length)
    return replace(
        c,
        incident_id=rendered.incident_id,
        text=rendered.text,
        template_version=rendered.template_version,
        sha256=rendered.sha256,
    )


def release(c: cmd.ReleaseMessage, uow: UnitOfWork, ctx: Context, _: Publisher) -> str:
    digest = hashlib.sha256(c.text.encode("utf-8")).hexdigest()
    if not c.text or digest != c.sha256:
        raise RuleViolation("the text to release was not rendered by the node", field="text")
    ran = _scheduled(c, uow, ctx)
    # unique even for the same message released twice in the same instant (a stopped exercise clock)
    message_id = f"MSG-{ctx.now:%y%m%d}-{secrets.token_hex(5).upper()}"
    then: list[ev.ScheduleRan] = []
    if ran is not None and c.due_at is not None:
        then = [ev.ScheduleRan(at=ctx.now, schedule_id=ran, due_at=c.due_at, message_id=message_id)]
    uow.record(
        [
            ev.MessageReleased(
                at=ctx.now,
                message_id=message_id,
                kind=c.kind,
                incident_id=c.incident_id,
                template_version=c.template_version,
                text=c.text,
                sha256=digest,
                recipients=tuple(r.strip() for r in c.recipients),
                by=ctx.actor.username,
            ),
            *then,
        ],
        ctx.actor.username,
        ctx.now,
    )
    return message_id


def _scheduled(c: cmd.ReleaseMessage, uow: UnitOfWork, ctx: Context) -> str | None:
    """A scheduled release: of a schedule in force, as it stands, for a time due and not yet run."""
    if c.schedule_id is None:
        return None
    state: ScheduleStream | None = uow.state("schedule", c.schedule_id)
    if state is None:
        raise NotFound(f"no message schedule {c.schedule_id}")
    if state.cancelled:
        raise RuleViolation(f"schedule {c.schedule_id} was cancelled", field="schedule_id")
    if c.due_at is None or c.due_at != state.due(ctx.now):
        raise RuleViolation(f"schedule {c.schedule_id} is not due at {c.due_at}", field="due_at")
    if (c.kind, tuple(c.recipients)) != (state.kind, state.recipients):
        raise RuleViolation(
            f"schedule {c.schedule_id} releases {state.kind} to its own recipients", field="kind"
        )
    if state.last_due is not None and c.due_at <= state.last_due:
        raise Conflict(f"schedule {c.schedule_id} was already released for {c.due_at.isoformat()}")
    return state.schedule_id


MIN_EVERY_H, MAX_EVERY_H = 1.0, 168.0


def schedule_message(c: cmd.ScheduleMessage, uow: UnitOfWork, ctx: Context, _: Any) -> str:
    kind = kind_of(c.kind)
    if kind.per_incident:
        raise RuleViolation(
            f"a {kind.label.lower()} is about one incident: schedule a theater-wide kind", field="kind"
        )
    if not (isinstance(c.every_h, (int, float)) and MIN_EVERY_H <= c.every_h <= MAX_EVERY_H):
        raise RuleViolation(f"every_h is {MIN_EVERY_H:g} to {MAX_EVERY_H:g} hours", field="every_h")
    if c.first_at.tzinfo is None:
        raise RuleViolation("first_at needs its time zone (Z for UTC)", field="first_at")
    if not MIN_LINE <= c.line_length <= MAX_LINE:
        raise RuleViolation(f"line_length must be {MIN_LINE} to {MAX_LINE} characters", field="line_length")
    check_recipients(c.recipients)
    schedule_id = f"SCH-{secrets.token_hex(4).upper()}"
    uow.record(
        [
            ev.MessageScheduled(
                at=ctx.now,
                schedule_id=schedule_id,
                kind=kind.value,
                first_at=c.first_at,
                every_s=round(c.every_h * 3600),
                recipients=tuple(r.strip() for r in c.recipients),
                line_length=c.line_length,
                by=ctx.actor.username,
            )
        ],
        ctx.actor.username,
        ctx.now,
    )
    return schedule_id


def cancel_schedule(c: cmd.CancelSchedule, uow: UnitOfWork, ctx: Context, _: Any) -> str:
    state: ScheduleStream | None = uow.state("schedule", c.schedule_id)
    if state is None:
        raise NotFound(f"no message schedule {c.schedule_id}")
    if state.cancelled:
        raise Conflict(f"schedule {c.schedule_id} is already cancelled")
    uow.record(
        [ev.ScheduleCancelled(at=ctx.now, schedule_id=c.schedule_id, by=ctx.actor.username)],
        ctx.actor.username,
        ctx.now,
    )
    return c.schedule_id


MAX_IMPORT = 5_000


def _import_rows(rows: tuple[Any, ...], handler: Any, what: str, uow: UnitOfWork, ctx: Context) -> int:
    """Each row through the owning capability's own handler, in this one unit of work: a refusal
    names the row, and nothing of the file is kept."""
    if not 1 <= len(rows) <= MAX_IMPORT:
        raise RuleViolation(f"a file holds 1 to {MAX_IMPORT} {what}s", field="text")
    for i, row in enumerate(rows, 1):
        try:
            handler(row, uow, ctx, None)
        except (RuleViolation, NotFound, Conflict) as e:
            raise RuleViolation(f"feature {i}: {e.field or what}: {e.message}", field="text") from None
    return len(rows)


def import_assets(c: cmd.ImportAssets, uow: UnitOfWork, ctx: Context, _: Any) -> int:
    from jprcc.core.theater.handlers import register_asset

    return _import_rows(c.assets, register_asset, "asset", uow, ctx)


def import_layers(c: cmd.ImportLayers, uow: UnitOfWork, ctx: Context, _: Any) -> int:
    from jprcc.intel.handlers import publish_layer

    return _import_rows(c.layers, publish_layer, "layer", uow, ctx)
