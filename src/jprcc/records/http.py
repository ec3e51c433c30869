"""Isolated-personnel records: ISOPREP and EPA in the vault, verify-only authentication, readiness.

A record's parts are read one at a time (``part=``): photos and the description never come in the
same answer as anything from the statements, and the statements come as prompts only. Every read
is recorded in the audit chain with who read it. An answer is verified, never returned.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, NodeDep, QueriesDep
from jprcc.brokering.http import IncidentId, PersonId
from jprcc.core.errors import RuleViolation
from jprcc.records import commands as cmd
from jprcc.records import importing as record_import
from jprcc.records.queries import RecordQueries
from jprcc.records.service import Authenticator
from jprcc.records.views import UnitReadinessOut, readiness_out

router = APIRouter(prefix="/api", tags=["isolated-personnel records"])
PersonRef = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64, description="e.g. USA-RAVEN21-1")]
Part = Literal["summary", "description", "photos", "statements", "epa"]


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


@router.post("/records", status_code=201, summary="Record or review a person's ISOPREP")
def record_isoprep(body: IsoprepIn, bus: BusDep, actor: CurrentActor) -> dict[str, Any]:
    bus.handle(
        cmd.RecordIsoprep(
            person_ref=body.person_ref,
            name=body.name,
            service=body.service,
            unit=body.unit,
            component_id=body.component_id,
            review_date=body.review_date,
            details=tuple(body.details.items()),
            photo_front=body.photo_front,
            photo_side=body.photo_side,
            statements=tuple(cmd.AuthStatement(x.prompt, x.answer) for x in body.statements),
            authentication_number=body.authentication_number,
        ),
        actor,
    )
    return dict(bus.handle(cmd.OpenRecord(person_ref=body.person_ref, part="summary"), actor).value)


@router.post("/records/import", status_code=201, summary="Import ISOPREPs from CSV or DD 1833-shaped forms")
def import_records(body: ImportIn, bus: BusDep, actor: CurrentActor) -> dict[str, int]:
    """All or none: every row or form is checked first, and recorded in one transaction."""
    if (body.csv is None) == (body.forms is None):
        raise RuleViolation("give either csv or forms", field="csv")
    if body.csv is not None:
        records = record_import.from_csv(body.csv, bus.clock().date())
    else:
        records = record_import.from_forms(body.forms or [], bus.clock().date(), inline=True)
    return {"imported": bus.handle(cmd.ImportRecords(records=records), actor).value}


@router.get(
    "/records/{person_ref}", summary="One part of a record (audited; sealed parts need an active incident)"
)
def open_record(
    person_ref: PersonRef,
    bus: BusDep,
    actor: CurrentActor,
    part: Part = "summary",
    incident_id: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
) -> dict[str, Any]:
    return dict(
        bus.handle(cmd.OpenRecord(person_ref=person_ref, part=part, incident_id=incident_id), actor).value
    )


@router.get("/records/{person_ref}/export", summary="The whole record with classification markings")
def export_record(person_ref: PersonRef, bus: BusDep, actor: CurrentActor) -> dict[str, Any]:
    return dict(bus.handle(cmd.OpenRecord(person_ref=person_ref, part="export"), actor).value)


@router.post("/records/{person_ref}/epa", status_code=201, summary="File an evasion plan of action")
def file_epa(person_ref: PersonRef, body: EpaIn, bus: BusDep, actor: CurrentActor) -> dict[str, str]:
    bus.handle(
        cmd.FileEpa(
            person_ref=person_ref,
            mission_id=body.mission_id,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            route=tuple(p.to_domain() for p in body.route),
            hide_sites=tuple(p.to_domain() for p in body.hide_sites),
            destinations=tuple(cmd.EpaDestination(d.name, d.position.to_domain()) for d in body.destinations),
            signals=body.signals,
            comm_plan=body.comm_plan,
        ),
        actor,
    )
    return {"person_ref": person_ref, "mission_id": body.mission_id}


@router.post("/records/{person_ref}/unlock", summary="JPRCC director: unlock a record after failed answers")
def unlock(person_ref: PersonRef, body: UnlockIn, bus: BusDep, actor: CurrentActor) -> dict[str, str]:
    bus.handle(cmd.UnlockRecord(person_ref=person_ref, reason=body.reason), actor)
    return {"person_ref": person_ref, "status": "unlocked"}


@router.post(
    "/incidents/{incident_id}/persons/{person_id}/authentication",
    summary="Does this answer match? Yes or no; audited, rate-limited, locked after repeated failures",
)
def verify(
    incident_id: IncidentId,
    person_id: PersonId,
    body: AnswerIn,
    node: NodeDep,
    queries: QueriesDep,
    actor: CurrentActor,
) -> VerificationOut:
    incident = queries.incident(actor, incident_id)
    matched = node.service(Authenticator).verify(actor, incident, person_id, body.statement, body.answer)
    person = queries.incident(actor, incident_id).persons[person_id]
    return VerificationOut(
        matched=matched,
        person_id=person_id,
        authenticated_by=person.authenticated_by,
        authenticated_at=person.authenticated_at,
    )


@router.get("/readiness", summary="Per unit and component: who lacks a valid ISOPREP or an EPA in force")
def readiness(
    node: NodeDep,
    actor: CurrentActor,
    component: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
    mission: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
) -> list[UnitReadinessOut]:
    if actor.role.component_bound:
        component = actor.component_id
    now = node.clock()
    return readiness_out(node.service(RecordQueries).readiness(now.date(), now, component, mission))
