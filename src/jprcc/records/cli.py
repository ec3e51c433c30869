"""``jprcc records``: ISOPREPs and evasion plans in the vault; verify an answer; readiness; the key.

Every command but the vault key's calls a ``records.<verb>`` action (in-process, or against a
server with ``jprcc --server``) and prints the same answer either way. ``new-key``,
``rotate-key``, ``clean-up`` and ``residue`` are local administration of this machine's node: its key
file never travels, and its store's files are read where they are.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from jprcc.cli.common import (
    actor,
    call,
    client,
    console,
    emit,
    fail,
    node,
    now,
    position,
    progress,
    refusals,
    when,
)
from jprcc.core import safe_yaml
from jprcc.core.errors import RuleViolation
from jprcc.records import commands as cmd
from jprcc.records import importing as record_import
from jprcc.records.http import VerificationOut
from jprcc.records.service import PARTS, Rotation
from jprcc.records.vault import MasterKey, VaultError, load_master_key
from jprcc.records.views import UnitReadinessOut

log = logging.getLogger("jprcc.records")
app = typer.Typer(
    help="Isolated-personnel records: ISOPREP and EPA in the vault, verify-only authentication, readiness.",
    no_args_is_help=True,
)
PNG = b"\x89PNG"
PhotosOption = Annotated[Path | None, typer.Option("--photos", help="Folder the photo file names are in.")]


def _emit_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))


def _form(record: cmd.RecordIsoprep, photos: bool = True) -> dict[str, Any]:
    """A record checked here as the DD Form 1833-shaped form the import action takes (its photos
    read from this machine's folder, inline as base64)."""
    return {
        "review_date": record.review_date.isoformat(),
        "identity": {
            "person_ref": record.person_ref,
            "name": record.name,
            "service": record.service,
            "unit": record.unit,
            "component_id": record.component_id,
        },
        "description": dict(record.details),
        "photos": {"front": record.photo_front, "side": record.photo_side} if photos else {},
        "authentication": {
            "statements": [{"prompt": s.prompt, "answer": s.answer} for s in record.statements],
            "number": record.authentication_number,
        },
    }


@app.command("import")
def import_roster(
    file: Annotated[
        Path, typer.Argument(help="A CSV roster (.csv) or DD Form 1833-shaped forms (.yaml/.json)")
    ],
    photos: PhotosOption = None,
) -> None:
    """Import ISOPREPs: every row or form is checked first, and then the store (components known, no
    record locked); a bad one is named and nothing is imported. A roster of more than one batch is
    recorded batch by batch, with a progress bar; should a batch be refused, the batches before it
    stay imported and the refusal says so."""
    client()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{file}: {exc.strerror}", 2)
    is_csv = file.suffix.lower() == ".csv"
    with refusals():  # checked here first: photo files are read from this machine
        if is_csv:
            records = record_import.from_csv(text, now().date(), photos)
        else:
            try:
                loaded = safe_yaml.load_all(text)
            except safe_yaml.YamlRefused as exc:
                fail(f"{file}: not YAML we read ({exc})", 2)
            forms = loaded[0] if len(loaded) == 1 and isinstance(loaded[0], list) else loaded
            records = record_import.from_forms(forms, now().date(), photos)
    size = record_import.BATCH
    if len(records) <= size:
        with_photos = any(r.photo_front or r.photo_side for r in records)
        body = {"csv": text} if is_csv and not with_photos else {"forms": [_form(r) for r in records]}
        answer: dict[str, int] = call("records.import", None, body)
        console.print(f"imported {answer['imported']} record(s)")
        return
    batches = [records[i : i + size] for i in range(0, len(records), size)]
    with progress() as bar:  # the store asked about every batch before the first is recorded
        task = bar.add_task("checking against the store", total=len(records))
        for k, batch in enumerate(batches):
            forms = [_form(r, photos=False) for r in batch]
            call("records.import", None, {"forms": forms, "check": True, "first": k * size})
            bar.advance(task, len(batch))
        task = bar.add_task("hashing and recording", total=len(records))
        done = 0
        for batch in batches:
            answer = call("records.import", None, {"forms": [_form(r) for r in batch], "first": done})
            done += answer["imported"]
            bar.advance(task, len(batch))
    console.print(f"imported {done} record(s) in {len(batches)} batches")


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
    client()
    with refusals():
        if part not in PARTS:
            raise RuleViolation(f"part is one of {', '.join(sorted(PARTS))}", field="part")
    found: dict[str, Any] = (
        call("records.export", {"person_ref": person_ref})
        if part == "export"
        else call("records.show", {"person_ref": person_ref}, query={"part": part, "incident_id": incident})
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
    found: dict[str, Any] = call("records.export", {"person_ref": person_ref})
    out.write_text(json.dumps(found, indent=2, default=str), encoding="utf-8")
    os.chmod(out, 0o600)
    console.print(f"{found['classification']}: wrote {out}")


def _point(text: Any) -> dict[str, float]:
    p = position(str(text))
    return {"lat": p.lat, "lon": p.lon}


@app.command("epa")
def file_epa(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    file: Annotated[
        Path, typer.Argument(help="YAML: mission_id, valid_from, valid_to, route, hide_sites, ...")
    ],
) -> None:
    """File an evasion plan of action for one mission (positions as 'lat, lon' or MGRS)."""
    client()
    try:
        plan = safe_yaml.load(file.read_bytes()) or {}
    except safe_yaml.YamlRefused as exc:
        fail(f"{file}: not YAML we read ({exc})", 2)
    body = {
        "mission_id": str(plan.get("mission_id", "")),
        "valid_from": when(str(plan.get("valid_from", "now"))),
        "valid_to": when(str(plan.get("valid_to", ""))),
        "route": [_point(p) for p in plan.get("route") or []],
        "hide_sites": [_point(p) for p in plan.get("hide_sites") or []],
        "destinations": [
            {"name": str(d.get("name", "")), "position": _point(d.get("position", ""))}
            for d in plan.get("destinations") or []
        ],
        "signals": str(plan.get("signals", "")),
        "comm_plan": str(plan.get("comm_plan", "")),
    }
    filed: dict[str, str] = call("records.epa", {"person_ref": person_ref}, body)
    console.print(f"EPA {filed['mission_id']} filed for {person_ref}")


@app.command("verify")
def verify(
    incident_id: Annotated[str, typer.Argument(help="The incident, e.g. PR-RAVEN21")],
    person_id: Annotated[str, typer.Argument(help="The incident's person, e.g. PR-RAVEN21-P1")],
    statement: Annotated[
        int | None, typer.Option(min=1, max=4, help="Statement 1-4; leave out for the number.")
    ] = None,
) -> None:
    """Does the person's answer match? Yes or no. The answer is read from JPRCC_ANSWER or asked without
    echo; it is sent only in the request body, and never printed or kept."""
    client()  # logged in first: a password prompt comes before the answer's
    answer = os.environ.get("JPRCC_ANSWER") or typer.prompt("answer given by the person", hide_input=True)
    path = {"incident_id": incident_id, "person_id": person_id}
    verdict: VerificationOut = call("records.verify", path, {"statement": statement, "answer": answer})
    console.print("[bold green]MATCH: authenticated[/]" if verdict.matched else "[bold red]NO MATCH[/]")
    if not verdict.matched:
        raise typer.Exit(5)


@app.command("unlock")
def unlock(
    person_ref: Annotated[str, typer.Argument(help="e.g. USA-LINDQVIST")],
    reason: Annotated[str, typer.Option(help="Why the record may be asked again.")],
) -> None:
    """JPRCC director: unlock a record locked after failed answers."""
    call("records.unlock", {"person_ref": person_ref}, {"reason": reason})
    console.print(f"{person_ref} unlocked")


@app.command("readiness")
def readiness(
    component: Annotated[str | None, typer.Option(help="One component only.")] = None,
    mission: Annotated[str | None, typer.Option(help="Count only this mission's evasion plans.")] = None,
) -> None:
    """Per component and unit: who lacks a valid ISOPREP or an evasion plan in force."""
    client()
    stamp = now()
    rows: list[UnitReadinessOut] = call(
        "records.readiness", query={"component": component, "mission": mission}
    )
    table = Table("component", "unit", "persons", "lacking", title=f"readiness {stamp:%d %H%MZ}")
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
    """Make a new vault master key file on this machine (for rotate-key, or a new node)."""
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(MasterKey.generate().text() + "\n")
    console.print(f"wrote {out}")


@app.command("rotate-key")
def rotate_key(
    new_key_file: Annotated[Path, typer.Option(help="The new master key (jprcc records new-key).")],
) -> None:
    """JPRCC director: re-wrap every record's data key under a new master key, then clean the old
    wrapped copies out of the store's files (``clean-up``). Afterwards the node must run with the new
    key (JPRCC_VAULT_KEY_FILE); the old one opens nothing.

    Local administration: it runs on the node's own machine and store, never with --server — the
    new key file is read there and never travels, and the node restarts with it."""
    app_ = node()  # refused at once with --server: this is the node's own store and key file
    who = actor()
    try:
        new = load_master_key(None, new_key_file, app_.settings.data_dir)
    except VaultError as exc:
        fail(str(exc), 2)
    with refusals():
        rotated: Rotation = app_.bus.handle(cmd.RotateVaultKey(new_key=new.key), who).value
    log.warning(
        "vault key rotated: %s",
        rotated.to_do,
        extra={"old_key_id": rotated.old_key_id, "new_key_id": rotated.key_id, "records": rotated.records},
    )
    console.print(
        f"rotated to key {rotated.key_id} ({rotated.records} data keys re-wrapped): from now on run with "
        f"JPRCC_VAULT_KEY_FILE={new_key_file}"
    )
    console.print(f"cleaning up: {rotated.to_do}")
    _clean_up(app_)


def _clean_up(app_: Any) -> None:
    from jprcc.records.residue import clean_up

    residue, problem = clean_up(app_.database)
    _said(residue)
    if problem is not None or residue.count:
        log.warning("vault clean-up not finished", extra={"residue": residue.count, "problem": problem})
        why = problem or "residue remains"
        fail(f"the clean-up is not finished ({why}): run `jprcc records clean-up` again", 6)
    log.info("vault clean-up done", extra={"current_key_id": residue.current_key_id})


def _said(residue: Any) -> None:
    colour = "red" if residue.count else "green"
    for line in residue.lines():
        console.print(f"[{colour}]{escape(line)}[/]")


@app.command("clean-up")
def clean_up_command() -> None:
    """Clean what key rotations left in the store's files: SQLite's write-ahead log checkpointed and
    emptied, the file vacuumed (PostgreSQL: VACUUM FULL vault_keys); then count what remains. Changes
    no row; run it again at any time (after a rotate-key that was stopped, on any store).

    Local administration: it runs on the node's own machine and store, never with --server."""
    _clean_up(node())


@app.command("residue")
def residue_command() -> None:
    """Count data keys still wrapped under an old master key in the store's file and its write-ahead
    log (PostgreSQL: vault_keys' dead row versions); exit 6, naming the clean-up, if any remain.

    Local administration: it reads the node's own store files, never with --server."""
    from jprcc.records.residue import find_residue

    found = find_residue(node().database)
    _said(found)
    if found.count:
        raise typer.Exit(6)
