"""The node against a real TAK server (taky on loopback) with devices played by pytak: positions and
a pilot's 911 in, stored before the device is told; the PR picture out to another device, as CoT
that our parser, takproto and the CoT base schema's rules all accept."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import takproto

from jprcc.core.clock import ManualClock
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.locate.commands import AdoptSearchPlan
from jprcc.locate.model import SearchAsset
from jprcc.records import commands as rcmd
from jprcc.tak import commands as cmd
from jprcc.tak import cot
from jprcc.tak.model import AlertStatus
from jprcc.tak.queries import TakQueries
from jprcc.tak.service import TakService
from tests.conftest import Cast, demo_copy, fast_settings, load_theater
from tests.tak_peer import AtakClient, TakyPeer, marker, taky_peer_fixture, uid_is

taky_peer = pytest.fixture(scope="module")(taky_peer_fixture)
PILOT = "USAF-MARSH"


def eventually(check: Callable[[], object], timeout_s: float = 10.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.05)


def _settings(url: str, folder: Path, servers: str) -> Settings:
    return fast_settings(url, folder).model_copy(update={"tak_servers": servers, "tak_flush_s": 0.1})


@pytest.fixture
def joined(taky_peer: TakyPeer, tmp_path: Path) -> Iterator[tuple[Node, Cast]]:
    """A node on the demo theater's accounts and assets, joined to taky; it sends the theater."""
    # the devices speak wall-clock time: the node runs on it (the theater is loaded an hour ago)
    settings = _settings(
        f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path, f"{taky_peer.url}?audience=theater"
    )
    node = bootstrap(settings, migrate=True)
    cast = load_theater(node, ManualClock(_now() - timedelta(hours=1)))
    node.bus.handle(
        rcmd.RecordIsoprep(
            person_ref=PILOT,
            name="Capt J. Marsh",
            service="USAF",
            unit="VIPER 11",
            component_id="JFACC",
            review_date=_now().date() - timedelta(days=40),
        ),
        cast["director"],
    )
    node.dispatcher.start()
    node.start_runners()
    gateway = node.service(TakService).gateway
    eventually(lambda: any(c["state"] == "up" for c in gateway.connections()), what="joined taky")
    yield node, cast
    node.close()


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_pilots_911_through_taky_is_stored_then_acknowledged_and_confirmed_into_an_incident(
    joined: tuple[Node, Cast], taky_peer: TakyPeer
) -> None:
    node, cast = joined
    run = marker()
    uid = f"ANDROID-{run}"
    node.bus.handle(cmd.BindDevice(uid=uid, person_ref=PILOT), cast["controller"])
    with (
        AtakClient(taky_peer.url, uid, f"VIPER11A-{run}") as pilot,
        AtakClient(taky_peer.url, f"ANDROID-{run}-w", f"WATCH-{run}") as watcher,
    ):
        pilot.position(40.1012, 9.3021, ce=9.0)
        q = node.service(TakQueries)
        device = eventually(
            lambda: (d := q.device(cast["controller"], uid)) and d.position and d, what="track"
        )
        assert device.position.lat == pytest.approx(40.1012)
        assert device.position.lon == pytest.approx(9.3021)
        assert device.callsign == f"VIPER11A-{run}"
        pilot.alert("911")
        # the device is told only once the alert is stored: a direct chat from the JPRCC
        told = pilot.wait_for(lambda x: b"b-t-f" in x and b"JPRCC received your 911" in x, timeout_s=10)
        stored = q.alerts(cast["controller"])
        assert len(stored) == 1
        alert = stored[0][1]
        assert alert.alert_id.encode() in told
        assert alert.binding is not None
        assert alert.binding.ref == PILOT
        node.bus.handle(cmd.AcknowledgeAlert(uid=uid, alert_id=alert.alert_id), cast["controller"])
        node.bus.handle(cmd.ConfirmAlert(uid=uid, alert_id=alert.alert_id), cast["controller"])
        incident_id = q.alert(cast["controller"], alert.alert_id)[1].incident_id
        assert incident_id is not None
        # the JPRCC's picture reaches the other device: the incident's marker, as an alert first
        marker_xml = watcher.wait_for(uid_is(f"jprcc.{incident_id}"), timeout_s=15)
        parsed = cot.parse_xml(marker_xml, now=_now())
        assert parsed.lat == pytest.approx(40.1012, abs=1e-5)
        assert parsed.lon == pytest.approx(9.3021, abs=1e-5)
        assert "Capt J. Marsh" in parsed.remarks
        # the pilot cancels from the device: shown on the alert; the incident stays open for a human
        pilot.cancel()
        eventually(lambda: q.alert(cast["controller"], alert.alert_id)[1].cancelled_at, what="cancel shown")
        assert q.alert(cast["controller"], alert.alert_id)[1].status is AlertStatus.CONFIRMED
        assert node.queries.incident(cast["controller"], incident_id).is_open


def test_a_cancel_from_the_device_is_shown_and_waits_for_a_human(
    joined: tuple[Node, Cast], taky_peer: TakyPeer
) -> None:
    node, cast = joined
    run = marker()
    uid = f"ANDROID-{run}"
    q = node.service(TakQueries)
    with AtakClient(taky_peer.url, uid, f"DAGGER-{run}") as device:
        device.position(40.2, 9.4)
        device.alert("911")
        alert = eventually(lambda: q.alerts(cast["controller"]), what="alert stored")[0][1]  # type: ignore[index]
        assert alert.binding is None  # unbound: shown and queued for binding
        unbound = [d.uid for d in q.devices(cast["controller"], unbound_only=True)]
        assert uid in unbound  # (taky replays devices of earlier tests too)
        assert not [u for u in unbound if u.startswith("jprcc.")]  # our own items are never devices
        device.cancel()
        cancelled = eventually(
            lambda: q.alert(cast["controller"], alert.alert_id)[1].cancelled_at, what="cancel shown"
        )
        assert cancelled
        assert q.alert(cast["controller"], alert.alert_id)[1].status is AlertStatus.RECEIVED


# --- the picture out --------------------------------------------------------------------------------


def check_base_schema(xml: bytes) -> None:
    """The CoT base schema's rules (event 2.0): the required attributes and their forms."""
    event = SafeET.fromstring(xml)
    assert event.tag == "event"
    for name in ("version", "uid", "type", "time", "start", "stale", "how"):
        assert event.get(name), f"event has no {name}"
    assert event.get("version") == "2.0"
    for name in ("time", "start", "stale"):
        value = event.get(name) or ""
        assert value.endswith("Z"), f"{name}={value!r} is not in UTC"
        assert "T" in value, f"{name}={value!r} is not an xs:dateTime"
    point = event.find("point")
    assert point is not None, "event has no point"
    for name in ("lat", "lon", "hae", "ce", "le"):
        float(point.get(name) or "x")
    assert -90 <= float(point.get("lat") or 0) <= 90
    assert -180 <= float(point.get("lon") or 0) <= 180


def test_the_incident_its_route_and_a_search_area_arrive_as_cot(
    taky_peer: TakyPeer, demo_snapshot: Path, tmp_path: Path
) -> None:
    url = demo_copy(demo_snapshot, tmp_path)
    settings = _settings(url, tmp_path, f"{taky_peer.url}?audience=theater")
    run = marker()
    with AtakClient(taky_peer.url, f"ANDROID-{run}", f"OBSERVER-{run}") as device:
        node = bootstrap(settings, migrate=True)
        try:
            chosen = "PR-KNIGHT44"  # the demo's aircrew in the water, with a drift model
            director = Actor("director", Role.JPRCC_DIRECTOR)
            helicopter = SearchAsset(
                "KNIGHT 41", sweep_width_m=1500, speed_kt=90, hours=1.5, searches="water"
            )
            node.bus.handle(AdoptSearchPlan(incident_id=chosen, assets=(helicopter,)), director)
            node.start_runners()  # it joins taky and sends the picture the theater may see
            marker_xml = device.wait_for(uid_is(f"jprcc.{chosen}"), timeout_s=30)
            area = device.wait_for(uid_is(f"jprcc.{chosen}.search.0"), timeout_s=30)
            route = device.wait_for(lambda x: b'type="b-m-r"' in x or b"type='b-m-r'" in x, timeout_s=60)
            contour = device.wait_for(uid_is(f"jprcc.{chosen}.p90.0"), timeout_s=60)
        finally:
            node.close()
    for xml in (marker_xml, area, route, contour):
        check_base_schema(xml)
        cot.parse_xml(xml, now=_now())  # our own reader takes what we send
        proto = takproto.xml2proto(xml.decode())  # and takproto turns it into TAK protocol and back
        assert takproto.parse_proto(proto) is not None
    assert SafeET.fromstring(area).get("type") == "u-d-r"
    links = SafeET.fromstring(route).findall("detail/link")
    assert len(links) >= 2
    assert all(link.get("point") for link in links)


def _theater():  # type: ignore[no-untyped-def]
    from jprcc.tak.picture import audience_actor

    return audience_actor("theater")
