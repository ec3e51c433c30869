"""The event log's own capability: checking its hash chain (``jprcc audit verify``, and over HTTP)."""

from __future__ import annotations

from jprcc.api.views import AuditOut
from jprcc.core.authorization import director_reads
from jprcc.core.contract import Action, Call, Capability
from jprcc.core.events import LogSealed
from jprcc.core.maintenance import audit_log


def audit(call: Call) -> AuditOut:
    node = call.node
    verdict = audit_log(node.database, node.registry, node.settings.chain_anchor_file)
    return AuditOut.model_validate(verdict, from_attributes=True)


def _sealed(e: LogSealed) -> str:
    return (
        f"Log from before chain keys verified and sealed with chain key {e.key_id}: {e.records} records, "
        f"{e.rewritten} of them rewritten to seal what they held in clear"
    )


CAPABILITY = Capability(
    name="chain",
    summary="The tamper-evident event log: every record hash-chained to the one before and sealed "
    "with a key held outside the store.",
    events=(LogSealed,),
    timeline={LogSealed: _sealed},
    actions=(
        Action(
            "audit.verify",
            "GET",
            "/api/audit/verify",
            "Audit the event log (JPRCC director): every record's sealed hash, the head against the "
            "node's anchor, and accounts, roles and incident involvement against a replay of the log",
            audit,
            response=AuditOut,
            tags=("system",),
            allow=director_reads,
            why="only the JPRCC director runs the audit",
        ),
    ),
)
