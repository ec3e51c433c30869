"""Who may issue each incident command: the owning, supported and polled components' officers,
the JPRCC and the JFC, as doctrine gives them.

=========================== ===========================================================
command                     who may issue it
=========================== ===========================================================
ReportIncident              JPRCC director and controllers; the owning component's PRCC
                            officer or liaison officer
DeclareOrganicRecovery      the owning component's PRCC officer only
RequestAssistance           the owning component's PRCC officer; the JPRCC director or a
                            controller only to record that the component cannot recover
OpenCapabilityPoll,         JPRCC director and controllers
NominateSupport, Replan,
SetCheckInInterval
Approve/RejectNomination,   the JFC only
Approve/RejectTacon...
Accept/DeclineSupportTask   the PRCC officer of the component that holds the task
AnswerCapabilityPoll        the PRCC officer of the polled component
Begin/AbortRecovery         the supported component's PRCC officer
RecordRecovery              JPRCC director and controllers; owning or supported PRCC officer
casework (tasks, detained,  JPRCC director and controllers; the owning component's PRCC
release, hand-off)          officer (tasks: also the supported component's)
ChangeDutyStatus            isolated or evading: as casework; missing, DUSTWUN or deceased
                            (casualty statuses): the JPRCC director or the PRCC officer of
                            the person's own component; remains identified: the director only
OrderDeliberateRecovery     the JFC only (a raid on detained persons, beside the negotiation)
CheckIn, UpdatePosition     JPRCC director and controllers; PRCC officers and liaison
                            officers of the owning or supported component
AddNarrativeEntry           anyone but observers; component roles only on incidents that
                            involve their component
RequestTaconTransfer        JPRCC director and controllers; PRCC officer of either side
CloseIncident               JPRCC director only
alerts from the clock       the system only
=========================== ===========================================================

Component-bound roles act only on incidents that already involve their component: the subject
of every incident command carries the components involved, and the bus checks that first.
"""

from __future__ import annotations

from typing import Any

from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Incident
from jprcc.core.authorization import STAFF, component_rep, prcc
from jprcc.core.contract import Subject
from jprcc.core.model import Actor, DutyStatus, Role

R = Role


def supported(incident: Incident | None) -> str | None:
    """The supported component of the directive in force: a nominee is not supported until approved."""
    directive = incident.directive if incident else None
    return directive.supported_component if directive is not None else None


def owner(incident: Incident | None) -> str | None:
    return incident.owning_component if incident else None


def owner_prcc(a: Actor, c: Any, s: Subject) -> bool:
    return prcc(a, owner(s.state))


def staff_or_owner_prcc(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or prcc(a, owner(s.state))


def staff_or_owner_or_supported_prcc(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or prcc(a, owner(s.state), supported(s.state))


#: casualty statuses: decided for the person by their own component, or by the JPRCC director
CASUALTY_STATUSES = frozenset({DutyStatus.MISSING, DutyStatus.DUSTWUN, DutyStatus.DECEASED})


def duty_status(a: Actor, c: Any, s: Subject) -> bool:
    """Who may make a duty-status change: casualty statuses belong to the person's component (or
    the JPRCC director); remains are declared identified by the director only."""
    assert isinstance(c, cmd.ChangeDutyStatus)
    incident: Incident | None = s.state
    person = incident.persons.get(c.person_id) if incident else None
    if c.remains_identified:
        return a.role is R.JPRCC_DIRECTOR
    if c.status in CASUALTY_STATUSES:
        return a.role is R.JPRCC_DIRECTOR or prcc(a, person.component_id if person else None)
    return staff_or_owner_prcc(a, c, s)


def supported_prcc(a: Actor, c: Any, s: Subject) -> bool:
    return prcc(a, supported(s.state))


def staff_or_reps_of_owner_or_supported(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in STAFF or component_rep(a, owner(s.state), supported(s.state))


def report(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.ReportIncident)
    return a.role in STAFF or component_rep(a, c.owning_component)


def request_assistance(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.RequestAssistance)
    return prcc(a, owner(s.state)) or (a.role in STAFF and c.cannot_recover)


def named_component_prcc(a: Actor, c: Any, s: Subject) -> bool:
    return prcc(a, getattr(c, "component_id", None))


def narrative(a: Actor, c: Any, s: Subject) -> bool:
    if a.role in (R.OBSERVER, R.SYSTEM):
        return False
    if a.role.component_bound:
        return s.state is not None and a.component_id in s.state.involved_components()
    return True


def tacon_request(a: Actor, c: Any, s: Subject) -> bool:
    assert isinstance(c, cmd.RequestTaconTransfer)
    return a.role in STAFF or prcc(a, c.from_component, c.to_component)
