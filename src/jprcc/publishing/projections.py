"""Publishing's read models: the template in force per kind, every message released, and the
standing releases with the last time each ran."""

from __future__ import annotations

from sqlalchemy import Connection

from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import message_schedules, message_templates, messages
from jprcc.core.store.upsert import upsert
from jprcc.publishing import events as ev

PUBLISHING: ProjectorTable = {}


@projects(PUBLISHING, ev.TemplatePublished)
def _template(conn: Connection, e: ev.TemplatePublished) -> None:
    upsert(
        conn,
        message_templates,
        "kind",
        {"kind": e.kind, "version": e.version, "text": e.text, "published_by": e.by, "published_at": e.at},
    )


@projects(PUBLISHING, ev.MessageReleased)
def _released(conn: Connection, e: ev.MessageReleased) -> None:
    conn.execute(
        messages.insert().values(
            message_id=e.message_id,
            kind=e.kind,
            incident_id=e.incident_id,
            template_version=e.template_version,
            text=e.text,
            sha256=e.sha256,
            recipients="\n".join(e.recipients),
            released_by=e.by,
            released_at=e.at,
        )
    )


@projects(PUBLISHING, ev.MessageScheduled)
def _scheduled(conn: Connection, e: ev.MessageScheduled) -> None:
    conn.execute(
        message_schedules.insert().values(
            schedule_id=e.schedule_id,
            kind=e.kind,
            first_at=e.first_at,
            every_s=e.every_s,
            recipients="\n".join(e.recipients),
            line_length=e.line_length,
            created_by=e.by,
            created_at=e.at,
        )
    )


@projects(PUBLISHING, ev.ScheduleRan)
def _ran(conn: Connection, e: ev.ScheduleRan) -> None:
    conn.execute(
        message_schedules.update()
        .where(message_schedules.c.schedule_id == e.schedule_id)
        .values(last_due=e.due_at, last_message_id=e.message_id)
    )


@projects(PUBLISHING, ev.ScheduleCancelled)
def _cancelled(conn: Connection, e: ev.ScheduleCancelled) -> None:
    conn.execute(
        message_schedules.update()
        .where(message_schedules.c.schedule_id == e.schedule_id)
        .values(cancelled_at=e.at)
    )
