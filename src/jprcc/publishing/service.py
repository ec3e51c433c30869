"""The publisher: the template in force for each kind, and a message rendered as plain text (what
is sent and hashed), as HTML and as PDF (WeasyPrint: no browser needed to print).

The text is the message: the template rendered in the sandbox from the kind's data, framed by the
classification marking and wrapped to the line length. HTML and PDF show that same text, with the
pictures that apply (the map extract, the dark-window clock, the relationship chart), the marking
at the top and bottom of every page, the page number and the date-time group."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select

from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, Position
from jprcc.core.queries import Queries
from jprcc.core.store.tables import message_templates, messages
from jprcc.publishing import pictures
from jprcc.publishing.context import Sources, dark_windows, data
from jprcc.publishing.model import MessageKind, framed
from jprcc.publishing.templates import check, environment

DEFAULTS = resources.files("jprcc") / "data" / "templates"
MIN_LINE, MAX_LINE = 40, 200


def default_text(kind: MessageKind) -> str:
    return (DEFAULTS / f"{kind.value}.txt.j2").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Template:
    kind: MessageKind
    version: int  # 0: the default shipped with jprcc
    text: str
    published_by: str
    published_at: datetime | None


@dataclass(frozen=True)
class Rendered:
    kind: MessageKind
    incident_id: str | None
    template_version: int
    dtg: str
    marking: str
    text: str
    data: dict[str, Any]
    figures: list[tuple[str, str]]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Released:
    message_id: str
    kind: str
    incident_id: str | None
    template_version: int
    text: str
    sha256: str
    recipients: list[str]
    released_by: str
    released_at: datetime


def kind_of(value: str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:
        known = ", ".join(k.value for k in MessageKind)
        raise RuleViolation(f"no message kind {value!r} (known: {known})", field="kind") from None


class Publisher:
    """Templates and rendering for one node."""

    def __init__(self, queries: Queries, marking: str, sources: Sources | None = None) -> None:
        self.queries = queries
        self.marking = marking
        self.sources = sources or Sources()

    # --- templates --------------------------------------------------------------------------

    def template(self, kind: MessageKind) -> Template:
        with self.queries.database.read() as conn:
            row = conn.execute(
                select(message_templates).where(message_templates.c.kind == kind.value)
            ).first()
        if row is None:
            return Template(kind, 0, default_text(kind), "jprcc", None)
        return Template(kind, row.version, row.text, row.published_by, row.published_at)

    # --- rendering ------------------------------------------------------------------------------

    def render(
        self,
        actor: Actor,
        kind: MessageKind,
        incident_id: str | None = None,
        line_length: int = 69,
        template: Template | None = None,
    ) -> Rendered:
        if not MIN_LINE <= line_length <= MAX_LINE:
            raise RuleViolation(
                f"line_length must be {MIN_LINE} to {MAX_LINE} characters", field="line_length"
            )
        if kind.per_incident and not incident_id:
            raise RuleViolation(f"a {kind.label.lower()} is about one incident: give it", field="incident_id")
        template = template or self.template(kind)
        check(kind, template.text)
        now = self.queries.clock()
        search = None
        if kind is MessageKind.SITREP and incident_id and self.sources.search is not None:
            search = self.sources.search(actor, incident_id)
        values = data(
            self.queries,
            actor,
            kind,
            incident_id if kind.per_incident else None,
            self.marking,
            now,
            self.sources,
            search,
        )
        try:
            body = _bounded(environment().from_string(template.text).generate(values))
        except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as e:
            raise RuleViolation(
                f"the {kind.value} template (version {template.version}) could not be rendered: "
                f"{type(e).__name__}: {e}",
                field="text",
            ) from None
        windows = None
        if "incident" in values:
            p = values["incident"]["position"]
            windows = dark_windows(Position(p["lat"], p["lon"]), now)
        figures = pictures.for_message(kind, values, self.queries.recovery_points(), windows, now, search)
        return Rendered(
            kind,
            incident_id if kind.per_incident else None,
            template.version,
            values["dtg"],
            self.marking,
            framed(body, self.marking, line_length),
            values,
            figures,
        )

    def html(self, r: Rendered, text: str | None = None) -> str:
        """The message as a printable page: the text as sent, then its pictures."""
        figures = r.figures
        body = text if text is not None else r.text
        marking = html.escape(r.marking)
        title = html.escape(str(r.data.get("title", r.kind.label)))
        parts = "".join(
            f"<figure>{svg}<figcaption>{html.escape(cap)}</figcaption></figure>" for cap, svg in figures
        )
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{
  size: A4; margin: 22mm 16mm 20mm 16mm;
  @top-center {{ content: "{_css(r.marking)}"; font: bold 10pt sans-serif; color: #a00; }}
  @bottom-center {{ content: "{_css(r.marking)}"; font: bold 10pt sans-serif; color: #a00; }}
  @top-right {{ content: "DTG {_css(r.dtg)}"; font: 8pt sans-serif; }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); font: 8pt sans-serif; }}
}}
body {{ font: 10pt sans-serif; color: #111; }}
.banner {{ text-align: center; font-weight: bold; color: #a00; }}
@media print {{ .banner {{ display: none; }} }}
h1 {{ font-size: 13pt; margin: 0 0 8pt; }}
pre {{ font: 9pt/1.3 "DejaVu Sans Mono", monospace; white-space: pre-wrap; margin: 0 0 12pt; }}
figure {{ margin: 10pt 0; break-inside: avoid; }}
figcaption {{ font-size: 8pt; color: #444; }}
svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<div class="banner">{marking}</div>
<h1>{title}</h1>
<pre>{html.escape(body)}</pre>
{parts}
<div class="banner">{marking}</div>
</body></html>
"""

    def pdf(self, r: Rendered, text: str | None = None) -> bytes:
        from weasyprint import HTML

        out: bytes = HTML(string=self.html(r, text)).write_pdf()
        return out

    # --- released messages -------------------------------------------------------------------------

    def released(
        self, actor: Actor, message_id: str | None = None, incident_id: str | None = None
    ) -> list[Released]:
        query = select(messages).order_by(messages.c.released_at.desc())
        if message_id is not None:
            query = query.where(messages.c.message_id == message_id)
        if incident_id is not None:
            query = query.where(messages.c.incident_id == incident_id)
        with self.queries.database.read() as conn:
            rows = conn.execute(query).all()
        out = []
        for row in rows:
            if row.incident_id is None and not actor.role.sees_whole_theater:
                continue  # a theater-wide message speaks of incidents a component may not see
            if row.incident_id is not None and not self._may_see(actor, row.incident_id):
                continue
            out.append(
                Released(
                    row.message_id,
                    row.kind,
                    row.incident_id,
                    row.template_version,
                    row.text,
                    row.sha256,
                    [x for x in row.recipients.split("\n") if x],
                    row.released_by,
                    row.released_at,
                )
            )
        return out

    def _may_see(self, actor: Actor, incident_id: str) -> bool:
        return self.queries.sees(actor, incident_id)


MAX_MESSAGE = 2_000_000


def _bounded(parts: Iterator[str]) -> str:
    """The rendered text, refused once it passes ``MAX_MESSAGE`` characters (a runaway loop)."""
    out, size = [], 0
    for part in parts:
        size += len(part)
        if size > MAX_MESSAGE:
            raise ValueError(f"the message would pass {MAX_MESSAGE:,} characters")
        out.append(part)
    return "".join(out)


def _css(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
