"""Exchange formats: features (a point or a polygon and its properties) as GeoJSON, KML and CSV,
out and back in.

CSV is written safe against formula injection: a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading ``'`` (a spreadsheet then shows it as
text instead of running it), and read back without it; numbers are written as numbers. KML is read
with ``defusedxml`` (no DTDs, no entities). Every reader names the feature or row and the field
of what it cannot read.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from defusedxml import ElementTree  # type: ignore[import-untyped]

from jprcc.core.errors import RuleViolation

KML_NS = "http://www.opengis.net/kml/2.2"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MAX_FEATURES = 5_000
MAX_BYTES = 10 * 1024 * 1024
TITLES = ("name", "callsign", "id", "area", "summary", "asset")  # what a placemark is called, first found


@dataclass(frozen=True)
class Feature:
    """A point ``[(lat, lon)]``, a line ``[(lat, lon), ...]`` (a route) or a polygon
    ``[(lat, lon), ...]`` (first corner not repeated)."""

    kind: str  # point | line | polygon
    coordinates: list[tuple[float, float]]
    properties: dict[str, Any] = field(default_factory=dict)


def _refuse(where: str, why: str) -> RuleViolation:
    return RuleViolation(f"{where}: {why}", field="text")


def _coordinate(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise _refuse(where, "a coordinate is [longitude, latitude]")
    try:
        lon, lat = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise _refuse(where, "a coordinate is two numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise _refuse(where, f"latitude {lat} / longitude {lon} out of range")
    return lat, lon


# --- GeoJSON --------------------------------------------------------------------------------------


def to_geojson(features: Sequence[Feature]) -> str:
    out = []
    for f in features:
        if f.kind == "point":
            (lat, lon) = f.coordinates[0]
            geometry: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat]}
        elif f.kind == "line":
            geometry = {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in f.coordinates]}
        else:
            ring = [[lon, lat] for lat, lon in f.coordinates]
            geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        out.append({"type": "Feature", "geometry": geometry, "properties": f.properties})
    return json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False, indent=1) + "\n"


def from_geojson(text: str) -> list[Feature]:
    _size(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise _refuse(f"line {e.lineno}", f"not JSON: {e.msg}") from None
    except RecursionError:
        raise _refuse("the file", "nested too deep to be GeoJSON") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _refuse("the file", "a GeoJSON FeatureCollection is expected")
    raw = data.get("features")
    if not isinstance(raw, list):
        raise _refuse("the file", "features must be a list")
    _count(len(raw))
    found = []
    for i, item in enumerate(raw, 1):
        where = f"feature {i}"
        if not isinstance(item, dict) or not isinstance(item.get("geometry"), dict):
            raise _refuse(where, "a Feature with a geometry is expected")
        geometry, props = item["geometry"], item.get("properties") or {}
        if not isinstance(props, dict):
            raise _refuse(where, "properties must be an object")
        if geometry.get("type") == "Point":
            found.append(Feature("point", [_coordinate(geometry.get("coordinates"), where)], props))
        elif geometry.get("type") == "Polygon":
            rings = geometry.get("coordinates")
            if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
                raise _refuse(where, "a Polygon's coordinates are a list of rings")
            ring = [_coordinate(c, where) for c in rings[0]]
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]
            if len(ring) < 3:
                raise _refuse(where, "a polygon needs at least three corners")
            found.append(Feature("polygon", ring, props))
        elif geometry.get("type") == "LineString":
            points = geometry.get("coordinates")
            if not isinstance(points, list) or len(points) < 2:
                raise _refuse(where, "a LineString has at least two coordinates")
            found.append(Feature("line", [_coordinate(c, where) for c in points], props))
        else:
            raise _refuse(
                where, f"geometry type {geometry.get('type')!r}: Point, LineString or Polygon expected"
            )
    return found


# --- KML -------------------------------------------------------------------------------------------


def _kml_value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v


def to_kml(features: Sequence[Feature], name: str) -> str:
    marks = []
    for f in features:
        data = "".join(
            f'<Data name="{escape(k, {chr(34): "&quot;"})}"><value>{escape(_kml_value(v))}</value></Data>'
            for k, v in f.properties.items()
        )
        title = escape(str(next((f.properties[k] for k in TITLES if f.properties.get(k)), "")))
        if f.kind == "point":
            lat, lon = f.coordinates[0]
            geometry = f"<Point><coordinates>{lon},{lat}</coordinates></Point>"
        elif f.kind == "line":
            path = " ".join(f"{lon},{lat}" for lat, lon in f.coordinates)
            geometry = f"<LineString><coordinates>{path}</coordinates></LineString>"
        else:
            ring = " ".join(f"{lon},{lat}" for lat, lon in [*f.coordinates, f.coordinates[0]])
            geometry = (
                f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
                "</outerBoundaryIs></Polygon>"
            )
        marks.append(
            f"<Placemark><name>{title}</name><ExtendedData>{data}</ExtendedData>{geometry}</Placemark>"
        )
    body = "\n".join(marks)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="{KML_NS}">'
        f"<Document><name>{escape(name)}</name>\n{body}\n</Document></kml>\n"
    )


def _kml_props(mark: Any, where: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for d in mark.iter(f"{{{KML_NS}}}Data"):
        key = d.get("name")
        value = d.find(f"{{{KML_NS}}}value")
        if not key:
            raise _refuse(where, "a Data element without a name")
        text = "" if value is None or value.text is None else value.text
        try:
            props[key] = json.loads(text) if text[:1] in "[{" or text in ("true", "false", "null") else text
        except json.JSONDecodeError:
            props[key] = text
    return props


def from_kml(text: str) -> list[Feature]:
    _size(text)
    try:
        root = ElementTree.fromstring(text.encode("utf-8"), forbid_dtd=True)
    except ElementTree.ParseError as e:
        raise _refuse("the file", f"not KML: {e}") from None
    except Exception as e:  # defusedxml's refusals (DTD, entities): a hostile file
        raise _refuse("the file", f"refused: {type(e).__name__}") from None
    marks = list(root.iter(f"{{{KML_NS}}}Placemark"))
    _count(len(marks))
    found = []
    for i, mark in enumerate(marks, 1):
        where = f"placemark {i}"
        props = _kml_props(mark, where)
        point = mark.find(f".//{{{KML_NS}}}Point/{{{KML_NS}}}coordinates")
        ring = mark.find(f".//{{{KML_NS}}}Polygon//{{{KML_NS}}}LinearRing/{{{KML_NS}}}coordinates")
        line = mark.find(f".//{{{KML_NS}}}LineString/{{{KML_NS}}}coordinates")
        if point is not None:
            found.append(Feature("point", [_kml_coordinate((point.text or "").strip(), where)], props))
        elif ring is not None:
            corners = [_kml_coordinate(c, where) for c in (ring.text or "").split()]
            if len(corners) > 1 and corners[0] == corners[-1]:
                corners = corners[:-1]
            if len(corners) < 3:
                raise _refuse(where, "a polygon needs at least three corners")
            found.append(Feature("polygon", corners, props))
        elif line is not None:
            points = [_kml_coordinate(c, where) for c in (line.text or "").split()]
            if len(points) < 2:
                raise _refuse(where, "a LineString has at least two coordinates")
            found.append(Feature("line", points, props))
        else:
            raise _refuse(where, "a Point, a LineString or a Polygon is expected")
    return found


def _kml_coordinate(text: str, where: str) -> tuple[float, float]:
    return _coordinate(text.split(",")[:2], where)


# --- CSV --------------------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A cell as written: numbers as they are, a text that a spreadsheet would run, quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = ";".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def unsafe_cell(text: str) -> str:
    """A cell as read back: the quote ``safe_cell`` added taken off."""
    return text[1:] if text.startswith("'") and text[1:].startswith(DANGEROUS) else text


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], marking: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"# {marking}"])
    w.writerow(columns)
    for r in rows:
        w.writerow([safe_cell(r.get(c)) for c in columns])
    w.writerow([f"# {marking}"])
    return out.getvalue()


def from_csv(text: str, required: Sequence[str]) -> list[dict[str, str]]:
    """Rows as dicts of text (the marking lines, starting with ``#``, skipped); every required
    column must be in the header."""
    _size(text)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse("the file", "no header row") from None
    except csv.Error as e:
        raise _refuse("the header", f"not CSV: {e}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise _refuse("the header", f"missing column(s) {', '.join(missing)}")
    rows = []
    try:
        for n, cells in enumerate(reader, 1):  # data rows, the first after the header is row 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise _refuse(f"row {n}", f"{len(cells)} cells for {len(header)} columns")
            rows.append({k: unsafe_cell(v) for k, v in zip(header, cells, strict=True)})
            _count(len(rows))
    except csv.Error as e:
        raise _refuse(f"row {reader.line_num}", f"not CSV: {e}") from None
    return rows


def _size(text: str) -> None:
    if len(text) > MAX_BYTES:
        raise _refuse("the file", f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if "\x00" in text:
        raise _refuse("the file", "holds a NUL character: not a text file")


def _count(n: int) -> None:
    if n > MAX_FEATURES:
        raise _refuse("the file", f"more than {MAX_FEATURES} features or rows")
