"""The ports the service layer needs: the unit of work and what it loads and records.

``UnitOfWork`` is abstract; ``jprcc.core.store.uow.SqlUnitOfWork`` implements it on SQLAlchemy.
Handlers load state through it, ask the domain, and hand the resulting events to
``record``; the unit of work appends them to the log and updates the read models in the
same transaction, and ``commit`` makes both durable at once.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from jprcc.brokering.incident import Incident
from jprcc.core.accounts.model import User
from jprcc.core.events import Event
from jprcc.core.theater.model import Asset, Component, Operation, RecoveryPoint
from jprcc.core.values import CommandRelationship
from jprcc.intel.layers import IntelLayer


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: its place in the log, its stream, who recorded it, its hash."""

    seq: int
    event_id: str
    node_id: str
    stream_id: str
    stream_version: int
    recorded_at: datetime
    actor: str
    event: Event
    hash: str


@dataclass(frozen=True, slots=True)
class Token:
    token_id: str
    username: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class IsoprepRow:
    """An ISOPREP as stored: the index in clear, the rest sealed, the answers hashed."""

    person_ref: str
    name: str
    service: str
    unit: str
    component_id: str
    review_date: date
    complete: bool
    sealed: str
    answer_hashes: tuple[str, ...]
    number_hash: str | None
    failures: int
    locked: bool
    failures_by_item: dict[str, int]

    def failures_on(self, statement: int | None) -> int:
        """Failed answers in a row on one item (a statement, or the number)."""
        return self.failures_by_item.get("number" if statement is None else str(statement), 0)


class UnitOfWork(abc.ABC):
    """One write transaction. Use as a context manager; ``commit`` or it rolls back."""

    recorded: list[RecordedEvent]

    def __enter__(self) -> Self:
        self.recorded = []
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    # --- state ---------------------------------------------------------------------------

    @abc.abstractmethod
    def state(self, kind: str, key: str) -> Any:
        """The state of stream ``kind:key`` folded from its events (None if it has none), tracked
        so that ``record`` can apply new events to it and project it."""

    def states(self, kind: str, keys: Sequence[str]) -> dict[str, Any]:
        """The states of many streams of ``kind`` (None for one with no events), read at once
        where the store can: a flush of positions from a thousand devices asks for them all."""
        return {key: self.state(kind, key) for key in keys}

    @abc.abstractmethod
    def incident(self, incident_id: str) -> Incident | None:
        """The incident folded from its stream, tracked so ``record`` can project it."""

    @abc.abstractmethod
    def components(self) -> Mapping[str, Component]: ...

    @abc.abstractmethod
    def assets(self, asset_ids: Iterable[str]) -> dict[str, Asset]: ...

    @abc.abstractmethod
    def operation(self, operation_id: str) -> Operation | None: ...

    @abc.abstractmethod
    def recovery_point(self, point_id: str) -> RecoveryPoint | None: ...

    @abc.abstractmethod
    def layer(self, layer_id: str) -> IntelLayer | None: ...

    @abc.abstractmethod
    def matrix_version(self) -> int:
        """The version of the threat-decision matrix in force (0: the shipped default)."""

    @abc.abstractmethod
    def committed_assets(self, operation_id: str) -> list[Asset]: ...

    @abc.abstractmethod
    def taskings(self, asset_ids: Iterable[str]) -> dict[str, str]:
        """Asset id → incident whose support directive in force it serves."""

    @abc.abstractmethod
    def tasked_until(self, asset_ids: Iterable[str]) -> dict[str, datetime]:
        """Asset id → the end of the timing window of the directive in force it serves."""

    @abc.abstractmethod
    def control_relationships(self, asset_ids: Iterable[str]) -> list[CommandRelationship]:
        """TACON/OPCON relationships not yet ended that cover any of ``asset_ids``."""

    @abc.abstractmethod
    def user(self, username: str) -> User | None: ...

    @abc.abstractmethod
    def password_hash(self, username: str) -> str | None: ...

    @abc.abstractmethod
    def token(self, token_hash: str) -> Token | None: ...

    @abc.abstractmethod
    def isoprep(self, person_ref: str) -> IsoprepRow | None: ...

    @abc.abstractmethod
    def record_keys(self, record_id: str | None = None) -> dict[str, str]:
        """Wrapped data keys by record id (all of them when ``record_id`` is None)."""

    @abc.abstractmethod
    def attempts_since(self, person_ref: str, asked_by: str, since: datetime) -> int: ...

    @abc.abstractmethod
    def epas(self, person_ref: str) -> dict[str, str]:
        """The person's sealed evasion plans by mission."""

    # --- writes --------------------------------------------------------------------------

    @abc.abstractmethod
    def record(self, events: Sequence[Event], actor: str, recorded_at: datetime) -> list[RecordedEvent]:
        """Append to the log and update the read models, in this transaction."""

    @abc.abstractmethod
    def set_password_hash(self, username: str, password_hash: str) -> None: ...

    @abc.abstractmethod
    def store_token(self, token_hash: str, token: Token) -> None: ...

    @abc.abstractmethod
    def store_record_key(self, record_id: str, wrapped: str) -> None: ...

    @abc.abstractmethod
    def revoke_token(self, token_id: str) -> None: ...

    @abc.abstractmethod
    def revoke_tokens_of(self, username: str) -> None:
        """End every session of the user (password changed, account deactivated)."""
