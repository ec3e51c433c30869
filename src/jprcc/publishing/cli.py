"""``jprcc messages``: the messages a JPRCC sends, from the templates in force. Preview one as plain
text, render it as HTML or PDF, release it (kept in the log with its exact text and hash), read the
released ones back, and read or publish the templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jprcc.cli.common import call, console, emit, fail
from jprcc.publishing.exchange import Format, Layer
from jprcc.publishing.model import MessageKind

app = typer.Typer(help="Messages: preview, render, release, templates.", no_args_is_help=True)
template_app = typer.Typer(help="The message templates: read, publish a new version.", no_args_is_help=True)
app.add_typer(template_app, name="template")
schedule_app = typer.Typer(
    help="Standing releases: a theater-wide message (the daily summary) released on a schedule.",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")

KindArg = Annotated[MessageKind, typer.Argument(help="The kind of message.")]
IncidentOpt = Annotated[str | None, typer.Option("--incident", help="The incident, for the kinds about one.")]
WidthOpt = Annotated[int, typer.Option(min=40, max=200, help="Longest line of the plain text.")]


def _body(kind: MessageKind, incident: str | None, width: int) -> dict[str, object]:
    return {"kind": kind.value, "incident_id": incident, "line_length": width}


@app.command("kinds")
def kinds() -> None:
    """The kinds of message, and the template version in force for each."""
    found = call("messages.templates")

    def render() -> None:
        table = Table("kind", "message", "template", "published by")
        for t in found:
            table.add_row(
                t.kind, t.label, f"v{t.version}" + (" (default)" if t.version == 0 else ""), t.published_by
            )
        console.print(table)

    emit(found, render)


@app.command("preview")
def preview(kind: KindArg, incident: IncidentOpt = None, width: WidthOpt = 69) -> None:
    """The message as it would be sent now: plain text, marked, wrapped to --width."""
    text = call("messages.preview", body=_body(kind, incident, width))
    console.print(
        escape(text.decode("utf-8") if isinstance(text, bytes) else str(text)), end="", highlight=False
    )


@app.command("render")
def render(
    kind: KindArg,
    out: Annotated[Path, typer.Option(help="The file to write (.pdf, .html or .txt: the format follows).")],
    incident: IncidentOpt = None,
    width: WidthOpt = 69,
) -> None:
    """Write the message as PDF (marked on every page, numbered, dated), HTML or plain text."""
    action = {
        ".pdf": "messages.preview_pdf",
        ".html": "messages.preview_html",
        ".txt": "messages.preview",
    }.get(out.suffix.lower())
    if action is None:
        fail("--out must end in .pdf, .html or .txt", 2)
    data = call(action, body=_body(kind, incident, width))
    out.write_bytes(data if isinstance(data, bytes) else str(data).encode("utf-8"))
    console.print(f"wrote {out}")


@app.command("release")
def release(
    kind: KindArg,
    to: Annotated[list[str], typer.Option("--to", help="A recipient (repeat for each).")],
    incident: IncidentOpt = None,
    width: WidthOpt = 69,
) -> None:
    """Release the message: rendered now, kept in the log with its exact text, hash and recipients."""
    found = call("messages.release", body={**_body(kind, incident, width), "recipients": to})

    def show() -> None:
        console.print(f"released [bold]{found.message_id}[/] to {escape(', '.join(found.recipients))}")
        console.print(f"SHA-256 {found.sha256}")

    emit(found, show)


@app.command("list")
def released(incident: IncidentOpt = None) -> None:
    """The messages released, newest first."""
    found = call("messages.list", query={"incident_id": incident} if incident else {})

    def show() -> None:
        table = Table("message", "kind", "incident", "released", "by", "to")
        for m in found:
            table.add_row(
                m.message_id,
                m.kind,
                m.incident_id or "-",
                f"{m.released_at:%d %H%MZ %b}",
                m.released_by,
                escape(", ".join(m.recipients)),
            )
        console.print(table)

    emit(found, show)


@app.command("show")
def show(message_id: Annotated[str, typer.Argument(help="The message, e.g. MSG-251118-1A2B3C4D.")]) -> None:
    """A released message: its exact text as released, and its hash."""
    found = call("messages.show", path={"message_id": message_id})

    def render_it() -> None:
        console.print(escape(found.text), end="", highlight=False)
        console.print(
            f"released by {found.released_by} at {found.released_at:%d %H%MZ %b %Y}, SHA-256 {found.sha256}"
        )

    emit(found, render_it)


@template_app.command("show")
def template_show(kind: KindArg) -> None:
    """The template in force for a kind, and the fields it uses."""
    found = call("messages.template", path={"kind": kind.value})

    def render_it() -> None:
        console.print(f"[bold]{found.label}[/], template version {found.version}")
        console.print(escape(found.text), highlight=False)

    emit(found, render_it)


@template_app.command("publish")
def template_publish(
    kind: KindArg, file: Annotated[Path, typer.Argument(help="The template (Jinja2 text).", exists=True)]
) -> None:
    """Publish a new version of a kind's template (the JPRCC director): checked before it is kept."""
    found = call(
        "messages.publish_template",
        path={"kind": kind.value},
        body={"text": file.read_text(encoding="utf-8")},
    )
    emit(found, lambda: console.print(f"{found.kind} template version {found.version} published"))


@schedule_app.command("add")
def schedule_add(
    kind: KindArg,
    first: Annotated[str, typer.Option(help="The first release, with its zone: 2026-12-06T06:00Z.")],
    to: Annotated[list[str], typer.Option("--to", help="A recipient (repeat for each).")],
    every: Annotated[float, typer.Option(min=1, max=168, help="Hours between releases.")] = 24.0,
    width: WidthOpt = 69,
) -> None:
    """Release a theater-wide message at --first and every --every hours after (the JPRCC)."""
    found = call(
        "messages.schedule",
        body={
            "kind": kind.value,
            "first_at": first,
            "every_h": every,
            "recipients": to,
            "line_length": width,
        },
    )
    emit(
        found,
        lambda: console.print(
            f"scheduled [bold]{found.schedule_id}[/]: {found.kind} every {found.every_h:g} h from "
            f"{found.first_at:%d %H%MZ %b %Y} to {escape(', '.join(found.recipients))}"
        ),
    )


@schedule_app.command("list")
def schedule_list(
    all_: Annotated[bool, typer.Option("--all", help="Also the cancelled ones.")] = False,
) -> None:
    """The standing releases: when each next runs, and the message it last released."""
    found = call("messages.schedules", query={"include_cancelled": all_})

    def show() -> None:
        table = Table("schedule", "kind", "every", "next", "last released", "to", "by")
        for x in found:
            table.add_row(
                x.schedule_id,
                x.kind,
                f"{x.every_h:g} h",
                f"{x.next_at:%d %H%MZ %b}" if x.next_at else "cancelled",
                x.last_message_id or "-",
                escape(", ".join(x.recipients)),
                x.created_by,
            )
        console.print(table)

    emit(found, show)


@schedule_app.command("cancel")
def schedule_cancel(
    schedule_id: Annotated[str, typer.Argument(help="The schedule, e.g. SCH-1A2B3C4D.")],
) -> None:
    """Stop a standing release (what it released stays in the log)."""
    found = call("messages.cancel_schedule", path={"schedule_id": schedule_id})
    emit(found, lambda: console.print(f"{found.schedule_id} cancelled"))


exchange_app = typer.Typer(
    help="Export the picture as GeoJSON, KML or CSV; import assets and threat layers.", no_args_is_help=True
)


@exchange_app.command("export")
def export(
    layer: Annotated[
        Layer, typer.Argument(help="incidents, assets, threats, routes, search-areas or search-plans.")
    ],
    out: Annotated[
        Path, typer.Option(help="The file to write: .geojson, .kml or .csv (the format follows).")
    ],
    incident: Annotated[
        str | None, typer.Option(help="Only this incident's features (routes need one).")
    ] = None,
) -> None:
    """Export what you may see: incidents, assets (at their bases), the threat layers in force, the
    recovery options' routes of one incident, the search areas and the adopted search plans."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in {f.value for f in Format}:
        fail("--out must end in .geojson, .kml or .csv", 2)
    query = {"incident": incident} if incident else None
    data = call(f"exchange.export_{fmt}", path={"layer": layer.value}, query=query)
    out.write_bytes(data if isinstance(data, bytes) else str(data).encode("utf-8"))
    console.print(f"wrote {out}")


@exchange_app.command("import")
def import_file(
    layer: Annotated[Layer, typer.Argument(help="assets or threats.")],
    file: Annotated[Path, typer.Argument(help="A .geojson, .kml or .csv file.", exists=True)],
) -> None:
    """Import assets or threat layers: every row checked first, then all of it or nothing."""
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in {f.value for f in Format}:
        fail("the file must end in .geojson, .kml or .csv", 2)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text", 2)
    if layer not in (Layer.ASSETS, Layer.THREATS):
        fail("assets and threats are imported; incidents are reported, routes and searches planned", 2)
    found = call(f"exchange.import_{layer.value}", body={"format": fmt, "text": text})
    emit(found, lambda: console.print(f"imported {found.imported} {found.layer} from {file}"))
