"""The theater: components and their PRCCs, assets, recovery points, other operations."""

from __future__ import annotations

from jprcc.core import authorization as r
from jprcc.core.contract import Capability, CliGroup, CommandSpec, ReadModel
from jprcc.core.store.tables import assets, components, operations, recovery_points
from jprcc.core.theater import commands as cmd
from jprcc.core.theater import events as ev
from jprcc.core.theater import handlers as h
from jprcc.core.theater import http, projections
from jprcc.core.theater.timeline import THEATER_LINES

HELP = "Components, assets and operations; scenario files."
OWNER = "only the JPRCC or the owning component's PRCC"
COMPONENT = "only the JPRCC or the component's PRCC"


CAPABILITY = Capability(
    name="theater",
    summary="Components and their PR coordination cells, assets, recovery points, other operations.",
    commands=(
        CommandSpec(
            cmd.RegisterComponent,
            r.director_or_system,
            "only the JPRCC director registers components",
            h.register_component,
        ),
        CommandSpec(cmd.RegisterAsset, r.staff_or_subject_prcc, OWNER, h.register_asset, h.named_component),
        CommandSpec(
            cmd.ChangeAssetReadiness, r.staff_or_subject_prcc, OWNER, h.change_asset_readiness, h.asset_owner
        ),
        CommandSpec(
            cmd.RegisterRecoveryPoint,
            r.staff_or_subject_prcc,
            COMPONENT,
            h.register_recovery_point,
            h.named_component,
        ),
        CommandSpec(
            cmd.PlanOperation, r.staff_or_subject_prcc, COMPONENT, h.plan_operation, h.named_component
        ),
        CommandSpec(cmd.CommitAsset, r.staff_or_subject_prcc, OWNER, h.commit_asset, h.asset_owner),
        CommandSpec(cmd.ReleaseAsset, r.staff_or_subject_prcc, OWNER, h.release_asset, h.asset_owner),
        CommandSpec(cmd.EndOperation, r.staff_or_subject_prcc, COMPONENT, h.end_operation, h.operation_owner),
    ),
    events=(
        ev.ComponentRegistered,
        ev.AssetRegistered,
        ev.AssetReadinessChanged,
        ev.AssetCommitted,
        ev.AssetReleased,
        ev.RecoveryPointRegistered,
        ev.OperationPlanned,
        ev.OperationEnded,
    ),
    timeline=THEATER_LINES,
    read_models=(
        ReadModel(
            name="theater",
            tables=(components, assets, recovery_points, operations),
            on_event=projections.THEATER,
        ),
    ),
    actions=http.ACTIONS,
    cli=(
        CliGroup(
            "theater", "jprcc.core.theater.cli:app", "Components, assets and operations; scenario files."
        ),
    ),
)
