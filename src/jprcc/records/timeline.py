"""One line of plain language per records event: never a secret."""

from __future__ import annotations

from jprcc.core import events as ev
from jprcc.core.timeline import Describer
from jprcc.records import events as rec

# --- records lines

RECORDS_LINES: dict[type[ev.Event], Describer] = {  # isolated-personnel records: never a secret
    rec.IsoprepRecorded: lambda e: (
        f"ISOPREP of {e.name} ({e.component_id}) recorded by {e.recorded_by}"
        + ("" if e.complete else "; incomplete")
    ),
    rec.EpaFiled: lambda e: f"Evasion plan {e.mission_id} of {e.person_ref} filed by {e.filed_by}",
    rec.RecordOpened: lambda e: (
        f"{e.opened_by} opened the {e.part} of {e.person_ref}"
        + (f" for {e.incident_id}" if e.incident_id else "")
    ),
    rec.RecordUnlocked: lambda e: f"Record of {e.person_ref} unlocked by {e.unlocked_by}: {e.reason}",
    rec.AuthenticationAttempted: lambda e: (
        f"{e.person_id} "
        + ("authenticated" if e.matched else "not authenticated")
        + f" by {e.asked_by} ("
        + ("the number" if e.statement is None else f"statement {e.statement}")
        + ")"
        + ("; the record is now locked" if e.locked else "")
    ),
    rec.AuthenticationRefused: lambda e: (
        f"Authentication of {e.person_id} asked by {e.asked_by} refused ({e.reason.replace('_', ' ')})"
    ),
    rec.VaultKeyRotated: lambda e: f"Vault key rotated: {e.records} record keys re-wrapped",
}
