"""TAK events. A device's stream (``device:<uid>``) holds who it is, what it is bound to and its
alerts; its positions go to a track stream of their own (``track:<uid>``), which nothing folds, so
that positions at 1 Hz per device never refold a device, let alone an incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from jprcc.core.events import Event, event
from jprcc.core.model import Position
from jprcc.tak.model import AlertKind, Binding


@dataclass(frozen=True, kw_only=True)
class DeviceEvent(Event):
    stream_kind: ClassVar[str] = "device"
    uid: str
    component_id: str | None = None  # of the device's binding then: need-to-know on the live feed

    @property
    def stream_id(self) -> str:
        return f"device:{self.uid}"


@event("tak_device_seen")
@dataclass(frozen=True, kw_only=True)
class DeviceSeen(DeviceEvent):
    callsign: str
    cot_type: str
    via: str


@event("tak_device_bound")
@dataclass(frozen=True, kw_only=True)
class DeviceBound(DeviceEvent):
    binding: Binding
    by: str


@event("tak_device_unbound")
@dataclass(frozen=True, kw_only=True)
class DeviceUnbound(DeviceEvent):
    by: str
    remarks: str


@dataclass(frozen=True, kw_only=True)
class AlertEvent(DeviceEvent):
    alert_id: str


@event("tak_alert_received")
@dataclass(frozen=True, kw_only=True)
class AlertReceived(AlertEvent):
    kind: AlertKind
    cot_uid: str
    callsign: str
    position: Position | None
    ce_m: float | None
    reported_at: datetime
    via: str
    binding: Binding | None
    details: tuple[tuple[str, str], ...] = ()


@event("tak_alert_repeated")
@dataclass(frozen=True, kw_only=True)
class AlertRepeated(AlertEvent):
    """The device sent its alert again, from somewhere else or after a while (repeats in between
    are counted by the gateway, not stored one by one)."""

    kind: AlertKind
    position: Position | None
    ce_m: float | None
    reported_at: datetime


@event("tak_alert_cancelled_by_device")
@dataclass(frozen=True, kw_only=True)
class AlertCancelledByDevice(AlertEvent):
    reported_at: datetime
    via: str


@event("tak_alert_acknowledged")
@dataclass(frozen=True, kw_only=True)
class AlertAcknowledged(AlertEvent):
    by: str
    remarks: str


@event("tak_alert_confirmed")
@dataclass(frozen=True, kw_only=True)
class AlertConfirmed(AlertEvent):
    incident_id: str
    created: bool
    by: str
    remarks: str


@event("tak_alert_dismissed")
@dataclass(frozen=True, kw_only=True)
class AlertDismissed(AlertEvent):
    by: str
    reason: str


@event("tak_track_reported")
@dataclass(frozen=True, kw_only=True)
class TrackReported(Event):
    """A device's position as the gateway flushed it (the newest in the flush)."""

    stream_kind: ClassVar[str] = "track"
    on_feed: ClassVar[bool] = False  # the page reads the devices' newest positions instead
    uid: str
    callsign: str
    position: Position
    hae_m: float | None
    ce_m: float | None
    course_deg: float | None
    speed_ms: float | None
    reported_at: datetime
    stale_at: datetime
    via: str

    @property
    def stream_id(self) -> str:
        return f"track:{self.uid}"
