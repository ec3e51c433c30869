"""A user's inbox: what waits for them now, over the ``turns`` read model and the check-in clock.

The parties a user answers for follow from the role: a component's PRCC officer answers for that
component, the JFC for the JFC, the JPRCC director and controllers for the JPRCC. An overdue
check-in is put in the inbox of the JPRCC and of the owning and supported components' PRCCs: it is
time that makes it due, not an event, so it is read from the board's clock columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import or_, select

from jprcc.api.views import PositionOut
from jprcc.brokering import turns as whose_turn
from jprcc.core.authorization import STAFF
from jprcc.core.clock import Clock
from jprcc.core.contract import Action, Call
from jprcc.core.model import Actor, Position, Role
from jprcc.core.store.codec import utc
from jprcc.core.store.database import Database
from jprcc.core.store.tables import incidents, turns

#: an inbox lists at most this many overdue incidents (the board lists them all)
OVERDUE_LIMIT = 50


def parties(actor: Actor) -> list[str]:
    """The parties whose turns ``actor`` answers."""
    if actor.role is Role.PRCC_OFFICER and actor.component_id:
        return [whose_turn.component(actor.component_id)]
    if actor.role is Role.JFC:
        return [whose_turn.JFC]
    if actor.role in STAFF:
        return [whose_turn.JPRCC]
    return []


class InboxItem(BaseModel):
    """One thing waiting for the reader: on which incident, what is asked, by when, and the
    page's action that answers it."""

    incident_id: str = Field(description="The incident's speakable id, e.g. PR-0042.")
    title: str
    stage: str
    priority: int
    position: PositionOut
    kind: str
    action: str
    asks: str
    since: datetime
    due_at: datetime | None
    urgent: bool


class InboxOut(BaseModel):
    items: list[InboxItem]
    urgent: int = Field(description="How many items hold up a recovery (the header's count).")
    parties: list[str] = Field(
        default=[], description="Whose turns the reader answers for (a frame's ``waiting_on`` names them)."
    )


@dataclass
class Inbox:
    database: Database
    clock: Clock

    def of(self, actor: Actor) -> InboxOut:
        now = self.clock()
        mine = parties(actor)
        items = self._turns(mine) + self._overdue(actor, now)
        items.sort(key=lambda i: (not i.urgent, i.due_at or datetime.max.replace(tzinfo=now.tzinfo), i.since))
        return InboxOut(items=items, urgent=sum(i.urgent for i in items), parties=mine)

    def waiting_on(self, incident_ids: Iterable[str]) -> dict[str, list[str]]:
        """The parties each incident waits on now (for the live feed's frames)."""
        found: dict[str, list[str]] = {}
        query = select(turns.c.incident_id, turns.c.party).where(
            turns.c.incident_id.in_(sorted(set(incident_ids)))
        )
        with self.database.read() as conn:
            for r in conn.execute(query):
                found.setdefault(r.incident_id, []).append(r.party)
        return found

    def _turns(self, mine: list[str]) -> list[InboxItem]:
        if not mine:
            return []
        t, i = turns.c, incidents.c
        query = (
            select(t.kind, t.action, t.asks, t.since, t.due_at, t.urgent, *_incident_columns())
            .join(incidents, i.incident_id == t.incident_id)
            .where(t.party.in_(mine), i.is_open.is_(True))
        )
        with self.database.read() as conn:
            return [
                _item(r, r.kind, r.action, r.asks, utc(r.since), r.due_at, r.urgent)
                for r in conn.execute(query)
            ]

    def _overdue(self, actor: Actor, now: datetime) -> list[InboxItem]:
        """Check-ins overdue: for the JPRCC, and for the owning and supported components' PRCCs."""
        i = incidents.c
        query = select(i.overdue_at, *_incident_columns()).where(i.is_open.is_(True), i.overdue_at <= now)
        if actor.role is Role.PRCC_OFFICER:
            query = query.where(
                or_(i.owning_component == actor.component_id, i.supported_component == actor.component_id)
            )
        elif actor.role not in STAFF:
            return []
        query = query.order_by(i.overdue_at).limit(OVERDUE_LIMIT)
        with self.database.read() as conn:
            rows = list(conn.execute(query))
        return [
            _item(
                r,
                "overdue",
                "check_in",
                f"Check-in overdue since {utc(r.overdue_at):%d %H%MZ}: raise them",
                utc(r.overdue_at),
                r.overdue_at,
                True,
            )
            for r in rows
        ]


def _incident_columns() -> tuple[Any, ...]:
    i = incidents.c
    return (i.incident_id, i.title, i.stage, i.priority, i.lat, i.lon)


def _item(r: Any, kind: str, action: str, asks: str, since: datetime, due: Any, urgent: bool) -> InboxItem:
    return InboxItem(
        incident_id=r.incident_id,
        title=r.title,
        stage=r.stage,
        priority=r.priority,
        position=PositionOut.of(Position(r.lat, r.lon)),
        kind=kind,
        action=action,
        asks=asks,
        since=since,
        due_at=utc(due) if due is not None else None,
        urgent=urgent,
    )


def _inbox(call: Call) -> InboxOut:
    inbox: Inbox = call.node.service(Inbox)
    return inbox.of(call.actor)


def build(node: Any) -> Inbox:
    return Inbox(node.database, node.clock)


ACTIONS = (
    Action(
        "incidents.inbox",
        "GET",
        "/api/inbox",
        "What waits for you now: polls to answer, nominations to approve, tasks to accept, "
        "recoveries to begin, answers in, overdue check-ins",
        _inbox,
        response=InboxOut,
        tags=("incidents",),
    ),
)
