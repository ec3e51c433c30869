"""Isolated-personnel record commands: ISOPREP, EPA, authentication, the vault."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from jprcc.brokering.commands import IncidentCommand
from jprcc.core.commands import Command
from jprcc.core.model import (
    Position,
)

# --- isolated-personnel records --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthStatement:
    """One personal authentication statement: the prompt a recovery force asks, and the answer
    (which is hashed on arrival and never stored or shown)."""

    prompt: str
    answer: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class EpaDestination:
    name: str
    position: Position


@dataclass(frozen=True, kw_only=True)
class RecordIsoprep(Command):
    """A person's ISOPREP, new or reviewed. ``details``: identity and physical description
    (date of birth, height, weight, eyes, hair, marks, ...); photos are base64 JPEG or PNG."""

    person_ref: str
    name: str
    service: str
    unit: str
    component_id: str
    review_date: date
    details: tuple[tuple[str, str], ...] = ()
    photo_front: str | None = None
    photo_side: str | None = None
    statements: tuple[AuthStatement, ...] = ()
    authentication_number: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class FileEpa(Command):
    """A person's evasion plan of action for one mission."""

    person_ref: str
    mission_id: str
    valid_from: datetime
    valid_to: datetime
    route: tuple[Position, ...] = ()
    hide_sites: tuple[Position, ...] = ()
    destinations: tuple[EpaDestination, ...] = ()
    signals: str = ""
    comm_plan: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordAuthentication(IncidentCommand):
    """The outcome of comparing an answer with statement ``statement`` (1-4; None: the
    authentication number) of the incident's person ``person_id``. Issued only by the
    authenticator (``jprcc.records.service``), which compares the answer outside the write
    transaction and never passes it on."""

    person_id: str
    statement: int | None
    matched: bool


@dataclass(frozen=True, kw_only=True)
class RecordRefusedAuthentication(IncidentCommand):
    """An answer that was not even compared (the record locked, or asked too fast): the try is
    kept in the audit chain all the same, with who asked. Issued only by the authenticator."""

    person_id: str
    statement: int | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class UnlockRecord(Command):
    person_ref: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class OpenRecord(Command):
    """Open part of a record (audited); ``incident_id`` is the active incident that justifies it."""

    person_ref: str
    part: str
    incident_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RotateVaultKey(Command):
    new_key: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class ImportRecords(Command):
    """Several ISOPREPs recorded together: all of them, or none."""

    records: tuple[RecordIsoprep, ...]
