"""Need-to-know on the event log: who may see which committed event (the live feed, the timeline).

JPRCC staff, the JFC and observers see the whole theater, but accounts only as their own (the
director sees all) and the isolated-personnel records' events only as JPRCC staff; a component's
officers see the theater and the events of the incidents that involve their component (and of the
journeys of those incidents' persons). The interagency case files go on the live feed to the JPRCC
and the JFC only; a component's officers read them through the case file's own need-to-know. A TAK
device's events go to a component's officers when the device is bound to their component's asset
or person; positions go on no feed (the page reads the devices' newest positions). Exercise
control's steering (the clock, the injects it adds) reaches exercise control and the director only:
the players must not see an inject coming.

An incident a component's officer may not see is one they may not even know exists: asked for
by id (a read, a command, an export), it is answered exactly as an id never used (``Withheld``:
404, ``unknown incident X``). The refusal is logged for the operators (``withheld``), never
written into the log: probing ids is visible on the server, not in the audit chain.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from jprcc.brokering import events as ev
from jprcc.core.accounts import events as accounts_ev
from jprcc.core.errors import Withheld
from jprcc.core.model import Actor, Role
from jprcc.core.ports import RecordedEvent
from jprcc.exercise.events import ExerciseEvent
from jprcc.journey.events import CasefileEvent, PersonEvent
from jprcc.records.events import RecordEvent, VaultKeyRotated
from jprcc.tak.events import DeviceEvent, TrackReported

log = logging.getLogger("jprcc.need_to_know")


def withheld(actor: Actor, refusal: Withheld, during: str) -> Withheld:
    """Log that ``actor`` was answered "unknown incident" for one it may not see (``during``: the
    read or the command), and return the refusal to raise."""
    log.warning(
        "incident withheld",
        extra={
            "actor": actor.username,
            "role": actor.role.value,
            "component": actor.component_id,
            "incident_id": refusal.incident_id,
            "during": during,
            "reason": refusal.reason,
        },
    )
    return refusal


def visible_to(
    actor: Actor, records: Sequence[RecordedEvent], involvement: Mapping[str, frozenset[str]]
) -> set[int]:
    """Need-to-know on the log: the whole theater for JPRCC staff, the JFC and observers (but
    accounts and records only as below); for a component's officers, the events of the incidents
    that involve their component (``involvement``: incident id → components) and the theater."""
    if actor.role.sees_whole_theater:
        return {r.seq for r in records if _theater_may_see(actor, r)}
    return {r.seq for r in records if _component_may_see(actor, r, involvement)}


def _theater_may_see(actor: Actor, r: RecordedEvent) -> bool:
    if isinstance(r.event, TrackReported):  # positions: the page reads the devices, not the feed
        return False
    if isinstance(r.event, accounts_ev.AccountEvent):
        return actor.role is Role.JPRCC_DIRECTOR or r.event.username == actor.username
    if isinstance(r.event, RecordEvent | VaultKeyRotated):  # who reads whose record: JPRCC staff only
        return actor.role in (Role.JPRCC_DIRECTOR, Role.JPRCC_CONTROLLER)
    if isinstance(r.event, CasefileEvent):  # interagency contacts: not to observers
        return actor.role is not Role.OBSERVER
    if isinstance(r.event, ExerciseEvent):  # the injects to come: exercise control's own
        return actor.role in (Role.OBSERVER, Role.JPRCC_DIRECTOR)
    return True


def _component_may_see(actor: Actor, r: RecordedEvent, involved: Mapping[str, frozenset[str]]) -> bool:
    e = r.event
    if isinstance(e, ev.IncidentEvent | PersonEvent):
        return actor.component_id in involved.get(e.incident_id, frozenset())
    if isinstance(e, CasefileEvent | TrackReported | ExerciseEvent):
        return False
    if isinstance(e, DeviceEvent):  # a device bound to the component's asset or person
        return e.component_id == actor.component_id
    if isinstance(e, accounts_ev.AccountEvent):
        return e.username == actor.username
    return not isinstance(e, RecordEvent | VaultKeyRotated)
