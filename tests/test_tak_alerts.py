"""TAK devices and alerts through the real store: a device is known by its uid and bound by a
human; its alert is stored as received, repeats fold into it, a cancel from the device is shown
and still needs a human; the JPRCC confirms in two steps into a new incident or an open one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jprcc.core.clock import ManualClock
from jprcc.core.errors import Conflict, NotAuthorized, NotFound, RuleViolation
from jprcc.core.model import Actor, DutyStatus, Environment, Position, ReportChannel
from jprcc.core.node import Node
from jprcc.tak import commands as cmd
from jprcc.tak.gateway import GATEWAY
from jprcc.tak.model import AlertKind, AlertStatus
from jprcc.tak.queries import TakQueries
from tests.conftest import Cast

UID = "ANDROID-58ab21c0ffee"


def _isoprep(node: Node, cast: Cast) -> None:
    """A pilot's ISOPREP: the person a device can be bound to before anything happens."""
    from jprcc.records import commands as rcmd

    record = rcmd.RecordIsoprep(
        person_ref="USAF-MARSH",
        name="Capt J. Marsh",
        service="USAF",
        unit="VIPER 11",
        component_id="JFACC",
        review_date=node.clock().date() - timedelta(days=40),
    )
    node.bus.handle(record, cast["director"])


def _alert(
    node: Node, clock: ManualClock, kind: AlertKind = AlertKind.ALERT_911, lat: float = 40.10, **kw: object
):
    c = cmd.ReceiveAlert(
        uid=UID,
        kind=kind,
        cot_uid=f"{UID}-9-1-1",
        callsign="VIPER11A-Alert",
        device_callsign="VIPER11A",
        position=Position(lat, 9.30),
        ce_m=12.0,
        reported_at=clock.now,
        via="tcp://taky:8087",
        **kw,  # type: ignore[arg-type]
    )
    return node.bus.handle(c, GATEWAY).value


def _bind_to_pilot(node: Node, cast: Cast) -> None:
    _isoprep(node, cast)
    node.bus.handle(cmd.BindDevice(uid=UID, person_ref="USAF-MARSH"), cast["controller"])


def _open_alert(node: Node, actor: Actor):  # type: ignore[no-untyped-def]
    found = node.service(TakQueries).alerts(actor)
    assert len(found) == 1, found
    return found[0][1]


def test_an_alert_is_stored_at_once_and_its_repeats_fold_into_it(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    first = _alert(node, clock)
    clock.advance(timedelta(seconds=10))
    again = _alert(node, clock)  # ATAK repeats its 911: the same alert, not a second one
    assert again == first
    alert = _open_alert(node, cast["controller"])
    assert alert.status is AlertStatus.RECEIVED
    assert alert.binding is None
    assert alert.repeats == 0  # ten seconds, same place: counted by the gateway, not stored
    clock.advance(timedelta(seconds=10))
    _alert(node, clock, lat=40.11)  # a kilometre north: stored, the alert moves
    alert = _open_alert(node, cast["controller"])
    assert alert.repeats == 1
    assert alert.position == Position(40.11, 9.30)


def test_an_unbound_device_is_queued_for_a_human_to_bind(node: Node, cast: Cast, clock: ManualClock) -> None:
    _alert(node, clock)
    q = node.service(TakQueries)
    assert [d.uid for d in q.devices(cast["controller"], unbound_only=True)] == [UID]
    _bind_to_pilot(node, cast)
    assert q.devices(cast["controller"], unbound_only=True) == []
    (device,) = q.devices(cast["controller"])
    assert (device.binding_kind, device.binding_ref, device.component_id) == ("person", "USAF-MARSH", "JFACC")


def test_binding_names_an_existing_asset_or_isoprep_and_only_the_right_people_bind(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    _alert(node, clock)
    with pytest.raises(NotFound) as unknown:
        node.bus.handle(cmd.BindDevice(uid=UID, asset_id="NO-SUCH"), cast["controller"])
    assert unknown.value.field == "asset_id"
    with pytest.raises(RuleViolation):
        node.bus.handle(
            cmd.BindDevice(uid=UID, asset_id="JOLLY-11", person_ref="USAF-MARSH"), cast["controller"]
        )
    with pytest.raises(NotAuthorized):  # JFLCC's officer may not bind a device to JFACC's helicopter
        node.bus.handle(cmd.BindDevice(uid=UID, asset_id="JOLLY-11"), cast["jflcc"])
    node.bus.handle(cmd.BindDevice(uid=UID, asset_id="JOLLY-11"), cast["jfacc"])  # its own component's
    with pytest.raises(NotAuthorized):  # the gateway's reports are the gateway's alone
        node.bus.handle(
            cmd.CancelAlert(uid=UID, cot_uid=f"{UID}-9-1-1", reported_at=clock.now, via="x"), cast["director"]
        )


def test_two_steps_turn_a_pilots_911_into_an_incident_with_the_pilot_in_it(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    _bind_to_pilot(node, cast)
    _alert(node, clock)
    alert = _open_alert(node, cast["controller"])
    with pytest.raises(RuleViolation) as early:  # step two before step one
        node.bus.handle(cmd.ConfirmAlert(uid=UID, alert_id=alert.alert_id), cast["controller"])
    assert "acknowledge" in early.value.message
    with pytest.raises(NotAuthorized):  # an observer reads, never acts
        node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=alert.alert_id), cast["observer"])
    node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=alert.alert_id), cast["controller"])
    with pytest.raises(Conflict):
        node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=alert.alert_id), cast["director"])
    node.bus.handle(
        cmd.ConfirmAlert(uid=UID, alert_id=alert.alert_id, environment=Environment.MOUNTAIN), cast["director"]
    )
    (done,) = node.service(TakQueries).alerts(cast["controller"], open_only=False)
    assert done[1].status is AlertStatus.CONFIRMED
    assert done[1].incident_created
    incident = node.queries.incident(cast["controller"], done[1].incident_id)
    assert incident.channel is ReportChannel.TAK_ALERT
    assert incident.owning_component == "JFACC"
    assert incident.environment is Environment.MOUNTAIN
    assert incident.position == Position(40.10, 9.30)
    assert incident.uncertainty_m == 12.0
    (person,) = incident.persons.values()
    assert (person.name, person.person_ref, person.duty_status) == (
        "Capt J. Marsh",
        "USAF-MARSH",
        DutyStatus.ISOLATED,
    )
    # the JFACC's officer sees the device and its alert; the JFLCC's does not
    assert node.service(TakQueries).alerts(cast["jfacc"], open_only=False)
    assert node.service(TakQueries).alerts(cast["jflcc"], open_only=False) == []


def test_an_alert_joins_the_open_incident_its_person_is_in(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    _bind_to_pilot(node, cast)
    _alert(node, clock)
    first = _open_alert(node, cast["controller"])
    node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=first.alert_id), cast["controller"])
    node.bus.handle(cmd.ConfirmAlert(uid=UID, alert_id=first.alert_id), cast["controller"])
    incident_id = node.service(TakQueries).alerts(cast["controller"], open_only=False)[0][1].incident_id
    # the device cancels, then raises a new 911 an hour later, further south
    clock.advance(timedelta(minutes=5))
    node.bus.handle(cmd.CancelAlert(uid=UID, cot_uid=f"{UID}-9-1-1", reported_at=clock.now, via="x"), GATEWAY)
    clock.advance(timedelta(hours=1))
    _alert(node, clock, lat=40.02)
    second = _open_alert(node, cast["controller"])
    assert second.alert_id != first.alert_id
    assert node.service(TakQueries).suggested_incident(second) == incident_id
    node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=second.alert_id), cast["controller"])
    node.bus.handle(
        cmd.ConfirmAlert(uid=UID, alert_id=second.alert_id, incident_id=incident_id), cast["controller"]
    )
    incident = node.queries.incident(cast["controller"], incident_id)
    assert incident.position == Position(40.02, 9.30)
    assert len(incident.persons) == 1


def test_a_cancel_from_the_device_is_shown_and_a_human_closes_the_alert(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    _alert(node, clock)
    clock.advance(timedelta(minutes=2))
    node.bus.handle(cmd.CancelAlert(uid=UID, cot_uid=f"{UID}-9-1-1", reported_at=clock.now, via="x"), GATEWAY)
    alert = _open_alert(node, cast["controller"])  # still open: the device's word is not enough
    assert alert.cancelled_at == clock.now
    assert alert.status is AlertStatus.RECEIVED
    with pytest.raises(RuleViolation) as blank:
        node.bus.handle(cmd.DismissAlert(uid=UID, alert_id=alert.alert_id, reason=" "), cast["controller"])
    assert blank.value.field == "reason"
    node.bus.handle(
        cmd.DismissAlert(uid=UID, alert_id=alert.alert_id, reason="pilot checked in on guard: false alarm"),
        cast["controller"],
    )
    assert node.service(TakQueries).alerts(cast["controller"]) == []
    with pytest.raises(Conflict):
        node.bus.handle(cmd.AcknowledgeAlert(uid=UID, alert_id=alert.alert_id), cast["controller"])


def test_positions_go_to_the_track_stream_and_never_touch_an_incident(
    node: Node, cast: Cast, clock: ManualClock
) -> None:
    _bind_to_pilot(node, cast)
    _alert(node, clock)
    before = node.queries.last_seq()
    reports = tuple(
        cmd.TrackReport(
            uid=UID if i == 0 else f"DEVICE-{i}",
            callsign=f"D{i}",
            cot_type="a-f-G-U-C",
            position=Position(40.0 + i / 1000, 9.3),
            hae_m=None,
            ce_m=5.0,
            course_deg=90.0,
            speed_ms=1.2,
            reported_at=clock.now,
            stale_at=clock.now + timedelta(minutes=2),
            via="tcp://taky:8087",
            new=i > 0,
        )
        for i in range(5)
    )
    assert node.bus.handle(cmd.RecordTracks(reports=reports), GATEWAY).value == 5
    found = node.queries.events_after(before)
    streams = {r.stream_id.split(":")[0] for r in found}
    assert streams == {"track", "device"}  # four new devices seen, five positions; no incident
    devices = {d.uid: d for d in node.service(TakQueries).devices(cast["controller"])}
    assert devices["DEVICE-3"].position == Position(40.003, 9.3)
    assert devices[UID].reports == 1
    assert devices[UID].speed_ms == 1.2
