"""The PR picture out: need-to-know per feed, alerts ahead of routine traffic and never dropped, and
a reconnect resent what it missed."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from jprcc.core.settings import Settings
from jprcc.tak import cot
from jprcc.tak.gateway import TakGateway
from jprcc.tak.links import Endpoint, Link, OutItem
from jprcc.tak.picture import audience_actor
from jprcc.tak.service import TakService
from tests.conftest import demo_copy, fast_settings


def _item(uid: str, urgent: bool = False) -> OutItem:
    now = datetime.now(UTC)
    xml = cot.point(uid, "a-f-G-U-C", 40.0, 9.0, time=now, stale=now + timedelta(minutes=5), callsign=uid)
    return OutItem(uid, xml, urgent=urgent)


def test_routine_items_wait_by_uid_and_past_the_bound_the_oldest_goes_but_never_an_alert() -> None:
    gateway = TakGateway(Settings(tak_routine_queue=10), lambda c: None)
    link = Link("peer", Endpoint("server", "tcp", "127.0.0.1", 1, "theater"), "peer")
    gateway._enqueue(link, [_item(f"jprcc.R{i}") for i in range(10)])
    gateway._enqueue(link, [_item("jprcc.R3")])  # a newer state of an item replaces the one waiting
    assert len(link.routine) == 10
    assert list(link.routine)[-1] == "jprcc.R3"
    gateway._enqueue(
        link, [_item(f"jprcc.S{i}") for i in range(5)] + [_item(f"jprcc.A{i}", True) for i in range(50)]
    )
    assert len(link.routine) == 10  # the five oldest routine items were dropped, and counted
    assert link.counters["dropped_routine"] == 5
    assert "jprcc.R0" not in link.routine
    assert len(link.urgent) == 50  # every alert kept, and sent first
    assert b"jprcc.A0" in link.urgent[0]


def test_a_component_feed_gets_only_the_incidents_that_involve_the_component(
    demo_snapshot: Path, tmp_path: Path
) -> None:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    try:
        picture = node.service(TakService).picture
        everything = [m.incident_id for m in node.queries.map_incidents(audience_actor("theater"))]
        land = {m.incident_id for m in node.queries.map_incidents(Actor("jflcc", Role.PRCC_OFFICER, "JFLCC"))}
        assert land
        assert set(everything) > land  # some incidents do not involve the land component
        assert picture.visible("JFLCC", everything) == land
        assert picture.visible("theater", everything) == set(everything)
        assert picture.visible("none", everything) == set()
        uids = {i.uid for i in picture.items("JFLCC")}
        hidden = set(everything) - land
        assert not {u for u in uids for h in hidden if u == f"jprcc.{h}" or u.startswith(f"jprcc.{h}.")}
        assert {f"jprcc.{i}" for i in land} <= uids
    finally:
        node.close()


def _accept(listener: socket.socket) -> socket.socket:
    peer, _ = listener.accept()
    peer.settimeout(0.5)
    return peer


def _drain(peer: socket.socket, *until: bytes, timeout_s: float = 60) -> bytes:
    """What the peer is sent, until every one of ``until`` has come (in whatever order)."""
    got = b""
    deadline = time.monotonic() + timeout_s
    while not all(marker in got for marker in until) and time.monotonic() < deadline:
        try:
            data = peer.recv(1 << 20)
        except TimeoutError:
            continue
        if not data:
            break
        got += data
    return got


def test_a_reconnect_is_sent_what_it_missed(demo_snapshot: Path, tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(60)  # the node reconnects with a growing pause: on a busy machine, seconds
    port = listener.getsockname()[1]
    settings = fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path).model_copy(
        update={"tak_servers": f"tcp://127.0.0.1:{port}?audience=theater"}
    )
    node = bootstrap(settings, migrate=True)
    node.dispatcher.start()
    node.start_runners()
    peers: list[socket.socket] = []
    try:
        peer = _accept(listener)
        peers.append(peer)
        assert b"jprcc.PR-RAVEN21" in _drain(peer, b"jprcc.PR-RAVEN21")
        peer.close()  # the TAK server goes away; meanwhile the JPRCC reports a new incident
        from jprcc.brokering import commands as bcmd
        from jprcc.core.model import Environment, Position, ReportChannel, SourceConfidence
        from jprcc.core.values import PersonReport

        report = bcmd.ReportIncident(
            incident_id="PR-MISSED1",
            title="Reported while the TAK server was down",
            owning_component="JFLCC",
            isolating_event_at=node.clock() - timedelta(minutes=10),
            position=Position(40.2, 9.2),
            uncertainty_m=200,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.PROBABLY_TRUE,
            persons=(PersonReport("SPC K. Ito", "USA", "JFLCC", "DRAGOON 2-3"),),
            environment=Environment.LAND,
        )
        node.bus.handle(report, Actor("controller", Role.JPRCC_CONTROLLER))
        peer = _accept(listener)  # the node reconnects by itself
        peers.append(peer)
        # the item it missed and the whole picture, in whichever order the queue sends them
        resent = _drain(peer, b"jprcc.PR-MISSED1", b"jprcc.PR-RAVEN21")
        assert b"jprcc.PR-MISSED1" in resent
        assert b"jprcc.PR-RAVEN21" in resent  # the whole picture, not only the change
        peer.close()
    finally:
        for p in peers:
            p.close()
        node.close()
        listener.close()


def test_a_setting_that_cannot_be_used_is_refused_at_start_naming_it() -> None:
    import pytest

    from jprcc.tak.links import ConfigError

    for settings, words in (
        (Settings(tak_servers="http://takserver:8087"), "tak_servers"),
        (Settings(tak_listen="tcp://0.0.0.0"), "needs a host and a port"),
        (Settings(tak_listen="tcp://0.0.0.0:99999"), "no valid port"),
        (Settings(tak_servers="tls://takserver:8089?audience=theater"), "tak_cert_file"),
    ):
        with pytest.raises(ConfigError, match=words):
            TakGateway(settings, lambda c: None)
