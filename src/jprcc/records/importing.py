"""Importing ISOPREPs: a CSV roster, or forms shaped like DD Form 1833. All or nothing.

CSV columns (a header row; names are case-insensitive)::

    person_ref, name, service, unit, component_id, review_date (YYYY-MM-DD),
    height, weight, eyes, hair, blood_type, marks, date_of_birth, grade   (optional details)
    prompt_1, answer_1, ... prompt_4, answer_4, authentication_number,
    photo_front, photo_side   (optional: file names, read from the folder given)

A DD Form 1833-shaped form (YAML or JSON), one person per document::

    review_date: 2026-10-01
    identity: {person_ref, name, grade, service, unit, component_id, date_of_birth}
    description: {height, weight, eyes, hair, blood_type, marks, ...}
    photos: {front: FILE, side: FILE}
    authentication:
      statements: [{prompt: ..., answer: ...}, ... four]
      number: "9518"

Every row or form is checked before anything is recorded; a refusal lists each bad row with the
field and the rule, and then nothing is imported. Then the store is asked (every component known,
no record locked), still before anything is recorded. Then the records are recorded in batches of
``BATCH`` (``import_in_batches``): each batch is one ``ImportRecords``, hashed and sealed by the
bus's preparation outside the write lock and committed in a transaction of its own, so that other
users' writes go on between batches. Should a batch still be refused (a record locked or a key
rotated meanwhile, the store busy), the refusal names the record's row and field and says that the
batches before it stayed imported.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from jprcc.core.errors import DomainError, Locked, RuleViolation
from jprcc.core.model import Actor
from jprcc.records import commands as cmd
from jprcc.records import model as isoprep
from jprcc.records.recording import kept, named
from jprcc.records.service import check_record

DETAILS = ("grade", "date_of_birth", "height", "weight", "eyes", "hair", "blood_type", "marks")
REQUIRED = ("person_ref", "name", "service", "unit", "component_id", "review_date")
MAX_ROWS = 5000
#: records per transaction: the write lock is held for storing them only (milliseconds), their
#: hashing (argon2, seconds) is done before it is taken
BATCH = 50


def _photo(name: str | None, folder: Path | None, where: str) -> str | None:
    if not name:
        return None
    if folder is None:
        raise RuleViolation("photos are read from a folder: give one", field=where)
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        raise RuleViolation(f"no photo file {name} in the folder", field=where)
    return base64.b64encode(path.read_bytes()).decode()


def _command(
    fields: Mapping[str, Any], folder: Path | None, front: Any, side: Any, inline: bool = False
) -> cmd.RecordIsoprep:
    missing = [k for k in REQUIRED if not str(fields.get(k) or "").strip()]
    if missing:
        raise RuleViolation(f"missing {', '.join(missing)}", field=missing[0])
    try:
        review = fields["review_date"]
        review = review if isinstance(review, date) else date.fromisoformat(str(review).strip())
    except ValueError as exc:
        raise RuleViolation("review_date is a date, YYYY-MM-DD", field="review_date") from exc
    statements = tuple(fields.get("statements") or ())
    number = str(fields.get("authentication_number") or "").strip() or None
    if number is not None:
        isoprep.check_authentication_number(number)
    return cmd.RecordIsoprep(
        person_ref=str(fields["person_ref"]).strip(),
        name=str(fields["name"]).strip(),
        service=str(fields["service"]).strip(),
        unit=str(fields["unit"]).strip(),
        component_id=str(fields["component_id"]).strip(),
        review_date=review,
        details=tuple((k, str(v)) for k, v in (fields.get("details") or {}).items() if str(v).strip()),
        photo_front=(front or None) if inline else _photo(front, folder, "photo_front"),
        photo_side=(side or None) if inline else _photo(side, folder, "photo_side"),
        statements=statements,
        authentication_number=number,
    )


def from_csv(text: str, today: date, folder: Path | None = None) -> tuple[cmd.RecordIsoprep, ...]:
    """The rows of a CSV roster as commands; refused, naming every bad row, if any is bad."""
    rows = _csv_rows(text)
    return _all_or_nothing(((f"row {n}", f, folder, a, b) for n, f, a, b in rows), today)


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any], str | None, str | None]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _read_rows(reader)
    except csv.Error as exc:  # a stray quote or line break: say where, never echo the text
        raise RuleViolation(f"the CSV cannot be read near line {reader.line_num}: {exc}", field="csv") from (
            None
        )


def _read_rows(reader: csv.DictReader[str]) -> list[tuple[int, dict[str, Any], str | None, str | None]]:
    if reader.fieldnames is None:
        raise RuleViolation("the CSV has no header row", field="rows")
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    rows: list[tuple[int, dict[str, Any], str | None, str | None]] = []
    for row in reader:
        statements = []
        for i in range(1, isoprep.STATEMENTS + 1):
            prompt, answer = (row.get(f"prompt_{i}") or "").strip(), (row.get(f"answer_{i}") or "").strip()
            if prompt or answer:
                statements.append(cmd.AuthStatement(prompt, answer))
        fields = {**row, "statements": statements, "details": {k: row.get(k) or "" for k in DETAILS}}
        rows.append((reader.line_num, fields, row.get("photo_front"), row.get("photo_side")))
        if len(rows) > MAX_ROWS:
            raise RuleViolation(f"at most {MAX_ROWS} rows in one import", field="rows")
    return rows


def from_forms(
    forms: Iterable[Mapping[str, Any]], today: date, folder: Path | None = None, inline: bool = False
) -> tuple[cmd.RecordIsoprep, ...]:
    """DD Form 1833-shaped documents as commands; refused, naming every bad form, if any is bad.
    ``inline``: the photos are base64 in the form (over the API), not file names in ``folder``."""
    items = []
    for n, form in enumerate(forms, start=1):
        if not isinstance(form, Mapping):
            raise RuleViolation(f"form {n} is not a mapping", field="forms")
        identity, auth, photos = (form.get(k) or {} for k in ("identity", "authentication", "photos"))
        description = form.get("description") or {}
        for name, part in (
            ("identity", identity),
            ("authentication", auth),
            ("photos", photos),
            ("description", description),
        ):
            if not isinstance(part, Mapping):
                raise RuleViolation(f"form {n}: {name} is a mapping", field=f"forms[{n - 1}].{name}")
        if not isinstance(auth.get("statements") or [], list):
            raise RuleViolation(f"form {n}: authentication.statements is a list", field=f"forms[{n - 1}]")
        statements = [
            cmd.AuthStatement(str(s.get("prompt", "")).strip(), str(s.get("answer", "")).strip())
            for s in auth.get("statements") or []
            if isinstance(s, Mapping)
        ]
        details = {**{k: identity.get(k) for k in ("grade", "date_of_birth") if identity.get(k)}}
        details.update(description)
        fields = {
            **identity,
            "review_date": form.get("review_date"),
            "statements": statements,
            "authentication_number": auth.get("number"),
            "details": details,
        }
        items.append((f"form {n}", fields, folder, photos.get("front"), photos.get("side")))
    return _all_or_nothing(items, today, inline)


def _all_or_nothing(
    items: Iterable[tuple[str, Mapping[str, Any], Path | None, Any, Any]], today: date, inline: bool = False
) -> tuple[cmd.RecordIsoprep, ...]:
    commands, problems = [], []
    for where, fields, folder, front, side in items:
        try:
            command = _command(fields, folder, front, side, inline)
            check_record(command, today)
            commands.append(command)
        except DomainError as problem:
            problems.append(f"{where}: {problem.field}: {problem.message}")
    refs = [c.person_ref for c in commands]
    problems += [f"person_ref {r} appears twice" for r in sorted({r for r in refs if refs.count(r) > 1})]
    if problems:
        raise RuleViolation("nothing imported; " + "; ".join(problems), field="rows")
    if not commands:
        raise RuleViolation("nothing to import", field="rows")
    return tuple(commands)


def check_in_store(
    bus: Any,
    actor: Actor,
    records: Sequence[cmd.RecordIsoprep],
    components: Iterable[str],
    reader: Any,
    first: int = 0,
    done: int = 0,
) -> None:
    """Before anything is recorded: the actor may import (asked first, so that a refused one learns
    nothing of the store), every record's component is known and no record is locked. ``first``:
    the records of the whole import before these (rows are counted from there); ``done``: how many
    of them were imported."""
    bus.check(cmd.ImportRecords(records=()), actor)
    known, locked = set(components), reader.locked(r.person_ref for r in records)
    for i, r in enumerate(records):
        refused: DomainError | None = None
        if r.component_id not in known:
            refused = RuleViolation(f"unknown component {r.component_id}", field="component_id")
        elif r.person_ref in locked:
            refused = Locked(f"the record of {r.person_ref} is locked: the JPRCC director unlocks it first")
        if refused is not None:
            raise named(refused, first + i + 1, r.person_ref, done)


def import_in_batches(
    bus: Any,
    actor: Actor,
    records: Sequence[cmd.RecordIsoprep],
    first: int = 0,
    batch: int | None = None,
) -> int:
    """Record ``records`` a batch at a time, each its own command and transaction; ``first``
    records of the whole import came before them (and stayed imported). Returns how many were
    imported; a refusal says which row and field, and what stayed imported."""
    size = batch or BATCH
    done = first
    for start in range(0, len(records), size):
        chunk = tuple(records[start : start + size])
        try:
            bus.handle(cmd.ImportRecords(records=chunk, first=done), actor)
        except DomainError as refused:
            if refused.field and refused.field.startswith("rows["):
                raise  # named by the preparation or the handler, with what stayed imported
            raise type(refused)(
                f"{refused.message}; {kept(done)}",
                field=refused.field,
                code=refused.code,
                retry_after_s=refused.retry_after_s,
            ) from refused
        done += len(chunk)
    return done - first
