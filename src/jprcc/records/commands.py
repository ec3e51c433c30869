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


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """What the bus's preparation made of a record, after authorization and outside the write
    transaction: its sealed document and its answers hashed (argon2id, peppered with the data key).
    ``seen`` is the data key as the store held it (wrapped) when it was read; ``new_wrapped`` a data
    key made for a record that had none. The handler stores the record only if the store still
    holds ``seen`` (or the new key, made for an earlier record of the same import)."""

    sealed: str = field(repr=False)
    answer_hashes: tuple[str, ...] = field(repr=False)
    number_hash: str | None = field(repr=False)
    key_id: str
    seen: str | None = field(default=None, repr=False)
    new_wrapped: str | None = field(default=None, repr=False)


@dataclass(frozen=True, kw_only=True)
class RecordIsoprep(Command):
    """A person's ISOPREP, new or reviewed. ``details``: identity and physical description
    (date of birth, height, weight, eyes, hair, marks, ...); photos are base64 JPEG or PNG.
    ``prepared`` is set by the bus's preparation (never by a caller: it is always made again)."""

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
    prepared: PreparedRecord | None = field(default=None, repr=False)


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
    """Several ISOPREPs recorded together, in one transaction: all of them, or none. A big import
    is several of these, one per batch (``jprcc.records.importing.import_in_batches``); ``first``
    is how many records of the whole import came before this batch and stayed imported (a refusal
    counts its row from the whole import and says what stayed)."""

    records: tuple[RecordIsoprep, ...]
    first: int = 0
