"""The demo theater shipped with the package, and how to load it into a store."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jprcc.core.bus import MessageBus
from jprcc.core.model import Actor
from jprcc.core.node import Node
from jprcc.exercise import scenario
from jprcc.exercise.scenario import Progress
from jprcc.records.queries import RecordQueries
from jprcc.records.service import Authenticator, RecordsKeeper

DEMO_FILE = Path(str(resources.files("jprcc") / "data" / "demo_theater.yaml"))


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role and component) of every demo account."""
    data = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return [
        (
            u["username"],
            u["password"],
            u["role"] + (f" ({u['component_id']})" if u.get("component_id") else ""),
        )
        for u in data["users"]
    ]


def load_demo(node: Node, progress: Progress | None = None) -> int:
    """Play the demo theater into ``node``'s store; the last scripted step lands just before now.
    Then the TAK devices heard lately: the pilot's phone (bound) and a tablet no one has bound."""
    played = scenario.play(scenario.load(DEMO_FILE), node.bus, node.clock(), progress, verifier(node))
    return played + _devices_heard(node)


def _devices_heard(node: Node) -> int:
    from jprcc.core.model import Position
    from jprcc.tak.commands import RecordTracks, TrackReport
    from jprcc.tak.gateway import GATEWAY

    now = node.clock()
    heard = [  # (uid, callsign, where): at the air base, and aboard JOLLY 11 on alert
        ("ANDROID-VIPER11-MARSH", "VIPER11A", Position(39.355, 9.0385)),
        ("ANDROID-3e71b0c2", "PEDRO66", Position(39.3545, 8.9725)),
    ]
    reports = tuple(
        TrackReport(
            uid=uid,
            callsign=callsign,
            cot_type="a-f-G-U-C",
            position=where,
            hae_m=None,
            ce_m=12.0,
            course_deg=None,
            speed_ms=0.0,
            reported_at=now - timedelta(minutes=3),
            stale_at=now + timedelta(minutes=3),
            via="tcp://takserver.coral-shield:8087",
            new=True,
        )
        for uid, callsign, where in heard
    )
    node.bus.handle(RecordTracks(reports=reports), GATEWAY)
    return 1


def verifier(node: Node) -> scenario.Verifier:
    """How a scenario's recovery force asks whether an answer matches: the node's authenticator."""
    records, keeper = node.service(RecordQueries), node.service(RecordsKeeper)

    def verify(bus: MessageBus, actor: Actor, fields: dict[str, Any]) -> bool:
        incident = node.queries.incident(actor, str(fields["incident_id"]))
        statement = fields.get("statement")
        # the scenario's own bus: its clock is the script's
        return Authenticator(bus, records, keeper).verify(
            actor,
            incident,
            str(fields["person_id"]),
            None if statement is None else int(statement),
            str(fields["answer"]),
        )

    return verify


def accounts(node: Node) -> dict[str, Actor]:
    """The store's active accounts, for a scenario played on top of what is there."""
    return {u.username: Actor(u.username, u.role, u.component_id) for u in node.queries.users() if u.active}


def store_is_empty(node: Node) -> bool:
    return node.queries.last_seq() == 0
