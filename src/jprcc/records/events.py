"""The events of the isolated-personnel records (registered with the rest in ``events``).

Nothing protected is in them in clear: the sealed parts are ciphertext, the answers and the
number are argon2 hashes, an attempt records which statement was asked and whether it matched,
never the answer given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from jprcc.brokering.events import IncidentEvent
from jprcc.core.events import Event, event


@dataclass(frozen=True, kw_only=True)
class RecordEvent(Event):
    stream_kind: ClassVar[str] = "record"
    person_ref: str

    @property
    def stream_id(self) -> str:
        return f"record:{self.person_ref}"


@event("isoprep_recorded")
@dataclass(frozen=True, kw_only=True)
class IsoprepRecorded(RecordEvent):
    name: str
    service: str
    unit: str
    component_id: str
    review_date: date
    complete: bool
    sealed: str
    answer_hashes: tuple[str, ...]
    number_hash: str | None
    recorded_by: str


@event("epa_filed")
@dataclass(frozen=True, kw_only=True)
class EpaFiled(RecordEvent):
    mission_id: str
    valid_from: datetime
    valid_to: datetime
    sealed: str
    filed_by: str


@event("record_opened")
@dataclass(frozen=True, kw_only=True)
class RecordOpened(RecordEvent):
    part: str
    incident_id: str | None
    opened_by: str


@event("record_unlocked")
@dataclass(frozen=True, kw_only=True)
class RecordUnlocked(RecordEvent):
    reason: str
    unlocked_by: str


@event("authentication_attempted")
@dataclass(frozen=True, kw_only=True)
class AuthenticationAttempted(IncidentEvent):
    person_id: str
    person_ref: str
    statement: int | None  # None: the authentication number
    matched: bool
    asked_by: str
    locked: bool  # this failure locked the record


@event("authentication_refused")
@dataclass(frozen=True, kw_only=True)
class AuthenticationRefused(IncidentEvent):
    person_id: str
    person_ref: str
    statement: int | None
    reason: str  # locked | rate_limited
    asked_by: str


@event("vault_key_rotated")
@dataclass(frozen=True, kw_only=True)
class VaultKeyRotated(Event):
    stream_kind: ClassVar[str] = "vault"
    old_key_id: str
    new_key_id: str
    records: int

    @property
    def stream_id(self) -> str:
        return "vault"
