"""A small capability defined only here, for the test that a capability needs nothing outside its
own package: survival-radio beacons of isolated persons, registered on an incident and heard by
direction-finding stations.

It has everything a shipped capability has — commands with a decider and an authorization rule,
events on a stream kind of its own (``beacon``) with appliers and timeline lines, a read model in
tables of its own, a durable consumer, HTTP actions and a CLI group — and the node loads it from
``JPRCC_PLUGINS=tests.plugin_beacons`` without a line changed anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import typer
from fastapi import Path
from pydantic import BaseModel, Field
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select, update

from jprcc.api.schemas import Body
from jprcc.cli.common import call, console, emit
from jprcc.core.authorization import STAFF, component_rep
from jprcc.core.commands import Command
from jprcc.core.contract import (
    Action,
    Call,
    Capability,
    CliGroup,
    CommandSpec,
    ConsumerSpec,
    ReadModel,
    StreamKind,
    Subject,
)
from jprcc.core.errors import Conflict, NotFound, RuleViolation
from jprcc.core.events import Event, event
from jprcc.core.model import Actor, Context
from jprcc.core.ports import RecordedEvent, UnitOfWork
from jprcc.core.store.tables import TZ
from jprcc.core.wire import command_from

# --- commands and events ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterBeacon(Command):
    beacon_id: str
    incident_id: str
    component_id: str
    frequency_mhz: float


@dataclass(frozen=True, kw_only=True)
class HearBeacon(Command):
    beacon_id: str
    strength: float


@dataclass(frozen=True, kw_only=True)
class BeaconEvent(Event):
    stream_kind: ClassVar[str] = "beacon"
    beacon_id: str

    @property
    def stream_id(self) -> str:
        return f"beacon:{self.beacon_id}"


@event("beacon_registered")
@dataclass(frozen=True, kw_only=True)
class BeaconRegistered(BeaconEvent):
    incident_id: str
    component_id: str
    frequency_mhz: float


@event("beacon_heard")
@dataclass(frozen=True, kw_only=True)
class BeaconHeard(BeaconEvent):
    strength: float
    heard_by: str


# --- state, appliers, decider (pure) ------------------------------------------------------------


@dataclass
class Beacon:
    beacon_id: str
    component_id: str
    frequency_mhz: float
    heard: int = 0


def start(e: BeaconRegistered) -> Beacon:
    return Beacon(e.beacon_id, e.component_id, e.frequency_mhz)


def _heard(state: Beacon, e: BeaconHeard) -> None:
    state.heard += 1


def decide_register(c: RegisterBeacon, existing: Beacon | None, ctx: Context) -> list[Event]:
    if existing is not None:
        raise Conflict(f"beacon {c.beacon_id} is registered already", field="beacon_id")
    if not 30.0 <= c.frequency_mhz <= 500.0:
        raise RuleViolation(
            "frequency_mhz: a survival radio sends between 30 and 500 MHz", field="frequency_mhz"
        )
    return [
        BeaconRegistered(
            at=ctx.now,
            beacon_id=c.beacon_id,
            incident_id=c.incident_id,
            component_id=c.component_id,
            frequency_mhz=c.frequency_mhz,
        )
    ]


def decide_hear(c: HearBeacon, beacon: Beacon | None, ctx: Context) -> list[Event]:
    if beacon is None:
        raise NotFound(f"unknown beacon {c.beacon_id}", field="beacon_id")
    return [BeaconHeard(at=ctx.now, beacon_id=c.beacon_id, strength=c.strength, heard_by=ctx.actor.username)]


def staff_or_component(a: Actor, c: Any, s: Subject) -> bool:
    """The JPRCC, or the representatives of the beacon's component."""
    return a.role in STAFF or component_rep(a, s.component or getattr(c, "component_id", None))


def beacon_subject(c: Any, uow: UnitOfWork) -> Subject:
    beacon = uow.state("beacon", c.beacon_id)
    return Subject(component=beacon.component_id if beacon else None, state=beacon)


def register(c: RegisterBeacon, uow: UnitOfWork, ctx: Context, _: None) -> None:
    uow.record(decide_register(c, uow.state("beacon", c.beacon_id), ctx), ctx.actor.username, ctx.now)


def hear(c: HearBeacon, uow: UnitOfWork, ctx: Context, _: None) -> None:
    uow.record(decide_hear(c, uow.state("beacon", c.beacon_id), ctx), ctx.actor.username, ctx.now)


# --- read model and consumer -----------------------------------------------------------------------

metadata = MetaData()
beacons = Table(
    "plugin_beacons",
    metadata,
    Column("beacon_id", String(64), primary_key=True),
    Column("incident_id", String(64), nullable=False),
    Column("frequency_mhz", Float, nullable=False),
    Column("heard", Integer, nullable=False),
    Column("last_strength", Float),
)
alarms = Table(
    "plugin_beacon_alarms",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("beacon_id", String(64), nullable=False),
    Column("at", TZ, nullable=False),
)


def project_registered(conn: Any, e: BeaconRegistered) -> None:
    conn.execute(
        insert(beacons).values(
            beacon_id=e.beacon_id, incident_id=e.incident_id, frequency_mhz=e.frequency_mhz, heard=0
        )
    )


def project_heard(conn: Any, e: BeaconHeard) -> None:
    conn.execute(
        update(beacons)
        .where(beacons.c.beacon_id == e.beacon_id)
        .values(heard=beacons.c.heard + 1, last_strength=e.strength)
    )


def sound_alarm(found: Sequence[RecordedEvent], conn: Any) -> None:
    """The durable consumer: one alarm per beacon heard (idempotent by event id; transactional)."""
    for r in found:
        if isinstance(r.event, BeaconHeard):
            seen = conn.execute(select(alarms.c.event_id).where(alarms.c.event_id == r.event_id)).first()
            if seen is None:
                conn.execute(
                    insert(alarms).values(event_id=r.event_id, beacon_id=r.event.beacon_id, at=r.event.at)
                )


# --- actions and the CLI ---------------------------------------------------------------------------


class BeaconIn(Body):
    beacon_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9-]+$")
    incident_id: str = Field(min_length=1, max_length=64)
    component_id: str = Field(min_length=1, max_length=64)
    frequency_mhz: float = Field(gt=0, le=10_000)


class HeardIn(Body):
    strength: float = Field(ge=0, le=1)


class BeaconOut(BaseModel):
    beacon_id: str
    incident_id: str
    frequency_mhz: float
    heard: int
    last_strength: float | None


def _listed(call: Call) -> list[BeaconOut]:
    with call.node.database.read() as conn:
        return [BeaconOut.model_validate(r, from_attributes=True) for r in conn.execute(select(beacons))]


def _register(call: Call) -> list[BeaconOut]:
    call.node.bus.handle(command_from(RegisterBeacon, call.body), call.actor)
    return _listed(call)


def _hear(call: Call) -> list[BeaconOut]:
    call.node.bus.handle(command_from(HearBeacon, call.body, **call.path), call.actor)
    return _listed(call)


BeaconId = Annotated[str, Path(pattern=r"^[A-Z0-9-]+$", max_length=64)]

ACTIONS = (
    Action(
        "beacons.list",
        "GET",
        "/api/beacons",
        "The beacons and how often each was heard",
        _listed,
        response=list[BeaconOut],
    ),
    Action(
        "beacons.register",
        "POST",
        "/api/beacons",
        "Register a survival-radio beacon",
        _register,
        body=BeaconIn,
        response=list[BeaconOut],
        status_code=201,
        command=RegisterBeacon,
    ),
    Action(
        "beacons.hear",
        "POST",
        "/api/beacons/{beacon_id}/heard",
        "A station heard the beacon",
        _hear,
        body=HeardIn,
        path_params={"beacon_id": BeaconId},
        response=list[BeaconOut],
        command=HearBeacon,
    ),
)

app = typer.Typer(help="Survival-radio beacons.", no_args_is_help=True)


@app.command("hear")
def hear_command(beacon_id: str, strength: Annotated[float, typer.Option()] = 1.0) -> None:
    """A station heard the beacon."""
    found: list[BeaconOut] = call("beacons.hear", {"beacon_id": beacon_id}, {"strength": strength})
    heard = next(b for b in found if b.beacon_id == beacon_id)
    emit(heard, lambda: console.print(f"{beacon_id} heard {heard.heard} time(s)"))


CAPABILITY = Capability(
    name="beacons",
    summary="Survival-radio beacons heard by direction-finding stations.",
    commands=(
        CommandSpec(RegisterBeacon, staff_or_component, "only the JPRCC or the beacon's component", register),
        CommandSpec(
            HearBeacon,
            staff_or_component,
            "only the JPRCC or the beacon's component",
            hear,
            subject=beacon_subject,
        ),
    ),
    events=(BeaconRegistered, BeaconHeard),
    streams=(StreamKind(kind="beacon", starts=BeaconRegistered, start=start),),
    appliers={"beacon": {BeaconHeard: _heard}},
    timeline={
        BeaconRegistered: lambda e: (
            f"Beacon {e.beacon_id} on {e.frequency_mhz:.3f} MHz registered for {e.incident_id}"
        ),
        BeaconHeard: lambda e: f"Beacon {e.beacon_id} heard by {e.heard_by} (strength {e.strength:.1f})",
    },
    read_models=(
        ReadModel(
            name="beacons",
            tables=(beacons,),
            on_event={BeaconRegistered: project_registered, BeaconHeard: project_heard},
        ),
        ReadModel(name="beacon alarms", tables=(alarms,), rebuilt=False),  # the consumer's, not the log's
    ),
    consumers=(ConsumerSpec("beacon-alarms", sound_alarm, transactional=True),),
    actions=ACTIONS,
    cli=(CliGroup("beacons", "tests.plugin_beacons:app", "Survival-radio beacons."),),
)
