"""Theater handlers: components, assets, recovery points, operations. Each loads what the command
is about, asks the domain (``jprcc.core.theater.model``) and records the events; the bus has already
authorized the actor against the subject these handlers' ``subject`` loaders name."""

from __future__ import annotations

from typing import Any

from jprcc.core.contract import Subject
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.core.theater import commands as cmd
from jprcc.core.theater import model as theater


def _asset(uow: UnitOfWork, asset_id: str) -> theater.Asset:
    return theater.require_found(uow.assets([asset_id]).get(asset_id), "asset", asset_id, "asset_id")


def _operation(uow: UnitOfWork, operation_id: str) -> theater.Operation:
    return theater.require_found(uow.operation(operation_id), "operation", operation_id, "operation_id")


# --- subjects: the component that owns what the command is about ---------------------------------


def named_component(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(component=c.component_id)


def asset_owner(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(component=_asset(uow, c.asset_id).component_id)


def operation_owner(c: Any, uow: UnitOfWork) -> Subject:
    return Subject(component=_operation(uow, c.operation_id).component_id)


# --- handlers ----------------------------------------------------------------------------------------


def register_component(c: cmd.RegisterComponent, uow: UnitOfWork, ctx: Context, _: None) -> None:
    new = theater.register_component(c, uow.components().get(c.component_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def register_asset(c: cmd.RegisterAsset, uow: UnitOfWork, ctx: Context, _: None) -> None:
    found = uow.assets([c.asset_id, *([c.carried_by] if c.carried_by else [])])
    carrier = found.get(c.carried_by) if c.carried_by else None
    new = theater.register_asset(c, found.get(c.asset_id), uow.components().get(c.component_id), ctx, carrier)
    uow.record(new, ctx.actor.username, ctx.now)


def register_recovery_point(c: cmd.RegisterRecoveryPoint, uow: UnitOfWork, ctx: Context, _: None) -> None:
    new = theater.register_recovery_point(c, uow.recovery_point(c.point_id), uow.components(), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def change_asset_readiness(c: cmd.ChangeAssetReadiness, uow: UnitOfWork, ctx: Context, _: None) -> None:
    uow.record(theater.change_readiness(c, _asset(uow, c.asset_id), ctx), ctx.actor.username, ctx.now)


def plan_operation(c: cmd.PlanOperation, uow: UnitOfWork, ctx: Context, _: None) -> None:
    component = uow.components().get(c.component_id)
    new = theater.plan_operation(c, uow.operation(c.operation_id), component, ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def commit_asset(c: cmd.CommitAsset, uow: UnitOfWork, ctx: Context, _: None) -> None:
    new = theater.commit_asset(c, _asset(uow, c.asset_id), _operation(uow, c.operation_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def release_asset(c: cmd.ReleaseAsset, uow: UnitOfWork, ctx: Context, _: None) -> None:
    uow.record(theater.release_asset(c, _asset(uow, c.asset_id), ctx), ctx.actor.username, ctx.now)


def end_operation(c: cmd.EndOperation, uow: UnitOfWork, ctx: Context, _: None) -> None:
    operation = _operation(uow, c.operation_id)
    new = theater.end_operation(operation, uow.committed_assets(c.operation_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)
