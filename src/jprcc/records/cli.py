"""``jprcc records``: ISOPREPs and evasion plans in the vault; verify an answer; readiness; the key."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from jprcc.cli.common import actor, console, emit, fail, node, position, refusals, when
from jprcc.records import commands as cmd
from jprcc.records import importing as record_import
from jprcc.records.queries import RecordQueries
from jprcc.records.service import Authenticator
from jprcc.records.vault import MasterKey, VaultError, load_master_key
from jprcc.records.views import readiness_out

app = typer.Typer(
    help="Isolated-personnel records: ISOPREP and EPA in the vault, verify-only authentication, readiness.",
    no_args_is_help=True,
)
PNG = b"\x89PNG"
PhotosOption = Annotated[Path | None, typer.Option("--photos", help="Folder the photo file names are in.")]


def _emit_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))


@app.command("import")
def import_roster(
    file: Annotated[
        Path, typer.Argument(help="A CSV roster (.csv) or DD Form 1833-shaped forms (.yaml/.json)")
    ],
    photos: PhotosOption = None,
) -> None:
    """Import ISOPREPs: every row or form is checked first; a bad one is named and nothing is imported."""
    who = actor()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{file}: {exc.strerror}", 2)
    with refusals():
        if file.suffix.lower() == ".csv":
            records = record_import.from_csv(text, node().clock().date(), photos)
        else:
            loaded = list(yaml.safe_load_all(text))
            forms = loaded[0] if len(loaded) == 1 and isinstance(loaded[0], list) else loaded
            records = record_import.from_forms(forms, node().clock().date(), photos)
        count = node().bus.handle(cmd.ImportRecords(records=records), who).value
    console.print(f"imported {count} record(s)")


@app.command("show")
def show(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    part: Annotated[str, typer.Option(help="summary, description, photos, statements, epa")] = "summary",
    incident: Annotated[
        str | None, typer.Option(help="The active incident that justifies opening it.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder to write photos to (front.*, side.*).")] = None,
) -> None:
    """One part of a record; every read is recorded with who read it. Photos go to files, not the screen."""
    who = actor()
    with refusals():
        found = (
            node()
            .bus.handle(cmd.OpenRecord(person_ref=person_ref, part=part, incident_id=incident), who)
            .value
        )
    if part == "photos":
        folder = out or Path.cwd()
        for side, data in (found.get("photos") or {}).items():
            if data:
                raw = base64.b64decode(data)
                suffix = "png" if raw.startswith(PNG) else "jpg"
                path = folder / f"{person_ref}-{side}.{suffix}"
                path.write_bytes(raw)
                os.chmod(path, 0o600)
                console.print(f"wrote {path}")
        return
    _emit_json(found)


@app.command("export")
def export(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    out: Annotated[Path, typer.Option(help="The file to write (JSON, with the classification marking).")],
) -> None:
    """JPRCC director or the person's PRCC: the whole record, marked with the node's classification."""
    who = actor()
    with refusals():
        found = node().bus.handle(cmd.OpenRecord(person_ref=person_ref, part="export"), who).value
    out.write_text(json.dumps(found, indent=2, default=str), encoding="utf-8")
    os.chmod(out, 0o600)
    console.print(f"{found['classification']}: wrote {out}")


@app.command("epa")
def file_epa(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    file: Annotated[
        Path, typer.Argument(help="YAML: mission_id, valid_from, valid_to, route, hide_sites, ...")
    ],
) -> None:
    """File an evasion plan of action for one mission (positions as 'lat, lon' or MGRS)."""
    who = actor()
    plan = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    with refusals():
        command = cmd.FileEpa(
            person_ref=person_ref,
            mission_id=str(plan.get("mission_id", "")),
            valid_from=when(str(plan.get("valid_from", "now"))),
            valid_to=when(str(plan.get("valid_to", ""))),
            route=tuple(position(str(p)) for p in plan.get("route") or []),
            hide_sites=tuple(position(str(p)) for p in plan.get("hide_sites") or []),
            destinations=tuple(
                cmd.EpaDestination(str(d.get("name", "")), position(str(d.get("position", ""))))
                for d in plan.get("destinations") or []
            ),
            signals=str(plan.get("signals", "")),
            comm_plan=str(plan.get("comm_plan", "")),
        )
        node().bus.handle(command, who)
    console.print(f"EPA {command.mission_id} filed for {person_ref}")


@app.command("verify")
def verify(
    incident_id: Annotated[str, typer.Argument(help="The incident, e.g. PR-RAVEN21")],
    person_id: Annotated[str, typer.Argument(help="The incident's person, e.g. PR-RAVEN21-P1")],
    statement: Annotated[
        int | None, typer.Option(min=1, max=4, help="Statement 1-4; leave out for the number.")
    ] = None,
) -> None:
    """Does the person's answer match? Yes or no. The answer is asked without echo and never kept."""
    who = actor()
    answer = os.environ.get("JPRCC_ANSWER") or typer.prompt("answer given by the person", hide_input=True)
    app_ = node()
    with refusals():
        incident = app_.queries.incident(who, incident_id)
        matched = app_.service(Authenticator).verify(who, incident, person_id, statement, answer)
    console.print("[bold green]MATCH: authenticated[/]" if matched else "[bold red]NO MATCH[/]")
    if not matched:
        raise typer.Exit(5)


@app.command("unlock")
def unlock(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    reason: Annotated[str, typer.Option(help="Why the record may be asked again.")],
) -> None:
    """JPRCC director: unlock a record locked after failed answers."""
    who = actor()
    with refusals():
        node().bus.handle(cmd.UnlockRecord(person_ref=person_ref, reason=reason), who)
    console.print(f"{person_ref} unlocked")


@app.command("readiness")
def readiness(
    component: Annotated[str | None, typer.Option(help="One component only.")] = None,
    mission: Annotated[str | None, typer.Option(help="Count only this mission's evasion plans.")] = None,
) -> None:
    """Per component and unit: who lacks a valid ISOPREP or an evasion plan in force."""
    who = actor()
    if who.role.component_bound:
        component = who.component_id
    app_ = node()
    now = app_.clock()
    units = app_.service(RecordQueries).readiness(now.date(), now, component, mission)
    rows = readiness_out(units)
    table = Table("component", "unit", "persons", "lacking", title=f"readiness {now:%d %H%MZ}")
    for r in rows:
        lacking = "\n".join(
            f"{p.name}: ISOPREP {p.isoprep}" + ("" if p.epa_missions else ", no EPA") for p in r.lacking
        )
        table.add_row(r.component_id, r.unit, str(r.persons), lacking or "ready")
    emit(rows, table)


@app.command("new-key")
def new_key(
    out: Annotated[Path, typer.Option(help="Where to write the new master key (mode 0600).")],
) -> None:
    """Make a new vault master key file (for rotate-key, or a new node)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(MasterKey.generate().text() + "\n")
    console.print(f"wrote {out}")


@app.command("rotate-key")
def rotate_key(
    new_key_file: Annotated[Path, typer.Option(help="The new master key (jprcc records new-key).")],
) -> None:
    """JPRCC director: re-wrap every record's data key under a new master key. Afterwards the node
    must run with the new key (JPRCC_VAULT_KEY_FILE); the old one opens nothing."""
    who = actor()
    app_ = node()
    try:
        new = load_master_key(None, new_key_file, app_.settings.data_dir)
    except VaultError as exc:
        fail(str(exc), 2)
    with refusals():
        key_id = app_.bus.handle(cmd.RotateVaultKey(new_key=new.key), who).value
    app_.database.vacuum()
    console.print(f"rotated to key {key_id}: from now on run with JPRCC_VAULT_KEY_FILE={new_key_file}")
