"""The JPRCC's picture as CoT: what the gateway sends to TAK, item by item, each as ATAK draws it.

Per open incident: a marker at the last known position (its stale time is the position's age plus
the check-in interval, so an aging position greys out on the device), a circle for its
uncertainty, the adopted search areas (rectangles), the 50 % and 90 % containment regions of the
probability map (polygons), and the least-cost route to the best recovery point or base (a route).
For the theater: the recovery points and the threat envelopes in force. A closed incident's items
are deleted from the devices.

Need-to-know: a feed's audience is ``theater`` (what an observer sees) or a component (what that
component's officers see: the incidents that involve it); the items of an incident go only to
feeds that may see it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jprcc.brokering.incident import Incident
from jprcc.core.errors import DomainError
from jprcc.core.geo import to_mgrs
from jprcc.core.model import SETTLED, Actor, Role
from jprcc.core.queries import Queries
from jprcc.tak import cot
from jprcc.tak.links import OutItem

log = logging.getLogger("jprcc.tak")
SYSTEM = Actor.system("tak-picture")

# ARGB colours as ATAK reads them (signed 32-bit)
RED, ORANGE, YELLOW, BLUE, WHITE = -65536, -23296, -256, -16776961, -1
FILL_YELLOW = 0x30FFFF00
ISOLATED = "a-f-G-U-C"  # a friendly ground unit: ATAK draws it blue, with the callsign
RECOVERY_POINT = "b-m-p-w"  # a waypoint
THEATER_STALE = timedelta(hours=6)
CONTAINMENT = (0.5, 0.9)


def audience_actor(audience: str) -> Actor:
    """Whom a feed's audience reads as: the theater as an observer, a component as its PRCC."""
    if audience == "theater":
        return Actor("tak-feed:theater", Role.OBSERVER)
    return Actor(f"tak-feed:{audience}", Role.PRCC_OFFICER, audience)


def _uid(*parts: str) -> str:
    return "jprcc." + ".".join(parts)


class Picture:
    """Renders the picture from the read side (queries, the intel and locate services)."""

    def __init__(self, queries: Queries, uid: str, services: Any = None) -> None:
        self.queries = queries
        self.node_uid = uid
        self.services = services
        self._routes: dict[tuple[str, int, int], list[tuple[float, float]]] = {}
        self._sent_theater: set[str] = set()
        self._route_names: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- need-to-know ------------------------------------------------------------------------

    def visible(self, audience: str, incident_ids: Sequence[str]) -> set[str]:
        if audience == "none":
            return set()
        actor = audience_actor(audience)
        if actor.role.sees_whole_theater:
            return set(incident_ids)
        try:  # asked silently: a filter, not a probe
            return {incident_id for incident_id in incident_ids if self.queries.sees(actor, incident_id)}
        except DomainError:  # the store busy: nothing shown to this audience this time
            return set()

    # --- the whole picture ---------------------------------------------------------------------

    def items(self, audience: str) -> list[OutItem]:
        """Everything ``audience`` may see now (sent to a link when it connects)."""
        if audience == "none":
            return []
        actor = audience_actor(audience)
        out: list[OutItem] = []
        for m in self.queries.map_incidents(actor):
            out += self.incident_items(m.incident_id)
        out += self.theater_items()
        return out

    def theater_items(self) -> list[OutItem]:
        now = self.queries.clock()
        out = [self._recovery_point(p, now) for p in self.queries.recovery_points()]
        out += self._threats(now)
        uids = {i.uid for i in out}
        with self._lock:
            gone, self._sent_theater = self._sent_theater - uids, uids
        out += [OutItem(u, cot.delete(u, "u-d-c-c", time=now)) for u in sorted(gone)]
        return out

    def _recovery_point(self, p: Any, now: datetime) -> OutItem:
        uid = _uid("rp", p.point_id)
        xml = cot.point(
            uid,
            RECOVERY_POINT,
            p.position.lat,
            p.position.lon,
            time=now,
            stale=now + THEATER_STALE,
            callsign=f"{p.name} ({p.kind.value})",
            remarks=f"Recovery point {p.point_id} {to_mgrs(p.position)}. {p.remarks}".strip(),
        )
        return OutItem(uid, xml)

    def _threats(self, now: datetime) -> list[OutItem]:
        intel = self._service("jprcc.intel.service", "Intel")
        if intel is None:
            return []
        envelopes, _zones, _names = intel.sources(now)
        out = []
        for e in envelopes:
            key = f"{e.lat:.5f},{e.lon:.5f},{e.category},{e.max_range_m:.0f}"
            uid = _uid("threat", hashlib.sha1(key.encode()).hexdigest()[:12])
            xml = cot.circle(
                uid,
                e.lat,
                e.lon,
                e.max_range_m,
                time=now,
                stale=now + THEATER_STALE,
                callsign=f"Threat: {e.category} ({e.max_range_m / 1000:.1f} km, Pk {e.pk:.2f})",
                remarks=f"Threat envelope {e.category}: {e.min_range_m:.0f}-{e.max_range_m:.0f} m, "
                f"{e.min_altitude_m:.0f}-{e.max_altitude_m:.0f} m altitude, Pk {e.pk:.2f}.",
                stroke_argb=RED,
                fill_argb=None,
            )
            out.append(OutItem(uid, xml))
        return out

    # --- one incident --------------------------------------------------------------------------

    def incident_items(self, incident_id: str) -> list[OutItem]:
        """An incident's items as it now stands; a closed one's are deleted."""
        try:
            incident = self.queries.incident(SYSTEM, incident_id)
        except DomainError:
            return []
        now = self.queries.clock()
        base = _uid(incident_id)
        if not incident.is_open:
            return [
                OutItem(uid, cot.delete(uid, kind, time=now), incident_id=incident_id)
                for uid, kind in self._drawn(incident)
            ]
        out = [self._marker(incident, now)]
        out.append(
            OutItem(
                base + ".uncertainty",
                cot.circle(
                    base + ".uncertainty",
                    incident.position.lat,
                    incident.position.lon,
                    max(incident.uncertainty_m, 10.0),
                    time=now,
                    stale=self._stale(incident, now),
                    callsign=f"{incident_id} uncertainty {incident.uncertainty_m:.0f} m",
                    stroke_argb=BLUE,
                ),
                incident_id=incident_id,
            )
        )
        out += self._search_areas(incident, now)
        out += self._containment(incident, now)
        out += self._route(incident, now)
        return out

    def _stale(self, incident: Incident, now: datetime) -> datetime:
        """When the position should grey out: its time plus the check-in interval (an old
        position is stale at once; ATAK needs stale after the event's time)."""
        fixed = incident.last_update_at or incident.reported_at
        return max(fixed + timedelta(seconds=incident.check_in_interval_s), now + timedelta(seconds=1))

    def _marker(self, incident: Incident, now: datetime) -> OutItem:
        out_there = [p for p in incident.persons.values() if p.duty_status not in SETTLED]
        names = ", ".join(f"{p.name} ({p.duty_status.value}, {p.condition.value})" for p in out_there)
        remarks = (
            f"{incident.title}. Stage {incident.stage.value}. {to_mgrs(incident.position)} "
            f"±{incident.uncertainty_m:.0f} m. Persons: {names or 'none out there'}. "
            f"Owner {incident.owning_component}. Priority {incident.priority}."
        )
        uid = _uid(incident.incident_id)
        xml = cot.point(
            uid,
            ISOLATED,
            incident.position.lat,
            incident.position.lon,
            time=now,
            stale=self._stale(incident, now),
            callsign=f"{incident.incident_id} ({len(out_there)} out)",
            remarks=remarks,
            ce=incident.uncertainty_m,
            how="h-e",
        )
        return OutItem(uid, xml, urgent=incident.version <= 1, incident_id=incident.incident_id)

    def _search_areas(self, incident: Incident, now: datetime) -> list[OutItem]:
        plans = incident.search.plans
        if not plans:
            return []
        plan = plans[-1]
        out = []
        for i, area in enumerate(plan.areas):
            uid = _uid(incident.incident_id, "search", str(i))
            xml = cot.rectangle(
                uid,
                [(c.lat, c.lon) for c in area.corners],
                time=now,
                stale=now + THEATER_STALE,
                callsign=f"{incident.incident_id} search {area.asset}",
                remarks=f"Search area of {area.asset} ({plan.plan_id}): "
                f"POD {area.probability_of_detection:.0%}, POC {area.probability_of_containment:.0%}, "
                f"track spacing {area.track_spacing_m:.0f} m.",
                stroke_argb=YELLOW,
                fill_argb=FILL_YELLOW,
            )
            out.append(OutItem(uid, xml, incident_id=incident.incident_id))
        return out

    def _containment(self, incident: Incident, now: datetime) -> list[OutItem]:
        locate = self._service("jprcc.locate.service", "Locate")
        if locate is None or incident.search.model is None:
            return []
        try:
            picture = locate.picture_of(incident, None, None)
        except DomainError:
            return []
        from jprcc.tak.planning.contours import regions

        g = picture.grid
        out = []
        for share in CONTAINMENT:
            for i, ring in enumerate(regions(picture.probability, (g.south, g.west, g.north, g.east), share)):
                uid = _uid(incident.incident_id, f"p{int(share * 100)}", str(i))
                xml = cot.polygon(
                    uid,
                    ring,
                    closed=True,
                    time=now,
                    stale=now + THEATER_STALE,
                    callsign=f"{incident.incident_id} {share:.0%} containment",
                    remarks=f"The smallest area holding {share:.0%} of the probability "
                    f"at {picture.at:%d%H%MZ}.",
                    stroke_argb=ORANGE if share < 0.9 else YELLOW,
                )
                out.append(OutItem(uid, xml, incident_id=incident.incident_id))
        return out

    def _route(self, incident: Incident, now: datetime) -> list[OutItem]:
        intel = self._service("jprcc.intel.service", "Intel")
        if intel is None:
            return []
        key = (incident.incident_id, incident.version, int(now.timestamp()) // 600)
        path = self._routes.get(key)
        if path is None:
            try:
                assessment = intel.assess(SYSTEM, incident, at=now)
            except DomainError:
                return []
            best = assessment.routes[0] if assessment.routes else None
            path = list(best.risk.path) if best is not None else []
            name = best.destination.name if best is not None else ""
            self._routes = {k: v for k, v in self._routes.items() if k[0] != incident.incident_id}
            self._routes[key] = path
            self._route_names[incident.incident_id] = name
        if len(path) < 2:
            return []
        uid = _uid(incident.incident_id, "route")
        xml = cot.route(
            uid,
            path,
            time=now,
            stale=now + THEATER_STALE,
            callsign=f"{incident.incident_id} route to {self._route_names.get(incident.incident_id, '')}",
            remarks="Least-cost route over the threat field to the best recovery point or base.",
            stroke_argb=WHITE,
        )
        return [OutItem(uid, xml, incident_id=incident.incident_id)]

    def _drawn(self, incident: Incident) -> list[tuple[str, str]]:
        base = _uid(incident.incident_id)
        found = [(base, ISOLATED), (base + ".uncertainty", "u-d-c-c"), (base + ".route", "b-m-r")]
        if incident.search.plans:
            found += [(f"{base}.search.{i}", "u-d-r") for i in range(len(incident.search.plans[-1].areas))]
        return found

    def _service(self, module: str, name: str) -> Any:
        if self.services is None:
            return None
        import importlib

        kind = getattr(importlib.import_module(module), name)
        return self.services[kind] if kind in self.services else None  # noqa: SIM401 (not a dict)
