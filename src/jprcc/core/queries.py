"""Reads: query functions over the read models (and, for history, the log).

Need-to-know is applied here: component-bound roles (PRCC and liaison officers) see only
incidents that involve their component, and only the events of those incidents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from jprcc.brokering import events as ev
from jprcc.brokering.incident import Incident, NarrativeEntry, Stage
from jprcc.core.accounts.sessions import read_session
from jprcc.core.board import BOARD_LIMIT, board_conditions, board_order, board_row
from jprcc.core.board import Board as Board  # the board's types, where callers have always found them
from jprcc.core.board import BoardFilter as BoardFilter
from jprcc.core.board import BoardRow as BoardRow
from jprcc.core.board import involves as _involves
from jprcc.core.clock import Clock
from jprcc.core.contract import Registry
from jprcc.core.errors import NotFound, Withheld
from jprcc.core.model import Actor, ComponentKind, Role
from jprcc.core.narrative import NARRATIVE_SHOWN, NEWEST, LatestPages, read_page
from jprcc.core.need_to_know import visible_to, withheld
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.codec import decode_incident, utc
from jprcc.core.store.database import Database
from jprcc.core.store.event_log import EventLog
from jprcc.core.store.tables import (
    assets,
    components,
    credentials,
    events,
    incident_documents,
    incident_involvement,
    incidents,
    operations,
    recovery_points,
    relationships,
    users,
)
from jprcc.core.store.uow import asset_from_row, recovery_point_from_row, relationship_from_row
from jprcc.core.theater.model import Asset, Component, Operation, RecoveryPoint
from jprcc.core.values import CommandRelationship


@dataclass(frozen=True)
class MapIncident:
    incident_id: str
    title: str
    stage: Stage
    owning_component: str
    priority: int
    lat: float
    lon: float
    uncertainty_m: float
    persons_count: int
    duty_statuses: tuple[str, ...]
    overdue: bool


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    actor: str
    event_type: str
    summary: str
    stream_id: str


@dataclass(frozen=True)
class Alert:
    kind: str  # overdue | dustwun
    incident_id: str
    title: str
    due_at: datetime
    detail: str


@dataclass(frozen=True)
class AssetStatus:
    asset: Asset
    tasked_incident_id: str | None
    tasked_until: datetime | None = None  # the end of the window of the directive it serves


@dataclass(frozen=True)
class ComponentStatus:
    component: Component
    assets_by_readiness: dict[str, int]
    assets_committed: int
    assets_tasked: int
    incidents_owned: list[str]
    incidents_supported: list[str]
    incidents_supporting: list[str]


@dataclass(frozen=True)
class UserRow:
    username: str
    role: Role
    component_id: str | None
    full_name: str
    active: bool
    created_at: datetime
    failed_logins: int = 0
    locked_at: datetime | None = None


def _user_row(r: Any) -> UserRow:
    return UserRow(
        r.username,
        Role(r.role),
        r.component_id,
        r.full_name,
        r.active,
        utc(r.created_at),
        r.failed_logins,
        utc(r.locked_at) if r.locked_at is not None else None,
    )


@dataclass(frozen=True)
class Credentials:
    actor: Actor
    password_hash: str
    locked: bool  # after repeated wrong passwords: every password is refused until it is lifted


@dataclass
class Queries:
    database: Database
    clock: Clock
    registry: Registry
    pages: LatestPages = field(default_factory=LatestPages)  # each incident's latest narrative

    def log(self, conn: Any) -> EventLog:
        """The event log, read through ``conn``."""
        return EventLog(conn, "", self.registry.event_types)

    # --- authentication ------------------------------------------------------------------

    def actor_for_token(self, token: str) -> Actor:
        """The session's actor, read from the store (``AuthenticationFailed`` if not valid now)."""
        return read_session(self.database, self.clock, token)[0]

    def credentials(self, username: str) -> Credentials | None:
        """An active account's actor, password hash and lock, for entry points that log in."""
        with self.database.read() as conn:
            row = conn.execute(
                select(
                    users.c.username,
                    users.c.role,
                    users.c.component_id,
                    users.c.locked_at,
                    credentials.c.password_hash,
                )
                .join(credentials, credentials.c.username == users.c.username)
                .where(users.c.username == username, users.c.active.is_(True))
            ).first()
        if row is None:
            return None
        actor = Actor(row.username, Role(row.role), row.component_id)
        return Credentials(actor, row.password_hash, row.locked_at is not None)

    # --- incidents -----------------------------------------------------------------------

    def _visible(self, query: Select[Any], actor: Actor) -> Select[Any]:
        if actor.role.sees_whole_theater:
            return query
        return query.where(_involves(actor.component_id))

    def board(self, actor: Actor, f: BoardFilter) -> Board:
        """One page of the board, in ``f.sort`` order, with its counts.

        ``mine`` narrows to what concerns the reader's desk. For the JPRCC: the incidents that
        wait on it (a poll to open, answers in, a declined task, a disputed record: the
        ``turns`` read model, as the inbox) and every overdue one (the JPRCC raises the missing
        check-in). For the JFC: those waiting on the JFC (a nomination, a TACON request, a record
        to confirm). For a component's officers: the incidents that involve their component,
        which is all they may see. For an observer: nothing."""
        now = self.clock()
        base = self._visible(select(incidents).where(*board_conditions(actor, f, now)), actor)
        staged = base.where(incidents.c.stage == f.stage.value) if f.stage else base
        page = staged.order_by(*board_order(f.sort, now)).limit(min(f.limit, BOARD_LIMIT)).offset(f.offset)
        counted = base.subquery()
        open_visible = self._visible(select(func.count()).where(incidents.c.is_open.is_(True)), actor)
        lapsed = func.sum(case((counted.c.overdue_at <= now, 1), else_=0))
        by_stage = select(counted.c.stage, func.count(), lapsed).group_by(counted.c.stage)
        with self.database.read() as conn:
            rows = [board_row(r, now) for r in conn.execute(page)]
            stages = conn.execute(by_stage).all()
            open_total = conn.execute(open_visible).scalar_one()
        counts = {stage: n for stage, n, _ in stages}
        total = counts.get(f.stage.value, 0) if f.stage else sum(counts.values())
        overdue = sum(int(n) for _, _, n in stages)
        return Board(rows=rows, total=total, counts=counts, overdue=overdue, open_total=open_total)

    def board_rows(self, incident_ids: Iterable[str]) -> dict[str, BoardRow]:
        """The board rows of these incidents as they stand (for the live feed's frames)."""
        ids = sorted(set(incident_ids))
        if not ids:
            return {}
        now = self.clock()
        with self.database.read() as conn:
            rows = conn.execute(select(incidents).where(incidents.c.incident_id.in_(ids)))
            return {r.incident_id: board_row(r, now) for r in rows}

    def map_incidents(self, actor: Actor) -> list[MapIncident]:
        """Every open incident the actor may see, with what the map draws of it."""
        now = self.clock()
        columns = [
            incidents.c[c]
            for c in (
                "incident_id",
                "title",
                "stage",
                "owning_component",
                "priority",
                "lat",
                "lon",
                "uncertainty_m",
                "persons_count",
                "duty_statuses",
                "overdue_at",
            )
        ]
        query = self._visible(select(*columns).where(incidents.c.is_open.is_(True)), actor)
        with self.database.read() as conn:
            rows = conn.execute(query).all()
        return [
            MapIncident(
                r.incident_id,
                r.title,
                Stage(r.stage),
                r.owning_component,
                r.priority,
                r.lat,
                r.lon,
                r.uncertainty_m,
                r.persons_count,
                tuple(s for s in r.duty_statuses.split(",") if s),
                r.overdue_at is not None and utc(r.overdue_at) <= now,
            )
            for r in rows
        ]

    def report_components(self, actor: Actor) -> list[str]:
        """The components ``actor`` may report an isolating event for."""
        if actor.role in (Role.JPRCC_DIRECTOR, Role.JPRCC_CONTROLLER):
            return [c.component_id for c in self.components()]
        if actor.role.component_bound and actor.component_id:
            return [actor.component_id]
        return []

    def _require_visible(self, conn: Any, actor: Actor, incident_id: str, during: str) -> None:
        """An unknown incident, and one ``actor`` may not see, are refused alike (404, "unknown
        incident X"): a component's officers cannot tell the incidents of others from no incident."""
        if not self._exists(conn, incident_id):
            raise NotFound(f"unknown incident {incident_id}", field="incident_id")
        if not self._involves(conn, actor, incident_id):
            why = f"incident {incident_id} does not involve {actor.component_id}"
            raise withheld(actor, Withheld(incident_id, why), during)

    def sees(self, actor: Actor, incident_id: str) -> bool:
        """Whether ``actor`` may see incident ``incident_id`` (a filter's question: nothing logged)."""
        with self.database.read() as conn:
            return self._exists(conn, incident_id) and self._involves(conn, actor, incident_id)

    def _exists(self, conn: Any, incident_id: str) -> bool:
        i = incidents.c
        return conn.execute(select(i.incident_id).where(i.incident_id == incident_id)).first() is not None

    def _involves(self, conn: Any, actor: Actor, incident_id: str) -> bool:
        if actor.role.sees_whole_theater:
            return True
        i = incident_involvement.c
        row = select(i.incident_id).where(i.incident_id == incident_id, i.component_id == actor.component_id)
        return conn.execute(row).first() is not None

    def incident(self, actor: Actor, incident_id: str, as_of: datetime | None = None) -> Incident:
        """The incident now, or as it stood at ``as_of`` (replayed from the log)."""
        with self.database.read() as conn:
            self._require_visible(conn, actor, incident_id, "incident" if as_of is None else "replay")
            if as_of is None:
                doc = conn.execute(
                    select(incident_documents.c.document).where(
                        incident_documents.c.incident_id == incident_id
                    )
                ).scalar_one()
                return decode_incident(doc)
            stream = self.log(conn).read(stream_id=f"incident:{incident_id}", until=as_of)
            incident: Incident | None = self.registry.fold("incident", (r.event for r in stream))
        if incident is None:
            raise NotFound(
                f"incident {incident_id} had not been reported at {as_of.isoformat()}", field="as_of"
            )
        return incident

    def narrative(
        self,
        actor: Actor,
        incident_id: str,
        as_of: datetime | None = None,
        before: int = NEWEST,
        limit: int = NARRATIVE_SHOWN,
    ) -> list[NarrativeEntry]:
        """The latest ``limit`` entries of the case narrative (written by ``as_of``, before the
        ``before``-th entry), in order."""
        with self.database.read() as conn:
            self._require_visible(conn, actor, incident_id, "narrative" if as_of is None else "replay")
            return read_page(conn, incident_id, before=before, limit=limit, until=as_of)

    def latest_narrative(self, actor: Actor, incident: Incident) -> list[NarrativeEntry]:
        """The latest page of ``incident``'s narrative up to its own count (a command's answer, the
        incident just read), seen as its state says who may; from memory, but for what is new."""
        if not actor.role.sees_whole_theater and actor.component_id not in incident.involved_components():
            why = f"incident {incident.incident_id} does not involve {actor.component_id}"
            raise withheld(actor, Withheld(incident.incident_id, why), "narrative")
        return self.pages.latest(self.database.read, incident.incident_id, incident.narrative_count)

    def timeline(self, actor: Actor, incident_id: str) -> list[TimelineEntry]:
        with self.database.read() as conn:
            self._require_visible(conn, actor, incident_id, "timeline")
            stream = list(self.log(conn).read(stream_id=f"incident:{incident_id}"))
        return [self.timeline_entry(r) for r in stream]

    def timeline_entry(self, r: RecordedEvent) -> TimelineEntry:
        return TimelineEntry(
            r.seq, r.recorded_at, r.actor, r.event.type_name, self.registry.describe(r.event), r.stream_id
        )

    def relationships(
        self, actor: Actor, incident_id: str | None = None, active_at: datetime | None = None
    ) -> list[CommandRelationship]:
        query = select(relationships).order_by(relationships.c.begin, relationships.c.relationship_id)
        if incident_id is not None:
            query = query.where(relationships.c.incident_id == incident_id)
        if active_at is not None:
            query = query.where(
                relationships.c.begin <= active_at,
                or_(relationships.c.end.is_(None), relationships.c.end > active_at),
            )
        if not actor.role.sees_whole_theater:
            query = query.where(
                or_(
                    relationships.c.from_component == actor.component_id,
                    relationships.c.to_component == actor.component_id,
                )
            )
        with self.database.read() as conn:
            if incident_id is not None:
                self._require_visible(conn, actor, incident_id, "relationships")
            return [relationship_from_row(r) for r in conn.execute(query)]

    def alerts(self, actor: Actor) -> list[Alert]:
        now = self.clock()
        overdue = self._visible(
            select(incidents).where(incidents.c.is_open.is_(True), incidents.c.overdue_at <= now), actor
        )
        dustwun = self._visible(
            select(incidents).where(incidents.c.is_open.is_(True), incidents.c.dustwun_due_at <= now), actor
        )
        with self.database.read() as conn:
            found = [
                Alert(
                    "overdue",
                    r.incident_id,
                    r.title,
                    utc(r.overdue_at),
                    f"no update from the components since {utc(r.last_update_at).isoformat()}",
                )
                for r in conn.execute(overdue)
            ]
            found += [
                Alert(
                    "dustwun",
                    r.incident_id,
                    r.title,
                    utc(r.dustwun_due_at),
                    "a DUSTWUN status has passed 10 days and must be redesignated",
                )
                for r in conn.execute(dustwun)
            ]
        return sorted(found, key=lambda a: a.due_at)

    # --- theater -------------------------------------------------------------------------

    def components(self) -> list[Component]:
        with self.database.read() as conn:
            rows = conn.execute(select(components).order_by(components.c.component_id))
            return [Component(r.component_id, r.name, ComponentKind(r.kind), r.prcc_name) for r in rows]

    def assets(
        self, actor: Actor | None = None, component_id: str | None = None, asset_id: str | None = None
    ) -> list[AssetStatus]:
        """Assets; which incident another component's asset is tasked to is need-to-know."""
        found = self._assets(component_id, asset_id)
        if actor is None or actor.role.sees_whole_theater:
            return found
        return [
            a
            if a.asset.component_id == actor.component_id or a.tasked_incident_id is None
            else AssetStatus(a.asset, "(another incident)", a.tasked_until)
            for a in found
        ]

    def _assets(self, component_id: str | None = None, asset_id: str | None = None) -> list[AssetStatus]:
        query = select(assets).order_by(assets.c.component_id, assets.c.asset_id)
        if component_id is not None:
            query = query.where(assets.c.component_id == component_id)
        if asset_id is not None:
            query = query.where(assets.c.asset_id == asset_id)
        with self.database.read() as conn:
            return [
                AssetStatus(asset_from_row(r), r.tasked_incident_id, r.tasked_until)
                for r in conn.execute(query)
            ]

    def recovery_points(self) -> list[RecoveryPoint]:
        with self.database.read() as conn:
            rows = conn.execute(select(recovery_points).order_by(recovery_points.c.point_id))
            return [recovery_point_from_row(r) for r in rows]

    def operations(self) -> list[Operation]:
        with self.database.read() as conn:
            rows = conn.execute(select(operations).order_by(operations.c.priority, operations.c.operation_id))
            return [
                Operation(r.operation_id, r.name, r.component_id, r.priority, r.description, r.active)
                for r in rows
            ]

    def component_status(self, actor: Actor, component_id: str) -> ComponentStatus:
        found = {c.component_id: c for c in self.components()}
        if component_id not in found:
            raise NotFound(f"unknown component {component_id}", field="component_id")
        held = self._assets(component_id)
        readiness: dict[str, int] = {}
        for a in held:
            readiness[a.asset.readiness.value] = readiness.get(a.asset.readiness.value, 0) + 1
        open_ = incidents.c.is_open.is_(True)
        now = self.clock()
        with self.database.read() as conn:
            owned = (
                conn.execute(
                    select(incidents.c.incident_id).where(open_, incidents.c.owning_component == component_id)
                )
                .scalars()
                .all()
            )
            supported = (
                conn.execute(
                    select(incidents.c.incident_id).where(
                        open_, incidents.c.supported_component == component_id
                    )
                )
                .scalars()
                .all()
            )
            supporting = (
                conn.execute(
                    select(relationships.c.incident_id)
                    .distinct()
                    .where(
                        relationships.c.from_component == component_id,
                        or_(relationships.c.end.is_(None), relationships.c.end > now),
                    )
                )
                .scalars()
                .all()
            )
        if not actor.role.sees_whole_theater:
            with self.database.read() as conn:
                visible = set(
                    conn.execute(
                        select(incidents.c.incident_id).where(
                            incidents.c.incident_id.in_([*owned, *supported, *supporting]),
                            _involves(actor.component_id),
                        )
                    ).scalars()
                )
            owned, supported, supporting = (
                [i for i in ids if i in visible] for ids in (owned, supported, supporting)
            )
        return ComponentStatus(
            component=found[component_id],
            assets_by_readiness=readiness,
            assets_committed=sum(1 for a in held if a.asset.commitment is not None),
            assets_tasked=sum(1 for a in held if a.tasked_incident_id is not None),
            incidents_owned=sorted(owned),
            incidents_supported=sorted(supported),
            incidents_supporting=sorted(supporting),
        )

    def user(self, username: str) -> UserRow:
        with self.database.read() as conn:
            r = conn.execute(select(users).where(users.c.username == username)).first()
        if r is None:
            raise NotFound(f"unknown user {username}", field="username")
        return _user_row(r)

    def users(self) -> list[UserRow]:
        with self.database.read() as conn:
            rows = conn.execute(select(users).order_by(users.c.username))
            return [_user_row(r) for r in rows]

    # --- the log -------------------------------------------------------------------------

    def incident_count(self) -> int:
        """How many incidents the store holds, open or closed (the next speakable number's base)."""
        with self.database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(incidents)).scalar_one())

    def last_seq(self) -> int:
        with self.database.read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(events.c.seq), 0))).scalar_one())

    def events_after(self, after_seq: int, limit: int = 500, feed: bool = False) -> list[RecordedEvent]:
        """Committed events after ``after_seq``, in log order; ``feed``: only those the live feed
        shows (events that are not on the feed, such as positions, are not even read)."""
        skip = self._quiet if feed else ()
        with self.database.read() as conn:
            return list(self.log(conn).read(after_seq=after_seq, limit=limit, skip_types=skip))

    @property
    def _quiet(self) -> tuple[str, ...]:
        return tuple(sorted(n for n, t in self.registry.event_types.items() if not t.on_feed))

    def involvement(self, records: Sequence[RecordedEvent]) -> dict[str, frozenset[str]]:
        """For the incidents ``records`` concern: the components each involves."""
        ids = {r.event.incident_id for r in records if isinstance(r.event, ev.IncidentEvent)}
        if not ids:
            return {}
        c = incident_involvement.c
        found: dict[str, set[str]] = {}
        with self.database.read() as conn:
            for row in conn.execute(select(c.incident_id, c.component_id).where(c.incident_id.in_(ids))):
                found.setdefault(row.incident_id, set()).add(row.component_id)
        return {k: frozenset(v) for k, v in found.items()}

    def may_see(self, actor: Actor, records: Sequence[RecordedEvent]) -> set[int]:
        """The sequence numbers of ``records`` that ``actor`` may see (need-to-know)."""
        return visible_to(actor, records, {} if actor.role.sees_whole_theater else self.involvement(records))

    def next_timer(self) -> datetime | None:
        """When the next check-in or DUSTWUN clock of an open incident runs out, after now (a
        headless exercise moves its clock straight there instead of looking every minute)."""
        now = self.clock()
        overdue = select(func.min(incidents.c.overdue_at)).where(
            incidents.c.is_open.is_(True),
            incidents.c.overdue_alerted.is_(False),
            incidents.c.overdue_at > now,
        )
        dustwun = select(func.min(incidents.c.dustwun_due_at)).where(
            incidents.c.is_open.is_(True), incidents.c.dustwun_due_at > now
        )
        with self.database.read() as conn:
            found = [conn.execute(overdue).scalar_one_or_none(), conn.execute(dustwun).scalar_one_or_none()]
        times = [utc(t) for t in found if t is not None]
        return min(times) if times else None

    def incidents_due(self) -> list[tuple[str, list[str]]]:
        """Open incidents whose check-in or DUSTWUN clock has run out and is not yet flagged."""
        now = self.clock()
        query = select(
            incidents.c.incident_id,
            incidents.c.overdue_alerted,
            incidents.c.overdue_at,
            incidents.c.dustwun_due_at,
        ).where(
            incidents.c.is_open.is_(True),
            or_(
                and_(incidents.c.overdue_at <= now, incidents.c.overdue_alerted.is_(False)),
                incidents.c.dustwun_due_at <= now,
            ),
        )
        with self.database.read() as conn:
            rows = list(conn.execute(query))
            due: list[tuple[str, list[str]]] = []
            for r in rows:
                persons: list[str] = []
                if r.dustwun_due_at is not None and utc(r.dustwun_due_at) <= now:
                    doc = conn.execute(
                        select(incident_documents.c.document).where(
                            incident_documents.c.incident_id == r.incident_id
                        )
                    ).scalar_one()
                    inc = decode_incident(doc)
                    persons = [
                        p.person_id
                        for p in inc.persons.values()
                        if p.dustwun_due_at is not None and p.dustwun_due_at <= now and not p.dustwun_alerted
                    ]
                due.append((r.incident_id, persons))
        return due
