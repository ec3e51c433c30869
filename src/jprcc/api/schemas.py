"""Request bodies. Every field is bounded; every answer to bad input names the field.

Strings may not hold NUL characters or unpaired surrogates (neither survives a database); names
may not hold control or bidirectional-override characters (they disguise what a screen shows);
floats may not be NaN or infinite; times must carry a timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from jprcc.core.geo import CoordinateError, from_mgrs
from jprcc.core.model import (
    Position,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
#: characters that reorder or hide text (bidirectional overrides and isolates, zero-width
#: joiners aside): in a name they make "KNIGHT 41" show as something else on every screen
HIDDEN = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _plain_name(value: str) -> str:
    for c in value:
        if c in HIDDEN or (c < " " or "\x7f" <= c < "\xa0"):
            raise ValueError(
                f"a name may not hold control or bidirectional-override characters (U+{ord(c):04X})"
            )
    return value


Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True), AfterValidator(_plain_name)
]
Text = Annotated[str, StringConstraints(max_length=10_000)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Priority = Annotated[int, Field(ge=1, le=5, description="1 (highest) to 5 (lowest)")]
Version = Annotated[
    int | None,
    Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The incident version you decided on; refused if it changed.",
    ),
]


def _instant(value: datetime) -> datetime:
    if not 1900 <= value.year <= 2999:
        raise ValueError("a time between the years 1900 and 2999")
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_instant)]
"""A time with its zone, kept as UTC (e.g. 2026-11-25T03:10:00Z or 2026-11-25T05:10:00+02:00)."""


def _check_strings(value: Any, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{path}: text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"{path}: text is not valid Unicode") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, path)
            _check_strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_strings(item, f"{path}[{i}]")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_max_length=10_000)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        _check_strings(data, "body")
        return data


class PositionIn(Body):
    """A position as lat/lon in decimal degrees, or as MGRS: give one form, not both."""

    lat: float | None = Field(default=None, ge=-90, le=90, examples=[33.3152])
    lon: float | None = Field(default=None, ge=-180, le=180, examples=[44.3661])
    mgrs: str | None = Field(default=None, max_length=32, examples=["38SMB4099486410"])

    @field_validator("mgrs")
    @classmethod
    def _valid_mgrs(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                from_mgrs(value)
            except CoordinateError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _one_form(self) -> PositionIn:
        has_latlon = self.lat is not None and self.lon is not None
        if has_latlon == (self.mgrs is not None) or (self.lat is None) != (self.lon is None):
            raise ValueError("give either lat and lon, or mgrs")
        return self

    def to_domain(self) -> Position:
        if self.mgrs is not None:
            return from_mgrs(self.mgrs)
        assert self.lat is not None
        assert self.lon is not None
        return Position(self.lat, self.lon)

    def command_fields(self) -> dict[str, float]:
        """As a command carries it: lat/lon, whichever form was given."""
        p = self.to_domain()
        return {"lat": p.lat, "lon": p.lon}
