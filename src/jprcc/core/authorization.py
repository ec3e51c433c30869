"""The building blocks of authorization rules: who is JPRCC staff, who speaks for a component.

A rule is ``(actor, command, subject) -> bool`` (see ``jprcc.core.contract``); each capability
declares one per command, next to its handler, and the bus checks it before any work. Observers
read and never act; component-bound roles act only where their component is involved.
"""

from __future__ import annotations

from typing import Any

from jprcc.core.contract import Subject
from jprcc.core.model import Actor, Role

R = Role
STAFF = frozenset({R.JPRCC_DIRECTOR, R.JPRCC_CONTROLLER})


def prcc(actor: Actor, *components: str | None) -> bool:
    """The actor is the PRCC officer of one of ``components``."""
    return actor.role is R.PRCC_OFFICER and actor.component_id in components


def component_rep(actor: Actor, *components: str | None) -> bool:
    """The actor speaks for one of ``components`` (its PRCC officer or liaison officer)."""
    return actor.role in (R.PRCC_OFFICER, R.LIAISON_OFFICER) and actor.component_id in components


def staff_only(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF


def jfc_only(a: Actor, c: Any, s: Subject) -> bool:
    return a.role is R.JFC


def director_only(a: Actor, c: Any, s: Subject) -> bool:
    return a.role is R.JPRCC_DIRECTOR


def director_or_system(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in (R.JPRCC_DIRECTOR, R.SYSTEM)


def director_reads(actor: Actor) -> bool:
    """A read only the JPRCC director may make (the audit, the account list) — and the local
    administration that runs ``jprcc`` commands on this machine's own store."""
    return actor.role in (R.JPRCC_DIRECTOR, R.SYSTEM)


def staff_or_system(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or a.role is R.SYSTEM


def system_only(a: Actor, c: Any, s: Subject) -> bool:
    return a.role is R.SYSTEM


def staff_or_subject_prcc(a: Actor, c: Any, s: Subject) -> bool:
    """JPRCC staff, the system, or the PRCC of the component that owns the subject."""
    return a.role in STAFF or a.role is R.SYSTEM or prcc(a, s.component)


def anyone(a: Actor, c: Any, s: Subject) -> bool:
    return True


def oneself(a: Actor, c: Any, s: Subject) -> bool:
    return a.username == getattr(c, "username", None)
