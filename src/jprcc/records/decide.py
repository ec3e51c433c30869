"""Authenticating an isolated person, decided like every other incident command.

A recovery force asks "does this answer match statement N of person P?"; the answer is compared
outside the write transaction (``jprcc.records.service.Authenticator``), and only the outcome
reaches the incident as ``RecordAuthentication`` — decided here, on the incident and on the
record's counters (``AuthenticationView``), through the same common checks as every incident
command (the incident exists, is open, is at the version the asker saw). A question refused
before any comparison (the record locked, the asker too fast) is itself kept
(``RecordRefusedAuthentication``), so the audit chain shows every try.
"""

from __future__ import annotations

from dataclasses import dataclass

from jprcc.brokering.flow import Decisions
from jprcc.brokering.incident import Incident
from jprcc.core import events as ev
from jprcc.core.errors import Locked, NotFound, RateLimited, RuleViolation
from jprcc.core.model import Context
from jprcc.records import commands as cmd
from jprcc.records import model as isoprep
from jprcc.records.events import AuthenticationAttempted, AuthenticationRefused

decides = Decisions()


@dataclass(frozen=True)
class AuthenticationView:
    """What an authentication is decided against: the record's counters, never its secrets.

    ``failures_on_item``: failed answers in a row on the item asked (a statement or the number);
    ``recent``: the asker's tries on this record in the last minute."""

    person_ref: str
    name: str
    statements: int
    has_number: bool
    failures: int
    failures_on_item: int
    locked: bool
    recent: int
    rate_per_minute: int
    max_failures: int


def person_ref_of(incident: Incident, person_id: str) -> str:
    person = incident.persons.get(person_id)
    if person is None:
        raise NotFound(f"incident {incident.incident_id} has no person {person_id}", field="person_id")
    if not person.person_ref:
        raise RuleViolation(f"{person.name} is not linked to an ISOPREP (person_ref)", field="person_id")
    return person.person_ref


def check_attempt(statement: int | None, view: AuthenticationView) -> None:
    """The checks before an answer is compared, and again when its outcome is recorded."""
    if view.locked:
        raise Locked(
            f"the record of {view.name} is locked after {view.failures} failed answers: "
            "the JPRCC director must unlock it",
            field="person_id",
        )
    if view.recent >= view.rate_per_minute:
        raise RateLimited(f"at most {view.rate_per_minute} answers a minute per record: wait", field="answer")
    if statement is None:
        if not view.has_number:
            raise RuleViolation("this ISOPREP has no authentication number", field="statement")
    else:
        isoprep.require_statement(statement)
        if statement > view.statements:
            raise RuleViolation(f"this ISOPREP has no statement {statement}", field="statement")


@decides(cmd.RecordAuthentication, action="record an authentication")
def record_authentication(
    c: cmd.RecordAuthentication, inc: Incident, view: AuthenticationView, ctx: Context
) -> list[ev.Event]:
    check_attempt(c.statement, view)
    locks = not c.matched and isoprep.is_locked(view.failures_on_item + 1, view.max_failures)
    return [
        AuthenticationAttempted(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_id=c.person_id,
            person_ref=view.person_ref,
            statement=c.statement,
            matched=c.matched,
            asked_by=ctx.actor.username,
            locked=locks,
        )
    ]


@decides(cmd.RecordRefusedAuthentication, action="record a refused authentication")
def record_refusal(
    c: cmd.RecordRefusedAuthentication, inc: Incident, view: AuthenticationView, ctx: Context
) -> list[ev.Event]:
    return [
        AuthenticationRefused(
            at=ctx.now,
            incident_id=inc.incident_id,
            person_id=c.person_id,
            person_ref=view.person_ref,
            statement=c.statement,
            reason=c.reason,
            asked_by=ctx.actor.username,
        )
    ]
