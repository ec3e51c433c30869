"""TAK commands: what the gateway reports (internal: positions, alerts, a device's cancel) and
what the JPRCC decides (bind a device, acknowledge an alert, confirm it into an incident, dismiss it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command
from jprcc.core.model import Environment, Position
from jprcc.tak.model import AlertKind


@dataclass(frozen=True, kw_only=True)
class DeviceCommand(Command):
    uid: str


@dataclass(frozen=True, slots=True)
class TrackReport:
    """One device's latest position in a flush: the gateway keeps the newest report per device."""

    uid: str
    callsign: str
    cot_type: str
    position: Position
    hae_m: float | None
    ce_m: float | None
    course_deg: float | None
    speed_ms: float | None
    reported_at: datetime
    stale_at: datetime
    via: str
    new: bool = False  # the gateway has not seen this uid before: the device is recorded first


@dataclass(frozen=True, kw_only=True)
class RecordTracks(Command):
    """A flush of the gateway's newest positions, one per device (internal)."""

    reports: tuple[TrackReport, ...]


@dataclass(frozen=True, kw_only=True)
class ReceiveAlert(DeviceCommand):
    """An alert from a device (internal): stored before anyone is told it was received."""

    kind: AlertKind
    cot_uid: str
    callsign: str
    device_callsign: str
    position: Position | None
    ce_m: float | None
    reported_at: datetime
    via: str
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class CancelAlert(DeviceCommand):
    """The device cancelled its emergency (internal): shown; a human still closes the alert."""

    cot_uid: str
    reported_at: datetime
    via: str


@dataclass(frozen=True, kw_only=True)
class BindDevice(DeviceCommand):
    """Bind a device (by its uid) to an asset or to a person's ISOPREP record."""

    asset_id: str | None = None
    person_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class UnbindDevice(DeviceCommand):
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class AcknowledgeAlert(DeviceCommand):
    """Step one: a controller has the alert (the banner stops calling for someone to take it)."""

    alert_id: str
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class ConfirmAlert(DeviceCommand):
    """Step two: the alert becomes an incident, or joins one already open (``incident_id``).

    For a new incident: ``new_incident_id`` (default from the alert), ``title``, the
    ``environment``; the person is the bound person's ISOPREP, or for a device bound to an asset
    the ``persons`` named (default: the device's callsign, of the asset's crew)."""

    alert_id: str
    incident_id: str | None = None
    new_incident_id: str | None = None
    title: str = ""
    environment: Environment = Environment.LAND
    persons: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class DismissAlert(DeviceCommand):
    """Close an alert without an incident: a false alarm, a test, or after the device's cancel."""

    alert_id: str
    reason: str
