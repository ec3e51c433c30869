"""The message actions: templates (read, publish a version), a message previewed as text, HTML or
PDF, released, and read back as released. One table (``ACTIONS``) drives the HTTP routes and the
CLI (``jprcc messages``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import StringConstraints

from jprcc.core.contract import Action, Call
from jprcc.core.errors import NotFound
from jprcc.publishing import commands as cmd
from jprcc.publishing.exchange import (
    MEDIA,
    Format,
    Layer,
    Planners,
    asset_commands,
    features,
    layer_commands,
    read,
    render,
)
from jprcc.publishing.model import OPTIONAL, SCHEMAS, MessageKind
from jprcc.publishing.schedule import Schedule, schedules
from jprcc.publishing.schemas import (
    ExportQuery,
    ImportedOut,
    ImportIn,
    MessageOut,
    MessagesQuery,
    ReleaseIn,
    RenderIn,
    ScheduleIn,
    ScheduleOut,
    SchedulesQuery,
    TemplateIn,
    TemplateOut,
)
from jprcc.publishing.service import Publisher, Released, Rendered, Template
from jprcc.publishing.templates import check

TAGS = ("messages",)
ROOT = "/api/messages"
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^MSG-[0-9A-Z-]+$")]


def _publisher(call: Call) -> Publisher:
    publisher: Publisher = call.node.service(Publisher)
    return publisher


def _schema(tree: Any) -> Any:
    if isinstance(tree, dict):
        out = {k: _schema(v) for k, v in tree.items() if k != OPTIONAL}
        return {**out, "optional": True} if tree.get(OPTIONAL) else out
    if isinstance(tree, list):
        return [_schema(tree[0])]
    return tree


def template_out(t: Template) -> TemplateOut:
    return TemplateOut(
        kind=t.kind,
        label=t.kind.label,
        per_incident=t.kind.per_incident,
        version=t.version,
        text=t.text,
        published_by=t.published_by,
        published_at=t.published_at,
        fields=check(t.kind, t.text),
        data_schema=_schema(SCHEMAS[t.kind]),
    )


def templates(call: Call) -> list[TemplateOut]:
    return [template_out(_publisher(call).template(k)) for k in MessageKind]


def template(call: Call) -> TemplateOut:
    return template_out(_publisher(call).template(call.path["kind"]))


def publish_template(call: Call) -> TemplateOut:
    body: TemplateIn = call.body
    kind: MessageKind = call.path["kind"]
    call.node.bus.handle(cmd.PublishTemplate(kind=kind.value, text=body.text), call.actor)
    return template_out(_publisher(call).template(kind))


def _render(call: Call) -> Rendered:
    body: RenderIn = call.body
    return _publisher(call).render(call.actor, body.kind, body.incident_id, body.line_length)


def preview_text(call: Call) -> bytes:
    return _render(call).text.encode("utf-8")


def preview_html(call: Call) -> bytes:
    publisher = _publisher(call)
    return publisher.html(_render(call)).encode("utf-8")


def preview_pdf(call: Call) -> bytes:
    publisher = _publisher(call)
    return publisher.pdf(_render(call))


def message_out(m: Released) -> MessageOut:
    return MessageOut(
        message_id=m.message_id,
        kind=m.kind,
        incident_id=m.incident_id,
        template_version=m.template_version,
        text=m.text,
        sha256=m.sha256,
        recipients=m.recipients,
        released_by=m.released_by,
        released_at=m.released_at,
    )


def release(call: Call) -> MessageOut:
    body: ReleaseIn = call.body
    command = cmd.ReleaseMessage(
        kind=body.kind.value,
        incident_id=body.incident_id,
        recipients=tuple(body.recipients),
        line_length=body.line_length,
    )
    message_id = call.node.bus.handle(command, call.actor).value
    return message_out(_one(call, message_id))


def _one(call: Call, message_id: str) -> Released:
    found = _publisher(call).released(call.actor, message_id=message_id)
    if not found:
        raise NotFound(f"no message {message_id}", field="message_id")
    return found[0]


def released(call: Call) -> list[MessageOut]:
    q: MessagesQuery | None = call.query
    incident_id = q.incident_id if q is not None else None
    return [message_out(m) for m in _publisher(call).released(call.actor, incident_id=incident_id)]


def show(call: Call) -> MessageOut:
    return message_out(_one(call, call.path["message_id"]))


def released_text(call: Call) -> bytes:
    return _one(call, call.path["message_id"]).text.encode("utf-8")


def schedule_out(s: Schedule, now: Any) -> ScheduleOut:
    return ScheduleOut(
        schedule_id=s.schedule_id,
        kind=s.kind,
        first_at=s.first_at,
        every_h=s.every_s / 3600,
        recipients=s.recipients,
        line_length=s.line_length,
        created_by=s.created_by,
        created_at=s.created_at,
        cancelled_at=s.cancelled_at,
        last_due=s.last_due,
        last_message_id=s.last_message_id,
        next_at=s.next_at(now) if s.owed else None,
    )


def _schedule(call: Call, schedule_id: str) -> ScheduleOut:
    found = [s for s in schedules(call.node.database, include_cancelled=True) if s.schedule_id == schedule_id]
    if not found:
        raise NotFound(f"no message schedule {schedule_id}", field="schedule_id")
    return schedule_out(found[0], call.node.clock())


def list_schedules(call: Call) -> list[ScheduleOut]:
    q: SchedulesQuery | None = call.query
    every = q is not None and q.include_cancelled
    return [
        schedule_out(s, call.node.clock()) for s in schedules(call.node.database, include_cancelled=every)
    ]


def add_schedule(call: Call) -> ScheduleOut:
    body: ScheduleIn = call.body
    command = cmd.ScheduleMessage(
        kind=body.kind.value,
        first_at=body.first_at,
        every_h=body.every_h,
        recipients=tuple(body.recipients),
        line_length=body.line_length,
    )
    return _schedule(call, call.node.bus.handle(command, call.actor).value)


def cancel_schedule(call: Call) -> ScheduleOut:
    schedule_id = call.path["schedule_id"]
    call.node.bus.handle(cmd.CancelSchedule(schedule_id=schedule_id), call.actor)
    return _schedule(call, schedule_id)


KIND = {"kind": MessageKind}
SCHEDULE = {
    "schedule_id": Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^SCH-[0-9A-F]+$")]
}
SCHEDULED = (
    "A theater-wide message (the daily summary for the JFC) released at first_at and every every_h hours "
    "after, by the scheduler, each due time once, kept as a person's release is: the exact text and its "
    "hash in the log, and in the outbox for the message system."
)
WHO_SEES_SCHEDULES = "standing releases are theater-wide messages: the JPRCC, the JFC and observers see them"
ONE = {"message_id": MessageId}
PREVIEW = "Rendered from the template in force and the data as they stand now, for the caller."

ACTIONS: tuple[Action, ...] = (
    Action("messages.templates", "GET", ROOT + "/templates", "List the message templates in force",
           templates, response=list[TemplateOut], tags=TAGS),
    Action("messages.template", "GET", ROOT + "/templates/{kind}", "Read one message template",
           template, path_params=KIND, response=TemplateOut, tags=TAGS),
    Action("messages.publish_template", "PUT", ROOT + "/templates/{kind}",
           "Publish a new version of a message template (JPRCC director)", publish_template,
           path_params=KIND, body=TemplateIn, response=TemplateOut, command=cmd.PublishTemplate, tags=TAGS,
           description="Checked first: a field the kind's data does not have, an attribute beginning with "
           "_, a call or an include is refused, naming it. Every version is kept in the log."),
    Action("messages.preview", "POST", ROOT + "/preview", "Preview a message as plain text", preview_text,
           body=RenderIn, tags=TAGS, media_type="text/plain", description=PREVIEW),
    Action("messages.preview_html", "POST", ROOT + "/preview.html", "Preview a message as a printable page",
           preview_html, body=RenderIn, tags=TAGS, media_type="text/html", description=PREVIEW),
    Action("messages.preview_pdf", "POST", ROOT + "/preview.pdf", "Render a message as PDF", preview_pdf,
           body=RenderIn, tags=TAGS, media_type="application/pdf",
           description=PREVIEW + " The marking at the top and bottom of every page, page numbers, the DTG."),
    Action("messages.release", "POST", ROOT, "Release a message", release, body=ReleaseIn,
           response=MessageOut, command=cmd.ReleaseMessage, tags=TAGS, status_code=201,
           description="Rendered once the releaser is authorized and kept in the log as released: the exact "
           "text, its SHA-256, to whom, by whom, from which template version."),
    Action("messages.list", "GET", ROOT, "List the messages released", released, query=MessagesQuery,
           response=list[MessageOut], tags=TAGS),
    Action("messages.schedules", "GET", ROOT + "/schedules", "List the standing releases", list_schedules,
           query=SchedulesQuery, response=list[ScheduleOut], tags=TAGS,
           allow=lambda a: a.role.sees_whole_theater, why=WHO_SEES_SCHEDULES),
    Action("messages.schedule", "POST", ROOT + "/schedules", "Schedule a standing release (the JPRCC)",
           add_schedule, body=ScheduleIn, response=ScheduleOut, command=cmd.ScheduleMessage, tags=TAGS,
           status_code=201,
           description=SCHEDULED),
    Action("messages.cancel_schedule", "DELETE", ROOT + "/schedules/{schedule_id}",
           "Cancel a standing release", cancel_schedule, path_params=SCHEDULE, response=ScheduleOut,
           command=cmd.CancelSchedule, tags=TAGS),
    Action("messages.text", "GET", ROOT + "/{message_id}.txt", "Read a released message's exact text",
           released_text, path_params=ONE, tags=TAGS, media_type="text/plain"),
    Action("messages.show", "GET", ROOT + "/{message_id}", "Read a released message", show,
           path_params=ONE, response=MessageOut, tags=TAGS),
)  # fmt: skip


# --- exchange formats --------------------------------------------------------------------------------

EXCHANGE = "/api/exchange"
LAYER = {"layer": Layer}


def planners(node: Any, layer: Layer) -> Planners:
    """The services ``layer`` reads, from the node (only those it reads: they cost)."""
    from jprcc.intel.service import Intel

    if layer is Layer.THREATS:
        return Planners(threats=node.service(Intel).layers(node.clock()))
    if layer is Layer.ROUTES:
        from jprcc.options.service import RecoveryOptions

        return Planners(options=node.service(RecoveryOptions))
    if layer is Layer.SEARCH_AREAS:
        from jprcc.locate.service import Locate

        return Planners(locate=node.service(Locate))
    return Planners()


def _export(call: Call, fmt: Format) -> bytes:
    layer: Layer = call.path["layer"]
    q: ExportQuery = call.query
    found = features(call.node.queries, call.actor, layer, planners(call.node, layer), q.incident)
    return render(layer, fmt, found, call.node.settings.marking).encode("utf-8")


def _import(call: Call, layer: Layer) -> ImportedOut:
    body: ImportIn = call.body
    # who can never import is refused before the file is read (the rows' own rules come after)
    empty = cmd.ImportAssets(assets=()) if layer is Layer.ASSETS else cmd.ImportLayers(layers=())
    call.node.bus.check(empty, call.actor)
    found = read(Format(body.format), body.text, layer)
    if layer is Layer.ASSETS:
        command: Any = cmd.ImportAssets(assets=tuple(asset_commands(found)))
    else:
        command = cmd.ImportLayers(layers=tuple(layer_commands(found, call.node.clock())))
    n = call.node.bus.handle(command, call.actor).value
    return ImportedOut(layer=layer.value, imported=n)


def import_assets(call: Call) -> ImportedOut:
    return _import(call, Layer.ASSETS)


def import_threats(call: Call) -> ImportedOut:
    return _import(call, Layer.THREATS)


def _exporter(fmt: Format) -> Callable[[Call], bytes]:
    def run(call: Call) -> bytes:
        return _export(call, fmt)

    return run


EXPORT_HELP = (
    "Incidents, assets (at their bases), threat layers in force, the recovery options' routes (for one "
    "incident: give `incident`), the search areas (searched, and the 50 % and 90 % containment of the "
    "probability map now) and the adopted search plans. What the caller may see. CSV: marked first and "
    "last; a text cell a spreadsheet would run as a formula is written with a leading '."
)
IMPORT_HELP = (
    "GeoJSON, KML or CSV. Every row is checked first and the first bad one named with its field and rule; "
    "the file is then imported in one unit of work: all of it or nothing."
)
EXCHANGE_ACTIONS: tuple[Action, ...] = (
    *(
        Action(
            f"exchange.export_{fmt.value}",
            "GET",
            EXCHANGE + "/{layer}." + fmt.value,
            f"Export a layer of the picture as {fmt.value.upper()}",
            _exporter(fmt),
            query=ExportQuery,
            path_params=LAYER,
            tags=("exchange",),
            media_type=MEDIA[fmt],
            description=EXPORT_HELP,
        )
        for fmt in Format
    ),
    Action(
        "exchange.import_assets",
        "POST",
        EXCHANGE + "/assets",
        "Import assets",
        import_assets,
        body=ImportIn,
        response=ImportedOut,
        tags=("exchange",),
        command=cmd.ImportAssets,
        description=IMPORT_HELP,
    ),
    Action(
        "exchange.import_threats",
        "POST",
        EXCHANGE + "/threats",
        "Import threat layers",
        import_threats,
        body=ImportIn,
        response=ImportedOut,
        tags=("exchange",),
        command=cmd.ImportLayers,
        description=IMPORT_HELP,
    ),
)
