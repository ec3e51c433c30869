"""Intelligence-preparation events: layers and the matrix, kept as versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jprcc.core.events import Event, event
from jprcc.intel.layers import IntelLayer

# --- intelligence preparation ------------------------------------------------------------


@event("layer_published")
@dataclass(frozen=True, kw_only=True)
class LayerPublished(Event):
    stream_kind: ClassVar[str] = "layer"
    layer: IntelLayer

    @property
    def stream_id(self) -> str:
        return f"layer:{self.layer.layer_id}"


@event("layer_withdrawn")
@dataclass(frozen=True, kw_only=True)
class LayerWithdrawn(Event):
    stream_kind: ClassVar[str] = "layer"
    layer_id: str
    version: int
    reason: str
    by: str

    @property
    def stream_id(self) -> str:
        return f"layer:{self.layer_id}"


@event("decision_matrix_published")
@dataclass(frozen=True, kw_only=True)
class DecisionMatrixPublished(Event):
    stream_kind: ClassVar[str] = "decision_matrix"
    version: int
    text: str
    by: str

    @property
    def stream_id(self) -> str:
        return "decision_matrix"
