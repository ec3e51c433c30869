"""The coordination simulation's assumptions: one file, every number with its source.

The file (``data/thesis/assumptions.yaml``, read by ``parse``) has three sections that matter to
the code — ``theater``, ``process`` and the two arrangements' own (``component``, ``jprcc``) —
and each entry states its value, unit, whom it applies to, its source and the values the
sensitivity analysis tries. ``Assumptions`` is the same, typed; ``with_value`` gives a copy with
one entry changed (a sensitivity run), ``equal_arrangements`` the copy in which the two
arrangements differ in nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

OWNERS = ("air", "land", "maritime", "special_operations")
ENVIRONMENTS = ("land", "littoral", "maritime")
READINESS = ("ready", "standby_30", "standby_60", "standby_120", "not_mission_capable")
APPROVALS = ("component", "jprcc", "jfc")
APPLIES = ("both", "component", "jprcc")


@dataclass(frozen=True)
class Draw:
    """A log-normal duration: its median (minutes) and the standard deviation of its logarithm."""

    median: float
    sigma: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.median) and self.median >= 0):
            raise ValueError("a median must be a number of minutes, 0 or more")
        if not (math.isfinite(self.sigma) and 0 <= self.sigma <= 3):
            raise ValueError("sigma must be 0 to 3")

    def seconds(self, normal: float) -> float:
        """The draw for one standard normal variate (one variate per draw keeps runs paired)."""
        return 60.0 * self.median * math.exp(self.sigma * normal)


@dataclass(frozen=True)
class Entry:
    """One assumption as the file states it."""

    name: str  # "section.key"
    value: Any
    unit: str
    applies: str
    source: str
    vary: tuple[float, ...] = ()
    sigma: float | None = None


@dataclass(frozen=True)
class Assumptions:
    radius_km: float = 200.0
    latitude_deg: tuple[float, float] = (15.0, 60.0)
    incidents_per_day: float = 8.0
    force_scale: float = 1.0
    readiness: Mapping[str, float] | None = None
    committed_fraction: float = 0.3
    point_threats: float = 12.0
    area_threats: float = 3.0
    owner_mix: Mapping[str, float] | None = None
    environment_mix: Mapping[str, float] | None = None
    enemy_side: float = 0.7
    persons: Mapping[str, tuple[int, int]] | None = None
    injured_fraction: float = 0.3
    report_delay_min: Draw = Draw(10, 0.8)
    locate_min: Draw = Draw(20, 0.6)
    planning_min: Draw = Draw(20, 0.4)
    cells: int = 2
    support_answer_min: Draw = Draw(20, 0.7)
    approval_min: Mapping[str, float] | None = None
    turnaround_min: float = 60.0
    replan_wait_min: float = 30.0
    give_up_h: float = 48.0
    negotiation_min: Draw = Draw(60, 1.0)
    refusal_probability: float = 0.3
    escalation_h: float = 6.0
    directive_min: float = 15.0

    def with_value(self, name: str, value: float) -> Assumptions:
        """A copy with one entry changed (a draw's median, for a drawn duration)."""
        if name not in {f.name for f in fields(self)}:
            raise ValueError(f"unknown assumption {name!r}")
        current = getattr(self, name)
        changes: dict[str, Any]
        if isinstance(current, Draw):
            changes = {name: Draw(float(value), current.sigma)}
            return replace(self, **changes)
        if isinstance(current, (dict, tuple)) or current is None:
            raise ValueError(f"assumption {name!r} is not a single number and cannot be varied")
        changes = {name: type(current)(value)}
        out = replace(self, **changes)
        check(out)
        return out

    def equal_arrangements(self) -> Assumptions:
        """No negotiation, no refusal, no directive to approve: the two arrangements the same."""
        return replace(self, negotiation_min=Draw(0.0, 0.0), refusal_probability=0.0, directive_min=0.0)


def _mix(value: Any, keys: tuple[str, ...], name: str) -> dict[str, float]:
    if not isinstance(value, Mapping) or set(value) != set(keys):
        raise ValueError(f"{name} must give a fraction for each of {', '.join(keys)}")
    out = {k: float(value[k]) for k in keys}
    if any(not (0 <= v <= 1) for v in out.values()) or abs(sum(out.values()) - 1) > 1e-6:
        raise ValueError(f"{name}: fractions from 0 to 1 that add up to 1")
    return out


def check(a: Assumptions) -> None:
    """Refuse numbers the simulation cannot mean, naming the entry."""
    rules = {
        "radius_km": 20 <= a.radius_km <= 1000,
        "latitude_deg": -70 <= a.latitude_deg[0] <= a.latitude_deg[1] <= 70,
        "incidents_per_day": 0 < a.incidents_per_day <= 500,
        "force_scale": 0 < a.force_scale <= 10,
        "committed_fraction": 0 <= a.committed_fraction <= 1,
        "point_threats": 0 <= a.point_threats <= 100,
        "area_threats": 0 <= a.area_threats <= 100,
        "injured_fraction": 0 <= a.injured_fraction <= 1,
        "enemy_side": 0 <= a.enemy_side <= 1,
        "cells": 1 <= a.cells <= 50,
        "turnaround_min": 0 <= a.turnaround_min <= 24 * 60,
        "replan_wait_min": 1 <= a.replan_wait_min <= 24 * 60,
        "give_up_h": 1 <= a.give_up_h <= 14 * 24,
        "refusal_probability": 0 <= a.refusal_probability <= 1,
        "escalation_h": 0.1 <= a.escalation_h <= 14 * 24,
        "directive_min": 0 <= a.directive_min <= 24 * 60,
    }
    for name, ok in rules.items():
        if not ok:
            raise ValueError(f"assumption {name} is out of range: {getattr(a, name)}")


def parse(data: Any) -> tuple[Assumptions, list[Entry]]:
    """The assumptions file, as the simulation reads it and as the docs list it."""
    if not isinstance(data, Mapping):
        raise ValueError("the assumptions file must be a mapping of sections")
    entries: list[Entry] = []
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Assumptions)}
    for section in ("theater", "process", "component", "jprcc"):
        body = data.get(section)
        if not isinstance(body, Mapping):
            raise ValueError(f"section {section!r} is missing")
        for key, raw in body.items():
            name = f"{section}.{key}"
            if key not in known:
                raise ValueError(f"{name}: not an assumption the simulation reads")
            if not isinstance(raw, Mapping) or not {"value", "unit", "applies", "source"} <= set(raw):
                raise ValueError(f"{name}: give value, unit, applies and source")
            if raw["applies"] not in APPLIES:
                raise ValueError(f"{name}: applies must be one of {', '.join(APPLIES)}")
            vary = tuple(float(v) for v in raw.get("vary", ()))
            sigma = None if raw.get("sigma") is None else float(raw["sigma"])
            entries.append(
                Entry(name, raw["value"], str(raw["unit"]), raw["applies"], str(raw["source"]), vary, sigma)
            )
            values[key] = _typed(key, raw["value"], sigma)
    missing = known - set(values)
    if missing:
        raise ValueError(f"assumptions missing: {', '.join(sorted(missing))}")
    out = Assumptions(**values)
    check(out)
    for e in entries:  # each varied value must itself be acceptable
        key = e.name.split(".", 1)[1]
        for v in e.vary:
            out.with_value(key, v)
    return out, entries


def _typed(key: str, value: Any, sigma: float | None) -> Any:
    default = getattr(Assumptions(), key)
    if isinstance(default, Draw):
        return Draw(float(value), sigma or 0.0)
    if key == "readiness":
        return _mix(value, READINESS, key)
    if key == "owner_mix":
        return _mix(value, OWNERS, key)
    if key == "environment_mix":
        return _mix(value, ENVIRONMENTS, key)
    if key == "latitude_deg":
        low, high = (float(v) for v in value)
        return (low, high)
    if key == "persons":
        if not isinstance(value, Mapping) or set(value) != set(OWNERS):
            raise ValueError(f"persons must give a range for each of {', '.join(OWNERS)}")
        out = {k: (int(v[0]), int(v[1])) for k, v in value.items()}
        if any(not 1 <= lo <= hi <= 20 for lo, hi in out.values()):
            raise ValueError("persons: ranges from 1 to 20")
        return out
    if key == "approval_min":
        if not isinstance(value, Mapping) or set(value) != set(APPROVALS):
            raise ValueError(f"approval_min must give minutes for each of {', '.join(APPROVALS)}")
        return {k: float(value[k]) for k in APPROVALS}
    if key == "cells":
        return int(value)
    return float(value)
