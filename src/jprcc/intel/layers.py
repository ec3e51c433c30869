"""PR-specific intelligence preparation: the layers of the threat and civil picture.

Each layer is a versioned record in the event log: publishing a layer under an existing id
makes a new version (the old one stays in the history), withdrawing it ends it. Every version
carries its source, the source's confidence and the window in which it is valid.

Layer bodies
------------
PointThreat           an air-defence system at a point: engagement envelope (ranges, altitude
                      band) and a probability of engagement that falls with range
AreaThreat            enemy ground forces, hostile populace or a mined area, as a polygon
CivilConsideration    friendly / neutral / hostile area or place from Civil Affairs and NGOs,
                      contacts, safe locations
PsyopTheme            a theme in force over an area between two dates
WeatherEntry          ceiling, visibility and wind over an area for a time window
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from jprcc.core.errors import NotFound, RuleViolation
from jprcc.core.model import Context, Position, SourceConfidence


class ThreatCategory(enum.StrEnum):
    SURFACE_TO_AIR_MISSILE = "surface_to_air_missile"
    ANTI_AIRCRAFT_ARTILLERY = "anti_aircraft_artillery"
    MANPADS = "manpads"
    SMALL_ARMS = "small_arms"


class AreaThreatCategory(enum.StrEnum):
    ENEMY_GROUND_FORCES = "enemy_ground_forces"
    HOSTILE_POPULACE = "hostile_populace"
    MINED_AREA = "mined_area"


class Attitude(enum.StrEnum):
    FRIENDLY = "friendly"
    NEUTRAL = "neutral"
    HOSTILE = "hostile"


@dataclass(frozen=True)
class PointThreat:
    kind: Literal["point_threat"]
    system: str
    category: ThreatCategory
    position: Position
    min_range_m: float
    max_range_m: float
    min_altitude_m: float
    max_altitude_m: float
    pk: float
    falloff: float = 1.0
    """Probability of engagement at range r inside the envelope: pk · ((max - r) / (max - min))^falloff;
    1 falls linearly to the edge, larger values fall faster, 0 is flat to the edge."""


@dataclass(frozen=True)
class AreaThreat:
    kind: Literal["area_threat"]
    category: AreaThreatCategory
    polygon: tuple[Position, ...]
    severity: float


@dataclass(frozen=True)
class CivilConsideration:
    kind: Literal["civil"]
    attitude: Attitude
    polygon: tuple[Position, ...]
    contacts: str = ""
    safe_location: Position | None = None


@dataclass(frozen=True)
class PsyopTheme:
    kind: Literal["psyop"]
    polygon: tuple[Position, ...]
    theme: str


@dataclass(frozen=True)
class WeatherEntry:
    kind: Literal["weather"]
    polygon: tuple[Position, ...]
    ceiling_ft: float | None
    visibility_m: float | None
    wind_kt: float | None
    wind_from_deg: float | None = None


LayerBody = PointThreat | AreaThreat | CivilConsideration | PsyopTheme | WeatherEntry


@dataclass(frozen=True)
class IntelLayer:
    layer_id: str
    version: int
    name: str
    source: str
    confidence: SourceConfidence
    valid_from: datetime
    valid_to: datetime | None
    body: LayerBody
    published_by: str
    published_at: datetime
    withdrawn: bool = False

    def in_force(self, at: datetime) -> bool:
        return not self.withdrawn and self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


#: how much a layer counts, by its source's confidence
CONFIDENCE_WEIGHT = {
    SourceConfidence.CONFIRMED: 1.0,
    SourceConfidence.PROBABLY_TRUE: 0.8,
    SourceConfidence.POSSIBLY_TRUE: 0.6,
    SourceConfidence.DOUBTFUL: 0.3,
    SourceConfidence.IMPROBABLE: 0.1,
    SourceConfidence.CANNOT_BE_JUDGED: 0.5,
}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def check_body(body: LayerBody) -> None:
    """The rules every layer body keeps; each refusal names its field."""

    def require(ok: bool, message: str, field: str) -> None:
        if not ok:
            raise RuleViolation(message, field=f"body.{field}")

    if isinstance(body, PointThreat):
        require(
            0 <= body.min_range_m < body.max_range_m <= 500_000,
            "0 <= min_range_m < max_range_m <= 500 km",
            "max_range_m",
        )
        require(
            0 <= body.min_altitude_m < body.max_altitude_m <= 40_000,
            "0 <= min_altitude_m < max_altitude_m <= 40 km",
            "max_altitude_m",
        )
        require(0 < body.pk <= 1, "pk is a probability in (0, 1]", "pk")
        require(0 <= body.falloff <= 10, "falloff is 0 to 10", "falloff")
        require(bool(body.system.strip()), "name the system", "system")
    elif isinstance(body, AreaThreat):
        require(0 < body.severity <= 1, "severity is in (0, 1]", "severity")
    elif isinstance(body, PsyopTheme):
        require(bool(body.theme.strip()), "say what the theme is", "theme")
    elif isinstance(body, WeatherEntry):
        for name in ("ceiling_ft", "visibility_m", "wind_kt"):
            value = getattr(body, name)
            require(value is None or 0 <= value <= 100_000, f"{name} is 0 to 100,000 when given", name)
        wind_from = body.wind_from_deg
        require(wind_from is None or 0 <= wind_from < 360, "wind_from_deg is 0 to 359", "wind_from_deg")
        require(
            any(getattr(body, n) is not None for n in ("ceiling_ft", "visibility_m", "wind_kt")),
            "give at least one of ceiling_ft, visibility_m, wind_kt",
            "ceiling_ft",
        )
    if not isinstance(body, PointThreat):
        polygon = body.polygon
        require(3 <= len(polygon) <= 1000, "a polygon has 3 to 1000 corners", "polygon")


def publish(
    layer_id: str,
    name: str,
    source: str,
    confidence: SourceConfidence,
    valid_from: datetime,
    valid_to: datetime | None,
    body: LayerBody,
    existing: IntelLayer | None,
    ctx: Context,
) -> IntelLayer:
    """The next version of a layer (the first when ``existing`` is None)."""
    if not _ID.match(layer_id):
        raise RuleViolation("layer_id: 1-64 letters, digits, '.', '_', ':' or '-'", field="layer_id")
    if not name.strip():
        raise RuleViolation("name must not be blank", field="name")
    if valid_to is not None and valid_to <= valid_from:
        raise RuleViolation("valid_to must come after valid_from", field="valid_to")
    check_body(body)
    return IntelLayer(
        layer_id=layer_id,
        version=1 if existing is None else existing.version + 1,
        name=name,
        source=source,
        confidence=confidence,
        valid_from=valid_from,
        valid_to=valid_to,
        body=body,
        published_by=ctx.actor.username,
        published_at=ctx.now,
    )


def withdraw(layer: IntelLayer | None, layer_id: str) -> IntelLayer:
    if layer is None:
        raise NotFound(f"unknown layer {layer_id}", field="layer_id")
    if layer.withdrawn:
        raise RuleViolation(f"layer {layer_id} is already withdrawn", field="layer_id")
    return layer
