"""What a SITREP says of a search: the probability map now, its containment, the searches done and
the plan adopted, taken from the incident's search case and its map (``jprcc.locate``) into plain
values, so that the message's data and its picture need nothing of the search model itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from jprcc.core.geo import to_mgrs
from jprcc.core.model import Position
from jprcc.publishing.context import dtg

Ring = list[tuple[float, float]]
CONTAINMENT = (0.5, 0.9)
MOVEMENT = {
    "maritime": "drifting at sea",
    "evader": "evading on foot",
    "stationary": "staying where isolated",
}


@dataclass(frozen=True)
class SearchPicture:
    """The map of one incident at ``at``. ``probability`` is (rows, cols), row 0 the northern
    edge, over ``bounds`` = (south, west, north, east) in degrees."""

    incident_id: str
    at: datetime
    bounds: tuple[float, float, float, float]
    probability: NDArray[np.float64]
    last_known: tuple[float, float]
    mean: tuple[float, float]
    radius_m: dict[float, float]
    movement: str
    probability_of_success_so_far: float
    searched: list[Ring]
    plan_id: str | None
    plan_at: datetime | None
    plan_probability_of_success: float | None
    planned: list[tuple[str, Ring]]  # (asset, rectangle) of the latest plan

    def data(self) -> dict[str, Any]:
        """The ``search`` record a SITREP template may use."""
        lat, lon = self.mean
        plan = None
        if self.plan_id is not None:
            plan = {
                "id": self.plan_id,
                "at": dtg(self.plan_at) if self.plan_at is not None else "",
                "probability_of_success": round(float(self.plan_probability_of_success or 0.0), 3),
                "assets": [asset for asset, _ in self.planned],
            }
        return {
            "at": dtg(self.at),
            "movement": self.movement,
            "centre": {"mgrs": to_mgrs(Position(lat, lon)), "lat": round(lat, 5), "lon": round(lon, 5)},
            "radius_50_m": round(self.radius_m[0.5]),
            "radius_90_m": round(self.radius_m[0.9]),
            "searches": len(self.searched),
            "probability_of_success_so_far": round(self.probability_of_success_so_far, 3),
            "plan": plan,
        }


def search_picture(incident: Any, picture: Any) -> SearchPicture:
    """From an incident (its ``search`` case) and its map now (``jprcc.locate.service.Picture``)."""
    from jprcc.locate.model import Searched

    g = picture.grid
    case = incident.search
    latest = case.plans[-1] if case.plans else None
    model = picture.model
    return SearchPicture(
        incident_id=incident.incident_id,
        at=picture.at,
        bounds=(g.south, g.west, g.north, g.east),
        probability=np.asarray(picture.probability, dtype=np.float64),
        last_known=(model.position.lat, model.position.lon),
        mean=(picture.mean.lat, picture.mean.lon),
        radius_m={share: picture.radius_m(share) for share in CONTAINMENT},
        movement=MOVEMENT.get(model.movement.kind, model.movement.kind),
        probability_of_success_so_far=float(picture.cumulative_probability_of_success),
        searched=[
            [(p.lat, p.lon) for p in i.body.polygon] for i in case.information if isinstance(i.body, Searched)
        ],
        plan_id=latest.plan_id if latest else None,
        plan_at=latest.at if latest else None,
        plan_probability_of_success=latest.probability_of_success if latest else None,
        planned=[(a.asset, [(p.lat, p.lon) for p in a.corners]) for a in latest.areas] if latest else [],
    )
