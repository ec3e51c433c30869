"""Scenario files: a theater and a script of commands, played through the message bus.

A scenario is YAML with lists of ``components``, ``operations``, ``recovery_points``, ``layers``
(threat, civil, PSYOP and weather layers), ``assets`` and ``users``,
and a ``script`` of steps. Each step says when (``at``: an offset from the start such as
``-6h``, ``-2d3h``, ``-45m``, or ``0``), who (``as``: a username), what (``do``: a command
name in snake case, e.g. ``report_incident``) and with what (``with``: the command's
fields). Inside ``with``, a position may be ``{mgrs: ...}`` or ``{lat, lon}``, a time may be
``now`` or ``now+2h`` / ``now-30m`` relative to the step, and a date ``today`` or ``today-60d``.

Steps are played in time order on a manual clock, so the log records them at their
scenario times; nothing here bypasses the bus, the domain rules or authorization.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jprcc.core import commands as core_cmd
from jprcc.core import safe_yaml
from jprcc.core.accounts import commands as cmd
from jprcc.core.bus import MessageBus
from jprcc.core.clock import ManualClock
from jprcc.core.contract import Registry
from jprcc.core.geo import from_mgrs
from jprcc.core.model import Actor, Role
from jprcc.core.wire import command_from

_OFFSET = re.compile(r"^([+-])?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_RELATIVE = re.compile(r"^now(?P<offset>[+-][0-9dhms]+)?$")
_TODAY = re.compile(r"^today(?P<offset>[+-][0-9d]+)?$")
SYSTEM = Actor.system("scenario")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def scripted_commands(registry: Registry) -> dict[str, type[Any]]:
    """The commands a scenario may issue, by their snake-case names: every command but the internal
    ones — the clock's alerts, an authentication's outcome (which comes only from comparing the
    answer: ``verify_authentication``), a key rotation (its custodian's, on the node)."""
    return {_snake(t.__name__): t for t, spec in registry.commands.items() if not spec.internal}


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the step and the field."""


def parse_offset(text: str | int) -> timedelta:
    """'-6h', '+1d2h30m', '45m', 0 → a signed timedelta."""
    raw = str(text).strip()
    if raw in ("0", ""):
        return timedelta(0)
    match = _OFFSET.match(raw)
    if not match or not any(match.groups()[1:]):
        raise ScenarioError(f"{text!r} is not a time offset like -6h, +1d2h or 45m")
    sign, d, h, m, s = match.groups()
    delta = timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(m or 0), seconds=int(s or 0))
    return -delta if sign == "-" else delta


def _resolve(value: Any, now: datetime) -> Any:
    """Expand positions written as MGRS and times written relative to the step."""
    if isinstance(value, dict):
        if set(value) == {"mgrs"}:
            p = from_mgrs(value["mgrs"])
            return {"lat": p.lat, "lon": p.lon}
        return {k: _resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, now) for v in value]
    if isinstance(value, str) and (match := _RELATIVE.match(value)):
        offset = match.group("offset")
        return (now + parse_offset(offset)).isoformat() if offset else now.isoformat()
    if isinstance(value, str) and (match := _TODAY.match(value)):
        offset = match.group("offset")
        return (now + parse_offset(offset)).date().isoformat() if offset else now.date().isoformat()
    return value


def build_command(registry: Registry, name: str, fields: dict[str, Any], now: datetime) -> core_cmd.Command:
    known = scripted_commands(registry)
    command_type = known.get(name)
    if command_type is None:
        raise ScenarioError(f"unknown command {name!r}; known: {', '.join(sorted(known))}")
    try:
        built: core_cmd.Command = command_from(command_type, _resolve(fields, now))
    except ValidationError as exc:
        # where and why, never the value: a script may hold authentication answers
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ScenarioError(f"{name}: {problems}") from None
    except Exception as exc:
        raise ScenarioError(f"{name}: {type(exc).__name__}") from None
    return built


@dataclass(frozen=True)
class Step:
    offset: timedelta
    actor: str
    name: str
    fields: dict[str, Any]
    index: int


@dataclass
class Scenario:
    name: str
    setup: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    start: datetime | None = None
    """An exercise's scenario date and time (``exercise.start``); ``None``: whenever it is played."""
    base: str | None = None
    """An exercise's ground: ``theater`` (the demo's theater, accounts included, no incidents) or
    ``demo`` (the whole demo, its incidents too), laid down before the scenario's own."""
    description: str = ""
    responders: list[Any] = field(default_factory=list)
    """Scripted answers of the components nobody plays (``exercise.responders``)."""

    @property
    def start_offset(self) -> timedelta:
        return min((s.offset for s in self.steps), default=timedelta(0))


BASES = ("theater", "demo")


def load(path: Path) -> Scenario:
    try:
        data = safe_yaml.load(path.read_bytes()) or {}
    except safe_yaml.YamlRefused as exc:
        raise ScenarioError(f"{path.name} is not YAML we read: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path.name}: a scenario is a mapping of sections (name, script, ...)")
    scenario = Scenario(name=str(data.get("name", path.stem)))
    _exercise(scenario, data.get("exercise"))
    for item in data.get("components", []):
        scenario.setup.append(("register_component", item))
    for item in data.get("operations", []):
        scenario.setup.append(("plan_operation", item))
    for item in data.get("recovery_points", []):
        scenario.setup.append(("register_recovery_point", item))
    for item in data.get("layers", []):
        scenario.setup.append(("publish_layer", {"valid_from": "now-2d", **item}))
    for item in data.get("assets", []):
        asset = dict(item)
        commitment = asset.pop("committed_to", None)
        scenario.setup.append(("register_asset", asset))
        if commitment:
            scenario.setup.append(
                ("commit_asset", {"asset_id": asset["asset_id"], "operation_id": commitment})
            )
    from jprcc.exercise import responders

    scenario.responders = responders.parse(data.get("responders"))
    scenario.users = list(data.get("users", []))
    for i, raw in enumerate(data.get("script", [])):
        if not isinstance(raw, dict):
            raise ScenarioError(f"script step {i + 1}: a step is a mapping (at, as, do, with)")
        try:
            scenario.steps.append(
                Step(parse_offset(raw.get("at", 0)), raw["as"], raw["do"], raw.get("with", {}), i)
            )
        except KeyError as exc:
            raise ScenarioError(f"script step {i + 1} lacks {exc}") from exc
        except ScenarioError as exc:
            raise ScenarioError(f"script step {i + 1}: at: {exc}") from None
    scenario.steps.sort(key=lambda s: (s.offset, s.index))
    return scenario


def _exercise(scenario: Scenario, section: Any) -> None:
    if section is None:
        return
    if not isinstance(section, dict):
        raise ScenarioError("exercise: a mapping of start, base and description")
    unknown = set(section) - {"start", "base", "description"}
    if unknown:
        raise ScenarioError(f"exercise: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    start = section.get("start")
    if start is not None:
        try:
            when = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
        except ValueError:
            raise ScenarioError(
                f"exercise.start: {start!r} is not a date and time like 2025-11-18T01:00Z"
            ) from None
        if when.tzinfo is None:
            raise ScenarioError("exercise.start: give the time zone (Z for UTC)")
        scenario.start = when.astimezone(UTC)
    base = section.get("base")
    if base is not None and base not in BASES:
        raise ScenarioError(f"exercise.base: {base!r} is not one of {', '.join(BASES)}")
    scenario.base = base
    scenario.description = str(section.get("description", "")).strip()


Progress = Callable[[str], None]


Verifier = Callable[[MessageBus, Actor, dict[str, Any]], bool]
"""Compares an answer for a ``verify_authentication`` step (the answer is never a command field)."""


class Player:
    """Plays a scenario on a bus: its theater and accounts first, then its script in time order.

    A step is recorded at its scenario time (``start`` + its offset). ``live``: an inject (a step
    at or after the start) is recorded at the bus's own time if that is later (an exercise's inject
    is never recorded behind what people did meanwhile)."""

    def __init__(
        self,
        scenario: Scenario,
        bus: MessageBus,
        start: datetime,
        verify: Verifier | None = None,
        accounts: Mapping[str, Actor] | None = None,
        *,
        live: bool = False,
    ) -> None:
        self.scenario, self.bus, self.start, self.verify, self.live = scenario, bus, start, verify, live
        self.clock = ManualClock(start + scenario.start_offset - timedelta(minutes=5))
        self.scripted = replace(bus, clock=self.clock)
        self.actors: dict[str, Actor] = dict(accounts or {})
        self.pending = list(_timed(scenario.steps, start))
        self.played = 0
        self._lock = threading.Lock()  # the run plays while exercise control adds

    def add(self, step: Step) -> None:
        """An inject added during the run, played in its turn."""
        with self._lock:
            self.pending.append((step, self.start + step.offset))
            self.pending.sort(key=lambda p: (p[1], p[0].index))

    def _next(self, now: datetime | None) -> tuple[Step, datetime] | None:
        with self._lock:
            if self.pending and (now is None or self.pending[0][1] <= now):
                return self.pending.pop(0)
            return None

    @property
    def next_at(self) -> datetime | None:
        """When the next step is due; ``None`` when the script is played."""
        return self.pending[0][1] if self.pending else None

    def setup(self) -> int:
        """Register the theater and the accounts (at the earliest step's time, less five minutes)."""
        for name, fields in self.scenario.setup:
            self.scripted.handle(build_command(self.bus.registry, name, fields, self.clock.now), SYSTEM)
        for user in self.scenario.users:
            role = Role(user["role"])
            self.scripted.handle(
                cmd.CreateUser(
                    username=user["username"],
                    password=user["password"],
                    role=role,
                    component_id=user.get("component_id"),
                    full_name=user.get("full_name", ""),
                ),
                SYSTEM,
            )
            self.actors[user["username"]] = Actor(user["username"], role, user.get("component_id"))
        done = len(self.scenario.setup) + len(self.scenario.users)
        self.played += done
        return done

    def play_until(
        self,
        now: datetime | None = None,
        progress: Progress | None = None,
        refused: Callable[[ScenarioError], None] | None = None,
    ) -> int:
        """Play every step due by ``now`` (all of them when ``None``); answers how many were played.

        A step the rules refuse raises ``ScenarioError`` naming it, or with ``refused`` is handed to
        it and the play goes on (an exercise's inject that no longer fits what people did)."""
        done = 0
        while (due := self._next(now)) is not None:
            step, when = due
            floor = self.bus.clock() if self.live and when >= self.start else when
            self.clock.now = max(self.clock.now + timedelta(milliseconds=1), when, floor)
            try:
                self._play(step)
            except ScenarioError as refusal:
                if refused is None:
                    raise
                refused(refusal)
                continue
            done += 1
            if progress:
                progress(step.name)
        self.played += done
        return done

    def _play(self, step: Step) -> None:
        actor = self.actors.get(step.actor)
        if actor is None:
            raise ScenarioError(f"step {step.index + 1}: no user {step.actor!r} in the scenario")
        try:
            if step.name == "verify_authentication":
                if self.verify is None or not self.verify(self.scripted, actor, step.fields):
                    raise ScenarioError("the answer did not match (or no verifier was given)")
            else:
                self.scripted.handle(
                    build_command(self.bus.registry, step.name, step.fields, self.clock.now), actor
                )
        except Exception as exc:
            raise ScenarioError(f"step {step.index + 1} ({step.name} as {step.actor}): {exc}") from exc


def play(
    scenario: Scenario,
    bus: MessageBus,
    start: datetime,
    progress: Progress | None = None,
    verify: Verifier | None = None,
    accounts: Mapping[str, Actor] | None = None,
) -> int:
    """Register the theater and accounts at ``start + earliest offset``, then play the script.

    ``accounts``: the accounts the store already holds, for a scenario layered on another (its
    steps may be played as those users as well as its own).

    Returns the number of commands played. A refused step stops the play with a
    ``ScenarioError`` naming the step; what was played before it stays recorded. A
    ``verify_authentication`` step (``incident_id``, ``person_id``, ``statement``, ``answer``) asks
    ``verify`` whether a person's answer matches, as a recovery force would.
    """
    player = Player(scenario, bus, start, verify, accounts)
    player.setup()
    player.play_until(None, progress)
    return player.played


def _timed(steps: list[Step], start: datetime) -> list[tuple[Step, datetime]]:
    return [(step, start + step.offset) for step in steps]
