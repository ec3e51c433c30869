"""Hostile input on the node's TAK listener: every attack is rejected and counted on its own
connection, and the listener keeps serving a well-behaved device throughout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jprcc.core.node import Node, bootstrap
from jprcc.tak import cot
from jprcc.tak.queries import TakQueries
from jprcc.tak.service import TakService
from tests.conftest import fast_settings
from tests.test_tak_interop import eventually

NOW = datetime.now(UTC)


def _t(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def position(uid: str, lat: float = 40.1, lon: float = 9.3, at: datetime | None = None) -> bytes:
    at = at or datetime.now(UTC)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" '
        f'time="{_t(at)}" start="{_t(at)}" stale="{_t(at + timedelta(minutes=2))}">'
        f'<point lat="{lat}" lon="{lon}" hae="10" ce="8" le="9999999"/>'
        f'<detail><contact callsign="{uid}"/></detail></event>'
    ).encode()


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<event version="2.0" uid="XXE" type="a-f-G" how="m-g" time="2026-01-01T00:00:00Z" '
    b'start="2026-01-01T00:00:00Z" stale="2026-01-01T00:10:00Z">'
    b'<point lat="1" lon="1" hae="0" ce="1" le="1"/>'
    b"<detail><remarks>&x;</remarks></detail></event>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']><event version="2.0" uid="LOL" type="a-f-G" how="m-g" time="x" start="x" stale="x">&lol9;</event>'
)


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[Node, int]]:
    settings = fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path).model_copy(
        update={
            "tak_listen": "tcp://127.0.0.1:0,udp://127.0.0.1:0",
            "tak_flush_s": 0.1,
            "tak_device_rate": 50,
        }
    )
    node = bootstrap(settings, migrate=True)
    node.start_runners()
    yield node, node.service(TakService).gateway.bound["tcp://127.0.0.1:0"][1]
    node.close()


def _send(port: int, data: bytes, close: bool = True) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(data)
    if close:
        sock.close()
    return sock


class GoodDevice(threading.Thread):
    """A device reporting its position every 50 ms on its own connection, all along."""

    def __init__(self, port: int, uid: str) -> None:
        super().__init__(daemon=True)
        self.port, self.uid, self.stop, self.sent = port, uid, threading.Event(), 0

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            while not self.stop.is_set():
                try:
                    sock.sendall(position(self.uid, 40.0 + self.sent * 1e-4))
                except OSError:  # the node went away (a failed test's teardown)
                    return
                self.sent += 1
                time.sleep(0.05)


def _rejected(node: Node) -> dict[str, int]:
    total: dict[str, int] = {}
    for link in node.service(TakService).gateway.connections():
        for reason, n in link["rejected"].items():
            total[reason] = total.get(reason, 0) + n
    return total


def test_every_attack_is_rejected_and_counted_while_a_good_device_keeps_reporting(
    listening: tuple[Node, int],
) -> None:
    node, port = listening
    good = GoodDevice(port, "ANDROID-GOOD")
    good.start()
    q = node.service(TakQueries)
    from jprcc.core.model import Actor, Role

    staff = Actor("controller", Role.JPRCC_CONTROLLER)
    eventually(lambda: q.device(staff, "ANDROID-GOOD"), what="the good device heard")
    attacks = {
        "dtd": XXE,
        "laughs": LAUGHS,
        "xml": b'<event version="2.0" uid="BAD" type="a-f-G"><point lat="1"</event>',
        "coordinates": position("ANDROID-NORTH", lat=91.0) + position("ANDROID-NAN", lat=float("nan")),
        "time": position("ANDROID-1970", at=datetime(1970, 1, 1, tzinfo=UTC))
        + position("ANDROID-2100", at=datetime(2100, 1, 1, tzinfo=UTC)),
        "oversize": b'<event version="2.0" uid="BIG" type="a-f-G"><detail>'
        + b"A" * 200_000
        + b"</detail></event>",
        "garbage": bytes(range(256)) * 40,
        "protobuf": b"\xbf" + b"\x10" + b"\xff" * 16,  # a TAK protocol frame of random bytes
        "huge frame": b"\xbf\xff\xff\xff\xff\x0f",  # declares a 4 GiB message
    }
    for data in attacks.values():
        _send(port, data)
    _send(port, position("ANDROID-CUT")[:-20])  # truncated, then the connection closes
    flood = _send(port, b"".join(position("ANDROID-FLOOD") for _ in range(2000)), close=False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mesh_port = node.service(TakService).gateway.bound["udp://127.0.0.1:0"][1]
    udp.sendto(XXE, ("127.0.0.1", mesh_port))
    udp.sendto(cot.to_mesh_datagram(position("ANDROID-MESH")), ("127.0.0.1", mesh_port))
    udp.close()

    expected = {"dtd", "xml", "coordinates", "time", "oversize", "truncated", "rate"}
    try:  # a device may not flood: 50 messages a second and a burst, the rest dropped and counted
        eventually(
            lambda: expected <= _rejected(node).keys() and _rejected(node)["rate"] > 1000,
            timeout_s=15,
            what="every attack rejected",
        )
    finally:
        flood.close()
    rejected = _rejected(node)
    assert rejected["coordinates"] >= 2
    assert rejected["time"] >= 2
    # the good device was served throughout, the mesh's good datagram too, and nothing bad was stored
    before = good.sent
    eventually(lambda: good.sent > before + 10, what="the good device still sending")
    good.stop.set()
    good.join()
    heard = {d.uid for d in q.devices(staff)}
    assert {"ANDROID-GOOD", "ANDROID-MESH", "ANDROID-FLOOD"} <= heard
    assert not heard & {"XXE", "LOL", "BAD", "ANDROID-NORTH", "ANDROID-NAN", "ANDROID-1970", "ANDROID-2100"}
    device = q.device(staff, "ANDROID-GOOD")
    assert device is not None
    assert device.reports >= 5
    # and the listener still takes new connections
    _send(port, position("ANDROID-LATE"))
    eventually(lambda: q.device(staff, "ANDROID-LATE"), what="a late device heard")


def test_an_alert_is_never_rate_limited(listening: tuple[Node, int]) -> None:
    """Positions over a device's rate are dropped; its 911 behind them still comes through."""
    node, port = listening
    from jprcc.core.model import Actor, Role

    staff = Actor("controller", Role.JPRCC_CONTROLLER)
    at = datetime.now(UTC)
    alert = (
        f'<event version="2.0" uid="ANDROID-LOUD-9-1-1" type="b-a-o-tbl" how="h-e" time="{_t(at)}" '
        f'start="{_t(at)}" stale="{_t(at + timedelta(seconds=10))}">'
        f'<point lat="40.2" lon="9.1" hae="0" ce="9" '
        f'le="9999999"/><detail><link uid="ANDROID-LOUD" type="a-f-G-U-C" relation="p-p"/>'
        f'<contact callsign="LOUD-Alert"/><emergency type="911 Alert">LOUD</emergency></detail></event>'
    ).encode()
    sock = _send(port, b"".join(position("ANDROID-LOUD") for _ in range(1000)) + alert, close=False)
    found = eventually(lambda: node.service(TakQueries).alerts(staff), what="the 911 stored")
    assert found[0][0] == "ANDROID-LOUD"  # type: ignore[index]
    # the device is told on its own connection, once the alert is stored
    sock.settimeout(5)
    told = b""
    while b"JPRCC received your 911" not in told:
        told += sock.recv(65536)
    sock.close()


def test_a_frame_in_the_tak_protocol_is_read_like_xml(listening: tuple[Node, int]) -> None:
    node, port = listening
    from jprcc.core.model import Actor, Role

    staff = Actor("controller", Role.JPRCC_CONTROLLER)
    _send(port, cot.to_stream_frame(position("ANDROID-PROTO", 12.3, 45.6)))
    device = eventually(lambda: node.service(TakQueries).device(staff, "ANDROID-PROTO"), what="heard")
    assert device.position is not None  # type: ignore[union-attr]
    assert (device.position.lat, device.position.lon) == (12.3, 45.6)  # type: ignore[union-attr]
