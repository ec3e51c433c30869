"""The TAK peer helpers against a real taky: devices played by pytak see each other's traffic."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as SafeET
import pytest

from tests.tak_peer import (
    AtakClient,
    TakyPeer,
    marker,
    relay_rate,
    taky_peer_fixture,
    uid_is,
    uid_type_is,
)

taky_peer = pytest.fixture(scope="module")(taky_peer_fixture)


@pytest.fixture
def pair(taky_peer: TakyPeer) -> Iterator[tuple[AtakClient, AtakClient]]:
    run = marker()
    with (
        AtakClient(taky_peer.url, f"ANDROID-{run}-a", f"ALPHA-{run}") as a,
        AtakClient(taky_peer.url, f"ANDROID-{run}-b", f"BRAVO-{run}") as b,
    ):
        yield a, b


def test_a_position_from_one_device_reaches_another(pair: tuple[AtakClient, AtakClient]) -> None:
    a, b = pair
    a.position(35.1234567, -117.7654321, ce=8.0)

    event = SafeET.fromstring(b.wait_for(uid_is(a.uid)))

    assert event.get("type") == "a-f-G-U-C"
    point = event.find("point")
    assert point is not None
    assert float(point.get("lat", "nan")) == pytest.approx(35.123457, abs=1e-6)
    assert float(point.get("ce", "nan")) == 8.0
    contact = event.find("detail/contact")
    assert contact is not None
    assert contact.get("callsign") == a.callsign
    assert event.find("detail/__group") is not None
    assert not any(uid_is(a.uid)(x) for x in a.received), "taky echoed the sender's own event"


def test_a_911_reaches_another_device_with_its_link_and_its_cancel_follows(
    pair: tuple[AtakClient, AtakClient],
) -> None:
    a, b = pair
    a.position(35.0, -117.0)
    alert_uid = a.alert("911")

    assert alert_uid == f"{a.uid}-9-1-1"
    try:
        received = b.wait_for(uid_type_is(alert_uid, "b-a-o-tbl"), timeout_s=10)
    except AssertionError:  # ATAK repeats an active emergency: on a loaded machine, the repeat
        a.alert("911")
        received = b.wait_for(uid_type_is(alert_uid, "b-a-o-tbl"), timeout_s=20)
    event = SafeET.fromstring(received)
    link = event.find("detail/link")
    assert link is not None
    assert (link.get("uid"), link.get("relation"), link.get("type")) == (a.uid, "p-p", "a-f-G-U-C")
    emergency = event.find("detail/emergency")
    assert emergency is not None
    assert (emergency.get("type"), emergency.text) == ("911 Alert", a.callsign)
    contact = event.find("detail/contact")
    assert contact is not None
    assert contact.get("callsign") == f"{a.callsign}-Alert"

    a.cancel()
    cancelled = SafeET.fromstring(b.wait_for(uid_type_is(alert_uid, "b-a-o-can")))
    emergency = cancelled.find("detail/emergency")
    assert emergency is not None
    assert emergency.get("cancel") == "true"


def test_a_casevac_reaches_another_device_and_is_replayed_to_a_later_one(
    taky_peer: TakyPeer, pair: tuple[AtakClient, AtakClient]
) -> None:
    a, b = pair
    a.position(35.0, -117.0)
    uid = a.casevac(35.01, -117.02, urgent="2", freq="38.90")

    event = SafeET.fromstring(b.wait_for(uid_type_is(uid, "b-r-f-h-c")))
    medevac = event.find("detail/_medevac_")
    assert medevac is not None
    assert (medevac.get("urgent"), medevac.get("freq")) == ("2", "38.90")
    link = event.find("detail/link")
    assert link is not None
    assert (link.get("uid"), link.get("relation")) == (a.uid, "p-p")

    # taky keeps positions and 9-lines until stale and replays them to each new connection
    with AtakClient(taky_peer.url, f"ANDROID-{marker()}-c", "CHARLIE") as c:
        c.wait_for(uid_is(uid))
        c.wait_for(uid_is(a.uid))


def test_a_taky_that_cannot_start_fails_with_its_log(taky_peer: TakyPeer) -> None:
    second = TakyPeer(taky_peer.root)  # the same root: taky refuses a second server on its mgmt socket

    with pytest.raises(RuntimeError, match="already appears to be running") as failed:
        second.start(timeout_s=10)

    assert "taky did not start" in str(failed.value)
    assert taky_peer.alive()


def test_taky_relays_more_than_a_thousand_events_a_second(taky_peer: TakyPeer) -> None:
    rate = relay_rate(taky_peer.url, n=5000)

    assert rate["events"] == 5000
    assert rate["per_s"] > 1000, rate
