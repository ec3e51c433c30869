"""The theater: components with their PR coordination cells, their assets, and the other
operations that commit those assets.

An asset belongs to exactly one component for life. It may be committed to one other
operation at a time; that operation's priority (1 = highest) decides whether the asset may be
offered to a recovery without the owning component's explicit release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from jprcc.core import events as core_ev
from jprcc.core.errors import NotFound, RuleViolation
from jprcc.core.model import (
    Capability,
    ComponentKind,
    Context,
    Platform,
    Position,
    Readiness,
    RecoveryPointKind,
)
from jprcc.core.theater import commands as cmd
from jprcc.core.theater import events as ev

T = TypeVar("T")

PRIORITY_RANGE = range(1, 6)
"""Priorities run from 1 (highest) to 5 (lowest), for operations and incidents alike."""


@dataclass(frozen=True)
class Component:
    component_id: str
    name: str
    kind: ComponentKind
    prcc_name: str


@dataclass(frozen=True)
class Commitment:
    operation_id: str
    priority: int


@dataclass(frozen=True)
class Asset:
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    capabilities: tuple[Capability, ...]
    base: Position
    base_name: str
    speed_kmh: float
    range_km: float
    endurance_h: float | None
    readiness: Readiness
    commitment: Commitment | None = None
    platform: Platform | None = None  # None: registered before platforms were stated (inferred)
    carried_by: str | None = None  # the asset it rides in or aboard (a team in a helicopter, on a ship)

    def committed_above(self, priority: int) -> bool:
        """Committed to an operation of strictly higher priority (a lower number)."""
        return self.commitment is not None and self.commitment.priority < priority


@dataclass(frozen=True)
class RecoveryPoint:
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: Position
    component_id: str | None
    remarks: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    name: str
    component_id: str
    priority: int
    description: str
    active: bool = True


def apply_asset(asset: Asset | None, e: ev.AssetEvent) -> Asset:
    """The asset after ``e``."""
    if isinstance(e, ev.AssetRegistered):
        return Asset(
            asset_id=e.asset_id,
            callsign=e.callsign,
            asset_type=e.asset_type,
            component_id=e.component_id,
            capabilities=e.capabilities,
            base=e.base,
            base_name=e.base_name,
            speed_kmh=e.speed_kmh,
            range_km=e.range_km,
            endurance_h=e.endurance_h,
            readiness=e.readiness,
            platform=e.platform,
            carried_by=e.carried_by,
        )
    if asset is None:
        raise ValueError(f"asset {e.asset_id} event before registration")
    if isinstance(e, ev.AssetReadinessChanged):
        return replace(asset, readiness=e.readiness)
    if isinstance(e, ev.AssetCommitted):
        return replace(asset, commitment=Commitment(e.operation_id, e.priority))
    if isinstance(e, ev.AssetReleased):
        return replace(asset, commitment=None)
    raise TypeError(f"unknown asset event {type(e).__name__}")


# --- decisions -------------------------------------------------------------------------------


def _require(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise RuleViolation(message, field=field)


IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _check_identifier(value: str, field: str) -> None:
    _require(
        bool(IDENTIFIER.match(value)),
        f"{field}: 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
        field,
    )


def register_component(
    c: cmd.RegisterComponent, existing: Component | None, ctx: Context
) -> list[core_ev.Event]:
    _check_identifier(c.component_id, "component_id")
    _require(existing is None, f"component {c.component_id} already exists", "component_id")
    return [
        ev.ComponentRegistered(
            at=ctx.now, component_id=c.component_id, name=c.name, kind=c.kind, prcc_name=c.prcc_name
        )
    ]


#: what can carry another asset: aircraft, vehicles and ships (not a UAS, not a team on foot)
CARRIERS = frozenset(
    {Platform.ROTARY_WING, Platform.FIXED_WING, Platform.GROUND_VEHICLE, Platform.SURFACE_VESSEL}
)


def register_asset(
    c: cmd.RegisterAsset,
    existing: Asset | None,
    component: Component | None,
    ctx: Context,
    carrier: Asset | None = None,
) -> list[core_ev.Event]:
    _check_identifier(c.asset_id, "asset_id")
    _require(existing is None, f"asset {c.asset_id} already exists", "asset_id")
    if component is None:
        raise RuleViolation(f"unknown component {c.component_id}", field="component_id")
    _require(c.speed_kmh > 0, "speed_kmh must be positive", "speed_kmh")
    _require(c.range_km > 0, "range_km must be positive", "range_km")
    _require(bool(c.capabilities), "an asset needs at least one capability", "capabilities")
    if c.carried_by is not None:
        _require(c.carried_by != c.asset_id, "an asset cannot ride in itself", "carried_by")
        if carrier is None:
            raise RuleViolation(f"unknown carrier {c.carried_by}: register it first", field="carried_by")
        _require(
            carrier.carried_by is None, f"{carrier.callsign} itself rides in another asset", "carried_by"
        )
        _require(
            carrier.platform is None or carrier.platform in CARRIERS,
            f"{carrier.callsign} ({carrier.platform.value if carrier.platform else ''}) carries no one",
            "carried_by",
        )
    return [
        ev.AssetRegistered(
            at=ctx.now,
            asset_id=c.asset_id,
            callsign=c.callsign,
            asset_type=c.asset_type,
            component_id=c.component_id,
            capabilities=c.capabilities,
            base=c.base,
            base_name=c.base_name,
            speed_kmh=c.speed_kmh,
            range_km=c.range_km,
            endurance_h=c.endurance_h,
            readiness=c.readiness,
            platform=c.platform,
            carried_by=c.carried_by,
        )
    ]


def register_recovery_point(
    c: cmd.RegisterRecoveryPoint,
    existing: RecoveryPoint | None,
    components: Mapping[str, Component],
    ctx: Context,
) -> list[core_ev.Event]:
    _check_identifier(c.point_id, "point_id")
    _require(existing is None, f"recovery point {c.point_id} already exists", "point_id")
    _require(bool(c.name.strip()), "name must not be blank", "name")
    if c.component_id is not None and c.component_id not in components:
        raise RuleViolation(f"unknown component {c.component_id}", field="component_id")
    return [
        ev.RecoveryPointRegistered(
            at=ctx.now,
            point_id=c.point_id,
            name=c.name,
            kind=c.kind,
            position=c.position,
            component_id=c.component_id,
            remarks=c.remarks,
        )
    ]


def change_readiness(c: cmd.ChangeAssetReadiness, asset: Asset, ctx: Context) -> list[core_ev.Event]:
    if asset.readiness is c.readiness:
        return []
    return [
        ev.AssetReadinessChanged(
            at=ctx.now, asset_id=asset.asset_id, readiness=c.readiness, remarks=c.remarks
        )
    ]


def plan_operation(
    c: cmd.PlanOperation, existing: Operation | None, component: Component | None, ctx: Context
) -> list[core_ev.Event]:
    _check_identifier(c.operation_id, "operation_id")
    _require(existing is None, f"operation {c.operation_id} already exists", "operation_id")
    if component is None:
        raise RuleViolation(f"unknown component {c.component_id}", field="component_id")
    _require(c.priority in PRIORITY_RANGE, "priority must be 1 (highest) to 5", "priority")
    return [
        ev.OperationPlanned(
            at=ctx.now,
            operation_id=c.operation_id,
            name=c.name,
            component_id=c.component_id,
            priority=c.priority,
            description=c.description,
        )
    ]


def commit_asset(c: cmd.CommitAsset, asset: Asset, operation: Operation, ctx: Context) -> list[core_ev.Event]:
    _require(operation.active, f"operation {operation.operation_id} has ended", "operation_id")
    _require(
        operation.component_id == asset.component_id,
        f"{asset.asset_id} belongs to {asset.component_id}; operation {operation.operation_id} "
        f"is {operation.component_id}'s: a component commits only its own assets",
        "operation_id",
    )
    return [
        ev.AssetCommitted(
            at=ctx.now,
            asset_id=asset.asset_id,
            operation_id=operation.operation_id,
            priority=operation.priority,
        )
    ]


def release_asset(c: cmd.ReleaseAsset, asset: Asset, ctx: Context) -> list[core_ev.Event]:
    if asset.commitment is None:
        raise RuleViolation(f"asset {asset.asset_id} is not committed to any operation", field="asset_id")
    return [
        ev.AssetReleased(
            at=ctx.now, asset_id=asset.asset_id, operation_id=asset.commitment.operation_id, reason=c.reason
        )
    ]


def end_operation(operation: Operation, committed: list[Asset], ctx: Context) -> list[core_ev.Event]:
    """Ending an operation releases every asset still committed to it."""
    if not operation.active:
        raise RuleViolation(f"operation {operation.operation_id} has already ended", field="operation_id")
    released: list[core_ev.Event] = [
        ev.AssetReleased(
            at=ctx.now, asset_id=a.asset_id, operation_id=operation.operation_id, reason="operation ended"
        )
        for a in committed
    ]
    return [*released, ev.OperationEnded(at=ctx.now, operation_id=operation.operation_id)]


def require_found(value: T | None, kind: str, identifier: str, field: str) -> T:
    if value is None:
        raise NotFound(f"unknown {kind} {identifier}", field=field)
    return value
