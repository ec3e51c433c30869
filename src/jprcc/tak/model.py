"""TAK devices and their alerts as the JPRCC knows them: who a device is (bound to an asset or to
a person by its uid, never by its callsign), and each alert it raised, from receipt to a human's
decision. Positions are not here: they live on a track stream of their own."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from jprcc.core.model import Position


class BindingKind(enum.StrEnum):
    ASSET = "asset"
    PERSON = "person"  # an ISOPREP record (person_ref): the person before, during and after isolation


@dataclass(frozen=True, slots=True)
class Binding:
    """What a device belongs to: an asset of the theater or a person with an ISOPREP."""

    kind: BindingKind
    ref: str
    label: str  # the asset's callsign, the person's name: shown, never used to match
    component_id: str


class AlertKind(enum.StrEnum):
    """What a device can raise: ATAK's emergency types and a CASEVAC request."""

    ALERT_911 = "911"
    RING_THE_BELL = "ring_the_bell"
    TROOPS_IN_CONTACT = "troops_in_contact"
    GEOFENCE = "geofence_breached"
    CUSTOM = "custom_alert"
    CASEVAC = "casevac"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def isolating(self) -> bool:
        """Whether it says someone may be isolated (a 911, a ring-the-bell): the page's banner."""
        return self in (AlertKind.ALERT_911, AlertKind.RING_THE_BELL, AlertKind.CUSTOM)


LABELS = {
    AlertKind.ALERT_911: "911",
    AlertKind.RING_THE_BELL: "ring the bell",
    AlertKind.TROOPS_IN_CONTACT: "troops in contact",
    AlertKind.GEOFENCE: "geo-fence breached",
    AlertKind.CUSTOM: "custom alert",
    AlertKind.CASEVAC: "CASEVAC request",
}


class AlertStatus(enum.StrEnum):
    """An alert's way through the JPRCC: received (stored, banner up), acknowledged (a controller
    has it: step one), confirmed into an incident (step two) or dismissed. A cancel from the device
    only marks it: a human closes it."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def open(self) -> bool:
        return self in (AlertStatus.RECEIVED, AlertStatus.ACKNOWLEDGED)


@dataclass
class Alert:
    alert_id: str
    kind: AlertKind
    cot_uid: str  # the alert's own CoT uid (ATAK: "<device uid>-9-1-1"): repeats share it
    callsign: str
    position: Position | None
    ce_m: float | None
    reported_at: datetime  # the device's time of the report
    received_at: datetime  # when the JPRCC stored it
    via: str  # the connection it came in on
    binding: Binding | None
    details: tuple[tuple[str, str], ...] = ()  # a CASEVAC's nine lines, as the device sent them
    status: AlertStatus = AlertStatus.RECEIVED
    repeats: int = 0
    last_heard_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    cancelled_at: datetime | None = None  # the device cancelled it: shown, a human still closes it
    incident_id: str | None = None
    incident_created: bool = False
    decided_by: str = ""
    decided_at: datetime | None = None
    remarks: str = ""


@dataclass
class Device:
    uid: str
    callsign: str
    cot_type: str
    first_seen_at: datetime
    via: str
    binding: Binding | None = None
    alerts: dict[str, Alert] = field(default_factory=dict)
    version: int = 0

    def open_alert(self, cot_uid: str | None = None) -> Alert | None:
        """The alert still open (a device has one emergency at a time), or the open one with
        this CoT uid (a CASEVAC request is a marker of its own)."""
        found = [a for a in self.alerts.values() if a.status.open and a.cancelled_at is None]
        if cot_uid is not None:
            found = [a for a in found if a.cot_uid == cot_uid]
        else:
            found = [a for a in found if a.kind is not AlertKind.CASEVAC]
        return found[-1] if found else None
