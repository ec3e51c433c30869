"""Cursor-on-Target out: markers, shapes, routes, direct chat messages and deletions as ATAK itself
writes them, and the TAK protocol framings (stream, mesh) of any CoT event.

Use them as ``jprcc.tak.cot.point`` and so on: ``cot`` re-exports everything here. Each function
returns one ``<event>`` (UTF-8, with an XML declaration, nothing after ``</event>``), built with
ElementTree so that user text is always escaped; characters XML cannot carry are dropped. Pure: no
clock (times come in as arguments), no I/O, no settings.
"""

from __future__ import annotations

import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from defusedxml.ElementTree import fromstring as defused_fromstring  # type: ignore[import-untyped]
from takproto.constants import TAKProtoVer  # type: ignore[import-untyped]
from takproto.functions import msg2proto  # type: ignore[import-untyped]
from takproto.proto import TakMessage  # type: ignore[import-untyped]

MAX_UID = 200
MAX_TYPE = 100
UNKNOWN = "9999999.0"  # ATAK's "unknown" hae, ce and le
TYPE_RE = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9.]+)*")
HOW_RE = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Points = Sequence[tuple[float, float]]


def show(value: str) -> str:
    """A value quoted for a message, cut short."""
    return repr(value) if len(value) <= 40 else repr(value[:40]) + "…"


def fmt_time(t: datetime) -> str:
    """A CoT time: 2026-12-05T01:44:05.123Z."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError("CoT times must be timezone-aware")
    t = t.astimezone(UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def _num(value: float) -> str:
    """A finite number as xs:decimal (never an exponent), exact to the float."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text else text


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _argb(value: int) -> str:
    """An ARGB colour as ATAK writes it: a signed 32-bit integer."""
    if not -(2**31) <= value < 2**32:
        raise ValueError(f"{value} is not a 32-bit ARGB colour")
    value &= 0xFFFFFFFF
    return str(value - 2**32 if value >= 2**31 else value)


def _check(value: str, field: str, pattern: re.Pattern[str] | None = None, limit: int = MAX_UID) -> str:
    bad = not value or len(value) > limit or CONTROL_RE.search(value)
    if bad or (pattern is not None and not pattern.fullmatch(value)):
        raise ValueError(f"{field}={show(value)} is not a valid CoT {field}")
    return value


def _lat_lon(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):  # NaN fails too
        raise ValueError(f"({lat}, {lon}) is not a latitude and longitude")
    return lat, lon


def _add(parent: ET.Element, tag: str, text: str | None = None, /, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _root(
    uid: str, cot_type: str, how: str, time: datetime, stale: datetime, lat: float, lon: float, **given: str
) -> tuple[ET.Element, ET.Element]:
    """An <event> with its <point> (hae, ce, le unknown unless given) and an empty <detail>."""
    _check(cot_type, "type", TYPE_RE, MAX_TYPE)
    _check(how, "how", HOW_RE)
    lat, lon = _lat_lon(lat, lon)
    stamp, until = fmt_time(time), fmt_time(stale)
    if stale < time:
        raise ValueError("stale must not be before time")
    event = ET.Element("event", version="2.0", uid=uid, type=cot_type, time=stamp, start=stamp, stale=until)
    event.set("how", how)
    accuracy = {"hae": UNKNOWN, "ce": UNKNOWN, "le": UNKNOWN} | given
    _add(event, "point", lat=_num(lat), lon=_num(lon), **accuracy)
    return event, _add(event, "detail")


def _label(detail: ET.Element, callsign: str, remarks: str) -> None:
    _add(detail, "contact", callsign=_clean(callsign))
    _add(detail, "remarks", _clean(remarks))


def _bytes(event: ET.Element) -> bytes:
    body: bytes = ET.tostring(event, encoding="utf-8", xml_declaration=False)
    return _DECLARATION + body


def point(
    uid: str,
    cot_type: str,
    lat: float,
    lon: float,
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    ce: float | None = None,
    hae: float | None = None,
    how: str = "h-g-i-g-o",
    color_argb: int | None = None,
) -> bytes:
    """A marker: one point with a callsign and remarks."""
    if ce is not None and not ce >= 0:
        raise ValueError(f"ce={ce} is not a circular error in metres")
    extra = {"hae": _num(hae)} if hae is not None else {}
    extra |= {"ce": _num(ce)} if ce is not None else {}
    event, detail = _root(_check(uid, "uid"), cot_type, how, time, stale, lat, lon, **extra)
    _label(detail, callsign, remarks)
    if color_argb is not None:
        _add(detail, "color", argb=_argb(color_argb))
    return _bytes(event)


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    lons = [p[1] for p in points]
    if max(lons) - min(lons) > 180.0:  # across the antimeridian: average on a continuous longitude
        lons = [lon + 360.0 if lon < 0 else lon for lon in lons]
    lon = sum(lons) / len(lons)
    return sum(p[0] for p in points) / len(points), lon - 360.0 if lon > 180.0 else lon


def _style(detail: ET.Element, stroke: int, weight: float, fill: int | None) -> None:
    if not weight > 0:
        raise ValueError(f"stroke_weight={weight} must be a positive number")
    _add(detail, "strokeColor", value=_argb(stroke))
    _add(detail, "strokeWeight", value=_num(weight))
    if fill is not None:
        _add(detail, "fillColor", value=_argb(fill))


def _shape(
    uid: str,
    cot_type: str,
    points: _Points,
    closed: bool,
    kw: dict[str, Any],
    style: tuple[int, float, int | None],
) -> bytes:
    """A drawn shape through ``points``: one <link point="lat,lon"/> per vertex, in order."""
    vertices = [_lat_lon(lat, lon) for lat, lon in points]
    if closed and len(vertices) > 1 and vertices[0] == vertices[-1]:
        vertices.pop()  # a ring that already repeats its first vertex
    if cot_type == "u-d-r" and len(vertices) != 4:
        raise ValueError(f"a rectangle has 4 corners, not {len(vertices)}")
    if len(vertices) < (3 if closed else 2):
        raise ValueError(f"{len(vertices)} points do not make a {'closed' if closed else 'open'} shape")
    event, detail = _root(_check(uid, "uid"), cot_type, "h-e", kw["time"], kw["stale"], *_centroid(vertices))
    closing = [vertices[0]] if closed and cot_type == "u-d-f" else []  # ATAK repeats it to close a shape
    for lat, lon in vertices + closing:
        _add(detail, "link", point=f"{_num(lat)},{_num(lon)}")
    stroke, weight, fill = style
    # ATAK writes a fill only for a closed shape; an explicit 0 keeps a former fill from lingering
    _style(detail, stroke, weight, (fill or 0) if closed else None)
    _label(detail, kw["callsign"], kw["remarks"])
    _add(detail, "labels_on", value="false")
    return _bytes(event)


def polygon(
    uid: str,
    points: _Points,
    *,
    closed: bool,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int,
    fill_argb: int | None = None,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's drawn shape ("u-d-f"): a line, or closed an area, through ``points`` (lat, lon)."""
    kw = {"time": time, "stale": stale, "callsign": callsign, "remarks": remarks}
    return _shape(uid, "u-d-f", points, closed, kw, (stroke_argb, stroke_weight, fill_argb))


def rectangle(
    uid: str,
    corners: _Points,
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int,
    fill_argb: int | None = None,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's rectangle ("u-d-r"): 4 corners (lat, lon), clockwise from the north-west."""
    kw = {"time": time, "stale": stale, "callsign": callsign, "remarks": remarks}
    return _shape(uid, "u-d-r", corners, True, kw, (stroke_argb, stroke_weight, fill_argb))


def circle(
    uid: str,
    lat: float,
    lon: float,
    radius_m: float,
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int,
    fill_argb: int | None = None,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's circle ("u-d-c-c"): an ellipse of equal axes, with ATAK's KML style and its own."""
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m={radius_m} must be a positive number of metres")
    event, detail = _root(_check(uid, "uid"), "u-d-c-c", "h-e", time, stale, lat, lon)
    fill = fill_argb or 0
    shape = _add(detail, "shape")
    _add(shape, "ellipse", major=_num(radius_m), minor=_num(radius_m), angle="360")
    style = _add(_add(shape, "link", uid=f"{uid}.Style", type="b-x-KmlStyle", relation="p-c"), "Style")
    line = _add(style, "LineStyle")
    _add(line, "color", f"{stroke_argb & 0xFFFFFFFF:08x}")
    _add(line, "width", _num(stroke_weight))
    _add(_add(style, "PolyStyle"), "color", f"{fill & 0xFFFFFFFF:08x}")
    _style(detail, stroke_argb, stroke_weight, fill)
    _label(detail, callsign, remarks)
    _add(detail, "labels_on", value="false")
    return _bytes(event)


def route(
    uid: str,
    points: _Points,
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int = 0xFFFFFFFF,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's route ("b-m-r") through waypoints (lat, lon): start point "SP", check points, "VDO"."""
    vertices = [_lat_lon(lat, lon) for lat, lon in points]
    if len(vertices) < 2:
        raise ValueError("a route needs at least 2 points")
    event, detail = _root(_check(uid, "uid"), "b-m-r", "h-e", time, stale, *vertices[0])
    for i, (lat, lon) in enumerate(vertices):
        name = f"{callsign} SP" if i == 0 else "VDO" if i == len(vertices) - 1 else f"CP{i}"
        link = _add(detail, "link", uid=f"{uid}.{i}", callsign=_clean(name), type="b-m-p-w")
        link.attrib |= {"point": f"{_num(lat)},{_num(lon)}", "remarks": "", "relation": "c"}
    color = _argb(stroke_argb)
    attrs = {
        "planningmethod": "Infil",
        "color": color,
        "method": "Driving",
        "prefix": "CP",
        "type": "Vehicle",
    }
    attrs |= {"stroke": str(max(1, round(stroke_weight))), "direction": "Infil", "routetype": "Primary"}
    _add(detail, "link_attr", **attrs, order="Ascending Check Points")
    _style(detail, stroke_argb, stroke_weight, None)
    _add(_add(detail, "__routeinfo"), "__navcues")
    _label(detail, callsign, remarks)
    _add(detail, "labels_on", value="false")
    _add(detail, "color", value=color)
    return _bytes(event)


def chat(
    sender_uid: str,
    sender_callsign: str,
    to_uid: str,
    to_callsign: str,
    text: str,
    *,
    time: datetime,
    message_id: str,
) -> bytes:
    """A GeoChat direct message ("b-t-f") to one device; a TAK server routes it by <marti><dest>."""
    for field, value in (("sender_uid", sender_uid), ("to_uid", to_uid), ("message_id", message_id)):
        _check(value, field)
    uid = f"GeoChat.{sender_uid}.{to_uid}.{message_id}"  # made of checked parts, maybe longer than 200
    event, detail = _root(uid, "b-t-f", "h-g-i-g-o", time, time + timedelta(days=1), 0.0, 0.0)
    group = _add(detail, "__chat", parent="RootContactGroup", groupOwner="false", messageId=message_id)
    group.attrib |= {"chatroom": _clean(to_callsign), "id": to_uid, "senderCallsign": _clean(sender_callsign)}
    _add(group, "chatgrp", uid0=sender_uid, uid1=to_uid, id=to_uid)
    _add(detail, "link", uid=sender_uid, type="a-f-G-U-C", relation="p-p")
    source = f"BAO.F.ATAK.{sender_uid}"
    _add(detail, "remarks", _clean(text), source=source, to=to_uid, time=fmt_time(time))
    _add(_add(detail, "marti"), "dest", callsign=_clean(to_callsign))
    return _bytes(event)


def delete(uid: str, cot_type_of_the_item: str, *, time: datetime) -> bytes:
    """Removes a marker or shape from ATAK maps ("t-x-d-d" with <__forcedelete/>)."""
    _check(uid, "uid")
    _check(cot_type_of_the_item, "type", TYPE_RE, MAX_TYPE)
    own = str(uuid.uuid5(uuid.NAMESPACE_URL, "t-x-d-d:" + uid))  # the deletion is not the item
    event, detail = _root(own, "t-x-d-d", "h-g-i-g-o", time, time + timedelta(minutes=5), 0.0, 0.0)
    _add(detail, "link", uid=uid, relation="none", type=cot_type_of_the_item)
    _add(detail, "__forcedelete")
    return _bytes(event)


def pong(time: datetime, uid: str = "takPong") -> bytes:
    """The answer to a TAK ping ("t-x-c-t"): "t-x-c-t-r"."""
    event, _ = _root(
        _check(uid, "uid"), "t-x-c-t-r", "h-g-i-g-o", time, time + timedelta(minutes=1), 0.0, 0.0
    )
    return _bytes(event)


# --- the TAK protocol ---------------------------------------------------------------------------

_TYPED = {  # <detail> child: (its field in the protobuf Detail, attributes it must have, may have)
    "contact": ("contact", {"callsign"}, {"callsign", "endpoint"}),
    "__group": ("group", {"name", "role"}, {"name", "role"}),
    "precisionlocation": ("precisionLocation", {"geopointsrc", "altsrc"}, {"geopointsrc", "altsrc"}),
    "status": ("status", {"battery"}, {"battery"}),
    "takv": ("takv", {"device", "platform", "os", "version"}, {"device", "platform", "os", "version"}),
    "track": ("track", {"speed", "course"}, {"speed", "course"}),
}
_CONVERT: dict[str, Any] = {"battery": int, "speed": float, "course": float}


def _typed(detail: Any, child: ET.Element, count: int) -> bool:
    """Puts ``child`` into its typed protobuf field where it fits exactly (the TAK protocol's rule:
    a whole element, all its attributes, nothing else); False where it does not."""
    rule = _TYPED.get(child.tag)
    if rule is None or count > 1 or len(child) or (child.text or "").strip():
        return False
    field, need, may = rule
    if not need <= set(child.attrib) <= may:
        return False
    try:
        values = {key: _CONVERT.get(key, str)(value) for key, value in child.attrib.items()}
    except ValueError:
        return False
    for v in values.values():
        if (isinstance(v, float) and not math.isfinite(v)) or (isinstance(v, int) and not 0 <= v < 2**32):
            return False
    for key, value in values.items():
        setattr(getattr(detail, field), key, value)
    return True


def _ms(text: str | None) -> int:
    if not text:
        return 0
    if not TIME_RE.fullmatch(text):
        raise ValueError(f"{show(text)} is not a CoT time")
    return (datetime.fromisoformat(text) - _EPOCH) // timedelta(milliseconds=1)


def _message(xml: bytes) -> Any:
    """The TakMessage (TAK protocol version 1) equivalent to one CoT XML event."""
    try:
        event = defused_fromstring(xml, forbid_dtd=True)
    except (SyntaxError, ValueError) as exc:  # ParseError is a SyntaxError; refusals are ValueErrors
        raise ValueError(f"not a CoT event: {exc}") from None
    if event.tag != "event":
        raise ValueError("not a CoT event: the root element must be <event>")
    message = TakMessage()
    ev = message.cotEvent
    for key in ("type", "access", "qos", "opex", "uid", "how"):
        setattr(ev, key, event.get(key, ""))
    ev.sendTime, ev.startTime, ev.staleTime = (_ms(event.get(key)) for key in ("time", "start", "stale"))
    pt = event.find("point")
    for key in ("lat", "lon", "hae", "ce", "le"):
        text = pt.get(key) if pt is not None else None
        setattr(ev, key, float(text) if text else (0.0 if key in ("lat", "lon") else float(UNKNOWN)))
    detail = event.find("detail")
    if detail is not None and len(detail):
        counts: dict[str, int] = {}
        for child in detail:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        rest = []
        for child in detail:
            if not _typed(ev.detail, child, counts[child.tag]):
                child.tail = None
                rest.append(ET.tostring(child, encoding="unicode"))
        if rest:
            ev.detail.xmlDetail = "".join(rest)
    return message


def to_stream_frame(xml: bytes) -> bytes:
    """One CoT XML event as a TAK protocol streaming frame: 0xbf, varint length, protobuf."""
    return bytes(msg2proto(_message(xml), TAKProtoVer.STREAM))


def to_mesh_datagram(xml: bytes) -> bytes:
    """One CoT XML event as a TAK protocol mesh datagram: 0xbf 0x01 0xbf, protobuf."""
    return bytes(msg2proto(_message(xml), TAKProtoVer.MESH))
