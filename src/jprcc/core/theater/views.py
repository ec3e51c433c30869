"""The theater's answers: its components, their operations, a component's status, and the map's
picture (open incidents, every asset, the recovery points)."""

from __future__ import annotations

from pydantic import BaseModel

from jprcc.api.views import AssetOut, PositionOut
from jprcc.brokering.incident import Stage
from jprcc.core import queries as q
from jprcc.core.model import ComponentKind, RecoveryPointKind
from jprcc.core.theater.model import RecoveryPoint


class ComponentOut(BaseModel):
    component_id: str
    name: str
    kind: ComponentKind
    prcc_name: str


class OperationOut(BaseModel):
    operation_id: str
    name: str
    component_id: str
    priority: int
    description: str
    active: bool


class ComponentStatusOut(BaseModel):
    component: ComponentOut
    assets_by_readiness: dict[str, int]
    assets_committed: int
    assets_tasked: int
    incidents_owned: list[str]
    incidents_supported: list[str]
    incidents_supporting: list[str]

    @classmethod
    def of(cls, status: q.ComponentStatus) -> ComponentStatusOut:
        fields = {k: getattr(status, k) for k in cls.model_fields if k != "component"}
        return cls(component=ComponentOut.model_validate(status.component, from_attributes=True), **fields)


class MapIncidentOut(BaseModel):
    incident_id: str
    title: str
    stage: Stage
    owning_component: str
    priority: int
    lat: float
    lon: float
    uncertainty_m: float
    persons_count: int
    duty_statuses: list[str]
    overdue: bool


class RecoveryPointOut(BaseModel):
    point_id: str
    name: str
    kind: RecoveryPointKind
    position: PositionOut
    component_id: str | None
    remarks: str

    @classmethod
    def of(cls, p: RecoveryPoint) -> RecoveryPointOut:
        return cls(
            point_id=p.point_id,
            name=p.name,
            kind=p.kind,
            position=PositionOut.of(p.position),
            component_id=p.component_id,
            remarks=p.remarks,
        )


class MapPictureOut(BaseModel):
    """Everything the map draws, in one answer: open incidents, every asset, recovery points."""

    incidents: list[MapIncidentOut]
    assets: list[AssetOut]
    recovery_points: list[RecoveryPointOut]
