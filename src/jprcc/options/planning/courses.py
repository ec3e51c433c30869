"""Assembling recovery options: which asset fills which role, as an optimisation.

One *combination* (``Combo``) is a method at a pickup site with, for every role it needs, the
candidate assets and what each would bring (``Candidate``: when it is on station, the threat
exposure and the unreliability it adds, the operation it would leave). An *assignment* picks
one candidate per needed role, no asset in two roles. Its three criteria, all to be lowered:

- **time**: seconds from now until the persons are back at a medical facility: the pickup
  happens when the persons and every chosen asset are at the site (and, where the
  threat-decision matrix asks for darkness, inside a dark window), then the time on scene and
  the recovery vehicle's return leg;
- **risk**: ``-ln P(success)``, where the probability of success multiplies the chance of
  getting through the threat (``exp(-exposure / EXPOSURE_SCALE_S)``), each asset's and hand-off's
  reliability, and the hurt persons' survival of the time to care (``exp(-t / tau)``); the
  model and its figures are in the operator's guide, "Recovery options";
- **disruption**: points for assets taken from other operations, ``6 - priority`` each
  (an asset from a priority-1 operation costs 5).

The JPRCC ranks by a transparent score, ``w_time · hours + w_risk · risk points + w_disruption
· disruption points`` with risk points ``= 10 · (-ln P)`` (about ten times the probability of
failure while it is small).

Why CP-SAT (OR-Tools). The assembly is a small assignment problem with side constraints that a
plain matching cannot express: the pickup time is a *maximum* over the roles, the escort and
medical roles exist only for some recovery vehicles (an escort when the vehicle's way in is
threatened, medical care when it carries none), and the pickup must fall inside one of several
dark windows. CP-SAT takes all of that as stated (booleans, linear sums, ``AddMaxEquality``-style
bounds, enforcement literals), proves optimality on these sizes in milliseconds, and its
licence (Apache-2.0) is ours. A MILP solver would need big-M rewrites of the same; brute force
(``brute_force``, kept as the reference the solver is tested against) is exponential in the
number of roles.

To keep each model small, every role keeps only the candidates that fewer than ``k`` others
dominate (``k`` = the number of roles, plus the recovery vehicles already excluded): if ``k``
candidates were at least as good on every criterion, one of them would be free whatever the
other roles take, so no better assignment is lost. The non-dominated set is then gathered from
optimal assignments under several weightings (the JPRCC's, and each criterion first), with
alternatives that exclude the recovery vehicles already found; each of those is then checked
against every combination (is there an assignment no worse on every criterion and better on
one?) and replaced by it if so, so every option returned is non-dominated among all
assignments, not only among those found.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from jprcc.options.model import TaskRole

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

#: threat-seconds that leave a mover e^-1 (37 %) of getting through: for aircraft, five minutes
#: inside a threat that certainly engages (threat field 1.0); for people and vehicles on the
#: ground, who hide and return fire, an hour
EXPOSURE_SCALE_S = 300.0
GROUND_EXPOSURE_SCALE_S = 3600.0
#: the score's risk points per unit of -ln P(success)
RISK_POINTS = 10.0
SCALE = 1_000_000_000  # CP-SAT works on integers: the score is counted in billionths

DETERMINISTIC_LIMIT = 5.0
"""CP-SAT's work limit per solve, in its deterministic time units (about a second of work each on
a reference machine): unlike a wall-clock limit it gives the same options on a loaded server."""


@dataclass(frozen=True)
class Weights:
    """The JPRCC's weighting: score = time · hours + risk · risk points + disruption · points."""

    time: float = 1.0
    risk: float = 1.0
    disruption: float = 1.0

    def __post_init__(self) -> None:
        for name in ("time", "risk", "disruption"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 1000):
                raise ValueError(f"weight {name} must be 0 to 1000")
        if self.time == self.risk == self.disruption == 0:
            raise ValueError("at least one weight must be positive")


@dataclass(frozen=True)
class Candidate:
    """One asset able to fill one role of a combination, with what it would bring.

    ``arrival_s``: seconds from now until on station at the site. ``exposure_s``:
    threat-seconds it adds. ``log_unreliability``: its ``-ln`` reliability. ``return_s``:
    (recovery vehicle only) seconds from the site to a medical facility. ``disruption``: points
    for the operation it leaves. ``medical``: (vehicle) it brings its own medical care.
    ``needs_escort``: (vehicle) its way in crosses medium threat or worse. ``exposure_scale_s``:
    the threat-seconds that leave it e^-1 of getting through (``EXPOSURE_SCALE_S`` in the air,
    ``GROUND_EXPOSURE_SCALE_S`` on the ground)."""

    asset_id: str
    component_id: str
    arrival_s: float
    exposure_s: float = 0.0
    log_unreliability: float = 0.0
    return_s: float = 0.0
    disruption: int = 0
    medical: bool = True
    needs_escort: bool = False
    exposure_scale_s: float = EXPOSURE_SCALE_S
    secure: bool = False  # (vehicle) it secures its own pickup (pararescue, a security element aboard)

    @property
    def log_risk(self) -> float:
        return self.exposure_s / self.exposure_scale_s + self.log_unreliability


@dataclass(frozen=True)
class Combo:
    """A method at a pickup site: the roles to fill and the candidates for each.

    ``roles`` always need filling; ``escort`` only for a vehicle with ``needs_escort``;
    ``medical`` (None when nobody is hurt) only for a vehicle without ``medical``;
    ``security`` (None when the pickup needs none) only for a vehicle without ``secure``.
    ``ready_s``: earliest the persons can be at the site. ``dark``: windows (seconds from now)
    the pickup must fall in, or None. ``casualty_rate``: ``-ln`` survival per second until care.
    ``fixed_log_risk``: risk of the parts no asset choice changes (the persons' own movement,
    the custody hand-offs)."""

    key: str
    roles: dict[TaskRole, list[Candidate]]
    escort: list[Candidate] = field(default_factory=list)
    medical: list[Candidate] | None = None
    ready_s: float = 0.0
    on_scene_s: float = 600.0
    dark: list[tuple[float, float]] | None = None
    casualty_rate: float = 0.0
    fixed_log_risk: float = 0.0
    security: list[Candidate] | None = None


@dataclass(frozen=True)
class Assignment:
    combo: str
    chosen: dict[TaskRole, Candidate]
    pickup_s: float
    medical_s: float
    log_risk: float
    disruption: int
    waiting_s: float = 0.0  # from when everyone could be there until the pickup (darkness)
    proven_optimal: bool = True  # False: the solver's work limit ran out first; feasible, maybe not best

    @property
    def p_success(self) -> float:
        return math.exp(-self.log_risk)

    @property
    def vehicle(self) -> Candidate:
        return self.chosen[TaskRole.RECOVERY_VEHICLE]

    def criteria(self) -> tuple[float, float, int]:
        return (self.medical_s, self.log_risk, self.disruption)

    def score(self, w: Weights) -> float:
        return (
            w.time * self.medical_s / 3600
            + w.risk * RISK_POINTS * self.log_risk
            + w.disruption * self.disruption
        )

    def signature(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.combo, tuple(sorted((r.value, c.asset_id) for r, c in self.chosen.items()))


# --- evaluating an assignment (the specification both solvers follow) --------------------


def pickup_time(combo: Combo, latest_arrival: float) -> float | None:
    """When the pickup can happen: everyone there and, if darkness is asked for, the whole time on
    scene inside one dark window (a pickup begun at the last minute of the night ends in daylight)."""
    t = max(combo.ready_s, latest_arrival)
    if combo.dark is None:
        return t
    for start, end in sorted(combo.dark):
        begin = max(t, start)
        if begin + combo.on_scene_s <= end:
            return begin
    return None


def evaluate(combo: Combo, chosen: dict[TaskRole, Candidate]) -> Assignment | None:
    """The criteria of a full assignment, or None when no dark window fits it."""
    everyone = max(combo.ready_s, *(c.arrival_s for c in chosen.values()))
    pickup = pickup_time(combo, everyone)
    if pickup is None:
        return None
    vehicle = chosen[TaskRole.RECOVERY_VEHICLE]
    medical_s = pickup + combo.on_scene_s + vehicle.return_s
    counted = _counted(chosen)
    log_risk = combo.fixed_log_risk + combo.casualty_rate * medical_s + sum(c.log_risk for c in counted)
    disruption = sum(c.disruption for c in counted)
    return Assignment(combo.key, dict(chosen), pickup, medical_s, log_risk, disruption, pickup - everyone)


def _needed(combo: Combo, vehicle: Candidate) -> dict[TaskRole, list[Candidate]]:
    roles: dict[TaskRole, list[Candidate]] = {
        r: cands for r, cands in combo.roles.items() if r is not TaskRole.RECOVERY_VEHICLE
    }
    if vehicle.needs_escort:
        roles[TaskRole.ESCORT_FIRES] = combo.escort
    if combo.medical is not None and not vehicle.medical:
        roles[TaskRole.MEDICAL] = combo.medical
    if combo.security is not None and not vehicle.secure:
        roles[TaskRole.GROUND_SECURITY] = combo.security
    return roles


@functools.cache
def _cp_sat() -> tuple[ModuleType, type[cp_model.CpModel]]:
    """CP-SAT, and its model without the camelCase aliases it attaches to every new instance (this
    module uses the snake_case API): making them walks every method of the class, as long as a
    small solve takes, and an option set builds a model for each of its hundred-odd solves.

    Imported at the first solve, not with this module: it brings pandas with it, and the two take
    half a second, which every command line and server process would pay at start-up."""
    from ortools.sat.python import cp_model

    class Model(cp_model.CpModel):
        def _add_pre_pep8_methods(self) -> None:
            pass

    return cp_model, Model


#: roles an asset holds beside another one: the rescue escort's lead directs the scene as well
SHARED_ROLES = frozenset({TaskRole.ON_SCENE_COMMANDER})


def _counted(chosen: dict[TaskRole, Candidate]) -> list[Candidate]:
    """The picks whose risk and disruption count: an asset holding a shared role beside another
    one is counted once, in the other."""
    held = {c.asset_id for r, c in chosen.items() if r not in SHARED_ROLES}
    return [c for r, c in chosen.items() if r not in SHARED_ROLES or c.asset_id not in held]


def brute_force(combo: Combo, w: Weights) -> Assignment | None:
    """The best assignment by trying every one: exponential, the reference for ``solve``."""
    best: Assignment | None = None
    for vehicle in combo.roles.get(TaskRole.RECOVERY_VEHICLE, []):
        roles = _needed(combo, vehicle)
        names = list(roles)
        for picks in itertools.product(*(roles[r] for r in names)):
            held = [p for r, p in zip(names, picks, strict=True) if r not in SHARED_ROLES]
            ids = [vehicle.asset_id, *(p.asset_id for p in held)]
            if len(set(ids)) != len(ids):
                continue
            found = evaluate(
                combo, {TaskRole.RECOVERY_VEHICLE: vehicle, **dict(zip(names, picks, strict=True))}
            )
            if found is not None and (best is None or found.score(w) < best.score(w) - 1e-12):
                best = found
    return best


# --- keeping the candidates that can matter ---------------------------------------------


def _keep_undominated(cands: Sequence[Candidate], k: int, vehicle: bool) -> list[Candidate]:
    """Candidates dominated (no worse on every criterion, better on one) by fewer than ``k``
    others of the same kind; vehicles are compared only with vehicles that need the same
    escort and medical roles."""
    if len(cands) <= k:
        return list(cands)
    kept: list[Candidate] = []
    groups: dict[tuple[bool, bool, bool], list[Candidate]] = {}
    for c in cands:
        groups.setdefault(
            (c.medical, c.needs_escort, c.secure) if vehicle else (True, False, False), []
        ).append(c)
    for group in groups.values():
        m = np.array([[c.arrival_s, c.log_risk, c.disruption, c.return_s] for c in group])
        no_worse = (m[None, :, :] <= m[:, None, :]).all(axis=2)  # [i, j]: j no worse than i
        better = (m[None, :, :] < m[:, None, :]).any(axis=2)
        dominated_by = (no_worse & better).sum(axis=1)
        # exact ties: keep the first k of each tied group, in a stable order
        kept += [c for c, n in zip(group, dominated_by, strict=True) if n < k]
    return _dedupe_ties(kept, k)


def _dedupe_ties(cands: list[Candidate], k: int) -> list[Candidate]:
    seen: dict[tuple[float, ...], int] = {}
    out = []
    for c in sorted(cands, key=lambda c: c.asset_id):
        key = (c.arrival_s, c.log_risk, c.disruption, c.return_s, c.medical, c.needs_escort, c.secure)
        if seen.get(key, 0) < k:
            seen[key] = seen.get(key, 0) + 1
            out.append(c)
    return out


def reduce(combo: Combo, extra: int = 0) -> Combo:
    """The same combination with only the candidates that can be part of a best assignment."""
    k = (
        len(combo.roles)
        + (1 if combo.escort else 0)
        + (1 if combo.medical is not None else 0)
        + (1 if combo.security is not None else 0)
    )
    roles = {
        r: _keep_undominated(
            c, k + (extra if r is TaskRole.RECOVERY_VEHICLE else 0), r is TaskRole.RECOVERY_VEHICLE
        )
        for r, c in combo.roles.items()
    }
    medical = None if combo.medical is None else _keep_undominated(combo.medical, k, False)
    security = None if combo.security is None else _keep_undominated(combo.security, k, False)
    return Combo(
        combo.key,
        roles,
        _keep_undominated(combo.escort, k, False),
        medical,
        combo.ready_s,
        combo.on_scene_s,
        combo.dark,
        combo.casualty_rate,
        combo.fixed_log_risk,
        security,
    )


# --- the solver -------------------------------------------------------------------------


def solve(
    combo: Combo,
    w: Weights,
    exclude_vehicles: Iterable[str] = (),
    within: Assignment | None = None,
    limit: float = DETERMINISTIC_LIMIT,
) -> Assignment | None:
    """The assignment with the lowest score under ``w`` (CP-SAT), or None if none is feasible.

    ``within``: only assignments no worse than it on every criterion. A zero weight is taken as a
    ten-thousandth, so that the optimum is never needlessly worse on a criterion left out."""
    w = Weights(max(w.time, 1e-4), max(w.risk, 1e-4), max(w.disruption, 1e-4))
    excluded = set(exclude_vehicles)
    vehicles = [c for c in combo.roles.get(TaskRole.RECOVERY_VEHICLE, []) if c.asset_id not in excluded]
    if not vehicles or any(not c for r, c in combo.roles.items() if r is not TaskRole.RECOVERY_VEHICLE):
        return None
    sat, model = _cp_sat()
    m = model()
    horizon = int(
        max(
            [combo.ready_s, *(c.arrival_s for cs in combo.roles.values() for c in cs)]
            + [c.arrival_s for c in combo.escort]
            + [c.arrival_s for c in combo.medical or []]
            + [c.arrival_s for c in combo.security or []]
            + [end for _, end in combo.dark or []]
        )
        + 1
    )
    pickup = m.new_int_var(math.ceil(combo.ready_s), horizon, "pickup")
    picks: dict[TaskRole, list[tuple[cp_model.IntVar, Candidate]]] = {}
    by_asset: dict[str, list[cp_model.IntVar]] = {}

    def choose(role: TaskRole, cands: Sequence[Candidate]) -> list[cp_model.IntVar]:
        xs = []
        for c in cands:
            x = m.new_bool_var(f"{role.value}:{c.asset_id}")
            xs.append(x)
            if role not in SHARED_ROLES:  # one asset, one role (but a shared one beside it)
                by_asset.setdefault(c.asset_id, []).append(x)
            picks.setdefault(role, []).append((x, c))
            m.add(pickup >= math.ceil(c.arrival_s)).only_enforce_if(x)
        return xs

    v = choose(TaskRole.RECOVERY_VEHICLE, vehicles)
    m.add_exactly_one(v)
    for role, cands in combo.roles.items():
        if role is not TaskRole.RECOVERY_VEHICLE:
            m.add_exactly_one(choose(role, cands))
    escorted = [x for x, c in zip(v, vehicles, strict=True) if c.needs_escort]
    m.add(sum(choose(TaskRole.ESCORT_FIRES, combo.escort)) == sum(escorted))
    if combo.medical is not None:
        bare = [x for x, c in zip(v, vehicles, strict=True) if not c.medical]
        m.add(sum(choose(TaskRole.MEDICAL, combo.medical)) == sum(bare))
    if combo.security is not None:
        open_ = [x for x, c in zip(v, vehicles, strict=True) if not c.secure]
        m.add(sum(choose(TaskRole.GROUND_SECURITY, combo.security)) == sum(open_))
    for xs in by_asset.values():
        if len(xs) > 1:
            m.add_at_most_one(xs)
    # a shared role's pick costs only when its asset holds no other role
    costs: dict[int, cp_model.IntVar] = {}
    for role in SHARED_ROLES:
        for x, c in picks.get(role, []):
            others = by_asset.get(c.asset_id, [])
            if others:
                y = m.new_bool_var(f"{role.value}:{c.asset_id}:alone")
                m.add(y >= x - sum(others))
                costs[id(x)] = y

    def cost(x: cp_model.IntVar) -> cp_model.IntVar:
        return costs.get(id(x), x)

    if combo.dark is not None:
        windows = []
        for i, (start, end) in enumerate(combo.dark):
            y = m.new_bool_var(f"dark{i}")
            m.add(pickup >= math.ceil(start)).only_enforce_if(y)
            m.add(pickup <= math.floor(end - combo.on_scene_s)).only_enforce_if(y)
            windows.append(y)
        m.add_exactly_one(windows)
    # the score in billionths: the pickup and the vehicle's return leg by the second, the rest
    # by the asset chosen (the time on scene and the fixed risk change no choice)
    per_second = w.time / 3600 + w.risk * RISK_POINTS * combo.casualty_rate
    objective = [round(SCALE * per_second) * pickup]
    for role, pairs in picks.items():
        for x, c in pairs:
            term = w.risk * RISK_POINTS * c.log_risk + w.disruption * c.disruption
            if role is TaskRole.RECOVERY_VEHICLE:
                term += per_second * c.return_s
            objective.append(round(SCALE * term) * cost(x))  # (a vehicle's cost is its pick)
    m.minimize(sum(objective))
    if within is not None:
        _no_worse_than(m, combo, picks, pickup, within, cost)
    solver = sat.CpSolver()
    solver.parameters.num_workers = 1
    # a limit on the solver's work, not on the clock: the same answer on any machine, under any load
    solver.parameters.max_deterministic_time = limit
    status = solver.solve(m)
    if status not in (sat.OPTIMAL, sat.FEASIBLE):
        return None
    chosen = {role: c for role, pairs in picks.items() for x, c in pairs if solver.boolean_value(x)}
    found = evaluate(combo, chosen)
    if found is not None and status != sat.OPTIMAL:
        found = replace(found, proven_optimal=False)
    return found


def _no_worse_than(
    m: cp_model.CpModel,
    combo: Combo,
    picks: dict[TaskRole, list[tuple[cp_model.IntVar, Candidate]]],
    pickup: cp_model.IntVar,
    a: Assignment,
    cost: Callable[[cp_model.IntVar], cp_model.IntVar],
) -> None:
    """Bound the model's time, risk and disruption by those of ``a`` (risk in billionths, with a
    unit of slack per term for the rounding)."""
    vehicle_return = [c.return_s * x for x, c in picks.get(TaskRole.RECOVERY_VEHICLE, [])]
    m.add(pickup + sum(vehicle_return) <= math.floor(a.medical_s - combo.on_scene_s + 1e-6))
    every = [(cost(x), c) for pairs in picks.values() for x, c in pairs]
    m.add(sum(c.disruption * x for x, c in every) <= a.disruption)
    rate = combo.casualty_rate
    risk = [round(SCALE * c.log_risk) * x for x, c in every]
    risk += [round(SCALE * rate) * pickup]
    risk += [round(SCALE * rate * c.return_s) * x for x, c in picks.get(TaskRole.RECOVERY_VEHICLE, [])]
    budget = a.log_risk - combo.fixed_log_risk - rate * combo.on_scene_s
    m.add(sum(risk) <= math.floor(SCALE * budget) + len(risk))


def dominates(b: Assignment, a: Assignment) -> bool:
    """``b`` is at least as good as ``a`` on every criterion and better on one."""
    pairs = list(zip(b.criteria(), a.criteria(), strict=True))
    return all(x <= y + 1e-9 for x, y in pairs) and any(x < y - 1e-9 for x, y in pairs)


def _undominated(a: Assignment, combos: Sequence[Combo], w: Weights) -> Assignment:
    """``a``, or an assignment of any combination that dominates it and that nothing dominates."""
    for _ in range(len(combos) + 1):
        better = None
        for combo in combos:
            found = solve(combo, w, within=a)
            if found is not None and dominates(found, a):
                better = found
                break
        if better is None:
            return a
        a = better
    return a


def pareto(found: Iterable[Assignment]) -> list[Assignment]:
    """The assignments no other is at least as good as on every criterion and better on one."""
    unique = {a.signature(): a for a in found}
    items = list(unique.values())
    return [a for a in items if not any(dominates(b, a) for b in items if b is not a)]


#: weightings whose optimum is searched besides the JPRCC's: each criterion first
EXTREMES = (Weights(1.0, 0.001, 0.001), Weights(0.001, 1.0, 0.001), Weights(0.001, 0.001, 1.0))


def assemble(
    combos: Sequence[Combo], w: Weights, alternatives: int = 2
) -> tuple[list[Assignment], list[Assignment], list[str]]:
    """Non-dominated assignments over all combinations, best score first; the dominated
    alternatives found on the way (other recovery vehicles), best score first; and the keys of
    the combinations no assignment satisfies."""
    found: list[Assignment] = []
    unsolved: list[str] = []
    for combo in combos:
        small = reduce(combo, extra=alternatives)
        used: list[str] = []
        for _ in range(alternatives + 1):
            best = solve(small, w, used)
            if best is None:
                if not used:
                    unsolved.append(combo.key)
                break
            found.append(best)
            used.append(best.vehicle.asset_id)
        for extreme in EXTREMES:
            best = solve(small, extreme)
            if best is not None:
                found.append(best)
    front = pareto(found)
    # an option found by excluding vehicles may still be beaten by one never searched for: check
    # each against every combination, so that what is listed is truly non-dominated
    smalls = [reduce(c) for c in combos]
    front = pareto([_undominated(a, smalls, w) for a in front])
    in_front = {a.signature() for a in front}
    others = {a.signature(): a for a in found if a.signature() not in in_front}
    ranked = sorted(front, key=lambda a: a.score(w))
    return ranked, sorted(others.values(), key=lambda a: a.score(w)), unsolved
