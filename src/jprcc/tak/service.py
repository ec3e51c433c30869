"""The TAK service of a node: the gateway (links in and out), the picture it sends, and the durable
consumer that tells the gateway what changed (``tak-out``, only when some link sends a picture)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from jprcc.brokering import events as bev
from jprcc.core.contract import ConsumerSpec
from jprcc.core.ports import RecordedEvent
from jprcc.core.store.tables import tak_devices
from jprcc.core.theater.events import RecoveryPointRegistered
from jprcc.intel.events import LayerPublished, LayerWithdrawn
from jprcc.tak.gateway import GATEWAY, TakGateway
from jprcc.tak.links import OutItem
from jprcc.tak.picture import Picture

log = logging.getLogger("jprcc.tak")
CONSUMER = "tak-out"


class TakService:
    """Built once per node; started by a server (``runs``), idle when nothing is configured."""

    def __init__(self, node: Any) -> None:
        self.node = node
        settings = node.settings
        uid = settings.tak_uid or f"jprcc-{settings.node_id}"
        self.picture = Picture(node.queries, uid, node.services)
        self.gateway = TakGateway(
            settings,
            lambda command: node.bus.handle(command, GATEWAY).value,
            picture=self.picture.items,
            visible=self.picture.visible,
            known=self._known_devices,
            clock=node.clock,
        )
        if any(ep.audience != "none" for ep in (*self.gateway.listen, *self.gateway.servers)):
            node.dispatcher.add(ConsumerSpec(CONSUMER, self.changed, batch=500, start="end"))

    def _known_devices(self) -> list[str]:
        with self.node.database.read() as conn:
            return [r.uid for r in conn.execute(select(tak_devices.c.uid))]

    def start(self) -> None:
        self.gateway.start()

    def stop(self) -> None:
        self.gateway.stop()

    def changed(self, found: Sequence[RecordedEvent], conn: Any) -> None:
        """The durable consumer: the items of every incident the batch touched (new ones first, as
        alerts), and the theater's when a layer or a recovery point changed. Idempotent: CoT
        items are states, and a state sent twice is the same state."""
        incidents: dict[str, bool] = {}
        theater = False
        for r in found:
            e = r.event
            if isinstance(e, bev.IncidentEvent):
                incidents[e.incident_id] = incidents.get(e.incident_id, False) or isinstance(
                    e, bev.IncidentReported
                )
            elif isinstance(e, LayerPublished | LayerWithdrawn | RecoveryPointRegistered):
                theater = True
        items: list[OutItem] = []
        for incident_id, new in sorted(incidents.items(), key=lambda kv: not kv[1]):
            for item in self.picture.incident_items(incident_id):
                urgent = new and item.uid == f"jprcc.{incident_id}"
                items.append(OutItem(item.uid, item.xml, urgent or item.urgent, item.incident_id))
        if theater:
            items += self.picture.theater_items()
        self.gateway.publish(items)
