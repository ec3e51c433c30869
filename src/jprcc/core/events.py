"""Events: facts that happened, in the past tense. The event log is made of these.

Each event type has a stable ``type_name`` (the name stored in the log; never rename one)
and belongs to one stream (``stream_id``, of the kind ``stream_kind``): one per incident,
asset, component, operation, account, record... Every event carries ``at``, the UTC time the
fact took effect. Each capability declares its own events (``<capability>.events``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

E = TypeVar("E", bound="type[Event]")


def event(name: str) -> Callable[[E], E]:
    """Class decorator: the event type's stable stored name. It registers nothing: a capability
    lists its event types, and the node's registry refuses a name claimed twice."""

    def name_it(cls: E) -> E:
        cls.type_name = name
        return cls

    return name_it


@dataclass(frozen=True, kw_only=True)
class Event:
    type_name: ClassVar[str] = "event"
    stream_kind: ClassVar[str] = ""
    on_feed: ClassVar[bool] = True
    """False for events that come by the thousand and no page follows one by one (positions):
    the live feed does not read them at all."""
    """The kind of stream the event lives on (``incident``, ``asset``, ...): ``stream_id`` is
    ``<kind>:<key>``; a capability that owns the kind folds such streams into a state."""
    at: datetime

    @property
    def stream_id(self) -> str:
        raise NotImplementedError


@event("chain.log_sealed")
@dataclass(frozen=True, kw_only=True)
class LogSealed(Event):
    """A log written before chain keys was verified as it stood and sealed with the chain key, once,
    on the upgrade: ``records`` re-hashed, ``rewritten`` of them changed in form (a secret once
    stored in clear, sealed), and the head the unkeyed chain ended on (``legacy_head``)."""

    stream_kind: ClassVar[str] = "chain"
    on_feed: ClassVar[bool] = False
    key_id: str
    records: int
    rewritten: int
    legacy_head: str

    @property
    def stream_id(self) -> str:
        return "chain:log"
