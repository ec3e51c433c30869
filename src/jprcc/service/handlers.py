"""Handlers: load state through the unit of work, check the actor, ask the domain, record.

Handlers never commit (the bus does) and never publish (the bus does, after commit).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import yaml

from jprcc.domain import accounts, decision, intel, theater
from jprcc.domain import commands as cmd
from jprcc.domain.accounts import User
from jprcc.domain.authorization import authorize
from jprcc.domain.decide import decide_incident
from jprcc.domain.errors import AuthenticationFailed, NotFound, RuleViolation
from jprcc.domain.events import (
    DecisionMatrixPublished,
    LayerPublished,
    LayerWithdrawn,
    TokenRevoked,
    UserLoggedIn,
)
from jprcc.domain.incident import Incident
from jprcc.domain.intel import IntelLayer
from jprcc.domain.model import Context, Role
from jprcc.domain.rules import TheaterView
from jprcc.service import records
from jprcc.service.messagebus import Dependencies, Handler
from jprcc.service.ports import Token, UnitOfWork
from jprcc.service.security import new_token, token_hash

# --- incidents -------------------------------------------------------------------------------


def referenced_assets(c: cmd.IncidentCommand, incident: Incident | None) -> set[str]:
    """Every asset the command, or what it acts on, names."""
    if isinstance(c, cmd.AnswerCapabilityPoll):
        return {o.asset_id for o in c.offers}
    if isinstance(c, cmd.NominateSupport):
        return {a for x in c.contributions for a in x.asset_ids}
    if isinstance(c, cmd.RequestTaconTransfer):
        return set(c.asset_ids)
    if incident is None:
        return set()
    if isinstance(c, cmd.ApproveNomination) and incident.pending_nomination is not None:
        return set(incident.pending_nomination.asset_ids)
    if isinstance(c, cmd.ApproveTaconTransfer) and c.request_id in incident.tacon_requests:
        return set(incident.tacon_requests[c.request_id].asset_ids)
    return set()


def theater_view(c: cmd.IncidentCommand, incident: Incident | None, uow: UnitOfWork) -> TheaterView:
    asset_ids = referenced_assets(c, incident)
    if not asset_ids:
        return TheaterView(components=uow.components())
    return TheaterView(
        components=uow.components(),
        assets=uow.assets(asset_ids),
        taskings=uow.taskings(asset_ids),
        control=uow.control_relationships(asset_ids),
    )


def handle_incident_command(
    c: cmd.IncidentCommand, uow: UnitOfWork, ctx: Context, deps: Dependencies
) -> Incident:
    incident = uow.incident(c.incident_id)
    if incident is None and not isinstance(c, cmd.ReportIncident):
        raise NotFound(f"unknown incident {c.incident_id}", field="incident_id")
    authorize(ctx.actor, c, incident)
    view = theater_view(c, incident, uow)
    new = decide_incident(c, incident, view, ctx, default_check_in_s=deps.settings.check_in_interval_s)
    uow.record(new, ctx.actor.username, ctx.now)
    result = uow.incident(c.incident_id)
    assert result is not None
    return result


# --- theater ---------------------------------------------------------------------------------


def _asset(uow: UnitOfWork, asset_id: str) -> theater.Asset:
    return theater.require_found(uow.assets([asset_id]).get(asset_id), "asset", asset_id, "asset_id")


def _operation(uow: UnitOfWork, operation_id: str) -> theater.Operation:
    return theater.require_found(uow.operation(operation_id), "operation", operation_id, "operation_id")


def register_component(c: cmd.RegisterComponent, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c)
    new = theater.register_component(c, uow.components().get(c.component_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def register_asset(c: cmd.RegisterAsset, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c, subject_component=c.component_id)
    existing = uow.assets([c.asset_id]).get(c.asset_id)
    new = theater.register_asset(c, existing, uow.components().get(c.component_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def register_recovery_point(
    c: cmd.RegisterRecoveryPoint, uow: UnitOfWork, ctx: Context, deps: Dependencies
) -> None:
    authorize(ctx.actor, c, subject_component=c.component_id)
    new = theater.register_recovery_point(c, uow.recovery_point(c.point_id), uow.components(), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def change_asset_readiness(
    c: cmd.ChangeAssetReadiness, uow: UnitOfWork, ctx: Context, deps: Dependencies
) -> None:
    asset = _asset(uow, c.asset_id)
    authorize(ctx.actor, c, subject_component=asset.component_id)
    uow.record(theater.change_readiness(c, asset, ctx), ctx.actor.username, ctx.now)


def plan_operation(c: cmd.PlanOperation, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c, subject_component=c.component_id)
    component = uow.components().get(c.component_id)
    new = theater.plan_operation(c, uow.operation(c.operation_id), component, ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def commit_asset(c: cmd.CommitAsset, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    asset = _asset(uow, c.asset_id)
    authorize(ctx.actor, c, subject_component=asset.component_id)
    new = theater.commit_asset(c, asset, _operation(uow, c.operation_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


def release_asset(c: cmd.ReleaseAsset, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    asset = _asset(uow, c.asset_id)
    authorize(ctx.actor, c, subject_component=asset.component_id)
    uow.record(theater.release_asset(c, asset, ctx), ctx.actor.username, ctx.now)


def end_operation(c: cmd.EndOperation, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    operation = _operation(uow, c.operation_id)
    authorize(ctx.actor, c, subject_component=operation.component_id)
    new = theater.end_operation(operation, uow.committed_assets(c.operation_id), ctx)
    uow.record(new, ctx.actor.username, ctx.now)


# --- intelligence preparation -------------------------------------------------------------


def publish_layer(c: cmd.PublishLayer, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> IntelLayer:
    authorize(ctx.actor, c)
    layer = intel.publish(
        c.layer_id,
        c.name,
        c.source,
        c.confidence,
        c.valid_from,
        c.valid_to,
        c.body,
        uow.layer(c.layer_id),
        ctx,
    )
    uow.record([LayerPublished(at=ctx.now, layer=layer)], ctx.actor.username, ctx.now)
    return layer


def withdraw_layer(c: cmd.WithdrawLayer, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c)
    layer = intel.withdraw(uow.layer(c.layer_id), c.layer_id)
    uow.record(
        [
            LayerWithdrawn(
                at=ctx.now,
                layer_id=layer.layer_id,
                version=layer.version,
                reason=c.reason,
                by=ctx.actor.username,
            )
        ],
        ctx.actor.username,
        ctx.now,
    )


def publish_decision_matrix(
    c: cmd.PublishDecisionMatrix, uow: UnitOfWork, ctx: Context, deps: Dependencies
) -> int:
    """Parse and check the YAML (every row reachable, every situation covered) before it is kept."""
    authorize(ctx.actor, c)
    try:
        data = yaml.safe_load(c.text)
    except yaml.YAMLError as exc:
        raise RuleViolation(f"not YAML: {exc}", field="text") from exc
    decision.parse(data)
    version = uow.matrix_version() + 1
    uow.record(
        [DecisionMatrixPublished(at=ctx.now, version=version, text=c.text, by=ctx.actor.username)],
        ctx.actor.username,
        ctx.now,
    )
    return version


# --- accounts --------------------------------------------------------------------------------


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.user(username)
    if user is None:
        raise NotFound(f"unknown user {username}", field="username")
    return user


def create_user(c: cmd.CreateUser, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c)
    known = c.component_id is not None and c.component_id in uow.components()
    uow.record(accounts.create_user(c, uow.user(c.username), known, ctx), ctx.actor.username, ctx.now)
    uow.set_password_hash(c.username, deps.passwords.hash(c.password))


def change_password(c: cmd.ChangePassword, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c)
    user = _user(uow, c.username)
    privileged = ctx.actor.role in (Role.JPRCC_DIRECTOR, Role.SYSTEM)
    self_service = ctx.actor.username == c.username and not privileged
    if self_service and not deps.passwords.verify(uow.password_hash(c.username), c.current_password or ""):
        raise AuthenticationFailed("give your current password to change it", field="current_password")
    uow.record(accounts.change_password(c, user, ctx), ctx.actor.username, ctx.now)
    uow.set_password_hash(c.username, deps.passwords.hash(c.new_password))
    uow.revoke_tokens_of(c.username)


def set_user_active(c: cmd.SetUserActive, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    authorize(ctx.actor, c)
    uow.record(accounts.set_active(c, _user(uow, c.username), ctx), ctx.actor.username, ctx.now)
    if not c.active:
        uow.revoke_tokens_of(c.username)


def issue_token(c: cmd.IssueToken, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> tuple[str, Token]:
    """Open a session (the password was verified before the transaction: see ``service.auth``)."""
    authorize(ctx.actor, c)
    user = uow.user(c.username)
    if user is None or not user.active:
        raise AuthenticationFailed(
            "invalid username or password, or the account is inactive", field="password"
        )
    secret = new_token()
    token = Token(
        token_id=str(uuid.uuid4()),
        username=user.username,
        issued_at=ctx.now,
        expires_at=ctx.now + timedelta(seconds=deps.settings.token_ttl_s),
        revoked=False,
    )
    uow.store_token(token_hash(secret), token)
    uow.record(
        [
            UserLoggedIn(
                at=ctx.now, username=user.username, token_id=token.token_id, expires_at=token.expires_at
            )
        ],
        user.username,
        ctx.now,
    )
    return secret, token


def revoke_token(c: cmd.RevokeToken, uow: UnitOfWork, ctx: Context, deps: Dependencies) -> None:
    token = uow.token(token_hash(c.token))
    if token is None or token.username != ctx.actor.username:
        raise AuthenticationFailed("no such token for this user", field="token")
    uow.revoke_token(token.token_id)
    uow.record(
        [TokenRevoked(at=ctx.now, username=token.username, token_id=token.token_id)],
        ctx.actor.username,
        ctx.now,
    )


INCIDENT_COMMANDS: tuple[type[cmd.IncidentCommand], ...] = tuple(
    t
    for t in vars(cmd).values()
    if isinstance(t, type) and issubclass(t, cmd.IncidentCommand) and t is not cmd.IncidentCommand
)

HANDLERS: dict[type[cmd.Command], Handler] = {
    **dict.fromkeys(INCIDENT_COMMANDS, handle_incident_command),
    **records.HANDLERS,  # after the incident commands: recording an authentication is its own
    cmd.RegisterComponent: register_component,
    cmd.RegisterAsset: register_asset,
    cmd.ChangeAssetReadiness: change_asset_readiness,
    cmd.RegisterRecoveryPoint: register_recovery_point,
    cmd.PlanOperation: plan_operation,
    cmd.CommitAsset: commit_asset,
    cmd.ReleaseAsset: release_asset,
    cmd.EndOperation: end_operation,
    cmd.PublishLayer: publish_layer,
    cmd.WithdrawLayer: withdraw_layer,
    cmd.PublishDecisionMatrix: publish_decision_matrix,
    cmd.CreateUser: create_user,
    cmd.ChangePassword: change_password,
    cmd.SetUserActive: set_user_active,
    cmd.IssueToken: issue_token,
    cmd.RevokeToken: revoke_token,
}
