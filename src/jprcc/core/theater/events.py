"""Theater events: components, assets, recovery points, operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jprcc.core.events import Event, event
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
class ComponentEvent(Event):
    stream_kind: ClassVar[str] = "component"
    component_id: str

    @property
    def stream_id(self) -> str:
        return f"component:{self.component_id}"


@event("component_registered")
@dataclass(frozen=True, kw_only=True)
class ComponentRegistered(ComponentEvent):
    name: str
    kind: ComponentKind
    prcc_name: str


@dataclass(frozen=True, kw_only=True)
class AssetEvent(Event):
    stream_kind: ClassVar[str] = "asset"
    asset_id: str

    @property
    def stream_id(self) -> str:
        return f"asset:{self.asset_id}"


@event("asset_registered")
@dataclass(frozen=True, kw_only=True)
class AssetRegistered(AssetEvent):
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
    platform: Platform | None = None
    carried_by: str | None = None


@event("asset_readiness_changed")
@dataclass(frozen=True, kw_only=True)
class AssetReadinessChanged(AssetEvent):
    readiness: Readiness
    remarks: str


@event("asset_committed")
@dataclass(frozen=True, kw_only=True)
class AssetCommitted(AssetEvent):
    operation_id: str
    priority: int


@event("asset_released")
@dataclass(frozen=True, kw_only=True)
class AssetReleased(AssetEvent):
    operation_id: str
    reason: str


@event("recovery_point_registered")
@dataclass(frozen=True, kw_only=True)
class RecoveryPointRegistered(Event):
    stream_kind: ClassVar[str] = "recovery_point"
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: Position
    component_id: str | None
    remarks: str

    @property
    def stream_id(self) -> str:
        return f"recovery_point:{self.point_id}"


@dataclass(frozen=True, kw_only=True)
class OperationEvent(Event):
    stream_kind: ClassVar[str] = "operation"
    operation_id: str

    @property
    def stream_id(self) -> str:
        return f"operation:{self.operation_id}"


@event("operation_planned")
@dataclass(frozen=True, kw_only=True)
class OperationPlanned(OperationEvent):
    name: str
    component_id: str
    priority: int
    description: str


@event("operation_ended")
@dataclass(frozen=True, kw_only=True)
class OperationEnded(OperationEvent):
    pass
