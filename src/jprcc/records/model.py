"""Isolated-personnel records: the ISOPREP and the evasion plan of action (EPA), and the rules
that keep them verifiable but never readable.

An ISOPREP (isolated personnel report) holds a person's identity, physical description, front
and side photos, four personal authentication statements and a four-digit authentication
number. Compiled, it is classified; leaked, it gets people killed. So:

- the statements' answers and the number exist only as salted slow hashes: a recovery force asks
  "does this answer match statement 2 of person P?" and gets yes or no;
- everything else but the index (name, service, unit, component) is sealed (encrypted) and is
  opened only for the roles that need it, while an incident for that person is active;
- failed verifications are counted; after ``max_failures`` in a row the record is locked until
  the JPRCC director unlocks it.

The authentication number: four digits 1-9, none repeated, no three in a row counting up or
down (1-2-3, 8-7-6). The ISOPREP is valid for a number of months after its review date (6 or
12 by theater), with a warning in the last 30 days.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from jprcc.core.errors import RuleViolation

STATEMENTS = 4
EXPIRY_WARNING = timedelta(days=30)


class Readiness(enum.StrEnum):
    """Where a person's ISOPREP stands."""

    VALID = "valid"
    EXPIRING = "expiring"  # valid, but within the last 30 days
    EXPIRED = "expired"
    INCOMPLETE = "incomplete"  # photos, statements or number missing


class RecordPart(enum.StrEnum):
    """What a read of a record opens, each audited on its own."""

    SUMMARY = "summary"  # the index and the validity: no sealed content
    DESCRIPTION = "description"  # identity details and physical description
    PHOTOS = "photos"
    STATEMENTS = "statements"  # the prompts a recovery force asks; never the answers
    EPA = "epa"
    EXPORT = "export"  # the whole sealed content, with classification markings


def check_authentication_number(number: str, field: str = "authentication_number") -> None:
    """The doctrine's rules for the four-digit number; the refusal names the rule broken."""
    if not re.fullmatch(r"[1-9]{4}", number):
        raise RuleViolation("four digits, 1 to 9 only (no 0)", field=field)
    if len(set(number)) != 4:
        raise RuleViolation("no digit may be repeated", field=field)
    digits = [int(d) for d in number]
    for a, b, c in zip(digits, digits[1:], digits[2:], strict=False):
        if b - a == c - b and abs(b - a) == 1:
            # the refusal never repeats the digits: an error message is not a place for the number
            raise RuleViolation("no more than two digits in sequence (like 1-2-3 or 8-7-6)", field=field)


def normalise_answer(answer: str) -> str:
    """How an answer is compared: case, accents' composition, and spacing do not matter."""
    folded = unicodedata.normalize("NFKC", answer).casefold()
    return " ".join(folded.split())


def valid_until(review_date: date, months: int) -> date:
    """The last day the ISOPREP is valid: ``months`` after its review date."""
    month = review_date.month - 1 + months
    year, month = review_date.year + month // 12, month % 12 + 1
    day = min(review_date.day, _days_in(year, month))
    return date(year, month, day)


def _days_in(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


@dataclass(frozen=True)
class RecordIndex:
    """What is kept in clear: who the record is of, and whether it is complete and current."""

    person_ref: str
    name: str
    service: str
    unit: str
    component_id: str
    review_date: date
    complete: bool
    failures: int = 0
    locked: bool = False
    validity_months: int = 12
    epa_missions: tuple[str, ...] = field(default_factory=tuple)

    def readiness(self, today: date) -> Readiness:
        if not self.complete:
            return Readiness.INCOMPLETE
        until = valid_until(self.review_date, self.validity_months)
        if today > until:
            return Readiness.EXPIRED
        if today > until - EXPIRY_WARNING:
            return Readiness.EXPIRING
        return Readiness.VALID


def require_statement(statement: int) -> None:
    if not 1 <= statement <= STATEMENTS:
        raise RuleViolation(f"statements are numbered 1 to {STATEMENTS}", field="statement")


def check_review_date(review: date, today: date) -> None:
    if review > today:
        raise RuleViolation("the review date is in the future", field="review_date")


def is_locked(failures: int, max_failures: int) -> bool:
    return failures >= max_failures


def attempts_in_window(times: list[datetime], now: datetime, window: timedelta) -> int:
    return sum(1 for t in times if now - t < window)
