"""The demo theater shipped with the package, and how to load it into a store."""

from __future__ import annotations

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
    """Play the demo theater into ``node``'s store; the last scripted step lands just before now."""
    return scenario.play(scenario.load(DEMO_FILE), node.bus, node.clock(), progress, verifier(node))


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
