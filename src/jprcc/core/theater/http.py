"""The theater: components, assets, other operations, command relationships, alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jprcc.api import schemas as s
from jprcc.api.deps import BusDep, CurrentActor, QueriesDep
from jprcc.api.views import (
    AlertOut,
    AssetOut,
    ComponentOut,
    ComponentStatusOut,
    MapIncidentOut,
    MapOut,
    OperationOut,
    RecoveryPointOut,
    RelationshipOut,
)
from jprcc.core import commands as core_cmd
from jprcc.core.bus import MessageBus
from jprcc.core.model import Actor
from jprcc.core.queries import Queries
from jprcc.core.theater import commands as cmd

router = APIRouter(prefix="/api", tags=["theater"])
Id = Annotated[str, Path(pattern=s.ID_PATTERN, max_length=64)]


def _asset(queries: Queries, actor: Actor, asset_id: str) -> AssetOut:
    return AssetOut.of(queries.assets(actor, asset_id=asset_id)[0])


def _do(bus: MessageBus, actor: Actor, command: core_cmd.Command) -> None:
    bus.handle(command, actor)


@router.get("/components", summary="The components and their PR coordination cells")
def list_components(queries: QueriesDep, actor: CurrentActor) -> list[ComponentOut]:
    return [ComponentOut.model_validate(c, from_attributes=True) for c in queries.components()]


@router.post("/components", status_code=201, summary="Register a component")
def create_component(
    body: s.ComponentCreate, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> ComponentOut:
    _do(
        bus,
        actor,
        cmd.RegisterComponent(
            component_id=body.component_id, name=body.name, kind=body.kind, prcc_name=body.prcc_name
        ),
    )
    return ComponentOut.model_validate(body.model_dump())


@router.get("/components/{component_id}/status", summary="A component's assets and incidents at a glance")
def component_status(component_id: Id, queries: QueriesDep, actor: CurrentActor) -> ComponentStatusOut:
    status = queries.component_status(actor, component_id)
    return ComponentStatusOut.of(status)


@router.get("/assets", summary="Assets with readiness, commitment and current tasking")
def list_assets(
    queries: QueriesDep,
    actor: CurrentActor,
    component_id: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
) -> list[AssetOut]:
    return [AssetOut.of(a) for a in queries.assets(actor, component_id)]


@router.post("/assets", status_code=201, summary="Register an asset")
def create_asset(body: s.AssetCreate, bus: BusDep, queries: QueriesDep, actor: CurrentActor) -> AssetOut:
    _do(
        bus,
        actor,
        cmd.RegisterAsset(
            asset_id=body.asset_id,
            callsign=body.callsign,
            asset_type=body.asset_type,
            component_id=body.component_id,
            capabilities=tuple(body.capabilities),
            base=body.base.to_domain(),
            base_name=body.base_name,
            speed_kmh=body.speed_kmh,
            range_km=body.range_km,
            endurance_h=body.endurance_h,
            readiness=body.readiness,
        ),
    )
    return _asset(queries, actor, body.asset_id)


@router.post("/assets/{asset_id}/readiness", summary="Change an asset's readiness")
def readiness(
    asset_id: Id, body: s.ReadinessIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> AssetOut:
    _do(
        bus,
        actor,
        cmd.ChangeAssetReadiness(asset_id=asset_id, readiness=body.readiness, remarks=body.remarks),
    )
    return _asset(queries, actor, asset_id)


@router.post("/assets/{asset_id}/commitment", summary="Commit an asset to another operation")
def commit(
    asset_id: Id, body: s.CommitmentIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> AssetOut:
    _do(bus, actor, cmd.CommitAsset(asset_id=asset_id, operation_id=body.operation_id))
    return _asset(queries, actor, asset_id)


@router.post("/assets/{asset_id}/release", summary="Release an asset from its operation")
def release(
    asset_id: Id, body: s.AssetReleaseIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> AssetOut:
    _do(bus, actor, cmd.ReleaseAsset(asset_id=asset_id, reason=body.reason))
    return _asset(queries, actor, asset_id)


@router.get("/operations", summary="Other operations that commit assets, by priority")
def list_operations(queries: QueriesDep, actor: CurrentActor) -> list[OperationOut]:
    return [OperationOut.model_validate(o, from_attributes=True) for o in queries.operations()]


@router.post("/operations", status_code=201, summary="Plan an operation")
def create_operation(
    body: s.OperationCreate, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> OperationOut:
    _do(
        bus,
        actor,
        cmd.PlanOperation(
            operation_id=body.operation_id,
            name=body.name,
            component_id=body.component_id,
            priority=body.priority,
            description=body.description,
        ),
    )
    return OperationOut(**body.model_dump(), active=True)


@router.post("/operations/{operation_id}/end", summary="End an operation; its assets are released")
def end_operation(
    operation_id: Id, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> list[OperationOut]:
    _do(bus, actor, cmd.EndOperation(operation_id=operation_id))
    return [OperationOut.model_validate(o, from_attributes=True) for o in queries.operations()]


@router.get("/relationships", summary="Command relationships: the relationship timeline")
def list_relationships(
    queries: QueriesDep,
    actor: CurrentActor,
    incident_id: Annotated[str | None, Query(pattern=s.ID_PATTERN, max_length=64)] = None,
    active_at: s.Instant | None = None,
) -> list[RelationshipOut]:
    return [RelationshipOut.of(r) for r in queries.relationships(actor, incident_id, active_at)]


@router.get("/map", summary="What the map draws: open incidents you may see, every asset, recovery points")
def map_picture(queries: QueriesDep, actor: CurrentActor) -> MapOut:
    return MapOut(
        incidents=[
            MapIncidentOut.model_validate(i, from_attributes=True) for i in queries.map_incidents(actor)
        ],
        assets=[AssetOut.of(a) for a in queries.assets(actor)],
        recovery_points=[RecoveryPointOut.of(p) for p in queries.recovery_points()],
    )


@router.get("/recovery-points", summary="Linkup, pickup and rally points and landing zones")
def list_recovery_points(queries: QueriesDep, actor: CurrentActor) -> list[RecoveryPointOut]:
    return [RecoveryPointOut.of(p) for p in queries.recovery_points()]


@router.post("/recovery-points", status_code=201, summary="Register a recovery point")
def create_recovery_point(
    body: s.RecoveryPointCreate, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> RecoveryPointOut:
    _do(
        bus,
        actor,
        cmd.RegisterRecoveryPoint(
            point_id=body.point_id,
            name=body.name,
            kind=body.kind,
            position=body.position.to_domain(),
            component_id=body.component_id,
            remarks=body.remarks,
        ),
    )
    return next(RecoveryPointOut.of(p) for p in queries.recovery_points() if p.point_id == body.point_id)


@router.get("/alerts", summary="Overdue incidents and DUSTWUN statuses due for redesignation")
def alerts(queries: QueriesDep, actor: CurrentActor) -> list[AlertOut]:
    return [AlertOut.model_validate(a, from_attributes=True) for a in queries.alerts(actor)]
