"""The coordination process as a discrete-event simulation (SimPy): one theater's day, one arrangement.

Each isolating event is a process:

1. isolation; the report reaches the centre and the person is fixed and authenticated
   (``report_delay_min``, ``locate_min``);
2. it waits for one of its component's planning cells (``cells`` each) and is planned
   (``planning_min``);
3. the option the JPRCC's scoring ranks first is formed from the assets free now
   (``recovery.Recovery.best``): the component's own at their readiness; another component's
   later by what it takes to get them — the median of a supporting component's answer, plus, at
   component level, the median TACON negotiation, or, with a JPRCC, the JFC's directive;
4. if the option needs assets of components not yet asked, they are asked. Each answers after its
   own ``support_answer_min``; at component level each then negotiates TACON
   (``negotiation_min``) and may refuse (``refusal_probability``); a refusal holds until it has
   been escalated (``escalation_h``), when the component may be asked again. With a JPRCC the JFC
   approves the designation (``directive_min``). After a refusal the option is formed again
   without that component;
5. the approval the matrix's row asks for (``approval_min``); if an asset was taken by another
   event meanwhile, back to 3. Otherwise the assets are committed, the planning cell is free, and
   the recovery is planned again from this moment with exactly those assets at their readiness
   (the light, the dark windows and the matrix's row of the time of commitment): its pickup time,
   the light at the pickup, its P(success). The assets are busy until back and turned round;
6. an event that nothing can serve is planned again every ``replan_wait_min``, and counted as
   not recovered by force after ``give_up_h``.

Random numbers are drawn per event and per component from streams keyed by the theater's seed, the
event and the component, never from one shared sequence: both arrangements meet the same delays
wherever they take the same steps, so a difference in outcome is the arrangement's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import simpy

from jprcc.exercise.planning.assumptions import Assumptions
from jprcc.exercise.planning.recovery import Choice, Recovery, dark_at
from jprcc.exercise.planning.theaters import Isolation, Theater
from jprcc.options.planning.fields import Available

COMPONENT = "component"
JPRCC = "jprcc"
ARRANGEMENTS = (COMPONENT, JPRCC)

#: the random streams of an event
_COMMON, _ANSWER, _NEGOTIATION, _REFUSAL = range(4)


@dataclass(frozen=True)
class Outcome:
    """One isolating event as it ended (times in seconds after the theater's start)."""

    theater: int
    event: int
    arrangement: str
    owner: str
    environment: str
    isolated_s: float
    committed_s: float | None
    pickup_s: float | None
    dark: bool | None  # the pickup in darkness
    darkness_wanted: bool | None  # the matrix's row asked for a pickup in darkness
    p_success: float | None
    method: str | None
    components: tuple[str, ...]
    asked: int  # requests to other components for assets
    refused: int  # of which refused (component level only)

    @property
    def recovered(self) -> bool:
        return self.pickup_s is not None

    @property
    def hours_to_recovery(self) -> float:
        return math.inf if self.pickup_s is None else (self.pickup_s - self.isolated_s) / 3600


def _normal(seed: int, event: int, stream: int, *key: int) -> float:
    return float(np.random.default_rng([seed, event, stream, *key]).standard_normal())


def _uniform(seed: int, event: int, stream: int, *key: int) -> float:
    return float(np.random.default_rng([seed, event, stream, *key]).random())


class Day:
    """One theater's day under one arrangement."""

    def __init__(
        self,
        theater: Theater,
        arrangement: str,
        a: Assumptions,
        recovery: Callable[[Isolation], Recovery],
    ) -> None:
        if arrangement not in ARRANGEMENTS:
            raise ValueError(f"arrangement must be one of {', '.join(ARRANGEMENTS)}")
        self.theater = theater
        self.arrangement = arrangement
        self.a = a
        self.recovery = recovery
        self.env = simpy.Environment()
        self.cells = {cid: simpy.Resource(self.env, capacity=a.cells) for cid in theater.components.values()}
        self.busy_until = {x.asset_id: 0.0 for x in theater.assets}
        self.by_id = {x.asset_id: x for x in theater.assets}
        self.component_index = {cid: i for i, cid in enumerate(sorted(theater.components.values()))}
        self.outcomes: list[Outcome] = []

    def run(self) -> list[Outcome]:
        for event in self.theater.incidents:
            self.env.process(self._event(event))
        self.env.run()
        return sorted(self.outcomes, key=lambda o: o.event)

    # --- what the centre may use ---------------------------------------------------------------

    def _extra_s(self, component: str, owner: str, agreed: set[str]) -> float:
        """What the planner counts on to get another component's asset: the median delays."""
        if component == owner or component in agreed:
            return 0.0
        extra = self.a.support_answer_min.median * 60
        if self.arrangement == COMPONENT:
            return extra + self.a.negotiation_min.median * 60
        return extra + self.a.directive_min * 60

    def _available(
        self, event: Isolation, refused: dict[str, float], agreed: set[str], only: set[str] | None = None
    ) -> list[Available]:
        out = []
        for asset in self.theater.assets:
            delay = asset.readiness.launch_delay
            if delay is None or refused.get(asset.component_id, -1.0) > self.env.now:
                continue  # (a refusal holds until it has been escalated)
            if only is not None and asset.asset_id not in only:
                continue
            if self.busy_until[asset.asset_id] > self.env.now:
                continue
            extra = 0.0 if only is not None else self._extra_s(asset.component_id, event.owner, agreed)
            operation = None
            if asset.commitment is not None:
                operation = (
                    asset.commitment.operation_id,
                    asset.commitment.operation_id,
                    asset.commitment.priority,
                )
            out.append(
                Available(asset, frozenset(asset.capabilities), delay.total_seconds() + extra, operation)
            )
        return out

    # --- one event -------------------------------------------------------------------------------

    def _event(self, event: Isolation):  # type: ignore[no-untyped-def]  # a SimPy process
        a, seed = self.a, self.theater.seed
        yield self.env.timeout(event.at_s)
        yield self.env.timeout(
            a.report_delay_min.seconds(_normal(seed, event.index, _COMMON, 0))
            + a.locate_min.seconds(_normal(seed, event.index, _COMMON, 1))
        )
        planner = self.recovery(event)
        refused: dict[str, float] = {}  # component -> until when its refusal holds
        agreed: set[str] = set()
        asked = refusals = 0
        rounds: dict[str, int] = {}  # component -> TACON negotiations begun
        give_up = event.at_s + a.give_up_h * 3600
        with self.cells[event.owner].request() as cell:
            yield cell
            yield self.env.timeout(a.planning_min.seconds(_normal(seed, event.index, _COMMON, 2)))
            attempt = 0
            while True:
                if self.env.now >= give_up:
                    self._record(event, None, None, None, asked, refusals)
                    return
                now = self.theater.start + timedelta(seconds=self.env.now)
                choice = planner.best(now, self._available(event, refused, agreed))
                if choice is None:
                    yield self.env.timeout(a.replan_wait_min * 60)
                    continue
                new = sorted(choice.components - {event.owner} - agreed)
                if new:
                    attempt += 1
                    asked += len(new)
                    waits = []
                    refusing = set()
                    for component in new:
                        k = self.component_index[component]
                        wait = a.support_answer_min.seconds(_normal(seed, event.index, _ANSWER, k, attempt))
                        if self.arrangement == COMPONENT:
                            n = rounds[component] = rounds.get(component, 0) + 1
                            wait += a.negotiation_min.seconds(_normal(seed, event.index, _NEGOTIATION, k, n))
                            if _uniform(seed, event.index, _REFUSAL, k, n) < a.refusal_probability:
                                refusing.add(component)
                        waits.append(wait)
                    if self.arrangement == JPRCC:
                        waits = [w + a.directive_min * 60 for w in waits]
                    yield self.env.timeout(max(waits))
                    for component in refusing:
                        refused[component] = self.env.now + a.escalation_h * 3600
                    refusals += len(refusing)
                    agreed |= set(new) - refusing
                    if refusing:
                        continue
                yield self.env.timeout(a.approval_min[choice.approval] * 60 if a.approval_min else 0.0)
                if any(self.busy_until[x] > self.env.now for x in choice.assets):
                    continue  # taken by another event meanwhile
                now = self.theater.start + timedelta(seconds=self.env.now)
                done = planner.best(now, self._available(event, refused, agreed, only=set(choice.assets)))
                if done is None:  # (a dark window closed meanwhile): plan again
                    continue
                committed = self.env.now
                pickup = committed + done.assignment.pickup_s
                back = pickup + done.assignment.pickup_s + a.turnaround_min * 60
                for asset_id in done.assets:
                    self.busy_until[asset_id] = back
                break
        yield self.env.timeout(done.assignment.pickup_s)
        self._record(event, committed, pickup, done, asked, refusals)

    def _record(
        self,
        event: Isolation,
        committed: float | None,
        pickup: float | None,
        done: Choice | None,
        asked: int,
        refusals: int,
    ) -> None:
        dark = None
        if pickup is not None:
            dark = dark_at(event, self.theater.start + timedelta(seconds=pickup))
        self.outcomes.append(
            Outcome(
                self.theater.seed,
                event.index,
                self.arrangement,
                event.owner,
                event.environment,
                event.at_s,
                committed,
                pickup,
                dark,
                None if done is None else done.wait_for_darkness,
                None if done is None else done.assignment.p_success,
                None if done is None else done.method.value,
                () if done is None else tuple(sorted(done.components)),
                asked,
                refusals,
            )
        )


def simulate(
    theater: Theater, arrangement: str, a: Assumptions, recovery: Callable[[Isolation], Recovery]
) -> list[Outcome]:
    """Every isolating event of ``theater`` as it ends under ``arrangement``."""
    return Day(theater, arrangement, a, recovery).run()
