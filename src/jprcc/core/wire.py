"""Plain data → commands: the one generic conversion from a request body (or a scenario step) to a
command, for the HTTP actions, the CLI and the scenario player alike.

A body's fields carry the command's names; path parameters add the ids; a position given as MGRS
or lat/lon arrives as lat/lon. ``TypeAdapter`` builds the frozen dataclass, with its nested
records (persons, offers, contributions) and enumerations, and names the field that does not fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

T = TypeVar("T")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(command_type: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(command_type)
    if adapter is None:
        adapter = _ADAPTERS[command_type] = TypeAdapter(command_type)
    return adapter


def plain(value: Any) -> Any:
    """A request model as plain data for a command: nested models as dicts, a model that says how
    it becomes a domain value (``to_domain``, e.g. a position in MGRS) as that value's fields."""
    if isinstance(value, BaseModel):
        to_fields = getattr(value, "command_fields", None)
        if callable(to_fields):
            return to_fields()
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def command_from(command_type: type[T], body: Any = None, **extra: Any) -> T:
    """The command ``command_type`` from ``body`` (a request model or a mapping) and ``extra``
    fields (path parameters, the actor's defaults); extra fields win."""
    data: dict[str, Any] = {}
    if isinstance(body, BaseModel):
        data.update(plain(body))
    elif isinstance(body, Mapping):
        data.update(body)
    data.update(extra)
    built: T = _adapter(command_type).validate_python(data)
    return built
