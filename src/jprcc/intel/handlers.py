"""Intelligence-preparation handlers: layers published and withdrawn, the matrix published."""

from __future__ import annotations

from jprcc.core import safe_yaml
from jprcc.core.errors import RuleViolation
from jprcc.core.model import Context
from jprcc.core.ports import UnitOfWork
from jprcc.intel import commands as cmd
from jprcc.intel import decision
from jprcc.intel import layers as intel
from jprcc.intel.events import DecisionMatrixPublished, LayerPublished, LayerWithdrawn
from jprcc.intel.layers import IntelLayer


def publish_layer(c: cmd.PublishLayer, uow: UnitOfWork, ctx: Context, _: None) -> IntelLayer:
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


def withdraw_layer(c: cmd.WithdrawLayer, uow: UnitOfWork, ctx: Context, _: None) -> None:
    layer = intel.withdraw(uow.layer(c.layer_id), c.layer_id)
    withdrawn = LayerWithdrawn(
        at=ctx.now, layer_id=layer.layer_id, version=layer.version, reason=c.reason, by=ctx.actor.username
    )
    uow.record([withdrawn], ctx.actor.username, ctx.now)


def publish_decision_matrix(c: cmd.PublishDecisionMatrix, uow: UnitOfWork, ctx: Context, _: None) -> int:
    """Parse and check the YAML (every row reachable, every situation covered) before it is kept."""
    try:
        data = safe_yaml.load(c.text)
    except safe_yaml.YamlRefused as exc:
        raise RuleViolation(f"the matrix: {exc}", field="text") from None
    decision.parse(data)
    version = uow.matrix_version() + 1
    published = DecisionMatrixPublished(at=ctx.now, version=version, text=c.text, by=ctx.actor.username)
    uow.record([published], ctx.actor.username, ctx.now)
    return version
