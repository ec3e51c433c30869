"""How the records' events change an incident: a matching answer authenticates the person."""

from __future__ import annotations

from jprcc.brokering.evolution import Applier, applies
from jprcc.brokering.incident import (
    Incident,
)
from jprcc.core import events as ev
from jprcc.records.events import AuthenticationAttempted, AuthenticationRefused

# --- records appliers

RECORD_APPLIERS: dict[type[ev.Event], Applier] = {}


@applies(AuthenticationRefused, RECORD_APPLIERS)
def _refused(incident: Incident, e: AuthenticationRefused) -> None:
    """Kept for the audit chain and the timeline; it changes nothing."""


@applies(AuthenticationAttempted, RECORD_APPLIERS)
def _authentication(incident: Incident, e: AuthenticationAttempted) -> None:
    """A matching answer authenticates the person; the answer itself is nowhere in the event."""
    if e.matched:
        person = incident.persons[e.person_id]
        person.authenticated_by, person.authenticated_at = e.asked_by, e.at
