"""Canonical JSON for events and incident documents.

Event payloads are stored as canonical JSON text (sorted keys, no spaces, UTC times) so that
the hash chain is computed over exactly the bytes stored, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from pydantic import TypeAdapter

from jprcc.brokering.incident import Incident
from jprcc.core.events import Event
from jprcc.intel.layers import IntelLayer

_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces, text as UTF-8 rather than escapes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(data: Any) -> bytes:
    """``canonical_json`` encoded, written by orjson in a tenth of the time: byte for byte the same
    (a test holds every code point to it) but for a float under 1e-4, written ``0.00001`` rather
    than ``1e-05``, the same number. Where orjson cannot write a value (an integer past 64 bits, a
    lone surrogate) ``canonical_json`` does, as it always did."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(data).encode()


def encode_event(e: Event) -> tuple[str, str]:
    """(stored type name, canonical JSON payload). The log keeps the payload as written and seals
    those very characters, so its form need only be one that decodes to the event again."""
    data = _adapter(type(e)).dump_python(e, mode="json")
    return e.type_name, canonical_bytes(data).decode()


def decode_event(type_name: str, payload: str, types: Mapping[str, type[Event]]) -> Event:
    """The event stored as ``type_name``; ``types`` is the node's catalogue (its registry)."""
    cls = types.get(type_name)
    if cls is None:
        raise ValueError(f"unknown event type {type_name!r} in the log")
    return cast(Event, _adapter(cls).validate_json(payload))


_ORJSON = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def encode_incident(incident: Incident) -> str:
    """The incident's document, written on every command on it: orjson writes the same bytes as
    pydantic for the incident's dataclasses (a test holds the two to it) in half the time. A value
    orjson cannot write (an integer past 64 bits) is written by pydantic."""
    try:
        return orjson.dumps(incident, option=_ORJSON).decode()
    except TypeError:
        return _adapter(Incident).dump_json(incident).decode()


def decode_incident(document: str) -> Incident:
    return cast(Incident, _adapter(Incident).validate_json(document))


def encode_layer(layer: IntelLayer) -> str:
    return _adapter(IntelLayer).dump_json(layer).decode()


def decode_layer(document: str) -> IntelLayer:
    return cast(IntelLayer, _adapter(IntelLayer).validate_json(document))


def utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    return utc(value).isoformat(timespec="microseconds")


def encode_document(value: Any) -> str:
    """A read model's document (a dataclass state) as JSON."""
    return _adapter(type(value)).dump_json(value).decode()


def decode_document(cls: type[Any], document: str) -> Any:
    return _adapter(cls).validate_json(document)
