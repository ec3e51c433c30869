"""Messages: the kinds a JPRCC sends, the data each kind's template may use, and the text as sent
(marked first and last, wrapped to the line length). The check of a template is ``templates``.

The schema is a tree: a ``dict`` is a record with those fields, a one-element ``list`` a list of
that, a string a leaf (``text``, ``number``, ``bool``). ``OPTIONAL`` marks a record that may be
absent (``{% if poll %}`` before using it).
"""

from __future__ import annotations

import enum
import textwrap
from datetime import datetime, timedelta
from typing import Any


class MessageKind(enum.StrEnum):
    INITIAL_REPORT = "initial_report"
    SITREP = "sitrep"
    THEATER_SITREP = "theater_sitrep"
    CAPABILITY_POLL = "capability_poll"
    SUPPORT_DIRECTIVE = "support_directive"
    DAILY_SUMMARY = "daily_summary"
    SPINS_PR = "spins_pr"
    REINTEGRATION_STATUS = "reintegration_status"
    AFTER_ACTION = "after_action"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def per_incident(self) -> bool:
        return self in PER_INCIDENT


LABELS = {
    MessageKind.INITIAL_REPORT: "Initial report of an isolating event",
    MessageKind.SITREP: "PR situation report (one incident)",
    MessageKind.THEATER_SITREP: "PR situation report (theater-wide)",
    MessageKind.CAPABILITY_POLL: "Capability poll",
    MessageKind.SUPPORT_DIRECTIVE: "Support directive",
    MessageKind.DAILY_SUMMARY: "Daily PR summary for the JFC",
    MessageKind.SPINS_PR: "PR section of the special instructions (SPINS)",
    MessageKind.REINTEGRATION_STATUS: "Reintegration status",
    MessageKind.AFTER_ACTION: "After-action report",
}
PER_INCIDENT = frozenset(
    {
        MessageKind.INITIAL_REPORT,
        MessageKind.SITREP,
        MessageKind.CAPABILITY_POLL,
        MessageKind.SUPPORT_DIRECTIVE,
    }
)

OPTIONAL = "?"  # a record's key: the record may be absent
TEXT, NUMBER, BOOL = "text", "number", "bool"
MAX_TEMPLATE = 100_000

POSITION = {"mgrs": TEXT, "lat": NUMBER, "lon": NUMBER}
PERSON = {
    "name": TEXT,
    "service": TEXT,
    "component": TEXT,
    "unit": TEXT,
    "condition": TEXT,
    "duty_status": TEXT,
    "authenticated": BOOL,
}
LIGHT = {"now": TEXT, "dark_minutes_left": NUMBER, "next_first_light": TEXT, "next_last_light": TEXT}
INCIDENT = {
    "id": TEXT,
    "title": TEXT,
    "stage": TEXT,
    "priority": NUMBER,
    "owning_component": TEXT,
    "owning_component_name": TEXT,
    "environment": TEXT,
    "summary": TEXT,
    "isolated_at": TEXT,
    "reported_at": TEXT,
    "reported_by": TEXT,
    "channel": TEXT,
    "source_confidence": TEXT,
    "position": POSITION,
    "uncertainty_m": NUMBER,
    "authenticated": BOOL,
    "persons": [PERSON],
    "persons_out": NUMBER,
    "detaining_party": TEXT,
    "tasks": [{"task": TEXT, "status": TEXT}],
    "narrative": [{"at": TEXT, "by": TEXT, "text": TEXT}],
    "light": LIGHT,
}
SEARCH = {
    OPTIONAL: True,
    "at": TEXT,
    "movement": TEXT,
    "centre": POSITION,
    "radius_50_m": NUMBER,
    "radius_90_m": NUMBER,
    "searches": NUMBER,
    "probability_of_success_so_far": NUMBER,
    "plan": {OPTIONAL: True, "id": TEXT, "at": TEXT, "probability_of_success": NUMBER, "assets": [TEXT]},
}
POLL = {
    OPTIONAL: True,
    "id": TEXT,
    "components": [TEXT],
    "capabilities": [TEXT],
    "opened_at": TEXT,
    "respond_by": TEXT,
    "answers": [
        {
            "component": TEXT,
            "answered_by": TEXT,
            "answered_at": TEXT,
            "cannot": TEXT,
            "offers": [
                {"asset": TEXT, "callsign": TEXT, "capability": TEXT, "available_at": TEXT, "released": BOOL}
            ],
        }
    ],
    "unanswered": [TEXT],
}
ASSET = {"id": TEXT, "callsign": TEXT, "type": TEXT}
DIRECTIVE = {
    OPTIONAL: True,
    "id": TEXT,
    "status": TEXT,
    "supported_component": TEXT,
    "support_kind": TEXT,
    "priority": NUMBER,
    "window_start": TEXT,
    "window_end": TEXT,
    "desired_effects": TEXT,
    "tacon_statement": TEXT,
    "approved_by": TEXT,
    "approved_at": TEXT,
    "contributions": [{"component": TEXT, "assets": [ASSET], "task": TEXT, "status": TEXT}],
}
SUMMARY = {
    "id": TEXT,
    "title": TEXT,
    "stage": TEXT,
    "priority": NUMBER,
    "owning_component": TEXT,
    "isolated_at": TEXT,
    "position": POSITION,
    "persons": NUMBER,
    "persons_out": NUMBER,
    "latest": TEXT,
}
COMMON = {"marking": TEXT, "dtg": TEXT, "originator": TEXT, "title": TEXT}
POINT = {"id": TEXT, "name": TEXT, "kind": TEXT, "mgrs": TEXT, "component": TEXT, "remarks": TEXT}
FORCE = {
    "callsign": TEXT,
    "type": TEXT,
    "component": TEXT,
    "base": TEXT,
    "readiness": TEXT,
    "capabilities": [TEXT],
}
ROW = {
    "number": NUMBER,
    "when": TEXT,
    "recommend": TEXT,
    "approval": TEXT,
    "wait_for_darkness": BOOL,
    "why": TEXT,
}
JOURNEY = {
    "person": TEXT,
    "incident": TEXT,
    "component": TEXT,
    "duty_status": TEXT,
    "stage": TEXT,
    "location": TEXT,
    "custodian": TEXT,
    "next_decision": TEXT,
    "next_due": TEXT,
    "ended": BOOL,
}
FIGURES = {
    "id": TEXT,
    "title": TEXT,
    "owning_component": TEXT,
    "isolated_at": TEXT,
    "minutes": {
        "reported": TEXT,
        "located": TEXT,
        "authenticated": TEXT,
        "directive": TEXT,
        "recovered": TEXT,
        "phase_one": TEXT,
    },
    "steps": [{"name": TEXT, "minutes": NUMBER}],
    "dark_minutes_lost": NUMBER,
    "components": [TEXT],
    "relationships": [TEXT],
}

SCHEMAS: dict[MessageKind, dict[str, Any]] = {
    MessageKind.INITIAL_REPORT: {**COMMON, "incident": INCIDENT},
    MessageKind.SITREP: {
        **COMMON,
        "incident": INCIDENT,
        "poll": POLL,
        "directive": DIRECTIVE,
        "search": SEARCH,
    },
    MessageKind.CAPABILITY_POLL: {**COMMON, "incident": INCIDENT, "poll": POLL},
    MessageKind.SUPPORT_DIRECTIVE: {**COMMON, "incident": INCIDENT, "directive": DIRECTIVE},
    MessageKind.THEATER_SITREP: {
        **COMMON,
        "incidents": [SUMMARY],
        "counts": {"open": NUMBER, "persons_out": NUMBER, "by_stage": [{"stage": TEXT, "count": NUMBER}]},
    },
    MessageKind.DAILY_SUMMARY: {
        **COMMON,
        "period": {"start": TEXT, "end": TEXT},
        "reported": [SUMMARY],
        "recovered": [SUMMARY],
        "closed": [SUMMARY],
        "open": [SUMMARY],
        "events": [{"at": TEXT, "incident": TEXT, "text": TEXT}],
    },
    MessageKind.SPINS_PR: {
        **COMMON,
        "components": [{"id": TEXT, "name": TEXT, "prcc": TEXT}],
        "recovery_points": [POINT],
        "medical_facilities": [POINT],
        "recovery_forces": [FORCE],
        "matrix": {"version": NUMBER, "rows": [ROW]},
        "check_in_minutes": NUMBER,
    },
    MessageKind.REINTEGRATION_STATUS: {
        **COMMON,
        "persons": [JOURNEY],
        "counts": {"active": NUMBER, "ended": NUMBER},
    },
    MessageKind.AFTER_ACTION: {**COMMON, "as_of": TEXT, "events_read": NUMBER, "incidents": [FIGURES]},
}

# --- the text as sent ------------------------------------------------------------------------


def wrap(text: str, width: int) -> str:
    """Every line at most ``width`` characters, broken between words; a continuation keeps the
    line's indentation. Blank lines and short lines are kept as they are."""
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line.rstrip())
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out += textwrap.wrap(
            line.strip(),
            width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=True,
            break_on_hyphens=False,
        )
    return "\n".join(out).rstrip() + "\n"


def framed(body: str, marking: str, width: int) -> str:
    """The message as sent: its marking first and last, every line within ``width``."""
    banner = marking.center(width).rstrip() if len(marking) < width else marking
    return wrap(f"{banner}\n\n{body.strip()}\n\n{banner}\n", width)


def last_due(first_at: datetime, every_s: int, now: datetime) -> datetime | None:
    """The latest time a schedule starting ``first_at`` and repeating every ``every_s`` seconds
    fell due at or before ``now`` (None: not yet)."""
    if now < first_at:
        return None
    return first_at + timedelta(seconds=int((now - first_at).total_seconds() // every_s) * every_s)
