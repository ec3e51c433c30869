"""One isolating event's recovery, planned by the product's own options model.

``Recovery`` holds what does not change while the event runs (the scene, the threat fields and
the route fields, computed once by ``options.planning.fields.prepare`` on a coarser grid than the
product's, see ``CELL_M``) and answers ``best(now, available)``: the option the JPRCC's scoring
ranks first among the assets given, planned from ``now`` exactly as the product plans it —

- the threat-decision matrix's row for the situation at ``now`` (threat at the person and on the
  best way in, the light and the Moon, the persons' mobility): whether the pickup must wait for
  darkness, which roles are optional, whether airborne C2 is required, and the approval it needs;
- the dark windows from ``now`` at the person (``intel.planning.light``) when the row wants darkness;
- every combination of method and pickup site, each solved by CP-SAT (``options.planning.courses``):
  time to the medical facility, P(success) = exp(-risk) with the threat, each asset's and hand-off's
  reliability and the hurt persons' survival, and the disruption of other operations.

Pure: arrays and dataclasses in, a ``Choice`` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from jprcc.core.model import Capability, Condition
from jprcc.exercise.planning.theaters import Isolation, Theater
from jprcc.intel import decision
from jprcc.intel.planning import light
from jprcc.intel.planning.threat import Grid, Mode, threat_field, travel_seconds
from jprcc.options.model import Method, Situation, open_methods
from jprcc.options.planning.courses import Assignment, Weights, reduce, solve
from jprcc.options.planning.fields import Available, Scene, prepare
from jprcc.options.planning.packages import combinations

RADIUS_M = 150_000.0  # the product's planning radius
CELL_M = 1_000.0
"""The simulation's planning cell (the product plans on 250 m): 300 cells a side keeps one event's
fields near ten milliseconds; the threat rings (2.5 to 10 km) still cover several cells each."""
DARK_HORIZON = timedelta(hours=36)
UNCERTAINTY_M = 100.0  # the person is located and authenticated before the planning starts


@dataclass(frozen=True)
class Choice:
    """The option chosen, as the simulation needs it (times in seconds from the planning time)."""

    assignment: Assignment
    method: Method
    approval: str  # the matrix row's: component | jprcc | jfc
    wait_for_darkness: bool

    @property
    def assets(self) -> dict[str, str]:
        """asset id -> component id of every asset the option uses (unfilled roles left out)."""
        return {c.asset_id: c.component_id for c in self.assignment.chosen.values() if c.component_id}

    @property
    def components(self) -> frozenset[str]:
        return frozenset(self.assets.values())


class Recovery:
    """The recovery planning of one isolating event in one theater."""

    def __init__(
        self, theater: Theater, event: Isolation, matrix: decision.Matrix, weights: Weights | None = None
    ):
        self.event = event
        self.matrix = matrix
        self.weights = weights or Weights()
        self.scene = Scene(
            event.lat,
            event.lon,
            UNCERTAINTY_M,
            event.conditions,
            at_sea=event.environment == "maritime",
            coastal=event.environment == "littoral",
            sites=theater.sites,
            medical=theater.medical,
        )
        grid = Grid.around(event.lat, event.lon, RADIUS_M, CELL_M)
        threat = {m: threat_field(grid, theater.envelopes, theater.zones, m) for m in Mode}
        self.fields = prepare(grid, threat, lambda g, m: travel_seconds(g, m), self.scene)
        self.threat_at_person = float(threat[Mode.ROTARY_WING_LOW][grid.cell_of(event.lat, event.lon)])
        # the worst threat on the best way in: from the nearest base of a rotary-wing recovery asset
        bases = {
            (a.base.lat, a.base.lon)
            for a in theater.assets
            if Capability.ROTARY_WING_RECOVERY in a.capabilities and grid.contains(a.base.lat, a.base.lon)
        }
        ways = [self.fields.air[""].to(lat, lon) for lat, lon in bases] if "" in self.fields.air else []
        reached = [w for w in ways if w.reachable]
        self.threat_on_route = (
            min(reached, key=lambda w: w.seconds).worst_threat if reached else self.threat_at_person
        )
        self.methods, _ = open_methods(
            Situation(
                detained=False,
                uncertainty_m=UNCERTAINTY_M,
                locate_limit_m=matrix.location_certain_within_m,
                at_sea=self.scene.at_sea,
                coastal=self.scene.coastal,
                all_mobile=self.scene.all_mobile,
            )
        )

    def decided(self, now: datetime) -> decision.Decision:
        here = light.light(self.event.lat, self.event.lon, now)
        return decision.assess(
            self.matrix,
            threat_at_person=self.threat_at_person,
            threat_on_route=self.threat_on_route,
            dark=here.dark,
            moonlit=here.moonlit,
            injured=any(c is not Condition.UNINJURED for c in self.event.conditions),
            uncertainty_m=UNCERTAINTY_M,
            authenticated=True,
        )

    def best(self, now: datetime, available: list[Available]) -> Choice | None:
        """The best-scored option from ``now`` with ``available``, or None when none can be formed."""
        decided = self.decided(now)
        wait = decision.daylight_forbidden(self.matrix, decided)
        dark = None
        if wait:
            windows = light.dark_windows(self.event.lat, self.event.lon, now, DARK_HORIZON)
            dark = [((a - now).total_seconds(), (b - now).total_seconds()) for a, b in windows]
        plan = combinations(
            self.scene,
            self.fields,
            available,
            self.methods,
            threat_medium=self.matrix.threat_medium,
            c2_required=decided.approach is decision.Approach.EXTERNAL_SUPPORTED,
            dark=dark,
            optional_roles=frozenset(decided.optional_roles),
        )
        best: Assignment | None = None
        for combo in plan.combos:
            found = solve(reduce(combo), self.weights)
            if found is not None and (best is None or found.score(self.weights) < best.score(self.weights)):
                best = found
        if best is None:
            return None
        method, _ = plan.methods[best.combo]
        return Choice(best, method, decided.approval.value, wait)


def dark_at(event: Isolation, when: datetime) -> bool:
    return light.light(event.lat, event.lon, when).dark
