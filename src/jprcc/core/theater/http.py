"""The theater's actions: components, assets, other operations, recovery points, the map picture,
the command relationships and the alerts — one table for the HTTP routes and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from jprcc.api import schemas as s
from jprcc.api.views import AlertOut, AssetOut, RelationshipOut
from jprcc.core.contract import Action, Call
from jprcc.core.theater import commands as cmd
from jprcc.core.theater import schemas as bodies
from jprcc.core.theater.views import (
    ComponentOut,
    ComponentStatusOut,
    MapIncidentOut,
    MapPictureOut,
    OperationOut,
    RecoveryPointOut,
)
from jprcc.core.wire import command_from

Id = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]
TAGS = ("theater",)


def _asset(call: Call, asset_id: str) -> AssetOut:
    return AssetOut.of(call.node.queries.assets(call.actor, asset_id=asset_id)[0])


def _components(call: Call) -> list[Any]:
    return list(call.node.queries.components())


def _operations(call: Call) -> list[OperationOut]:
    return [OperationOut.model_validate(o, from_attributes=True) for o in call.node.queries.operations()]


def _recovery_points(call: Call) -> list[RecoveryPointOut]:
    return [RecoveryPointOut.of(p) for p in call.node.queries.recovery_points()]


def write(
    name: str,
    path: str,
    command: type[Any],
    body: type[BaseModel] | None,
    summary: str,
    answer: Callable[[Call], Any],
    response: Any,
    *,
    path_params: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Action:
    """A theater command as an action: path and body make the command; ``answer`` reads the result."""

    def run(call: Call) -> Any:
        call.node.bus.handle(command_from(command, call.body, **call.path), call.actor)
        return answer(call)

    return Action(
        name=f"theater.{name}",
        method="POST",
        path=path,
        summary=summary,
        run=run,
        body=body,
        path_params=path_params or {},
        response=response,
        status_code=status_code,
        command=command,
        tags=TAGS,
    )


class AssetsQuery(BaseModel):
    component_id: str | None = Field(default=None, pattern=s.ID_PATTERN, max_length=64)


class RelationshipsQuery(BaseModel):
    incident_id: str | None = Field(default=None, pattern=s.ID_PATTERN, max_length=64)
    active_at: s.Instant | None = None


def read(
    name: str, path: str, summary: str, run: Callable[[Call], Any], response: Any, **extra: Any
) -> Action:
    return Action(f"theater.{name}", "GET", path, summary, run, response=response, tags=TAGS, **extra)


ASSET = {"asset_id": Id}

ACTIONS: tuple[Action, ...] = (
    read(
        "components",
        "/api/components",
        "The components and their PR coordination cells",
        lambda call: [
            ComponentOut.model_validate(c, from_attributes=True) for c in call.node.queries.components()
        ],
        list[ComponentOut],
    ),
    write(
        "register_component",
        "/api/components",
        cmd.RegisterComponent,
        bodies.ComponentCreate,
        "Register a component",
        lambda call: ComponentOut.model_validate(call.body.model_dump()),
        ComponentOut,
        status_code=201,
    ),
    read(
        "status",
        "/api/components/{component_id}/status",
        "A component's assets and incidents at a glance",
        lambda call: ComponentStatusOut.of(
            call.node.queries.component_status(call.actor, call.path["component_id"])
        ),
        ComponentStatusOut,
        path_params={"component_id": Id},
    ),
    read(
        "assets",
        "/api/assets",
        "Assets with readiness, commitment and current tasking",
        lambda call: [AssetOut.of(a) for a in call.node.queries.assets(call.actor, call.query.component_id)],
        list[AssetOut],
        query=AssetsQuery,
    ),
    write(
        "register_asset",
        "/api/assets",
        cmd.RegisterAsset,
        bodies.AssetCreate,
        "Register an asset",
        lambda call: _asset(call, call.body.asset_id),
        AssetOut,
        status_code=201,
    ),
    write(
        "readiness",
        "/api/assets/{asset_id}/readiness",
        cmd.ChangeAssetReadiness,
        bodies.ReadinessIn,
        "Change an asset's readiness",
        lambda call: _asset(call, call.path["asset_id"]),
        AssetOut,
        path_params=ASSET,
    ),
    write(
        "commit",
        "/api/assets/{asset_id}/commitment",
        cmd.CommitAsset,
        bodies.CommitmentIn,
        "Commit an asset to another operation",
        lambda call: _asset(call, call.path["asset_id"]),
        AssetOut,
        path_params=ASSET,
    ),
    write(
        "release",
        "/api/assets/{asset_id}/release",
        cmd.ReleaseAsset,
        bodies.AssetReleaseIn,
        "Release an asset from its operation",
        lambda call: _asset(call, call.path["asset_id"]),
        AssetOut,
        path_params=ASSET,
    ),
    read(
        "operations",
        "/api/operations",
        "Other operations that commit assets, by priority",
        _operations,
        list[OperationOut],
    ),
    write(
        "plan_operation",
        "/api/operations",
        cmd.PlanOperation,
        bodies.OperationCreate,
        "Plan an operation",
        lambda call: OperationOut(**call.body.model_dump(), active=True),
        OperationOut,
        status_code=201,
    ),
    write(
        "end_operation",
        "/api/operations/{operation_id}/end",
        cmd.EndOperation,
        None,
        "End an operation; its assets are released",
        _operations,
        list[OperationOut],
        path_params={"operation_id": Id},
    ),
    read(
        "relationships",
        "/api/relationships",
        "Command relationships: the relationship timeline",
        lambda call: [
            RelationshipOut.of(r)
            for r in call.node.queries.relationships(call.actor, call.query.incident_id, call.query.active_at)
        ],
        list[RelationshipOut],
        query=RelationshipsQuery,
    ),
    read(
        "map",
        "/api/map",
        "What the map draws: open incidents you may see, every asset, recovery points",
        lambda call: MapPictureOut(
            incidents=[
                MapIncidentOut.model_validate(i, from_attributes=True)
                for i in call.node.queries.map_incidents(call.actor)
            ],
            assets=[AssetOut.of(a) for a in call.node.queries.assets(call.actor)],
            recovery_points=_recovery_points(call),
        ),
        MapPictureOut,
    ),
    read(
        "recovery_points",
        "/api/recovery-points",
        "Linkup, pickup and rally points and landing zones",
        _recovery_points,
        list[RecoveryPointOut],
    ),
    write(
        "register_recovery_point",
        "/api/recovery-points",
        cmd.RegisterRecoveryPoint,
        bodies.RecoveryPointCreate,
        "Register a recovery point",
        lambda call: next(p for p in _recovery_points(call) if p.point_id == call.body.point_id),
        RecoveryPointOut,
        status_code=201,
    ),
    read(
        "alerts",
        "/api/alerts",
        "Overdue incidents and DUSTWUN statuses due for redesignation",
        lambda call: [
            AlertOut.model_validate(a, from_attributes=True) for a in call.node.queries.alerts(call.actor)
        ],
        list[AlertOut],
    ),
)
