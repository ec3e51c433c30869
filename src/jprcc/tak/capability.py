"""TAK interop: devices known by uid and bound to an asset or a person, their alerts from receipt to
a human's decision, their positions on a track stream of their own; the gateway that joins TAK
servers and listens for devices; the PR picture sent back out as CoT, need-to-know per feed."""

from __future__ import annotations

from typing import Any

from jprcc.brokering.handling import IncidentPolicy
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec, StreamKind
from jprcc.core.store.tables import tak_alerts, tak_devices
from jprcc.tak import appliers, http, projections
from jprcc.tak import authorization as a
from jprcc.tak import commands as cmd
from jprcc.tak import events as ev
from jprcc.tak.handlers import (
    device_subject,
    gateway_subject,
    handle_alert,
    handle_cancel,
    handle_device,
    handle_tracks,
)
from jprcc.tak.queries import TakQueries
from jprcc.tak.service import TakService
from jprcc.tak.timeline import LINES

GATEWAY_ONLY = "only the TAK gateway reports what devices send"
BIND = "only the JPRCC, or the PRCC of the component whose asset or person it is"
DECIDE = "only the JPRCC decides what a TAK alert becomes"


def _commands() -> list[CommandSpec]:
    return [
        CommandSpec(cmd.RecordTracks, a.gateway, GATEWAY_ONLY, handle_tracks, gateway_subject, internal=True),
        CommandSpec(cmd.ReceiveAlert, a.gateway, GATEWAY_ONLY, handle_alert, device_subject, internal=True),
        CommandSpec(cmd.CancelAlert, a.gateway, GATEWAY_ONLY, handle_cancel, device_subject, internal=True),
        CommandSpec(cmd.BindDevice, a.binding, BIND, handle_device, device_subject),
        CommandSpec(cmd.UnbindDevice, a.binding, BIND, handle_device, device_subject),
        CommandSpec(cmd.AcknowledgeAlert, a.alert_decision, DECIDE, handle_device, device_subject),
        CommandSpec(
            cmd.ConfirmAlert, a.alert_decision, DECIDE, handle_device, device_subject, needs=IncidentPolicy
        ),
        CommandSpec(cmd.DismissAlert, a.alert_decision, DECIDE, handle_device, device_subject),
    ]


def _queries(node: Any) -> TakQueries:
    return TakQueries(node)


CAPABILITY = Capability(
    name="tak",
    summary="TAK interop: 911 alerts and positions in from devices by uid, the PR picture out as CoT.",
    commands=_commands(),
    events=(
        ev.DeviceSeen,
        ev.DeviceBound,
        ev.DeviceUnbound,
        ev.AlertReceived,
        ev.AlertRepeated,
        ev.AlertCancelledByDevice,
        ev.AlertAcknowledged,
        ev.AlertConfirmed,
        ev.AlertDismissed,
        ev.TrackReported,
    ),
    streams=(
        StreamKind("device", starts=ev.DeviceSeen, start=appliers.start_device, after_apply=appliers.count),
    ),
    appliers={"device": appliers.DEVICE_APPLIERS},
    timeline=LINES,
    read_models=(
        ReadModel(
            name="tak",
            tables=(tak_devices, tak_alerts),
            on_event={ev.DeviceSeen: projections.project_seen},
            on_events={ev.TrackReported: projections.project_tracks},
            on_state={"device": projections.project_device},
        ),
    ),
    services=(ServiceSpec(TakQueries, _queries), ServiceSpec(TakService, TakService, runs=True)),
    actions=http.ACTIONS,
    cli=(CliGroup("tak", "jprcc.tak.cli:app", "TAK devices, alerts and links: bind, list, test."),),
)
