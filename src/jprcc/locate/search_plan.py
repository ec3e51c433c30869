"""Search plans: where each asset should search, and what the plan is worth.

``propose`` takes the map at the time the searches will happen, allocates the assets' effort
optimally (``jprcc.locate.planning.allocate``), turns the allocation into one rectangle per
asset with its track spacing (``jprcc.locate.planning.areas``), and reports the plan's
probability of success, the optimum it falls short of, and the cumulative probability of
success of every search so far plus this one. An asset that searches only water or only land
searches the cells that hold some (``_water_and_land``): on the shore, both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor, Position
from jprcc.locate.model import DetectionLaw, MaritimeDrift, PlannedArea, SearchAsset, SearchPlan
from jprcc.locate.planning.allocate import allocate, pod_inverse_cube, pod_random
from jprcc.locate.planning.areas import AreaPlan, place
from jprcc.locate.planning.coast import searchable
from jprcc.locate.service import Locate, Picture

MAX_ASSETS = 12


@dataclass(frozen=True)
class Proposal:
    picture: Picture
    plan: SearchPlan


def check_assets(assets: list[SearchAsset]) -> None:
    if not 1 <= len(assets) <= MAX_ASSETS:
        raise RuleViolation(f"a plan takes 1 to {MAX_ASSETS} assets", field="assets")
    if len({a.name for a in assets}) != len(assets):
        raise RuleViolation("each asset appears once in a plan", field="assets")
    for a in assets:
        for name, value, high in (
            ("sweep_width_m", a.sweep_width_m, 50_000),
            ("speed_kt", a.speed_kt, 600),
            ("hours", a.hours, 48),
        ):
            if not (math.isfinite(value) and 0 < value <= high):
                raise RuleViolation(f"{name} of {a.name} must be over 0 and at most {high}", field=name)
        if not (math.isfinite(a.signal_probability) and 0 < a.signal_probability <= 1):
            raise RuleViolation(
                f"signal_probability of {a.name} is a probability over 0 and at most 1",
                field="signal_probability",
            )
        if a.track_length_m < 100 or a.sweep_width_m < 1:
            raise RuleViolation(
                f"{a.name} searches less than 100 m of track or sweeps under 1 m", field="assets"
            )


def propose(
    locate: Locate,
    actor: Actor,
    incident_id: str,
    assets: list[SearchAsset],
    at: datetime | None = None,
    law: DetectionLaw = DetectionLaw.RANDOM,
    cells: int = 200,
) -> Proposal:
    """Search areas for ``assets`` on the map at ``at``. The incident is read as ``actor`` first:
    one it is hidden from is refused before the assets are looked at or a particle is moved."""
    incident = locate.queries.incident(actor, incident_id)
    check_assets(assets)
    picture = locate.picture_of(incident, at, None, cells)
    if picture.probability.sum() < 1e-6:
        raise RuleViolation(
            "the map holds almost no probability (the information does not fit the model): "
            "redefine the search model before planning",
            field="model",
        )
    grid = picture.grid
    cell_area = grid.cell_width_m * grid.cell_height_m
    water, land = _water_and_land(locate, picture)
    masks = [
        np.ones_like(water, dtype=bool) if a.searches == "any" else (water if a.searches == "water" else land)
        for a in assets
    ]
    order = sorted(range(len(assets)), key=lambda i: -assets[i].effort_m2)
    chosen = [assets[i] for i in order]
    chosen_masks = [masks[i] for i in order]
    best = allocate(
        picture.probability,
        [a.effort_m2 for a in chosen],
        cell_area,
        [m.astype(float) for m in chosen_masks],
        signal=[a.signal_probability for a in chosen],
    )
    law_pod = pod_random if law is DetectionLaw.RANDOM else pod_inverse_cube
    plans, left = place(
        picture.probability,
        grid.cell_width_m,
        grid.cell_height_m,
        list(best.effort_m2),
        [a.sweep_width_m for a in chosen],
        [a.track_length_m for a in chosen],
        chosen_masks,
        law_pod,
        [a.signal_probability for a in chosen],
    )
    success = float(picture.probability.sum() - left.sum())
    cumulative = 1 - (1 - picture.cumulative_probability_of_success) * (1 - success)
    areas = tuple(_area(picture, a, p) for a, p in zip(chosen, plans, strict=True))
    plan = SearchPlan(
        plan_id="",
        at=picture.at,
        areas=areas,
        probability_of_success=round(success, 6),
        cumulative_probability_of_success=round(cumulative, 6),
        optimal_probability_of_success=round(best.probability_of_success, 6),
        model_revision=picture.revision,
        adopted_by="",
        adopted_at=picture.at,
    )
    return Proposal(picture, plan)


def _water_and_land(locate: Locate, picture: Picture) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which cells of the picture's map an asset that searches water, or land, can search. A drift
    at sea with land in reach has its coast: a cell on the shore holds both, so a boat and a team on
    foot can each search it (what has stranded lies there). Otherwise the terrain's water, and
    without one, all water at sea and all land ashore."""
    grid = picture.grid
    coast = picture.simulation.coast
    if coast is not None:
        return searchable(coast, picture.simulation.frame, grid)
    _, wet = locate.intel.terrain.on_grid(grid)
    at_sea = isinstance(picture.model.movement, MaritimeDrift)
    water = wet if wet is not None else np.full((grid.rows, grid.cols), at_sea)
    return water, ~water


def _area(picture: Picture, asset: SearchAsset, p: AreaPlan) -> PlannedArea:
    grid = picture.grid
    r = p.rectangle
    dlat = (grid.north - grid.south) / grid.rows
    dlon = (grid.east - grid.west) / grid.cols
    north, south = grid.north - r.row0 * dlat, grid.north - r.row1 * dlat
    west, east = grid.west + r.col0 * dlon, grid.west + r.col1 * dlon
    corners = tuple(
        Position(round(lat, 6), round(lon, 6))
        for lat, lon in ((north, west), (north, east), (south, east), (south, west))
    )
    return PlannedArea(
        asset=asset.name,
        corners=corners,
        width_m=round(p.width_m, 1),
        height_m=round(p.height_m, 1),
        sweep_width_m=asset.sweep_width_m,
        track_spacing_m=round(p.track_spacing_m, 1),
        track_length_m=round(asset.track_length_m, 1),
        coverage=round(p.coverage, 4),
        probability_of_detection=round(p.probability_of_detection, 4),
        probability_of_containment=round(p.probability_of_containment, 4),
    )
