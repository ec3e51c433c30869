"""The theater's read models: components, assets, recovery points, operations."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, update

from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import (
    assets,
    components,
    operations,
    recovery_points,
)
from jprcc.core.theater import events as ev

# --- theater

THEATER: ProjectorTable = {}


@projects(THEATER, ev.ComponentRegistered)
def _component(conn: Connection, e: ev.ComponentRegistered) -> None:
    conn.execute(
        insert(components).values(
            component_id=e.component_id, name=e.name, kind=e.kind.value, prcc_name=e.prcc_name
        )
    )


@projects(THEATER, ev.AssetRegistered)
def _asset(conn: Connection, e: ev.AssetRegistered) -> None:
    conn.execute(
        insert(assets).values(
            asset_id=e.asset_id,
            callsign=e.callsign,
            asset_type=e.asset_type,
            component_id=e.component_id,
            capabilities=json.dumps([c.value for c in e.capabilities]),
            base_lat=e.base.lat,
            base_lon=e.base.lon,
            base_name=e.base_name,
            speed_kmh=e.speed_kmh,
            range_km=e.range_km,
            endurance_h=e.endurance_h,
            readiness=e.readiness.value,
            platform=None if e.platform is None else e.platform.value,
            carried_by=e.carried_by,
        )
    )


def _set_asset(conn: Connection, asset_id: str, **values: Any) -> None:
    conn.execute(update(assets).where(assets.c.asset_id == asset_id).values(**values))


@projects(THEATER, ev.AssetReadinessChanged)
def _readiness(conn: Connection, e: ev.AssetReadinessChanged) -> None:
    _set_asset(conn, e.asset_id, readiness=e.readiness.value)


@projects(THEATER, ev.AssetCommitted)
def _committed(conn: Connection, e: ev.AssetCommitted) -> None:
    _set_asset(conn, e.asset_id, commitment_operation_id=e.operation_id, commitment_priority=e.priority)


@projects(THEATER, ev.AssetReleased)
def _released(conn: Connection, e: ev.AssetReleased) -> None:
    _set_asset(conn, e.asset_id, commitment_operation_id=None, commitment_priority=None)


@projects(THEATER, ev.RecoveryPointRegistered)
def _recovery_point(conn: Connection, e: ev.RecoveryPointRegistered) -> None:
    conn.execute(
        insert(recovery_points).values(
            point_id=e.point_id,
            name=e.name,
            kind=e.kind.value,
            lat=e.position.lat,
            lon=e.position.lon,
            component_id=e.component_id,
            remarks=e.remarks,
        )
    )


@projects(THEATER, ev.OperationPlanned)
def _operation(conn: Connection, e: ev.OperationPlanned) -> None:
    conn.execute(
        insert(operations).values(
            operation_id=e.operation_id,
            name=e.name,
            component_id=e.component_id,
            priority=e.priority,
            description=e.description,
            active=True,
        )
    )


@projects(THEATER, ev.OperationEnded)
def _operation_ended(conn: Connection, e: ev.OperationEnded) -> None:
    conn.execute(update(operations).where(operations.c.operation_id == e.operation_id).values(active=False))
