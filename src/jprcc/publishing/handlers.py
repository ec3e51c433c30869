"""Publishing's handlers: a template is checked against its kind's schema before it is kept; a
message is rendered once its releaser is authorized (``prepare_release``, outside the write lock)
and recorded with the exact text and its hash."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from typing import Any

from jprcc.brokering.handling import incident_subject
from jprcc.core.contract import NO_SUBJECT, Subject
from jprcc.core.errors import Conflict, NotFound, RuleViolation
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.publishing import commands as cmd
from jprcc.publishing import events as ev
from jprcc.publishing.service import Publisher, kind_of
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


def prepare_release(c: cmd.ReleaseMessage, ctx: Context, publisher: Publisher) -> cmd.ReleaseMessage:
    if c.text or c.sha256 or c.template_version != -1:
        raise RuleViolation("a release brings no text of its own: the node renders it", field="text")
    if not c.recipients or len(c.recipients) > MAX_RECIPIENTS:
        raise RuleViolation(f"name 1 to {MAX_RECIPIENTS} recipients", field="recipients")
    for r in c.recipients:
        if not RECIPIENT.match(r) or not r.strip():
            raise RuleViolation(
                "a recipient is 1 to 200 characters, with no control or bidirectional characters",
                field="recipients",
            )
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
    # unique even for the same message released twice in the same instant (a stopped exercise clock)
    message_id = f"MSG-{ctx.now:%y%m%d}-{secrets.token_hex(5).upper()}"
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
            )
        ],
        ctx.actor.username,
        ctx.now,
    )
    return message_id


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
