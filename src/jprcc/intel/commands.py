"""Intelligence-preparation commands: layers and the threat-decision matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jprcc.core.commands import Command
from jprcc.core.model import (
    SourceConfidence,
)
from jprcc.intel.layers import LayerBody

# --- intelligence preparation ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PublishLayer(Command):
    """Publish a threat or civil layer; under an existing id it becomes that layer's next version."""

    layer_id: str
    name: str
    source: str
    confidence: SourceConfidence
    valid_from: datetime
    valid_to: datetime | None = None
    body: LayerBody


@dataclass(frozen=True, kw_only=True)
class WithdrawLayer(Command):
    layer_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PublishDecisionMatrix(Command):
    """A new version of the threat-decision matrix, as its YAML text."""

    text: str
