"""The intelligence read models: the layers' versions and the matrix in force."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, select, update

from jprcc.core.store.codec import decode_layer, encode_layer
from jprcc.core.store.projections import ProjectorTable, projects
from jprcc.core.store.tables import (
    decision_matrix,
    intel_layers,
)
from jprcc.core.store.upsert import upsert
from jprcc.intel import events as ev

# --- intel

INTEL: ProjectorTable = {}


@projects(INTEL, ev.LayerPublished)
def _layer(conn: Connection, e: ev.LayerPublished) -> None:
    layer = e.layer
    upsert(
        conn,
        intel_layers,
        "layer_id",
        {
            "layer_id": layer.layer_id,
            "kind": layer.body.kind,
            "version": layer.version,
            "withdrawn": False,
            "valid_from": layer.valid_from,
            "valid_to": layer.valid_to,
            "document": encode_layer(layer),
        },
    )


@projects(INTEL, ev.LayerWithdrawn)
def _layer_withdrawn(conn: Connection, e: ev.LayerWithdrawn) -> None:
    document = conn.execute(
        select(intel_layers.c.document).where(intel_layers.c.layer_id == e.layer_id)
    ).scalar_one()
    layer = replace(decode_layer(document), withdrawn=True)
    conn.execute(
        update(intel_layers)
        .where(intel_layers.c.layer_id == e.layer_id)
        .values(withdrawn=True, document=encode_layer(layer))
    )


@projects(INTEL, ev.DecisionMatrixPublished)
def _matrix(conn: Connection, e: ev.DecisionMatrixPublished) -> None:
    upsert(
        conn,
        decision_matrix,
        "id",
        {"id": 1, "version": e.version, "text": e.text, "published_by": e.by, "published_at": e.at},
    )
