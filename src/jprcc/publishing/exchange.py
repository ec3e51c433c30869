"""Exporting the picture and importing forces and threats, as GeoJSON, KML and CSV.

Export: the incidents (where the persons are), the assets (at their bases) and the threat layers in
force (air defences as points with their envelopes, threat areas as polygons), for the caller
(need-to-know holds). Import: assets and threat layers. Every row is checked first, by the same
request models the API uses, and the first bad one is named with its field and rule; then all of
them are applied in one unit of work (``ImportAssets``, ``ImportLayers``), so a file is imported
whole or not at all.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from jprcc.core.errors import RuleViolation
from jprcc.core.model import Actor
from jprcc.core.queries import Queries
from jprcc.core.theater import commands as theater_cmd
from jprcc.core.theater.schemas import AssetCreate
from jprcc.core.wire import command_from
from jprcc.intel import commands as intel_cmd
from jprcc.intel.http import LayerIn
from jprcc.intel.layers import AreaThreat, PointThreat
from jprcc.publishing import exchange_plans as plans
from jprcc.publishing import formats as f


class Layer(enum.StrEnum):
    INCIDENTS = "incidents"
    ASSETS = "assets"
    THREATS = "threats"
    ROUTES = "routes"
    SEARCH_AREAS = "search-areas"
    SEARCH_PLANS = "search-plans"

    @property
    def per_incident(self) -> bool:
        """Planned for one incident at a time (the recovery options are planned afresh)."""
        return self is Layer.ROUTES


class Format(enum.StrEnum):
    GEOJSON = "geojson"
    KML = "kml"
    CSV = "csv"


MEDIA = {Format.GEOJSON: "application/geo+json", Format.KML: "application/vnd.google-earth.kml+xml",
         Format.CSV: "text/csv"}  # fmt: skip

ASSET_COLUMNS = [
    "asset_id",
    "callsign",
    "asset_type",
    "component_id",
    "capabilities",
    "lat",
    "lon",
    "base_name",
    "speed_kmh",
    "range_km",
    "endurance_h",
    "readiness",
    "platform",
    "carried_by",
]
THREAT_COLUMNS = [
    "layer_id",
    "name",
    "source",
    "confidence",
    "valid_from",
    "valid_to",
    "kind",
    "system",
    "category",
    "lat",
    "lon",
    "polygon",
    "min_range_m",
    "max_range_m",
    "min_altitude_m",
    "max_altitude_m",
    "pk",
    "falloff",
    "severity",
]
INCIDENT_COLUMNS = [
    "id",
    "title",
    "stage",
    "owning_component",
    "priority",
    "isolated_at",
    "lat",
    "lon",
    "mgrs",
    "uncertainty_m",
    "persons",
    "persons_out",
]


COLUMNS = {
    Layer.ASSETS: ASSET_COLUMNS,
    Layer.THREATS: THREAT_COLUMNS,
    Layer.INCIDENTS: INCIDENT_COLUMNS,
    Layer.ROUTES: plans.ROUTE_COLUMNS,
    Layer.SEARCH_AREAS: plans.SEARCH_AREA_COLUMNS,
    Layer.SEARCH_PLANS: plans.SEARCH_PLAN_COLUMNS,
}


# --- out ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planners:
    """The services some layers read: the intelligence layers in force, the recovery options, the
    probability maps (each ``None`` where the node has not got that capability)."""

    threats: Sequence[Any] = ()
    options: Any = None
    locate: Any = None


def features(
    q: Queries,
    actor: Actor,
    layer: Layer,
    planners: Planners = Planners(),
    incident_id: str | None = None,
) -> list[f.Feature]:
    """The layer's features the caller may see; ``incident_id`` keeps one incident's."""
    if layer.per_incident and incident_id is None:
        raise RuleViolation(
            f"{layer.value} are planned for one incident at a time: give it", field="incident"
        )
    if layer is Layer.ASSETS:
        return [_asset_feature(a.asset) for a in q.assets(actor)]
    if layer is Layer.THREATS:
        return [_threat_feature(t) for t in planners.threats if isinstance(t.body, (PointThreat, AreaThreat))]
    if layer is Layer.ROUTES:
        if planners.options is None:
            raise RuleViolation("this node plans no recovery options", field="layer")
        return plans.routes(planners.options, actor, str(incident_id))
    if layer is Layer.SEARCH_AREAS:
        return plans.search_areas(planners.locate, plans.with_search(q, actor, incident_id))
    if layer is Layer.SEARCH_PLANS:
        return plans.search_plans(plans.with_search(q, actor, incident_id))
    return _incidents(q, actor, incident_id)


def _incidents(q: Queries, actor: Actor, incident_id: str | None) -> list[f.Feature]:
    from jprcc.core.board import BoardFilter
    from jprcc.publishing.context import incident_summary

    if incident_id is not None:
        q.incident(actor, incident_id)  # unknown, or not the caller's: answered as such
    rows = [r for r in q.board(actor, BoardFilter(limit=5_000)).rows if incident_id in (None, r.incident_id)]
    out = []
    for r in rows:
        s = incident_summary(r)
        props = {k: v for k, v in s.items() if k not in ("position", "latest")}
        props |= {"mgrs": s["position"]["mgrs"], "uncertainty_m": r.uncertainty_m}
        out.append(f.Feature("point", [(r.lat, r.lon)], props))
    return out


def _asset_feature(a: Any) -> f.Feature:
    props = {
        "asset_id": a.asset_id,
        "callsign": a.callsign,
        "asset_type": a.asset_type,
        "component_id": a.component_id,
        "capabilities": [c.value for c in a.capabilities],
        "base_name": a.base_name,
        "speed_kmh": a.speed_kmh,
        "range_km": a.range_km,
        "endurance_h": a.endurance_h,
        "readiness": a.readiness.value,
        "platform": a.platform.value if a.platform else None,
        "carried_by": a.carried_by,
    }
    return f.Feature("point", [(a.base.lat, a.base.lon)], props)


def _threat_feature(t: Any) -> f.Feature:
    props: dict[str, Any] = {
        "layer_id": t.layer_id,
        "name": t.name,
        "source": t.source,
        "confidence": t.confidence.value,
        "valid_from": t.valid_from.isoformat(),
        "valid_to": t.valid_to.isoformat() if t.valid_to else None,
        "kind": t.body.kind,
    }
    body = t.body
    if isinstance(body, PointThreat):
        props |= {
            "system": body.system,
            "category": body.category.value,
            "min_range_m": body.min_range_m,
            "max_range_m": body.max_range_m,
            "min_altitude_m": body.min_altitude_m,
            "max_altitude_m": body.max_altitude_m,
            "pk": body.pk,
            "falloff": body.falloff,
        }
        return f.Feature("point", [(body.position.lat, body.position.lon)], props)
    props |= {"category": body.category.value, "severity": body.severity}
    return f.Feature("polygon", [(p.lat, p.lon) for p in body.polygon], props)


def render(layer: Layer, fmt: Format, found: list[f.Feature], marking: str) -> str:
    if fmt is Format.GEOJSON:
        return f.to_geojson(found)
    if fmt is Format.KML:
        return f.to_kml(found, f"{layer.value} ({marking})")
    rows = []
    for feature in found:
        row = dict(feature.properties)
        if feature.kind == "point":
            row["lat"], row["lon"] = feature.coordinates[0]
        else:
            row["polygon" if feature.kind == "polygon" else "path"] = "; ".join(
                f"{lat} {lon}" for lat, lon in feature.coordinates
            )
        rows.append(row)
    return f.to_csv(rows, COLUMNS[layer], marking)


# --- in -----------------------------------------------------------------------------------------------


def read(fmt: Format, text: str, layer: Layer) -> list[f.Feature]:
    if fmt is Format.GEOJSON:
        return f.from_geojson(text)
    if fmt is Format.KML:
        return f.from_kml(text)
    required = {
        Layer.ASSETS: ["asset_id", "lat", "lon"],
        Layer.THREATS: ["layer_id", "kind"],
        Layer.INCIDENTS: ["id", "lat", "lon"],
        Layer.ROUTES: ["incident_id", "option_id", "path"],
        Layer.SEARCH_AREAS: ["incident_id", "kind", "polygon"],
        Layer.SEARCH_PLANS: ["plan_id", "asset", "polygon"],
    }[layer]
    found = []
    for n, row in enumerate(f.from_csv(text, required), 1):
        props: dict[str, Any] = {
            k: v for k, v in row.items() if v != "" and k not in ("lat", "lon", "polygon", "path")
        }
        if "capabilities" in props:
            props["capabilities"] = [c.strip() for c in props["capabilities"].split(";") if c.strip()]
        if row.get("polygon"):
            found.append(f.Feature("polygon", _pairs(row["polygon"], n, "polygon", 3), props))
        elif row.get("path"):
            found.append(f.Feature("line", _pairs(row["path"], n, "path", 2), props))
        else:
            found.append(
                f.Feature("point", [f._coordinate([row.get("lon"), row.get("lat")], f"row {n}")], props)
            )
    return found


def _pairs(cell: str, n: int, column: str, least: int) -> list[tuple[float, float]]:
    """``lat lon; lat lon; ...`` as coordinates, the row and column named if it is not."""
    out = []
    for pair in cell.split(";"):
        parts = pair.split()
        if len(parts) != 2:
            raise RuleViolation(f"row {n}: {column}: points are 'lat lon' separated by ';'", field="text")
        out.append(f._coordinate([parts[1], parts[0]], f"row {n}: {column}"))
    if len(out) < least:
        raise RuleViolation(f"row {n}: {column}: at least {least} points", field="text")
    return out


def _checked(model: Any, data: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "the row"
        raise RuleViolation(f"{where}: {path}: {first['msg']}", field="text") from None


def asset_commands(found: list[f.Feature]) -> list[theater_cmd.RegisterAsset]:
    out, seen = [], set()
    for i, feature in enumerate(found, 1):
        where = f"feature {i}"
        if feature.kind != "point":
            raise RuleViolation(f"{where}: an asset is a point (its base)", field="text")
        lat, lon = feature.coordinates[0]
        data = {k: v for k, v in feature.properties.items() if k in ASSET_COLUMNS and v is not None}
        data["base"] = {"lat": lat, "lon": lon}
        body = _checked(AssetCreate, data, where)
        if body.asset_id in seen:
            raise RuleViolation(f"{where}: asset_id: {body.asset_id} is in the file twice", field="text")
        seen.add(body.asset_id)
        out.append(command_from(theater_cmd.RegisterAsset, body))
    return out


def layer_commands(found: list[f.Feature], now: datetime) -> list[intel_cmd.PublishLayer]:
    out, seen = [], set()
    body_keys = {"system", "category", "min_range_m", "max_range_m", "min_altitude_m", "max_altitude_m", "pk",
                 "falloff", "severity"}  # fmt: skip
    for i, feature in enumerate(found, 1):
        where = f"feature {i}"
        p = feature.properties
        kind = p.get("kind") or ("point_threat" if feature.kind == "point" else "area_threat")
        body: dict[str, Any] = {
            "kind": kind,
            **{k: v for k, v in p.items() if k in body_keys and v is not None},
        }
        shape = {"point_threat": "point", "area_threat": "polygon"}.get(str(kind))
        if shape is not None and feature.kind != shape:
            raise RuleViolation(
                f"{where}: kind {kind}: a {shape} is expected, not a {feature.kind}", field="text"
            )
        if kind == "point_threat":
            lat, lon = feature.coordinates[0]
            body["position"] = {"lat": lat, "lon": lon}
        elif kind == "area_threat":
            body["polygon"] = [{"lat": lat, "lon": lon} for lat, lon in feature.coordinates]
        else:
            raise RuleViolation(f"{where}: kind: point_threat or area_threat", field="text")
        data = {
            k: p[k]
            for k in ("layer_id", "name", "source", "confidence", "valid_from", "valid_to")
            if p.get(k)
        }
        checked = _checked(LayerIn, {**data, "body": body}, where)
        if checked.layer_id in seen:
            raise RuleViolation(f"{where}: layer_id: {checked.layer_id} is in the file twice", field="text")
        seen.add(checked.layer_id)
        out.append(command_from(intel_cmd.PublishLayer, checked, valid_from=checked.valid_from or now))
    return out
