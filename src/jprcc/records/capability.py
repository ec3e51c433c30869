"""Isolated-personnel records: ISOPREP and evasion plans in a vault; verify-only authentication."""

from __future__ import annotations

from typing import Any

from jprcc.brokering.handling import incident_command
from jprcc.core import authorization as r
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel, ServiceSpec
from jprcc.core.store.tables import auth_attempts, epa_plans, isoprep_records
from jprcc.records import authorization as a
from jprcc.records import commands as cmd
from jprcc.records import decide, http, projections, recording
from jprcc.records import events as rec
from jprcc.records import service as h
from jprcc.records.appliers import RECORD_APPLIERS
from jprcc.records.queries import RecordQueries
from jprcc.records.sealing import RecordSeal
from jprcc.records.service import Authenticator, RecordsKeeper
from jprcc.records.timeline import RECORDS_LINES

KEEPER = "only the JPRCC or the person's component's PRCC"
FORCE = "only the JPRCC or a component recovering the person"


def _keeper(node: Any) -> RecordsKeeper:
    from jprcc.core.accounts.security import Passwords
    from jprcc.records.vault import Vault, load_master_key

    settings = node.settings
    vault = Vault(load_master_key(settings.vault_key, settings.vault_key_file, settings.data_dir))
    return RecordsKeeper(
        passwords=node.service(Passwords),
        vault=vault,
        auth_rate_per_minute=settings.auth_rate_per_minute,
        auth_max_failures=settings.auth_max_failures,
        validity_months=settings.isoprep_validity_months,
        classification=settings.marking,
        reader=node.service(RecordQueries),
    )


def _queries(node: Any) -> RecordQueries:
    return RecordQueries(node.database, node.settings.isoprep_validity_months)


def _authenticator(node: Any) -> Authenticator:
    return Authenticator(node.bus, node.service(RecordQueries), node.service(RecordsKeeper))


def _steps() -> list[CommandSpec]:
    """RecordAuthentication and RecordRefusedAuthentication: internal, issued only by the
    ``Authenticator`` (``records.verify``) once it has authorized the asker and compared the
    answer outside the write transaction; no action issues them directly."""
    return [
        incident_command(
            step,
            a.recovery_force,
            FORCE,
            view=h.authentication_view,
            subject=h.authentication_subject,
            needs=RecordsKeeper,
            internal=True,
        )
        for step in decide.decides.steps
    ]


HELP = "Isolated-personnel records: ISOPREP and EPA, verify-only authentication."

CAPABILITY = Capability(
    name="records",
    summary="ISOPREP and evasion plans, sealed in a vault; authentication verified, never shown.",
    commands=(
        CommandSpec(
            cmd.RecordIsoprep,
            a.record_keeper,
            KEEPER,
            recording.record_isoprep,
            h.record_subject,
            prepare=recording.prepare_isoprep,  # argon2 and sealing, outside the write lock
            needs=RecordsKeeper,
        ),
        CommandSpec(cmd.FileEpa, a.record_keeper, KEEPER, h.file_epa, h.record_subject, needs=RecordsKeeper),
        CommandSpec(
            cmd.ImportRecords,
            r.staff_or_system,
            "only the JPRCC imports records in bulk (each record is checked too)",
            recording.import_records,
            prepare=recording.prepare_import,  # one batch's argon2 and sealing, outside the write lock
            needs=RecordsKeeper,
        ),
        *_steps(),
        CommandSpec(
            cmd.OpenRecord,
            a.open_record,
            "records open only to those who need them: the JPRCC and the recovery force, through an "
            "active incident of the person (the summary also to the person's component; export: the "
            "director or the PRCC)",
            h.open_record,
            h.opened_record_subject,
            needs=RecordsKeeper,
        ),
        CommandSpec(
            cmd.UnlockRecord,
            r.director_only,
            "only the JPRCC director unlocks a record",
            h.unlock_record,
            h.record_subject,
            needs=RecordsKeeper,
        ),
        # internal: issued only by ``jprcc records rotate-key`` on the node's own machine — local
        # administration of its key file (the new key is read there and never travels; the node
        # then restarts with it), so no HTTP action offers it
        CommandSpec(
            cmd.RotateVaultKey,
            r.director_or_system,
            "only the JPRCC director rotates the vault key",
            h.rotate_vault_key,
            needs=RecordsKeeper,
            internal=True,
        ),
    ),
    events=(
        rec.IsoprepRecorded,
        rec.EpaFiled,
        rec.RecordOpened,
        rec.RecordUnlocked,
        rec.AuthenticationAttempted,
        rec.AuthenticationRefused,
        rec.VaultKeyRotated,
    ),
    appliers={"incident": RECORD_APPLIERS},
    timeline=RECORDS_LINES,
    read_models=(
        ReadModel(
            name="records", tables=(isoprep_records, epa_plans, auth_attempts), on_event=projections.RECORDS
        ),
    ),
    services=(
        ServiceSpec(RecordQueries, _queries),  # before the keeper, whose preparation reads through it
        ServiceSpec(RecordsKeeper, _keeper),
        ServiceSpec(Authenticator, _authenticator),
        ServiceSpec(RecordSeal, lambda node: RecordSeal(node.database, node.service(RecordsKeeper))),
    ),
    actions=http.ACTIONS,
    cli=(CliGroup("records", "jprcc.records.cli:app", HELP),),
)
