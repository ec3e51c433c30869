"""Looking after the store: the audit of the chain, read-model rebuilds, schema upgrades.

Entry points call these rather than the store: the store stays behind the service layer.
"""

from __future__ import annotations

from pathlib import Path

from jprcc.core.contract import Registry
from jprcc.core.store import audit, migrate
from jprcc.core.store.audit import Progress, Verdict
from jprcc.core.store.database import Database

__all__ = [
    "Progress",
    "Verdict",
    "audit_log",
    "read_models_match_rebuild",
    "rebuild_read_models",
    "schema_revisions",
    "upgrade_schema",
    "verify_chain",
]


def verify_chain(database: Database, progress: Progress | None = None, anchor: Path | None = None) -> Verdict:
    """Recompute every keyed hash of the log; the verdict names the first record that does not
    fit, or the records removed from the end since the node's anchor (``anchor``) saw them."""
    return audit.verify_chain(database, progress, anchor)


def audit_log(
    database: Database, registry: Registry, anchor: Path | None, progress: Progress | None = None
) -> Verdict:
    """The audit: the chain verifies (keyed hashes, head, anchor), and the read models that decide
    who may see or do what (accounts and roles, incident involvement) are what a replay of the log
    gives: an account's role changed in the database, not by a command, is named."""
    verdict = audit.verify_chain(database, progress, anchor)
    if not verdict.ok:
        return verdict
    guards = [t.name for t in registry.guarding_tables()]
    differences = audit.read_models_match_rebuild(database, registry, guards)
    if differences:
        return Verdict(
            False,
            verdict.records,
            None,
            None,
            "who may see or do what is not what the log gives (altered in the store, not by a command): "
            + "; ".join(differences),
        )
    return verdict


def rebuild_read_models(database: Database, registry: Registry, progress: Progress | None = None) -> int:
    """Empty every read model and replay the log into it; returns the events replayed."""
    return audit.rebuild_read_models(database, registry, progress)


def read_models_match_rebuild(database: Database, registry: Registry) -> list[str]:
    """Each read model that differs from a replay of the log, one line each (nothing changed)."""
    return audit.read_models_match_rebuild(database, registry)


def schema_revisions(database: Database) -> tuple[str | None, str | None]:
    """(the store's schema revision, the one this version of jprcc needs)."""
    return migrate.current_revision(database), migrate.head_revision(database)


def upgrade_schema(database: Database) -> str | None:
    """Run the migrations up to the newest; returns the schema revision now in place."""
    migrate.upgrade(database)
    return migrate.current_revision(database)
