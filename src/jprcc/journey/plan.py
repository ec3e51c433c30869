"""The theater's reintegration plan, read from YAML (the shipped one, or the director's)."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jprcc.core.errors import RuleViolation
from jprcc.journey.model import Phase, ReintegrationPlan


def parse(data: Any) -> ReintegrationPlan:
    """A plan from its plain-data form; every refusal names its place."""
    if not isinstance(data, dict):
        raise RuleViolation("a reintegration plan is a mapping", field="plan")
    hours = data.get("phase_two_minimum_h", 72)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 24 * 30:
        raise RuleViolation("phase_two_minimum_h is a number of hours, 0 to 720", field="phase_two_minimum_h")
    lists = data.get("checklists", {})
    if not isinstance(lists, dict) or set(map(str, lists)) - {p.value for p in Phase}:
        raise RuleViolation("checklists has one list per phase: I, II, III", field="checklists")
    checklists: dict[Phase, tuple[str, ...]] = {}
    for phase in Phase:
        items = lists.get(phase.value, [])
        if not isinstance(items, list) or not all(
            isinstance(i, str) and 0 < len(i.strip()) <= 200 for i in items
        ):
            raise RuleViolation(
                "each item is a line of text (at most 200 characters)", field=f"checklists.{phase.value}"
            )
        if len(set(items)) != len(items):
            raise RuleViolation("an item is listed twice", field=f"checklists.{phase.value}")
        checklists[phase] = tuple(i.strip() for i in items)
    return ReintegrationPlan(checklists, timedelta(hours=float(hours)))


def load(path: Path | None, minimum_h: float | None = None) -> ReintegrationPlan:
    if path is None:
        text = (resources.files("jprcc") / "data" / "reintegration_plan.yaml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    plan = parse(yaml.safe_load(text))
    if minimum_h is not None:
        plan = ReintegrationPlan(plan.checklists, timedelta(hours=minimum_h))
    return plan
