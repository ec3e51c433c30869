"""Theater commands: components, assets, recovery points, operations."""

from __future__ import annotations

from dataclasses import dataclass

from jprcc.core.commands import Command
from jprcc.core.model import (
    Capability,
    ComponentKind,
    Platform,
    Position,
    Readiness,
    RecoveryPointKind,
)

# --- theater -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterComponent(Command):
    component_id: str
    name: str
    kind: ComponentKind
    prcc_name: str


@dataclass(frozen=True, kw_only=True)
class RegisterAsset(Command):
    asset_id: str
    callsign: str
    asset_type: str
    component_id: str
    capabilities: tuple[Capability, ...]
    base: Position
    base_name: str
    speed_kmh: float
    range_km: float
    endurance_h: float | None = None
    readiness: Readiness = Readiness.READY
    platform: Platform | None = None
    carried_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterRecoveryPoint(Command):
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: Position
    component_id: str | None = None
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangeAssetReadiness(Command):
    asset_id: str
    readiness: Readiness
    remarks: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanOperation(Command):
    operation_id: str
    name: str
    component_id: str
    priority: int
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class CommitAsset(Command):
    asset_id: str
    operation_id: str


@dataclass(frozen=True, kw_only=True)
class ReleaseAsset(Command):
    asset_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class EndOperation(Command):
    operation_id: str
