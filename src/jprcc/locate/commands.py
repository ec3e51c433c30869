"""Search-case commands: the movement model, information, search plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.brokering.commands import IncidentCommand
from jprcc.locate.model import Clue, DetectionLaw, SearchAsset, SearchModel, SearchPlan

# --- locate ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DefineSearchModel(IncidentCommand):
    """Define (or redefine) how the person is thought to move from the last known position.

    Once the actor is authorized, the model is prepared before it is decided: an evader's
    destinations are taken from the evasion plan of ``model.movement.from_epa`` (opening it is
    audited), a forcing file's digest is taken, and the model is simulated once — a model that
    cannot run is refused with nothing recorded."""

    model: SearchModel


@dataclass(frozen=True, kw_only=True)
class RecordSearchInformation(IncidentCommand):
    """A fix, a line of bearing, a voice report, or an area searched without success."""

    at: datetime
    body: Clue
    reliability: float = 1.0
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class AdoptSearchPlan(IncidentCommand):
    """Adopt search areas: given as a ``plan``, or computed for the ``assets`` on the map at
    ``at`` — the allocation runs only once the actor is authorized (the plan's id and author are
    set when it is decided)."""

    plan: SearchPlan | None = None
    assets: tuple[SearchAsset, ...] = ()
    at: datetime | None = None
    law: DetectionLaw = DetectionLaw.RANDOM
    cells: int = 200
    remarks: str = ""
