"""The incident board's query: its filters, search, order and cards, over the ``incidents`` read
model. ``Queries.board`` runs it under need-to-know.

At 10,000 open incidents a search scans the open rows (a LIKE inside a text, which no index
serves): about 20 ms for the page and its counts on SQLite and on PostgreSQL; the filters by
stage and overdue ride the read model's indexes.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import mgrs
from sqlalchemy import ColumnElement, String, and_, false, func, or_, select

from jprcc.brokering import turns as whose_turn
from jprcc.brokering.incident import Stage
from jprcc.core.model import Actor, PRTask, Role
from jprcc.core.store.codec import utc
from jprcc.core.store.tables import incident_involvement, incidents, turns

BOARD_LIMIT = 2000
"""The most cards one page of the board carries: at 10,000 open incidents the page asks for the
next page, or narrows the board with the search and the filters, rather than load them all."""
SEARCH_WORDS = 8
"""The most words of a board search that are matched (each one more LIKE over every row)."""
MGRS_SQUARE = re.compile(r"\s*(\d{1,2})\s*([C-HJ-NP-X])\s*([A-HJ-NP-Z]{2})\s*(\d{0,5})\s*(\d{0,5})\s*", re.I)
"""A search that reads as an MGRS square of a UTM zone (zone, band, 100 km square, 0-5 digits each
way) also finds the incidents whose position lies in that square."""
_GRID = mgrs.MGRS()


class BoardSort(enum.StrEnum):
    """The order of the board's cards (and of its pages): every order ends on the incident id, so
    that paging neither repeats nor skips a card."""

    PRIORITY = "priority"  # overdue first, then priority 1 before 3, then the latest reported
    NEWEST = "newest"  # the latest reported first
    OLDEST = "oldest"  # the earliest reported first
    CHECK_IN_DUE = "check_in_due"  # the check-in falling due soonest first: the overdue lead
    LAST_UPDATE = "last_update"  # the latest update from the components first


PARTY_OF: dict[Role, str] = {
    Role.JPRCC_DIRECTOR: whose_turn.JPRCC,
    Role.JPRCC_CONTROLLER: whose_turn.JPRCC,
    Role.JFC: whose_turn.JFC,
}
"""The party whose turns a theater-wide role answers (the board's "mine", as the inbox)."""


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows. ``search``: words that must each appear (any case) in the incident's
    id, title, owning or supported component, or an MGRS square its position lies in; ``mine``:
    what concerns the reader's desk (see ``Queries.board``)."""

    stage: Stage | None = None
    component: str | None = None
    duty_status: str | None = None
    task: PRTask | None = None
    task_status: str | None = None
    overdue_only: bool = False
    include_closed: bool = False
    limit: int = 200
    offset: int = 0
    search: str = ""
    mine: bool = False
    sort: BoardSort = BoardSort.PRIORITY


@dataclass(frozen=True)
class BoardRow:
    incident_id: str
    title: str
    stage: Stage
    owning_component: str
    supported_component: str | None
    priority: int
    environment: str
    isolating_event_at: datetime
    reported_at: datetime
    last_update_at: datetime
    overdue_at: datetime | None  # when the next check-in falls due: the last update + the interval
    overdue: bool
    dustwun_due_at: datetime | None
    lat: float
    lon: float
    uncertainty_m: float
    persons_count: int
    duty_statuses: tuple[str, ...]
    tasks: dict[str, str]
    version: int
    check_in_interval_s: int


@dataclass(frozen=True)
class Board:
    """A page of the board. ``total``: the incidents that match, over all pages; ``counts``: per
    stage, those that match every filter but the stage (so that a stage's count, clicked, shows
    that many); ``overdue``: of those, how many are overdue; ``open_total``: every open incident
    the reader may see, whatever the filters."""

    rows: list[BoardRow]
    total: int
    counts: dict[str, int]
    overdue: int
    open_total: int


def board_row(r: Any, now: datetime) -> BoardRow:
    """A card of the board from a row of the ``incidents`` read model, as of ``now``."""
    overdue_at = utc(r.overdue_at) if r.overdue_at is not None else None
    return BoardRow(
        incident_id=r.incident_id,
        title=r.title,
        stage=Stage(r.stage),
        owning_component=r.owning_component,
        supported_component=r.supported_component,
        priority=r.priority,
        environment=r.environment,
        isolating_event_at=utc(r.isolating_event_at),
        reported_at=utc(r.reported_at),
        last_update_at=utc(r.last_update_at),
        overdue_at=overdue_at,
        overdue=overdue_at is not None and overdue_at <= now,
        dustwun_due_at=utc(r.dustwun_due_at) if r.dustwun_due_at is not None else None,
        lat=r.lat,
        lon=r.lon,
        uncertainty_m=r.uncertainty_m,
        persons_count=r.persons_count,
        duty_statuses=tuple(s for s in r.duty_statuses.split(",") if s),
        tasks=json.loads(r.tasks),
        version=r.version,
        check_in_interval_s=r.check_in_interval_s,
    )


def board_conditions(actor: Actor, f: BoardFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Every condition of ``f`` but the stage (the counts per stage are taken under these)."""
    conditions: list[ColumnElement[bool]] = []
    if not f.include_closed:
        conditions.append(incidents.c.is_open.is_(True))
    if f.component:
        conditions.append(involves(f.component))
    if f.duty_status:
        conditions.append(incidents.c.duty_statuses.contains(f.duty_status, autoescape=True))
    if f.task is not None:
        status = f.task_status or "in_progress"
        conditions.append(incidents.c.tasks.contains(f'"{f.task.value}": "{status}"', autoescape=True))
    if f.overdue_only:
        conditions.append(incidents.c.overdue_at <= now)
    if f.search.strip():
        conditions.append(_search(f.search))
    if f.mine:
        conditions.append(_mine(actor, now))
    return conditions


def _search(text: str) -> ColumnElement[bool]:
    """Each word of ``text`` appears, in any case, in the incident's id, title, owning or
    supported component; or ``text`` names an MGRS square the position lies in. A scan of the
    open rows (no index serves a match inside a text): 8 ms at 10,000 incidents on SQLite."""
    c = incidents.c
    fields = c.incident_id + "\n" + c.title + "\n" + c.owning_component + "\n"
    searched = func.lower(fields + func.coalesce(c.supported_component, ""), type_=String)
    words = and_(*(searched.contains(w, autoescape=True) for w in text.lower().split()[:SEARCH_WORDS]))
    square = _in_mgrs_square(text)
    return words if square is None else or_(words, square)


def _in_mgrs_square(text: str) -> ColumnElement[bool] | None:
    """The position lies in the MGRS square ``text`` names: its bounding box in latitude and
    longitude (the grid is turned a few degrees off true north, so the box takes in slivers of
    the squares around it). None when ``text`` names no square of a UTM zone."""
    match = MGRS_SQUARE.fullmatch(text)
    digits = (match[4] + match[5]) if match else ""
    if match is None or len(digits) % 2:
        return None
    compact = f"{int(match[1]):02d}{match[2]}{match[3]}{digits}".upper()
    half_m = 10 ** (5 - len(digits) // 2) / 2
    try:
        zone, hemisphere, easting, northing = _GRID.MGRSToUTM(compact)  # the square's centre
        corners = [
            _GRID.toLatLon(_GRID.UTMToMGRS(zone, hemisphere, easting + de, northing + dn, MGRSPrecision=5))
            for de in (-half_m, half_m)
            for dn in (-half_m, half_m)
        ]
    except Exception:  # the library's own error type: a square that does not exist
        return None
    lats, lons = [lat for lat, _ in corners], [lon for _, lon in corners]
    return and_(incidents.c.lat.between(min(lats), max(lats)), incidents.c.lon.between(min(lons), max(lons)))


def _mine(actor: Actor, now: datetime) -> ColumnElement[bool]:
    """What concerns ``actor``'s desk (see ``Queries.board``)."""
    if actor.role.component_bound:
        return involves(actor.component_id)
    party = PARTY_OF.get(actor.role)
    if party is None:
        return false()
    waiting = incidents.c.incident_id.in_(select(turns.c.incident_id).where(turns.c.party == party))
    return or_(waiting, incidents.c.overdue_at <= now) if party == whose_turn.JPRCC else waiting


def board_order(sort: BoardSort, now: datetime) -> list[ColumnElement[Any]]:
    """The ORDER BY of ``sort``, ending on the incident id."""
    c = incidents.c
    overdue_first = func.coalesce(c.overdue_at <= now, False).desc()
    keys: dict[BoardSort, list[ColumnElement[Any]]] = {
        BoardSort.PRIORITY: [overdue_first, c.priority.asc(), c.reported_at.desc()],
        BoardSort.NEWEST: [c.reported_at.desc()],
        BoardSort.OLDEST: [c.reported_at.asc()],
        BoardSort.CHECK_IN_DUE: [c.overdue_at.asc().nulls_last()],
        BoardSort.LAST_UPDATE: [c.last_update_at.desc()],
    }
    return [*keys[sort], c.incident_id.asc()]


def involves(component_id: str | None) -> ColumnElement[bool]:
    """The incident involves the component."""
    c = incident_involvement.c
    return incidents.c.incident_id.in_(select(c.incident_id).where(c.component_id == component_id))
