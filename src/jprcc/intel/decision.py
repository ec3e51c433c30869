"""The threat-decision matrix: from the situation of an isolated person to a recovery approach.

A matrix is a list of rows, read top to bottom; the first row whose conditions all hold decides.
A row's conditions each name a criterion and the values it accepts; a criterion it leaves out
accepts anything. The nine criteria and their values:

    threat_at_person   low | medium | high      (threat field at the person, by ``threat_levels``)
    threat_on_route    low | medium | high      (the worst threat along the best route in)
    light              day | night              (night: the Sun below civil twilight)
    moon               bright | dim             (bright: the Moon up and at least 25 % lit)
    weather            vmc | imc                (imc: ceiling or visibility at the person below
                                                 ``weather_minima``, from the weather layers)
    mobility           mobile | injured         (injured: injured, seriously injured, or unknown)
    location           certain | uncertain      (uncertain: more than ``location_certain_within_m``)
    authentication     authenticated | unauthenticated
    custody            free | detained      (detained: a recovery by force of held persons, which
                                             only the JFC orders, beside the negotiation)

Light and Moon are read twice: at the time of the assessment, and again for each recovery option
at its pickup time (``at_pickup``), since the row that decides is the one that holds when the
force is on the ground.

Each row recommends one approach (immediate, deliberate, external_supported,
unassisted_evasion), the approval level it needs (component, jprcc, jfc), and says why; a row may
name the package roles it can do without (``optional_roles: [airborne_c2, escort_fires,
ground_security]``: an option that cannot fill one is kept, its P(success) lowered, instead of
being dropped), and may ask for the pickup to wait for darkness (``wait_for_darkness: true``),
which the recovery options respect. A matrix is refused unless every situation reaches some row
and every row is reached by some situation.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jprcc.core.errors import RuleViolation

#: the package roles a row may call optional (the situational ones; a recovery vehicle and ISR are
#: always needed)
OPTIONAL_ROLES = ("airborne_c2", "escort_fires", "ground_security", "sead_ew", "on_scene_commander")

CRITERIA: dict[str, tuple[str, ...]] = {
    "threat_at_person": ("low", "medium", "high"),
    "threat_on_route": ("low", "medium", "high"),
    "light": ("day", "night"),
    "moon": ("bright", "dim"),
    "weather": ("vmc", "imc"),
    "mobility": ("mobile", "injured"),
    "location": ("certain", "uncertain"),
    "authentication": ("authenticated", "unauthenticated"),
    "custody": ("free", "detained"),
}


class Approach(enum.StrEnum):
    IMMEDIATE = "immediate"
    DELIBERATE = "deliberate"
    EXTERNAL_SUPPORTED = "external_supported"
    UNASSISTED_EVASION = "unassisted_evasion"


class Approval(enum.StrEnum):
    COMPONENT = "component"
    JPRCC = "jprcc"
    JFC = "jfc"


@dataclass(frozen=True)
class Row:
    when: Mapping[str, tuple[str, ...]]
    recommend: Approach
    approval: Approval
    why: str
    wait_for_darkness: bool = False
    optional_roles: tuple[str, ...] = ()

    def matches(self, situation: Mapping[str, str]) -> bool:
        return all(situation[name] in accepted for name, accepted in self.when.items())


@dataclass(frozen=True)
class Matrix:
    rows: tuple[Row, ...]
    threat_medium: float = 0.15
    threat_high: float = 0.45
    location_certain_within_m: float = 1000.0
    version: int = 0
    minimum_ceiling_ft: float = 500.0
    minimum_visibility_m: float = 1600.0

    def imc(self, ceiling_ft: float | None, visibility_m: float | None) -> bool:
        """Below the matrix's weather minima (an unreported figure is not below them)."""
        return (ceiling_ft is not None and ceiling_ft < self.minimum_ceiling_ft) or (
            visibility_m is not None and visibility_m < self.minimum_visibility_m
        )

    def level(self, threat: float) -> str:
        return "high" if threat >= self.threat_high else "medium" if threat >= self.threat_medium else "low"

    def decide(self, situation: Mapping[str, str]) -> tuple[int, Row]:
        """The first row that holds (its index, the row)."""
        for index, row in enumerate(self.rows):
            if row.matches(situation):
                return index, row
        raise RuleViolation("no row of the matrix covers this situation", field="matrix")


@dataclass(frozen=True)
class Decision:
    approach: Approach
    approval: Approval
    why: str
    row: int  # counting from 1, as the operator's guide numbers them
    situation: dict[str, str]
    reasons: list[str] = field(default_factory=list)
    wait_for_darkness: bool = False
    optional_roles: tuple[str, ...] = ()


def all_situations() -> list[dict[str, str]]:
    names = list(CRITERIA)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*CRITERIA.values())]


def parse(data: Any, version: int = 0) -> Matrix:
    """A matrix from its plain-data form (the YAML file, parsed); every refusal names its place."""
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list) or not data["rows"]:
        raise RuleViolation("a matrix is a mapping with a non-empty list of rows", field="rows")
    levels = data.get("threat_levels", {})
    if not isinstance(levels, dict):
        raise RuleViolation("threat_levels is a mapping {medium: ..., high: ...}", field="threat_levels")
    medium = _number(levels.get("medium", 0.15), "threat_levels.medium")
    high = _number(levels.get("high", 0.45), "threat_levels.high")
    if not 0 < medium < high <= 1:
        raise RuleViolation("threat_levels: 0 < medium < high <= 1", field="threat_levels")
    certain = _number(data.get("location_certain_within_m", 1000), "location_certain_within_m")
    if certain <= 0:
        raise RuleViolation("location_certain_within_m must be positive", field="location_certain_within_m")
    minima = data.get("weather_minima", {})
    if not isinstance(minima, dict):
        raise RuleViolation(
            "weather_minima is a mapping {ceiling_ft: ..., visibility_m: ...}", field="weather_minima"
        )
    ceiling = _number(minima.get("ceiling_ft", 500), "weather_minima.ceiling_ft")
    visibility = _number(minima.get("visibility_m", 1600), "weather_minima.visibility_m")
    if ceiling < 0 or visibility < 0:
        raise RuleViolation("weather_minima are not negative", field="weather_minima")
    rows = tuple(_row(raw, i) for i, raw in enumerate(data["rows"]))
    matrix = Matrix(rows, medium, high, certain, version, ceiling, visibility)
    _check_coverage(matrix)
    return matrix


def _number(value: Any, field: str) -> float:
    """A finite number (not a flag, not text), or a refusal naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RuleViolation(f"{field} must be a finite number, not {value!r}", field=field)
    return float(value)


def _row(raw: Any, i: int) -> Row:
    where = f"rows[{i}]"
    if not isinstance(raw, dict):
        raise RuleViolation("each row is a mapping", field=where)
    conditions = raw.get("when") or {}
    if not isinstance(conditions, dict):
        raise RuleViolation("'when' is a mapping of criterion to values", field=f"{where}.when")
    when: dict[str, tuple[str, ...]] = {}
    for name, accepted in conditions.items():
        if name not in CRITERIA:
            raise RuleViolation(
                f"unknown criterion {name!r}; known: {', '.join(CRITERIA)}", field=f"{where}.when"
            )
        listed = [accepted] if isinstance(accepted, str) else accepted if isinstance(accepted, list) else []
        values = tuple(v for v in listed if isinstance(v, str))
        if len(values) != len(listed) or set(values) - set(CRITERIA[name]) or not values:
            raise RuleViolation(f"{name} takes {', '.join(CRITERIA[name])}", field=f"{where}.when.{name}")
        when[name] = values
    try:
        recommend, approval = Approach(str(raw.get("recommend"))), Approval(str(raw.get("approval")))
    except ValueError as exc:
        raise RuleViolation(str(exc), field=where) from exc
    why = str(raw.get("why", "")).strip()
    if not why:
        raise RuleViolation("every row explains its recommendation in 'why'", field=f"{where}.why")
    darkness = raw.get("wait_for_darkness", False)
    if not isinstance(darkness, bool):
        raise RuleViolation("wait_for_darkness is true or false", field=f"{where}.wait_for_darkness")
    optional = raw.get("optional_roles", [])
    if not isinstance(optional, list) or not all(
        isinstance(r, str) and r in OPTIONAL_ROLES for r in optional
    ):
        raise RuleViolation(
            f"optional_roles is a list of {', '.join(OPTIONAL_ROLES)}", field=f"{where}.optional_roles"
        )
    return Row(when, recommend, approval, why, darkness, tuple(optional))


def _check_coverage(matrix: Matrix) -> None:
    reached: set[int] = set()
    for situation in all_situations():
        index = next((i for i, row in enumerate(matrix.rows) if row.matches(situation)), None)
        if index is None:
            raise RuleViolation(
                f"no row covers {situation}: end with a row that has no conditions", field="rows"
            )
        reached.add(index)
    dead = [i for i in range(len(matrix.rows)) if i not in reached]
    if dead:
        numbers = ", ".join(str(i + 1) for i in dead)
        raise RuleViolation(
            f"row {numbers} (counting from 1) can never be reached: the rows above catch every case",
            field=f"rows[{dead[0]}]",
        )


def assess(
    matrix: Matrix,
    *,
    threat_at_person: float,
    threat_on_route: float,
    dark: bool,
    injured: bool,
    uncertainty_m: float,
    authenticated: bool,
    moonlit: bool = False,
    ceiling_ft: float | None = None,
    visibility_m: float | None = None,
    detained: bool = False,
) -> Decision:
    """The matrix's recommendation for one person's situation, with the facts behind it."""
    situation = {
        "threat_at_person": matrix.level(threat_at_person),
        "threat_on_route": matrix.level(threat_on_route),
        "light": "night" if dark else "day",
        "moon": "bright" if moonlit else "dim",
        "mobility": "injured" if injured else "mobile",
        "location": "certain" if uncertainty_m <= matrix.location_certain_within_m else "uncertain",
        "authentication": "authenticated" if authenticated else "unauthenticated",
        "weather": "imc" if matrix.imc(ceiling_ft, visibility_m) else "vmc",
        "custody": "detained" if detained else "free",
    }
    reasons = [
        f"threat at the person {threat_at_person:.2f} ({situation['threat_at_person']})",
        f"worst threat on the best route in {threat_on_route:.2f} ({situation['threat_on_route']})",
        _light_reason(situation),
        f"the person is {situation['mobility']}",
        f"position ±{uncertainty_m:.0f} m ({situation['location']})",
        f"{situation['authentication']}",
        f"weather: {situation['weather']} ("
        + ", ".join(
            [
                "ceiling " + ("not reported" if ceiling_ft is None else f"{ceiling_ft:.0f} ft"),
                "visibility " + ("not reported" if visibility_m is None else f"{visibility_m:.0f} m"),
            ]
        )
        + ")",
    ]
    if detained:
        reasons.append("held by a captor: a recovery by force the JFC ordered")
    return _decided(matrix, situation, reasons)


def _light_reason(situation: Mapping[str, str]) -> str:
    return f"light: {situation['light']}, Moon {situation['moon']}"


def _decided(matrix: Matrix, situation: dict[str, str], reasons: list[str]) -> Decision:
    """The row that holds for ``situation``, as a decision with ``reasons``."""
    index, row = matrix.decide(situation)
    return Decision(
        row.recommend,
        row.approval,
        row.why,
        index + 1,
        situation,
        reasons,
        row.wait_for_darkness,
        row.optional_roles,
    )


def at_pickup(matrix: Matrix, decided: Decision, *, dark: bool, moonlit: bool) -> Decision:
    """The same situation read under the light of another time (a pickup's): the row that holds
    then, with the facts of ``decided`` and the new light."""
    situation = {
        **decided.situation,
        "light": "night" if dark else "day",
        "moon": "bright" if moonlit else "dim",
    }
    reasons = [_light_reason(situation) if r.startswith("light:") else r for r in decided.reasons]
    return _decided(matrix, situation, reasons)


def daylight_forbidden(matrix: Matrix, decided: Decision) -> bool:
    """Whether the matrix, for this situation, wants the pickup in darkness were it day."""
    return at_pickup(matrix, decided, dark=False, moonlit=False).wait_for_darkness
