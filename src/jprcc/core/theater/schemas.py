"""The request bodies of the theater's actions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from jprcc.api.schemas import (
    Body,
    Identifier,
    Name,
    PositionIn,
    Priority,
    RequiredText,
    Text,
)
from jprcc.core.model import (
    Capability,
    ComponentKind,
    Platform,
    Readiness,
    RecoveryPointKind,
)


class ComponentCreate(Body):
    component_id: Identifier
    name: Name
    kind: ComponentKind
    prcc_name: Name


class AssetCreate(Body):
    asset_id: Identifier
    callsign: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    asset_type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    component_id: Identifier
    capabilities: list[Capability] = Field(min_length=1, max_length=20)
    base: PositionIn
    base_name: Annotated[str, StringConstraints(max_length=200)] = ""
    speed_kmh: float = Field(gt=0, le=5000)
    range_km: float = Field(gt=0, le=50_000)
    endurance_h: float | None = Field(default=None, gt=0, le=1000)
    readiness: Readiness = Readiness.READY
    platform: Platform | None = Field(
        default=None,
        description="What it physically is; how it moves. Unstated: inferred from what it can do.",
    )
    carried_by: Identifier | None = Field(
        default=None, description="The asset it rides in or aboard (a team in a helicopter, on a ship)."
    )


class RecoveryPointCreate(Body):
    point_id: Identifier
    name: Name
    kind: RecoveryPointKind
    position: PositionIn
    component_id: Identifier | None = None
    remarks: Text = ""


class ReadinessIn(Body):
    readiness: Readiness
    remarks: Text = ""


class OperationCreate(Body):
    operation_id: Identifier
    name: Name
    component_id: Identifier
    priority: Priority
    description: Text = ""


class CommitmentIn(Body):
    operation_id: Identifier


class AssetReleaseIn(Body):
    reason: RequiredText
