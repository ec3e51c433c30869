"""The event log's own capability: checking its hash chain (``jprcc audit verify``, and over HTTP)."""

from __future__ import annotations

from jprcc.api.views import AuditOut
from jprcc.core.contract import Action, Call, Capability
from jprcc.core.maintenance import verify_chain
from jprcc.core.model import Actor, Role


def audit(call: Call) -> AuditOut:
    return AuditOut.model_validate(verify_chain(call.node.database), from_attributes=True)


def _director_or_local_administration(actor: Actor) -> bool:
    return actor.role in (Role.JPRCC_DIRECTOR, Role.SYSTEM)


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
            allow=_director_or_local_administration,
            why="only the JPRCC director runs the audit",
        ),
    ),
)
