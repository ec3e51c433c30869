"""Publishing's read models: the template in force per kind, and every message released."""

from __future__ import annotations

from sqlalchemy import Connection

from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import message_templates, messages
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
