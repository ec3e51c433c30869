"""Who may do what with TAK devices and alerts.

RecordTracks, ReceiveAlert, CancelAlert   the gateway only (the system)
BindDevice, UnbindDevice                  JPRCC staff; the PRCC of the component the asset or person is of
AcknowledgeAlert, ConfirmAlert, DismissAlert  JPRCC staff (the JPRCC decides what an alert becomes)
"""

from __future__ import annotations

from jprcc.core.authorization import STAFF, staff_only, staff_or_subject_prcc, system_only

__all__ = ["STAFF", "alert_decision", "binding", "gateway"]

gateway = system_only
binding = staff_or_subject_prcc
alert_decision = staff_only
