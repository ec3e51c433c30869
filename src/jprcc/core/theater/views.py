"""The theater's answers: its components, their operations, and a component's status."""

from __future__ import annotations

from pydantic import BaseModel

from jprcc.core import queries as q
from jprcc.core.model import ComponentKind


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
