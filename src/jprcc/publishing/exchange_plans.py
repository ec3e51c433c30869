"""Exporting what was planned for an incident: the recovery routes, the search areas and the search
plans, as features for ``jprcc.publishing.formats``.

- **routes**: for one incident, each recovery option's way in (the recovery vehicle from its base
  to the pickup site, threat-weighted least cost) and the persons' walk to the site, with who
  leads, who serves, when, the light at the pickup and the worst threat on the way. Options are
  planned afresh (route fields cost seconds), so the layer is asked for one incident at a time.
- **search areas**: the areas already searched without finding the person (negative information,
  with their sweep width, spacing and coverage) and the containment regions of the probability
  map now: the smallest areas holding 50 % and 90 % of the probability.
- **search plans**: every adopted plan's rectangles, one per asset, with the track spacing, the
  coverage, the probability of detection and of containment, and the plan's worth.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jprcc.brokering.incident import Incident
from jprcc.core.errors import DomainError
from jprcc.core.model import Actor
from jprcc.core.queries import Queries
from jprcc.locate.model import Searched
from jprcc.publishing import formats as f

CONTAINMENT = (0.5, 0.9)

ROUTE_COLUMNS = [
    "incident_id",
    "option_id",
    "rank",
    "way",
    "method",
    "summary",
    "supported_component",
    "assets",
    "site",
    "launch_at",
    "recovery_at",
    "light_at_pickup",
    "threat_on_route",
    "p_success",
    "dominated",
    "path",
]
SEARCH_AREA_COLUMNS = [
    "incident_id",
    "area",
    "kind",
    "asset",
    "ended_at",
    "sweep_width_m",
    "track_spacing_m",
    "coverage",
    "share",
    "at",
    "polygon",
]
SEARCH_PLAN_COLUMNS = [
    "incident_id",
    "plan_id",
    "at",
    "asset",
    "width_m",
    "height_m",
    "sweep_width_m",
    "track_spacing_m",
    "track_length_m",
    "coverage",
    "probability_of_detection",
    "probability_of_containment",
    "plan_probability_of_success",
    "cumulative_probability_of_success",
    "adopted_by",
    "polygon",
]


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def routes(options: Any, actor: Actor, incident_id: str) -> list[f.Feature]:
    """The recovery options' ways in and the persons' walks, best option first."""
    generated = options.generate(actor, incident_id)
    out = []
    for rank, o in enumerate(generated.options, 1):
        pickup = o.light.get("pickup")
        props = {
            "incident_id": incident_id,
            "option_id": o.option_id,
            "rank": rank,
            "method": o.method.value,
            "summary": o.summary,
            "supported_component": o.supported_component,
            "assets": "; ".join(f"{a.callsign} ({a.component_id}, {a.role.value})" for a in o.assets),
            "site": o.site.name,
            "launch_at": _iso(o.launch_at),
            "recovery_at": _iso(o.recovery_at),
            "light_at_pickup": pickup.period if pickup is not None else None,
            "threat_on_route": round(o.threat_on_route, 4),
            "p_success": None if o.p_success is None else round(o.p_success, 4),
            "dominated": o.dominated,
        }
        if len(o.route) >= 2:
            out.append(f.Feature("line", list(o.route), {**props, "way": "recovery vehicle in"}))
        if len(o.walk) >= 2:
            out.append(f.Feature("line", list(o.walk), {**props, "way": "persons to the site"}))
    return out


def search_areas(locate: Any, incidents: Iterable[Incident]) -> list[f.Feature]:
    out = []
    for incident in incidents:
        case = incident.search
        searched = [(i, i.body) for i in case.information if isinstance(i.body, Searched)]
        for n, (info, body) in enumerate(searched, 1):
            out.append(
                f.Feature(
                    "polygon",
                    [(p.lat, p.lon) for p in body.polygon],
                    {
                        "incident_id": incident.incident_id,
                        "area": f"searched {n}",
                        "kind": "searched",
                        "asset": body.asset,
                        "at": info.at.isoformat(),
                        "ended_at": body.ended_at.isoformat(),
                        "sweep_width_m": body.sweep_width_m,
                        "track_spacing_m": body.track_spacing_m,
                        "coverage": round(body.coverage, 4),
                    },
                )
            )
        out += _containment(locate, incident)
    return out


def _containment(locate: Any, incident: Incident) -> list[f.Feature]:
    from jprcc.tak.planning.contours import regions

    if locate is None or incident.search.model is None:
        return []
    try:
        picture = locate.picture_of(incident, None, None)
    except DomainError:
        return []
    g = picture.grid
    out = []
    for share in CONTAINMENT:
        for n, ring in enumerate(regions(picture.probability, (g.south, g.west, g.north, g.east), share), 1):
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]  # a feature's polygon does not repeat its first corner
            out.append(
                f.Feature(
                    "polygon",
                    ring,
                    {
                        "incident_id": incident.incident_id,
                        "area": f"{share:.0%} containment {n}",
                        "kind": "containment",
                        "share": share,
                        "at": picture.at.isoformat(),
                    },
                )
            )
    return out


def search_plans(incidents: Iterable[Incident]) -> list[f.Feature]:
    out = []
    for incident in incidents:
        for plan in incident.search.plans:
            for area in plan.areas:
                out.append(
                    f.Feature(
                        "polygon",
                        [(p.lat, p.lon) for p in area.corners],
                        {
                            "incident_id": incident.incident_id,
                            "plan_id": plan.plan_id,
                            "at": plan.at.isoformat(),
                            "asset": area.asset,
                            "width_m": round(area.width_m, 1),
                            "height_m": round(area.height_m, 1),
                            "sweep_width_m": area.sweep_width_m,
                            "track_spacing_m": round(area.track_spacing_m, 1),
                            "track_length_m": round(area.track_length_m, 1),
                            "coverage": round(area.coverage, 4),
                            "probability_of_detection": round(area.probability_of_detection, 4),
                            "probability_of_containment": round(area.probability_of_containment, 4),
                            "plan_probability_of_success": round(plan.probability_of_success, 4),
                            "cumulative_probability_of_success": round(
                                plan.cumulative_probability_of_success, 4
                            ),
                            "adopted_by": plan.adopted_by,
                        },
                    )
                )
    return out


def with_search(q: Queries, actor: Actor, incident_id: str | None) -> list[Incident]:
    """The incidents the caller sees that have a search case (or the one asked for)."""
    if incident_id is not None:
        return [q.incident(actor, incident_id)]
    from jprcc.core.board import BoardFilter

    found = []
    for row in q.board(actor, BoardFilter(limit=5_000)).rows:
        incident = q.incident(actor, row.incident_id)
        if incident.search.model is not None or incident.search.plans:
            found.append(incident)
    return found
