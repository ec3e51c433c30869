"""The event log's own capability: checking its hash chain (``jprcc audit verify``, and over HTTP)."""

from __future__ import annotations

from jprcc.api.views import AuditOut
from jprcc.core.authorization import director_reads
from jprcc.core.contract import Action, Call, Capability
from jprcc.core.maintenance import verify_chain


def audit(call: Call) -> AuditOut:
    return AuditOut.model_validate(verify_chain(call.node.database), from_attributes=True)


CAPABILITY = Capability(
    name="chain",
    summary="The tamper-evident event log: every record hash-chained to the one before.",
    actions=(
        Action(
            "audit.verify",
            "GET",
            "/api/audit/verify",
            "Check the hash chain of the whole event log (JPRCC director)",
            audit,
            response=AuditOut,
            tags=("system",),
            allow=director_reads,
            why="only the JPRCC director runs the audit",
        ),
    ),
)
