"""Messages: templates per kind (versioned, checked against the data each kind may use), rendered as
plain text, HTML and PDF under the node's marking, released with the exact text's hash."""

from __future__ import annotations

from typing import Any

from jprcc.core.authorization import staff_or_system
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec, StreamKind
from jprcc.core.store.tables import message_schedules, message_templates, messages
from jprcc.publishing import authorization as a
from jprcc.publishing import commands as cmd
from jprcc.publishing import events as ev
from jprcc.publishing import handlers as h
from jprcc.publishing import http, projections
from jprcc.publishing.context import Sources
from jprcc.publishing.schedule import TIMER, Outbox
from jprcc.publishing.search import SearchPicture, search_picture
from jprcc.publishing.service import Publisher


def _publisher(node: Any) -> Publisher:
    from jprcc.intel.service import Intel
    from jprcc.journey.queries import JourneyQueries

    node.dispatcher.add(Outbox(node.settings.effective_outbox_dir).spec())
    return Publisher(
        node.queries,
        node.settings.marking,
        Sources(
            matrix=lambda: node.service(Intel).matrix()[0],
            journeys=lambda actor: node.service(JourneyQueries).board(actor, include_ended=True),
            check_in_s=node.settings.check_in_interval_s,
            search=lambda actor, incident_id: _search(node, actor, incident_id),
        ),
    )


def _search(node: Any, actor: Any, incident_id: str) -> SearchPicture | None:
    """The incident's map now, where a search model is defined and covers now."""
    from jprcc.core.errors import DomainError
    from jprcc.locate.service import Locate

    incident = node.queries.incident(actor, incident_id)
    if incident.search.model is None:
        return None
    try:
        picture = node.service(Locate).picture_of(incident, None, None)
    except DomainError:
        return None
    return search_picture(incident, picture)


CAPABILITY = Capability(
    name="publishing",
    summary="Messages: templates, plain text, HTML and PDF under the marking, releases with their hash.",
    commands=(
        CommandSpec(
            cmd.PublishTemplate,
            a.publish_template,
            "only the JPRCC director changes a message template",
            h.publish_template,
        ),
        CommandSpec(
            cmd.ReleaseMessage,
            a.release_message,
            "only the JPRCC releases messages; a component's PRCC officer the initial report and the "
            "SITREP of its own component's incident",
            h.release,
            h.release_subject,
            prepare=h.prepare_release,
            needs=Publisher,
        ),
        CommandSpec(
            cmd.ScheduleMessage,
            a.schedule,
            "only the JPRCC schedules standing releases",
            h.schedule_message,
        ),
        CommandSpec(
            cmd.CancelSchedule, a.schedule, "only the JPRCC cancels standing releases", h.cancel_schedule
        ),
        CommandSpec(
            cmd.ImportAssets,
            a.import_assets,
            "only the JPRCC, or the PRCC of every asset's component, registers assets",
            h.import_assets,
        ),
        CommandSpec(
            cmd.ImportLayers, staff_or_system, "only the JPRCC publishes intelligence layers", h.import_layers
        ),
    ),
    events=(
        ev.TemplatePublished,
        ev.MessageReleased,
        ev.MessageScheduled,
        ev.ScheduleRan,
        ev.ScheduleCancelled,
    ),
    streams=(
        StreamKind("template", starts=ev.TemplatePublished, start=h.start_template),
        StreamKind("schedule", starts=ev.MessageScheduled, start=h.start_schedule),
    ),
    appliers={
        "template": {ev.TemplatePublished: h.apply_template},
        "schedule": {ev.ScheduleRan: h.apply_ran, ev.ScheduleCancelled: h.apply_cancelled},
    },
    timeline={
        ev.TemplatePublished: lambda e: f"Message template {e.kind} version {e.version} published by {e.by}",
        ev.MessageReleased: lambda e: (
            f"{e.kind.replace('_', ' ').capitalize()} {e.message_id} released by {e.by} to "
            f"{', '.join(e.recipients)} (SHA-256 {e.sha256[:12]}…)"
        ),
        ev.MessageScheduled: lambda e: (
            f"{e.kind.replace('_', ' ').capitalize()} scheduled by {e.by} ({e.schedule_id}): first "
            f"{e.first_at:%d%H%MZ %b %y}, then every {e.every_s / 3600:g} h, to {', '.join(e.recipients)}"
        ),
        ev.ScheduleRan: lambda e: (
            f"Schedule {e.schedule_id} released {e.message_id}, due {e.due_at:%d%H%MZ %b %y}"
        ),
        ev.ScheduleCancelled: lambda e: f"Schedule {e.schedule_id} cancelled by {e.by}",
    },
    read_models=(
        ReadModel(
            name="publishing",
            tables=(message_templates, messages, message_schedules),
            on_event=projections.PUBLISHING,
        ),
    ),
    services=(ServiceSpec(Publisher, _publisher),),
    timers=(TIMER,),
    actions=http.ACTIONS + http.EXCHANGE_ACTIONS,
    cli=(
        CliGroup("messages", "jprcc.publishing.cli:app", "Messages: preview, render, release, templates."),
        CliGroup(
            "exchange",
            "jprcc.publishing.cli:exchange_app",
            "Export the picture as GeoJSON, KML or CSV; import assets and threat layers.",
        ),
    ),
)
