"""Running an exercise: a node of its own, in a data directory of its own, on a scenario clock.

``prepare`` makes the node: its store in the exercise's own folder (never the real one), every page,
answer and export marked with the exercise (``Settings.exercise``), its clock set to the scenario's
date. The ground (``exercise.base``: the demo's theater, or the whole demo) and the scenario's own
theater and history (steps before the start) are laid down before the clock starts; the steps at or
after the start are the **injects**, played as the clock reaches them.

``run_headless`` plays the whole script as fast as the store allows: the clock jumps straight to
the next thing that happens — an inject, or an incident's check-in or DUSTWUN clock running out —
and there the node's timers raise what is due before the injects due then are played, so an alert
fires at the moment it would have on the day, and no time is spent where nothing happens. ``Live``
plays the injects in a thread of its own while the page is served on the same clock,
which runs at real time, a multiple of it, or stands still and is stepped.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jprcc.brokering.alerts import sweep
from jprcc.core.clock import MAX_SPEED, ManualClock, ScenarioClock
from jprcc.core.node import EXERCISE_MARKER, Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.exercise import responders
from jprcc.exercise.control import ExerciseControl
from jprcc.exercise.scenario import Player, Scenario, ScenarioError, load

log = logging.getLogger("jprcc.exercise")
Progress = Callable[[int], None]


@dataclass
class Exercise:
    """A prepared exercise: its node, its clock and its player (the injects still to come)."""

    scenario: Scenario
    node: Node
    player: Player
    start: datetime
    folder: Path
    laid_down: int = 0
    """Commands of the ground, the theater and the history before the start."""
    injects: int = field(init=False, default=0)
    alerts: int = field(init=False, default=0)
    answers: int = field(init=False, default=0)
    """Poll answers given by the scripted components."""
    answered: responders.Tried = field(init=False, default_factory=set)
    refused: list[str] = field(init=False, default_factory=list)
    """Injects the rules refused (each named with its step and why); the exercise went on."""

    def refuse(self, refusal: ScenarioError) -> None:
        log.warning("inject refused", extra={"reason": str(refusal)})
        self.refused.append(str(refusal))

    @property
    def end(self) -> datetime:
        """The time of the last inject (the start if there is none)."""
        return max([self.start, *(when for _, when in self.player.pending)])

    def close(self) -> None:
        self.node.close()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "exercise"


def exercise_folder(base: Settings, scenario: Scenario, started: datetime) -> Path:
    """A new folder under the data directory's ``exercises``, named by the scenario and the real
    time the run began: an exercise never writes into the real store, nor into another run's."""
    return base.data_dir / "exercises" / f"{slug(scenario.name)}-{started:%Y%m%dT%H%M%SZ}"


def prepare(
    path: Path,
    *,
    start: datetime | None = None,
    speed: float = 1.0,
    headless: bool = False,
    folder: Path | None = None,
    settings: Settings | None = None,
) -> Exercise:
    """Load ``path``, make the exercise's node in ``folder`` (default: a new one under the data
    directory) and lay down everything before the start. A live exercise's clock stands still until
    ``Live.start``."""
    if not 0 <= speed <= MAX_SPEED:
        raise ScenarioError(f"speed: {speed:g} is not between 0 and {MAX_SPEED:g} times real time")
    if start is not None and start.tzinfo is None:
        raise ScenarioError("start: give the time zone (Z for UTC)")
    scenario = load(path)
    when = (start or scenario.start or datetime.now(UTC)).astimezone(UTC)
    base = settings or Settings()
    where = folder or exercise_folder(base, scenario, datetime.now(UTC))
    if (where / "jprcc.sqlite3").exists():
        raise ScenarioError(f"{where} already holds a store: an exercise starts in a folder of its own")
    where.mkdir(parents=True, exist_ok=True)
    own = base.model_copy(
        update={
            "data_dir": where,
            "database_url": f"sqlite:///{where / 'jprcc.sqlite3'}",
            "exercise": scenario.name,
            "vault_key": None,
            "vault_key_file": None,
            # a login lasts its shift in real time, however fast the scenario runs
            "token_ttl_s": int(base.token_ttl_s * max(1.0, speed)),
            # the live timers look at least once a scenario minute
            "sweep_interval_s": max(0.05, min(base.sweep_interval_s, 60 / max(speed, 1.0))),
        }
    )
    (where / EXERCISE_MARKER).write_text(
        json.dumps({"name": scenario.name, "scenario": str(path), "start": when.isoformat()}),
        encoding="utf-8",
    )
    clock: ManualClock | ScenarioClock = ManualClock(when) if headless else ScenarioClock(when, speed=0)
    node = bootstrap(own, clock=clock)
    try:
        laid = _ground(node, scenario, when)
        from jprcc.demo import accounts, verifier

        player = Player(scenario, node.bus, when, verifier(node), accounts(node), live=True)
        laid += player.setup() + player.play_until(when - timedelta(microseconds=1))
    except Exception:
        node.close()
        raise
    exercise = Exercise(scenario, node, player, when, where, laid)
    node.service(ExerciseControl).attach(exercise)  # exercise control steers it through the node
    return exercise


def _ground(node: Node, scenario: Scenario, start: datetime) -> int:
    """The exercise's base, recorded before the start (its last step five minutes before it)."""
    if scenario.base is None:
        return 0
    from jprcc.demo import DEMO_FILE, load_demo
    from jprcc.exercise import scenario as scenarios

    ground = scenarios.load(DEMO_FILE)
    if scenario.base == "demo":
        return load_demo(node)
    ground.steps = []
    return scenarios.play(ground, node.bus, start - timedelta(minutes=1))


@dataclass(frozen=True)
class Outcome:
    """What a headless run did, and how fast."""

    injects: int
    refused: int
    alerts: int
    events: int
    scenario_span: timedelta
    seconds: float

    @property
    def commands_per_s(self) -> float:
        return self.injects / self.seconds if self.seconds > 0 else float("inf")


def run_headless(
    exercise: Exercise, progress: Progress | None = None, until: datetime | None = None
) -> Outcome:
    """Play every inject to the end (or those due by ``until``, the clock stopping there), the
    timers raising each alert when it falls due; as fast as possible."""
    clock = exercise.node.clock
    assert isinstance(clock, ManualClock), "a headless exercise runs on a clock it moves itself"
    began, first = time.perf_counter(), exercise.node.queries.last_seq()
    run_forward(exercise, exercise.end if until is None else max(clock.now, until), progress)
    return Outcome(
        injects=exercise.injects,
        refused=len(exercise.refused),
        alerts=exercise.alerts,
        events=exercise.node.queries.last_seq() - first,
        scenario_span=clock.now - exercise.start,
        seconds=time.perf_counter() - began,
    )


def _owed_by(exercise: Exercise, now: datetime) -> bool:
    owed = responders.due(exercise.node, exercise.scenario.responders, exercise.answered)
    return bool(owed) and owed[0][0] <= now


def run_forward(exercise: Exercise, end: datetime, progress: Progress | None = None) -> None:
    """Move the exercise's clock to ``end`` through everything due on the way, each at its own time:
    an inject when it is due, a check-in or DUSTWUN clock when it runs out (a headless run; a step
    forward by exercise control). The clock never goes back."""
    clock = exercise.node.clock

    def move(to: datetime) -> datetime:
        if isinstance(clock, ManualClock):
            clock.now = max(clock.now, to)
            return clock.now
        assert isinstance(clock, ScenarioClock)
        return clock.advance_to(to)

    exercise.alerts += sweep(exercise.node.bus, exercise.node.queries)  # anything due already
    while True:
        now = clock()
        due = exercise.player.next_at
        pending = due is not None and due <= end
        if not pending and now >= end and not _owed_by(exercise, now):
            break
        timers = [
            t for t in (exercise.node.queries.next_timer(), exercise.node.next_timer()) if t is not None
        ]
        timer = min(timers) if timers else None
        owed = responders.due(exercise.node, exercise.scenario.responders, exercise.answered)
        answer = owed[0][0] if owed else None
        # the next thing that happens: an inject, a check-in or DUSTWUN clock running out, a scripted
        # component's answer falling due, the end
        target = min(t for t in (due if pending else None, timer, answer, end) if t is not None)
        now = move(min(target, end))
        if target == timer or not pending:  # a clock runs out now (or the run ends): raise what is due
            exercise.alerts += sweep(exercise.node.bus, exercise.node.queries)
            exercise.node.run_timers()  # and release the scheduled messages due
        if answer is not None and answer <= now:
            exercise.answers += responders.respond(
                exercise.node, exercise.scenario.responders, exercise.player.actors, now, exercise.answered
            )
        played = exercise.player.play_until(now, refused=exercise.refuse)
        exercise.injects += played
        if progress and played:
            progress(played)


class Live:
    """Plays the injects in a thread of its own as the scenario clock reaches them."""

    def __init__(self, exercise: Exercise, speed: float, poll_s: float = 0.2) -> None:
        self.exercise, self.speed, self.poll_s = exercise, speed, poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="exercise-injects", daemon=True)

    @property
    def clock(self) -> ScenarioClock:
        clock = self.exercise.node.clock
        assert isinstance(clock, ScenarioClock)
        return clock

    def start(self) -> None:
        self.clock.set_speed(self.speed)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            now = self.clock()
            if self.exercise.scenario.responders:
                ex = self.exercise
                ex.answers += responders.respond(
                    ex.node, ex.scenario.responders, ex.player.actors, now, ex.answered
                )
            self.exercise.injects += self.exercise.player.play_until(now, refused=self.exercise.refuse)
