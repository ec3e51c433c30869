"""Isolated-personnel records: ISOPREP and EPA in the vault, verify-only authentication, readiness.

One table (``ACTIONS``) drives the HTTP routes and the CLI (``jprcc records ...``, in-process or
against a server). A record's parts are read one at a time (``part=``): photos and the
description never come in the same answer as anything from the statements, and the statements
come as prompts only. Every read is recorded in the audit chain with who read it. An answer is
verified, never returned: it travels only in a request body, never in a path or a query string.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.brokering.http import IncidentId, PersonId
from jprcc.core.contract import Action, Call
from jprcc.core.errors import RuleViolation
from jprcc.core.wire import command_from
from jprcc.records import commands as cmd
from jprcc.records import importing as record_import
from jprcc.records.queries import RecordQueries
from jprcc.records.service import Authenticator
from jprcc.records.views import UnitReadinessOut, readiness_out

PersonRef = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64, description="e.g. USA-RAVEN21-1")]
Part = Literal["summary", "description", "photos", "statements", "epa"]
ROOT = "/api/records"
ONE = ROOT + "/{person_ref}"
TAGS = ("isolated-personnel records",)


class StatementIn(s.Body):
    prompt: Annotated[str, Field(min_length=1, max_length=500)]
    answer: Annotated[str, Field(min_length=1, max_length=500, description="Hashed on arrival; never shown.")]


class IsoprepIn(s.Body):
    person_ref: s.Identifier
    name: s.Name
    service: Annotated[str, Field(min_length=1, max_length=64)]
    unit: s.Name
    component_id: s.Identifier
    review_date: date
    details: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, max_length=40, description="Identity and physical description."
    )
    photo_front: Annotated[str, Field(max_length=3_000_000)] | None = Field(
        default=None, description="base64"
    )
    photo_side: Annotated[str, Field(max_length=3_000_000)] | None = Field(default=None, description="base64")
    statements: list[StatementIn] = Field(default_factory=list, max_length=4)
    authentication_number: Annotated[str, Field(max_length=8)] | None = Field(
        default=None, description="Hashed on arrival; never shown."
    )


class ImportIn(s.Body):
    """A CSV roster (``csv``) or DD Form 1833-shaped forms (``forms``); photos by base64 in forms
    (``photos: {front: <base64>, side: <base64>}``), none in CSV over the API."""

    csv: Annotated[str, Field(max_length=5_000_000)] | None = None
    forms: list[dict[str, Any]] | None = Field(default=None, max_length=500)
    check: bool = Field(
        default=False,
        description="Check every row and the store (components known, no record locked); import nothing.",
    )
    first: Annotated[int, Field(ge=0, le=record_import.MAX_ROWS)] = Field(
        default=0,
        description="Records of a bigger import sent before these (and imported, unless checking): "
        "refusals count rows from the whole import and say what stayed imported.",
    )


class DestinationIn(s.Body):
    name: s.Name
    position: s.PositionIn


class EpaIn(s.Body):
    mission_id: s.Identifier
    valid_from: s.Instant
    valid_to: s.Instant
    route: list[s.PositionIn] = Field(default_factory=list, max_length=500)
    hide_sites: list[s.PositionIn] = Field(default_factory=list, max_length=50)
    destinations: list[DestinationIn] = Field(default_factory=list, max_length=20)
    signals: s.Text = ""
    comm_plan: s.Text = ""


class UnlockIn(s.Body):
    reason: s.RequiredText


class AnswerIn(s.Body):
    statement: Annotated[int, Field(ge=1, le=4)] | None = Field(
        description="Statement 1-4, or null for the authentication number."
    )
    answer: Annotated[str, Field(min_length=1, max_length=500)]


class VerificationOut(BaseModel):
    """Whether the answer matched; never the answer, never the stored statement."""

    matched: bool
    person_id: str
    authenticated_by: str | None
    authenticated_at: Any | None


class PartQuery(BaseModel):
    part: Part = "summary"
    incident_id: str | None = Field(default=None, pattern=s.ID_PATTERN, max_length=64)


class ReadinessQuery(BaseModel):
    component: str | None = Field(default=None, pattern=s.ID_PATTERN, max_length=64)
    mission: str | None = Field(default=None, pattern=s.ID_PATTERN, max_length=64)


# --- writes --------------------------------------------------------------------------------------


def _opened(call: Call, person_ref: str, part: str, incident_id: str | None = None) -> dict[str, Any]:
    """A part of a record, opened (and audited) as the caller."""
    opened = cmd.OpenRecord(person_ref=person_ref, part=part, incident_id=incident_id)
    return dict(call.node.bus.handle(opened, call.actor).value)


def record_isoprep(call: Call) -> dict[str, Any]:
    body: IsoprepIn = call.body
    command = command_from(cmd.RecordIsoprep, body, details=tuple(body.details.items()))
    call.node.bus.handle(command, call.actor)
    return _opened(call, body.person_ref, "summary")


def import_records(call: Call) -> dict[str, int]:
    """Every row or form checked first, then the store (components, locks); then recorded in
    batches of ``importing.BATCH``, each hashed outside the write lock and committed on its own."""
    body: ImportIn = call.body
    if (body.csv is None) == (body.forms is None):
        raise RuleViolation("give either csv or forms", field="csv")
    node = call.node
    today = node.clock().date()
    if body.csv is not None:
        records = record_import.from_csv(body.csv, today)
    else:
        records = record_import.from_forms(body.forms or [], today, inline=True)
    components = [c.component_id for c in node.queries.components()]
    reader = node.service(RecordQueries)
    done = 0 if body.check else body.first
    record_import.check_in_store(node.bus, call.actor, records, components, reader, body.first, done)
    if body.check:
        return {"checked": len(records)}
    return {"imported": record_import.import_in_batches(node.bus, call.actor, records, body.first)}


def file_epa(call: Call) -> dict[str, str]:
    body: EpaIn = call.body
    call.node.bus.handle(command_from(cmd.FileEpa, body, **call.path), call.actor)
    return {"person_ref": call.path["person_ref"], "mission_id": body.mission_id}


def unlock(call: Call) -> dict[str, str]:
    call.node.bus.handle(command_from(cmd.UnlockRecord, call.body, **call.path), call.actor)
    return {"person_ref": call.path["person_ref"], "status": "unlocked"}


def verify(call: Call) -> VerificationOut:
    """The authenticator authorizes the asker before it compares (argon2, outside the write
    transaction) and records only the outcome (``RecordAuthentication``, an internal command)."""
    body: AnswerIn = call.body
    incident_id, person_id = call.path["incident_id"], call.path["person_id"]
    queries = call.node.queries
    incident = queries.incident(call.actor, incident_id)
    authenticator = call.node.service(Authenticator)
    matched = authenticator.verify(call.actor, incident, person_id, body.statement, body.answer)
    person = queries.incident(call.actor, incident_id).persons[person_id]
    return VerificationOut(
        matched=matched,
        person_id=person_id,
        authenticated_by=person.authenticated_by,
        authenticated_at=person.authenticated_at,
    )


# --- reads ---------------------------------------------------------------------------------------


def open_record(call: Call) -> dict[str, Any]:
    q: PartQuery = call.query
    return _opened(call, call.path["person_ref"], q.part, q.incident_id)


def export_record(call: Call) -> dict[str, Any]:
    return _opened(call, call.path["person_ref"], "export")


def readiness(call: Call) -> list[UnitReadinessOut]:
    q: ReadinessQuery = call.query
    component = call.actor.component_id if call.actor.role.component_bound else q.component
    now = call.node.clock()
    return readiness_out(call.node.service(RecordQueries).readiness(now.date(), now, component, q.mission))


REF = {"person_ref": PersonRef}

ACTIONS: tuple[Action, ...] = (
    Action(
        "records.record",
        "POST",
        ROOT,
        "Record or review a person's ISOPREP",
        record_isoprep,
        body=IsoprepIn,
        response=dict[str, Any],
        status_code=201,
        command=cmd.RecordIsoprep,
        tags=TAGS,
    ),
    Action(
        "records.import",
        "POST",
        ROOT + "/import",
        "Import ISOPREPs from CSV or DD 1833-shaped forms",
        import_records,
        body=ImportIn,
        response=dict[str, int],
        status_code=201,
        command=cmd.ImportRecords,
        tags=TAGS,
        description="Every row or form is checked first, and the store (components known, no record "
        "locked): a refusal names the row and field, and nothing is imported. Then the records are "
        "recorded in batches, each hashed outside the write lock and committed on its own; `check` "
        "only checks. Answers `{imported: n}` (`{checked: n}`).",
    ),
    Action(
        "records.show",
        "GET",
        ONE,
        "One part of a record (audited; sealed parts need an active incident)",
        open_record,
        query=PartQuery,
        path_params=REF,
        response=dict[str, Any],
        command=cmd.OpenRecord,
        tags=TAGS,
    ),
    Action(
        "records.export",
        "GET",
        ONE + "/export",
        "The whole record with classification markings",
        export_record,
        path_params=REF,
        response=dict[str, Any],
        command=cmd.OpenRecord,
        tags=TAGS,
    ),
    Action(
        "records.epa",
        "POST",
        ONE + "/epa",
        "File an evasion plan of action",
        file_epa,
        body=EpaIn,
        path_params=REF,
        response=dict[str, str],
        status_code=201,
        command=cmd.FileEpa,
        tags=TAGS,
    ),
    Action(
        "records.unlock",
        "POST",
        ONE + "/unlock",
        "JPRCC director: unlock a record after failed answers",
        unlock,
        body=UnlockIn,
        path_params=REF,
        response=dict[str, str],
        command=cmd.UnlockRecord,
        tags=TAGS,
    ),
    Action(
        "records.verify",
        "POST",
        "/api/incidents/{incident_id}/persons/{person_id}/authentication",
        "Does this answer match? Yes or no; audited, rate-limited, locked after repeated failures",
        verify,
        body=AnswerIn,
        path_params={"incident_id": IncidentId, "person_id": PersonId},
        response=VerificationOut,
        tags=TAGS,
    ),
    Action(
        "records.readiness",
        "GET",
        "/api/readiness",
        "Per unit and component: who lacks a valid ISOPREP or an EPA in force",
        readiness,
        query=ReadinessQuery,
        response=list[UnitReadinessOut],
        tags=TAGS,
    ),
)
