"""Who may touch an isolated person's record.

=========================== ===========================================================
command                     who may issue it
=========================== ===========================================================
RecordIsoprep, FileEpa      JPRCC director and controllers; the person's component's PRCC
                            (moving a record to another component: the JPRCC only)
ImportRecords               JPRCC director and controllers; system
VerifyAuthentication,       the recovery force: JPRCC director and controllers; PRCC and
RecordAuthentication        liaison officers of the person's own component, or of a component
                            the JFC-approved directive of the incident names
OpenRecord                  summary: JPRCC staff, the JFC, the person's component's
                            representatives; description, photos, statements, EPA: the
                            recovery force, only through an active incident of the person;
                            export: the JPRCC director or the person's PRCC
UnlockRecord, RotateVaultKey the JPRCC director (rotation: also the system)
=========================== ===========================================================
"""

from __future__ import annotations

from typing import Any

from jprcc.brokering.incident import DirectiveStatus
from jprcc.core.authorization import STAFF, component_rep, prcc
from jprcc.core.contract import Subject
from jprcc.core.model import Actor, Role
from jprcc.records import commands as cmd

R = Role


def record_keeper(a: Actor, c: Any, s: Subject) -> bool:
    """JPRCC staff, or the PRCC of the record's component; moving a record to another component
    (``s.component`` is where it is, the command says where it goes) is the JPRCC's alone."""
    if a.role in STAFF or a.role is R.SYSTEM:
        return True
    target = getattr(c, "component_id", None) or s.component
    return prcc(a, s.component) and prcc(a, target)


def recovery_force(a: Actor, c: Any, s: Subject) -> bool:
    """JPRCC staff; a representative of the person's own component (``s.component``: the
    component the record belongs to); or of a component the JFC-approved directive of the incident
    names. Merely reporting an incident that names a person gives nobody else access to that
    person's record."""
    if a.role in STAFF:
        return True
    if component_rep(a, s.component):
        return True
    i = s.state
    if i is None or i.directive is None or i.directive.status is not DirectiveStatus.IN_FORCE:
        return False
    forces = {i.directive.supported_component, *(x.component_id for x in i.directive.contributions)}
    return component_rep(a, *forces)


def open_record(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.OpenRecord)
    if c.part == "summary":
        return a.role in STAFF or a.role is R.JFC or component_rep(a, s.component)
    if c.part == "export":
        return a.role is R.JPRCC_DIRECTOR or prcc(a, s.component)
    return s.state is not None and recovery_force(a, c, s)
