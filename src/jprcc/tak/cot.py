"""Cursor-on-Target (CoT): reading what TAK devices send, and writing what they draw.

In: one CoT event as XML (``parse_xml``), as a TAK protocol protobuf (``parse_protobuf``) or as a
UDP mesh datagram of either kind (``parse_datagram``); a TCP stream is first cut into messages by
``Framer``. Everything is checked before it is believed: DTDs and entities are refused (no XXE, no
entity expansion), sizes are bounded, uid, type, coordinates and times must be sane. A message
that fails is a ``CotRejected`` naming the rule; it never stops a stream.

Out: markers, shapes, routes, chat, deletions and the TAK protocol framings, written in ``cot_out``
and re-exported here. Pure: no clock (times come in as arguments), no I/O, no settings.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.parsers import expat

from takproto.proto import TakMessage  # type: ignore[import-untyped]

from jprcc.tak.cot_out import CONTROL_RE, HOW_RE, MAX_TYPE, MAX_UID, TIME_RE, TYPE_RE, fmt_time, show
from jprcc.tak.cot_out import chat as chat
from jprcc.tak.cot_out import circle as circle
from jprcc.tak.cot_out import delete as delete
from jprcc.tak.cot_out import point as point
from jprcc.tak.cot_out import polygon as polygon
from jprcc.tak.cot_out import pong as pong
from jprcc.tak.cot_out import rectangle as rectangle
from jprcc.tak.cot_out import route as route
from jprcc.tak.cot_out import to_mesh_datagram as to_mesh_datagram
from jprcc.tak.cot_out import to_stream_frame as to_stream_frame
from jprcc.tak.framing import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES
from jprcc.tak.framing import CotRejected as CotRejected
from jprcc.tak.framing import Framer as Framer

MAX_CALLSIGN, MAX_REMARKS, MAX_SHORT = 100, 2000, 200  # MAX_SHORT: emergency, endpoint, a 9-line value
MAX_MEDEVAC_FIELDS = 100
_UNKNOWN_FROM = 999999.0  # ATAK writes 9999999 for an unknown hae, ce or le; the .proto files 999999
TIME_AHEAD, TIME_BEHIND = timedelta(hours=24), timedelta(days=30)
TIME_ABSURD = timedelta(days=100 * 366)  # start and stale further than this from now are nonsense
MESH_HEADER = b"\xbf\x01\xbf"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_Times = tuple[datetime, datetime, datetime]
_Where = tuple[float, float, float | None, float | None, float | None]  # lat, lon, hae, ce, le
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Kind(enum.StrEnum):
    """What a CoT event means to the coordination center."""

    POSITION = "position"
    ALERT_911 = "911"
    RING_THE_BELL = "ring_the_bell"
    TROOPS_IN_CONTACT = "troops_in_contact"
    GEOFENCE = "geofence_breached"
    CUSTOM_ALERT = "custom_alert"
    CANCEL = "cancel"
    CASEVAC = "casevac"
    PING = "ping"
    OTHER = "other"


_KINDS = {
    "b-a-o-tbl": Kind.ALERT_911,
    "b-a-o-pan": Kind.RING_THE_BELL,
    "b-a-o-opn": Kind.TROOPS_IN_CONTACT,
    "b-a-g": Kind.GEOFENCE,
    "b-a-o-c": Kind.CUSTOM_ALERT,
    "b-a-o-can": Kind.CANCEL,
    "b-r-f-h-c": Kind.CASEVAC,
    "t-x-c-t": Kind.PING,  # only the ping: were the pong (t-x-c-t-r) one, two peers would never stop
}
_ALERT_SUFFIX = "-9-1-1"


@dataclass(frozen=True, slots=True)
class CotEvent:
    """One CoT event that passed every check. Times are timezone-aware UTC; ``hae``, ``ce`` and
    ``le`` are None where the sender gave none or ATAK's "unknown" (9999999)."""

    uid: str
    type: str
    how: str
    time: datetime
    start: datetime
    stale: datetime
    lat: float
    lon: float
    hae: float | None
    ce: float | None
    le: float | None
    callsign: str = ""  # <detail><contact callsign=...>
    remarks: str = ""  # <detail><remarks> text
    emergency: str = ""  # <emergency type="911 Alert">: the type attribute
    parent_uid: str | None = None  # <link relation="p-p" uid=...>: the device that raised or made it
    endpoint: str = ""  # <contact endpoint=...>
    medevac: tuple[tuple[str, str], ...] = ()  # attributes of <_medevac_> (CASEVAC 9-line), sorted
    emergency_cancel: bool = False  # <emergency cancel="true">
    course: float | None = None  # <track course=...>: degrees true, 0 to 360
    speed: float | None = None  # <track speed=...>: metres per second

    @property
    def kind(self) -> Kind:
        """What the event is, from its type (an emergency cancel is a cancel whatever its type)."""
        if self.emergency_cancel:
            return Kind.CANCEL
        found = _KINDS.get(self.type)
        if found is not None:
            return found
        return Kind.POSITION if self.type.startswith("a-") else Kind.OTHER

    @property
    def origin_uid(self) -> str:
        """The device an alert belongs to: its p-p link, else its uid less ATAK's "-9-1-1"."""
        if self.parent_uid:
            return self.parent_uid
        if self.uid.endswith(_ALERT_SUFFIX) and len(self.uid) > len(_ALERT_SUFFIX):
            return self.uid[: -len(_ALERT_SUFFIX)]
        return self.uid

    @property
    def has_fix(self) -> bool:
        """False for ATAK's "no fix" (exactly 0°, 0°). A position whose circular error is unknown
        (9999999: a point placed by hand) is still a position; its uncertainty is unknown."""
        return not (self.lat == 0.0 and self.lon == 0.0)


# --- reading ------------------------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside the XML parser, which then stops at once: a DTD or an entity declaration."""


def _refuse_dtd(*_: object) -> None:
    raise _Refused("a DTD (<!DOCTYPE ...>) is not allowed in CoT: entities could expand or leak files")


def _refuse_entity(*_: object) -> None:
    raise _Refused("entity declarations and external references are not allowed in CoT")


class _Detail:
    """What is read from a <detail>: the few children the coordination center uses."""

    __slots__ = (
        "callsign",
        "cancel",
        "contact",
        "course",
        "emergency",
        "endpoint",
        "links",
        "medevac",
        "remarks",
        "speed",
    )

    def __init__(self) -> None:
        self.contact = self.cancel = False
        self.callsign = self.endpoint = self.emergency = ""
        self.remarks: list[str] | None = None
        self.links: list[tuple[str, str]] = []
        self.medevac: dict[str, str] | None = None
        self.course: float | None = None
        self.speed: float | None = None


_WANTED = frozenset(
    {"event", "point", "detail", "contact", "link", "remarks", "emergency", "_medevac_", "track"}
)
_names: dict[str, str] = {}  # expat's intern table, shared so names are not made anew for every message


def _read(data: bytes | str, root: str) -> tuple[dict[str, str] | None, dict[str, str] | None, _Detail]:
    """Streams one document through expat, keeping only the <event> attributes, its <point> and a
    few children of <detail>. ``root`` is "event" for a CoT event, "detail" for a protobuf's
    xmlDetail (wrapped in <detail> by the caller)."""
    depth = size = 0
    event: dict[str, str] | None = None
    pt: dict[str, str] | None = None
    d = _Detail()
    children = 2 if root == "detail" else 0  # the depth of <detail>'s children while inside it

    def text(data: str) -> None:
        nonlocal size
        if d.remarks is not None and size < MAX_REMARKS:
            d.remarks.append(data)
            size += len(data)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, event, pt, children
        depth += 1
        if name not in _WANTED:
            return
        if depth == children:
            if name == "contact" and not d.contact:
                d.contact, d.callsign, d.endpoint = True, attrs.get("callsign", ""), attrs.get("endpoint", "")
            elif name == "link" and attrs.get("relation") == "p-p" and "uid" in attrs:
                d.links.append((attrs["uid"], attrs.get("type", "")))
            elif name == "remarks" and d.remarks is None:
                d.remarks = []
                parser.CharacterDataHandler = text
            elif name == "emergency":
                d.cancel = d.cancel or attrs.get("cancel", "").strip().lower() == "true"
                d.emergency = d.emergency or attrs.get("type", "")
            elif name == "_medevac_" and d.medevac is None:
                d.medevac = attrs
            elif name == "track":
                d.course = _motion(attrs.get("course"), 360.0)
                d.speed = _motion(attrs.get("speed"), 1000.0)
        elif depth == 1 and name == "event" and root == "event":
            event = attrs
        elif depth == 2 and event is not None:
            if name == "point" and pt is None:
                pt = attrs
            elif name == "detail":
                children = 3

    def end(name: str) -> None:
        nonlocal depth, children
        if depth == children and name == "remarks":
            parser.CharacterDataHandler = None
        elif depth == 2 and name == "detail" and root == "event":
            children = 0
        depth -= 1

    if len(_names) > 1000:  # attacker-chosen names must not pile up
        _names.clear()
    parser = expat.ParserCreate(intern=_names)
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity  # type: ignore[assignment]
    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(data, True)
    except _Refused as refusal:
        raise CotRejected("dtd", str(refusal)) from None
    except expat.ExpatError as exc:
        raise CotRejected("xml", f"not well-formed XML: {exc}") from None
    finally:  # the handlers hold the parser: break the cycle now rather than in a garbage collection
        parser.StartElementHandler = parser.EndElementHandler = parser.CharacterDataHandler = None
    if root == "event" and event is None:
        raise CotRejected("xml", "the root element must be <event>")
    return event, pt, d


def _check(now: datetime, size: int, max_bytes: int) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    if size > max_bytes:
        raise CotRejected("oversize", f"the message has {size} bytes, more than the limit of {max_bytes}")


def _uid(value: str | None, field: str = "uid") -> str:
    if value and len(value) <= MAX_UID and value.isprintable():
        return value
    if not value:
        raise CotRejected("uid", f"{field} is missing or empty", field)
    if len(value) > MAX_UID:
        raise CotRejected("uid", f"{field} has {len(value)} characters, more than {MAX_UID}", field)
    if CONTROL_RE.search(value):
        raise CotRejected("uid", f"{field} {show(value)} contains control characters", field)
    return value


_known_types: set[str] = set()  # types seen valid, so that the usual few are checked once


def _type(value: str | None) -> str:
    if value in _known_types:
        return value
    if not value or len(value) > MAX_TYPE or not TYPE_RE.fullmatch(value):
        rule = f"letters and digits in dash-separated parts, at most {MAX_TYPE} characters"
        raise CotRejected("type", f"type {show(value or '')} is not a CoT type ({rule})", "type")
    if len(_known_types) < 4096:
        _known_types.add(value)
    return value


def _number(point: dict[str, str], field: str) -> float | None:
    text = point.get(field)
    try:
        return None if text is None else float(text)
    except ValueError:
        raise CotRejected("coordinates", f"point {field}={show(str(text))} is not a number", field) from None


def _accuracy(value: float | None, field: str) -> float | None:
    """hae, ce or le: None where absent or "unknown" (9999999); ce and le are never negative."""
    if value is None or (0.0 if field != "hae" else -float("inf")) <= value < _UNKNOWN_FROM:
        return value
    if _UNKNOWN_FROM <= value < float("inf"):
        return None
    problem = "is negative" if value > -float("inf") else "is not a finite number"
    raise CotRejected("coordinates", f"point {field}={value} {problem}", field)


def _coordinates(
    lat: float | None, lon: float | None, hae: float | None, ce: float | None, le: float | None
) -> _Where:
    if lat is None or lon is None:
        field = "lat" if lat is None else "lon"
        raise CotRejected("coordinates", f"point {field} is missing", field)
    if not -90.0 <= lat <= 90.0:  # NaN fails every comparison
        raise CotRejected("coordinates", f"point lat={lat} is not a latitude in [-90, 90]", "lat")
    if not -180.0 <= lon <= 180.0:
        raise CotRejected("coordinates", f"point lon={lon} is not a longitude in [-180, 180]", "lon")
    return lat, lon, _accuracy(hae, "hae"), _accuracy(ce, "ce"), _accuracy(le, "le")


def _time(text: str | None, field: str) -> datetime:
    if text is None:
        raise CotRejected("time", f"{field} is missing", field)
    if TIME_RE.fullmatch(text) is None:
        raise CotRejected("time", f"{field}={show(text)} is not like 2026-12-05T01:44:05.123Z", field)
    try:
        t = datetime.fromisoformat(text)
        return t if t.tzinfo is UTC else t.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CotRejected("time", f"{field}={show(text)} is not a valid date and time", field) from None


def _times(time: datetime, start: datetime, stale: datetime, now: datetime) -> None:
    if not now - TIME_BEHIND <= time <= now + TIME_AHEAD:
        window = f"within 30 days before and 24 h after {fmt_time(now)}"
        raise CotRejected("time", f"time {fmt_time(time)} is not {window}", "time")
    for field, value in (("start", start), ("stale", stale)):
        if not now - TIME_ABSURD <= value <= now + TIME_ABSURD:
            raise CotRejected("time", f"{field} {fmt_time(value)} is more than a century from now", field)
    if stale < start:
        raise CotRejected("time", f"stale {fmt_time(stale)} is before start {fmt_time(start)}", "stale")


def _text(value: str, limit: int) -> str:
    if len(value) <= limit and value.isprintable():
        return value
    return CONTROL_RE.sub("", value[: limit * 2])[:limit]


def _parent(links: list[tuple[str, str]]) -> str | None:
    """The p-p link to a device (an atom, "a-...") if there is one, else the first p-p link."""
    for uid, _ in sorted(links, key=lambda link: not link[1].startswith("a-")):
        if uid and len(uid) <= MAX_UID and not CONTROL_RE.search(uid):
            return uid
    return None


def _motion(text: str | None, limit: float) -> float | None:
    """A course or a speed as the device gave it; one that is not a believable number is unknown
    (a hint, never a reason to refuse the position)."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and 0.0 <= value <= limit else None


def _event(uid: str, cot_type: str, how: str, times: _Times, where: _Where, d: _Detail) -> CotEvent:
    medevac: tuple[tuple[str, str], ...] = ()
    if d.medevac:
        nine = list(d.medevac.items())[:MAX_MEDEVAC_FIELDS]
        medevac = tuple(sorted((k[:64], _text(v, MAX_SHORT)) for k, v in nine))
    remarks = (
        _CONTROL_IN_TEXT.sub("", "".join(d.remarks)[: MAX_REMARKS * 2])[:MAX_REMARKS] if d.remarks else ""
    )
    if how and not (len(how) <= 50 and HOW_RE.fullmatch(how)):  # only a hint: dropped, not refused
        how = ""
    callsign = _text(d.callsign, MAX_CALLSIGN) if d.callsign else ""
    emergency = _text(d.emergency, MAX_SHORT) if d.emergency else ""
    endpoint = _text(d.endpoint, MAX_SHORT) if d.endpoint else ""
    parent = _parent(d.links) if d.links else None
    head: tuple[Any, ...] = (uid, cot_type, how, *times, *where)  # the field order of CotEvent
    tail: tuple[Any, ...] = (
        callsign,
        remarks,
        emergency,
        parent,
        endpoint,
        medevac,
        d.cancel,
        d.course,
        d.speed,
    )
    return CotEvent(*head, *tail)


def parse_xml(data: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from XML, checked: raises ``CotRejected`` for anything not believable."""
    _check(now, len(data), max_bytes)
    event, pt, detail = _read(data, "event")
    assert event is not None  # _read refuses a document whose root is not <event>
    uid, cot_type = _uid(event.get("uid")), _type(event.get("type"))
    if pt is None:
        raise CotRejected("coordinates", "the event has no <point>", "point")
    where = _coordinates(
        _number(pt, "lat"), _number(pt, "lon"), _number(pt, "hae"), _number(pt, "ce"), _number(pt, "le")
    )
    text = event.get("time")
    time = _time(text, "time")
    start = time if event.get("start") == text else _time(event.get("start"), "start")
    stale = _time(event.get("stale"), "stale")
    _times(time, start, stale, now)
    return _event(uid, cot_type, event.get("how", ""), (time, start, stale), where, detail)


def _from_ms(ms: int, field: str) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        raise CotRejected("time", f"{field}={ms} ms since 1970 is not a date", field) from None


def parse_protobuf(payload: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from a TAK protocol payload (a TakMessage, without header), checked."""
    _check(now, len(payload), max_bytes)
    message = TakMessage()
    try:
        message.ParseFromString(bytes(payload))
    except Exception as exc:  # protobuf's DecodeError, and whatever else the decoder raises on garbage
        raise CotRejected("protobuf", f"not a TAK protocol message: {exc}") from None
    if not message.HasField("cotEvent"):
        raise CotRejected("protobuf", "the TAK protocol message carries no cotEvent")
    ev = message.cotEvent
    uid, cot_type = _uid(ev.uid), _type(ev.type)
    where = _coordinates(ev.lat, ev.lon, ev.hae, ev.ce, ev.le)
    times = _from_ms(ev.sendTime, "time"), _from_ms(ev.startTime, "start"), _from_ms(ev.staleTime, "stale")
    _times(*times, now)
    detail = _Detail()
    if ev.HasField("detail"):
        if ev.detail.xmlDetail:
            _, _, detail = _read("<detail>" + ev.detail.xmlDetail + "</detail>", "detail")
        contact = ev.detail.contact  # typed, it counts only where the xmlDetail has none (that wins)
        if ev.detail.HasField("contact") and not detail.contact:
            detail.contact, detail.callsign, detail.endpoint = True, contact.callsign, contact.endpoint
        if ev.detail.HasField("track") and detail.course is None:
            detail.course = _motion(str(ev.detail.track.course), 360.0)
            detail.speed = _motion(str(ev.detail.track.speed), 1000.0)
    return _event(uid, cot_type, ev.how, times, where, detail)


def parse_datagram(data: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from a UDP mesh datagram: TAK protocol (0xbf 0x01 0xbf + protobuf) or XML."""
    if data[:1] == b"\xbf":
        if data[:3] != MESH_HEADER:
            raise CotRejected("framing", "a TAK protocol datagram must begin 0xbf 0x01 0xbf (version 1)")
        return parse_protobuf(data[3:], now=now, max_bytes=max_bytes)
    return parse_xml(data, now=now, max_bytes=max_bytes)
