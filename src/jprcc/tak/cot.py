"""Cursor-on-Target (CoT): reading what TAK devices send, and writing what they draw.

In: one CoT event as XML (``parse_xml``), as a TAK protocol protobuf (``parse_protobuf``) or as a
UDP mesh datagram of either kind (``parse_datagram``); a TCP stream is first cut into messages by
``Framer``. Everything is checked before it is believed: DTDs and entities are refused (no XXE, no
entity expansion), sizes are bounded, uid, type, coordinates and times must be sane. A message
that fails is a ``CotRejected`` naming the rule; it never stops a stream.

Out: markers, shapes, routes, direct chat messages and deletions as ATAK itself writes them (one
``<event>`` with an XML declaration), and the TAK protocol framings of any of them.

Pure: no clock (times come in as arguments), no I/O, no settings.
"""

from __future__ import annotations

import enum
import math
import re
import uuid as _uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.parsers import expat

from defusedxml.ElementTree import fromstring as defused_fromstring  # type: ignore[import-untyped]
from takproto.constants import TAKProtoVer  # type: ignore[import-untyped]
from takproto.functions import msg2proto  # type: ignore[import-untyped]
from takproto.proto import TakMessage  # type: ignore[import-untyped]

__all__ = [
    "MAX_MESSAGE_BYTES",
    "CotEvent",
    "CotRejected",
    "Framer",
    "Kind",
    "chat",
    "circle",
    "delete",
    "parse_datagram",
    "parse_protobuf",
    "parse_xml",
    "point",
    "polygon",
    "pong",
    "rectangle",
    "route",
    "to_mesh_datagram",
    "to_stream_frame",
]

MAX_MESSAGE_BYTES = 64 * 1024  # default limit of one CoT message

MAX_UID = 200
MAX_TYPE = 100
MAX_CALLSIGN = 100
MAX_REMARKS = 2000
MAX_SHORT = 200  # emergency type, endpoint, one CASEVAC value
MAX_MEDEVAC_FIELDS = 100
UNKNOWN = 9999999.0  # ATAK's "unknown" for hae, ce and le
_UNKNOWN_FROM = 999999.0  # the TAK protocol's .proto files write six nines: both mean unknown
TIME_AHEAD = timedelta(hours=24)
TIME_BEHIND = timedelta(days=30)
TIME_ABSURD = timedelta(days=100 * 366)  # start and stale further than this from now are nonsense

MESH_HEADER = b"\xbf\x01\xbf"
_MAGIC = 0xBF
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

_TYPE = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9.]+)*")
_HOW = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)")


class CotRejected(ValueError):
    """A CoT message that was not believed. ``reason`` is a short counter key ("xml", "dtd",
    "oversize", "truncated", "protobuf", "uid", "type", "coordinates", "time", "framing"),
    ``field`` the attribute at fault where there is one; ``str()`` says what rule was broken."""

    def __init__(self, reason: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, str(self), self.field))


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
    # only the ping: the pong ("t-x-c-t-r") is OTHER, or two peers would answer each other forever
    "t-x-c-t": Kind.PING,
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
        """False for ATAK's "no fix": no circular error (or 9999999), or exactly 0°, 0°."""
        return self.ce is not None and not (self.lat == 0.0 and self.lon == 0.0)


# --- reading ------------------------------------------------------------------------------------


def _show(value: str) -> str:
    return repr(value) if len(value) <= 40 else repr(value[:40]) + "…"


class _Refused(Exception):
    """Raised from inside the XML parser, which stops at once: a DTD or an entity declaration."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _refuse_dtd(*_: object) -> None:
    raise _Refused("dtd", "a DTD (<!DOCTYPE ...>) is not allowed in CoT: entities could expand or leak files")


def _refuse_entity(*_: object) -> None:
    raise _Refused("dtd", "entity declarations and external references are not allowed in CoT")


class _Detail:
    """What is read from a <detail>: the few children the coordination center uses."""

    __slots__ = (
        "callsign",
        "cancel",
        "contact",
        "emergency",
        "endpoint",
        "links",
        "medevac",
        "remarks",
    )

    def __init__(self) -> None:
        self.contact = False
        self.callsign = ""
        self.endpoint = ""
        self.remarks: list[str] | None = None
        self.emergency = ""
        self.cancel = False
        self.links: list[tuple[str, str]] = []
        self.medevac: dict[str, str] | None = None


_WANTED = frozenset({"event", "point", "detail", "contact", "link", "remarks", "emergency", "_medevac_"})
_names: dict[str, str] = {}  # expat's intern table, shared so names are not made anew for every message


def _read(data: bytes | str, root: str) -> tuple[dict[str, str] | None, dict[str, str] | None, _Detail]:
    """Streams one document through expat, keeping only the <event> attributes, its <point> and a
    few children of <detail>. ``root`` is "event" for a CoT event, "detail" for a protobuf's
    xmlDetail (wrapped in <detail> by the caller)."""
    depth = 0
    event: dict[str, str] | None = None
    pt: dict[str, str] | None = None
    d = _Detail()
    # the depth of <detail>'s children, while inside <detail>; 0 outside it
    children = 2 if root == "detail" else 0
    size = 0

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
            if name == "contact":
                if not d.contact:
                    d.contact = True
                    d.callsign = attrs.get("callsign", "")
                    d.endpoint = attrs.get("endpoint", "")
            elif name == "link":
                if attrs.get("relation") == "p-p" and "uid" in attrs:
                    d.links.append((attrs["uid"], attrs.get("type", "")))
            elif name == "remarks":
                if d.remarks is None:
                    d.remarks = []
                    parser.CharacterDataHandler = text
            elif name == "emergency":
                if attrs.get("cancel", "").strip().lower() == "true":
                    d.cancel = True
                if not d.emergency:
                    d.emergency = attrs.get("type", "")
            elif name == "_medevac_" and d.medevac is None:
                d.medevac = attrs
        elif depth == 1:
            if name == "event" and root == "event":
                event = attrs
        elif depth == 2 and event is not None:
            if name == "point":
                if pt is None:
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
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as refusal:
        raise CotRejected(refusal.reason, str(refusal)) from None
    except expat.ExpatError as exc:
        raise CotRejected("xml", f"not well-formed XML: {exc}") from None
    finally:
        # the handlers hold the parser: break the cycle now rather than in a garbage collection
        parser.StartElementHandler = parser.EndElementHandler = parser.CharacterDataHandler = None
    if root == "event" and event is None:
        raise CotRejected("xml", "the root element must be <event>")
    return event, pt, d


def _check_now(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")


def _check_size(n: int, max_bytes: int) -> None:
    if n > max_bytes:
        raise CotRejected("oversize", f"the message has {n} bytes, more than the limit of {max_bytes}")


def _uid(value: str | None, field: str = "uid") -> str:
    if value and len(value) <= MAX_UID and value.isprintable():
        return value
    if not value:
        raise CotRejected("uid", f"{field} is missing or empty", field)
    if len(value) > MAX_UID:
        raise CotRejected("uid", f"{field} has {len(value)} characters, more than {MAX_UID}", field)
    if _CONTROL.search(value):
        raise CotRejected("uid", f"{field} {_show(value)} contains control characters", field)
    return value


_known_types: set[str] = set()  # types seen valid, so that the usual few are checked once


def _type(value: str | None) -> str:
    if value in _known_types:
        return value
    if not value:
        raise CotRejected("type", "type is missing or empty", "type")
    if len(value) > MAX_TYPE or not _TYPE.fullmatch(value):
        raise CotRejected(
            "type",
            f"type {_show(value)} is not a CoT type (letters and digits in dash-separated parts, "
            f"at most {MAX_TYPE} characters)",
            "type",
        )
    if len(_known_types) < 4096:
        _known_types.add(value)
    return value


def _number(point: dict[str, str], field: str) -> float | None:
    text = point.get(field)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise CotRejected("coordinates", f"point {field}={_show(text)} is not a number", field) from None


def _accuracy(value: float | None, field: str) -> float | None:
    """hae, ce or le: None where absent or "unknown" (9999999); ce and le are never negative."""
    if value is None:
        return None
    if (0.0 if field != "hae" else -math.inf) <= value < _UNKNOWN_FROM:
        return value
    if _UNKNOWN_FROM <= value < math.inf:
        return None
    problem = "is not a finite number" if not math.isfinite(value) else "is negative"
    raise CotRejected("coordinates", f"point {field}={value} {problem}", field)


def _coordinates(
    lat: float | None, lon: float | None, hae: float | None, ce: float | None, le: float | None
) -> tuple[float, float, float | None, float | None, float | None]:
    if lat is None or lon is None:
        field = "lat" if lat is None else "lon"
        raise CotRejected("coordinates", f"point {field} is missing", field)
    if not -90.0 <= lat <= 90.0:  # NaN fails every comparison
        raise CotRejected("coordinates", f"point lat={lat} is not a latitude in [-90, 90]", "lat")
    if not -180.0 <= lon <= 180.0:
        raise CotRejected("coordinates", f"point lon={lon} is not a longitude in [-180, 180]", "lon")
    return lat, lon, _accuracy(hae, "hae"), _accuracy(ce, "ce"), _accuracy(le, "le")


def _parse_time(text: str, field: str) -> datetime:
    if _TIME.fullmatch(text) is None:
        raise CotRejected(
            "time", f"{field}={_show(text)} is not an ISO 8601 time like 2026-12-05T01:44:05.123Z", field
        )
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise CotRejected("time", f"{field}={_show(text)} is not a valid date and time", field) from None
    if t.tzinfo is not UTC:
        try:
            t = t.astimezone(UTC)
        except OverflowError:
            raise CotRejected("time", f"{field}={_show(text)} is out of range", field) from None
    return t


def _times(time: datetime, start: datetime, stale: datetime, now: datetime) -> None:
    if time > now + TIME_AHEAD:
        raise CotRejected("time", f"time {_fmt(time)} is more than 24 h after now ({_fmt(now)})", "time")
    if time < now - TIME_BEHIND:
        raise CotRejected("time", f"time {_fmt(time)} is more than 30 days before now ({_fmt(now)})", "time")
    for field, value in (("start", start), ("stale", stale)):
        if not now - TIME_ABSURD <= value <= now + TIME_ABSURD:
            raise CotRejected("time", f"{field} {_fmt(value)} is more than a century from now", field)
    if stale < start:
        raise CotRejected("time", f"stale {_fmt(stale)} is before start {_fmt(start)}", "stale")


def _text(value: str, limit: int) -> str:
    if len(value) <= limit and value.isprintable():
        return value
    return _CONTROL.sub("", value[: limit * 2])[:limit]


def _parent(links: list[tuple[str, str]]) -> str | None:
    """The p-p link to a device (an atom, "a-...") if there is one, else the first p-p link."""
    for link_uid, _ in sorted(links, key=lambda link: not link[1].startswith("a-")):
        if link_uid and len(link_uid) <= MAX_UID and not _CONTROL.search(link_uid):
            return link_uid
    return None


def _event(
    uid: str,
    cot_type: str,
    how: str,
    times: tuple[datetime, datetime, datetime],
    coordinates: tuple[float, float, float | None, float | None, float | None],
    d: _Detail,
) -> CotEvent:
    medevac: tuple[tuple[str, str], ...] = ()
    if d.medevac:
        medevac = tuple(
            sorted((k[:64], _text(v, MAX_SHORT)) for k, v in list(d.medevac.items())[:MAX_MEDEVAC_FIELDS])
        )
    remarks = ""
    if d.remarks:
        remarks = _CONTROL_IN_TEXT.sub("", "".join(d.remarks)[: MAX_REMARKS * 2])[:MAX_REMARKS]
    lat, lon, hae, ce, le = coordinates
    if how and not (len(how) <= 50 and _HOW.fullmatch(how)):  # only a hint: dropped, not refused
        how = ""
    return CotEvent(
        uid,
        cot_type,
        how,
        times[0],
        times[1],
        times[2],
        lat,
        lon,
        hae,
        ce,
        le,
        _text(d.callsign, MAX_CALLSIGN) if d.callsign else "",
        remarks,
        _text(d.emergency, MAX_SHORT) if d.emergency else "",
        _parent(d.links) if d.links else None,
        _text(d.endpoint, MAX_SHORT) if d.endpoint else "",
        medevac,
        d.cancel,
    )


def parse_xml(data: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from XML, checked: raises ``CotRejected`` for anything not believable."""
    _check_now(now)
    if len(data) > max_bytes:
        _check_size(len(data), max_bytes)
    event, pt, detail = _read(data, "event")
    assert event is not None  # _read refuses a document whose root is not <event>
    uid = _uid(event.get("uid"))
    cot_type = _type(event.get("type"))
    if pt is None:
        raise CotRejected("coordinates", "the event has no <point>", "point")
    coordinates = _coordinates(
        _number(pt, "lat"), _number(pt, "lon"), _number(pt, "hae"), _number(pt, "ce"), _number(pt, "le")
    )
    text = event.get("time")
    if text is None:
        raise CotRejected("time", "time is missing", "time")
    time = _parse_time(text, "time")
    start_text = event.get("start")
    if start_text is None:
        raise CotRejected("time", "start is missing", "start")
    start = time if start_text == text else _parse_time(start_text, "start")
    stale_text = event.get("stale")
    if stale_text is None:
        raise CotRejected("time", "stale is missing", "stale")
    stale = _parse_time(stale_text, "stale")
    _times(time, start, stale, now)
    return _event(uid, cot_type, event.get("how", ""), (time, start, stale), coordinates, detail)


def _from_ms(ms: int, field: str) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        raise CotRejected("time", f"{field}={ms} ms since 1970 is not a date", field) from None


def parse_protobuf(payload: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from a TAK protocol payload (a TakMessage, without header), checked."""
    _check_now(now)
    _check_size(len(payload), max_bytes)
    message = TakMessage()
    try:
        message.ParseFromString(bytes(payload))
    except Exception as exc:  # protobuf's DecodeError, and whatever else the decoder raises on garbage
        raise CotRejected("protobuf", f"not a TAK protocol message: {exc}") from None
    if not message.HasField("cotEvent"):
        raise CotRejected("protobuf", "the TAK protocol message carries no cotEvent")
    ev = message.cotEvent
    uid = _uid(ev.uid)
    cot_type = _type(ev.type)
    coordinates = _coordinates(ev.lat, ev.lon, ev.hae, ev.ce, ev.le)
    time = _from_ms(ev.sendTime, "time")
    start = _from_ms(ev.startTime, "start")
    stale = _from_ms(ev.staleTime, "stale")
    _times(time, start, stale, now)
    detail = _Detail()
    if ev.HasField("detail"):
        typed = ev.detail
        if typed.xmlDetail:
            _, _, detail = _read("<detail>" + typed.xmlDetail + "</detail>", "detail")
        # the typed contact counts only where xmlDetail has none (the xmlDetail wins a conflict)
        if typed.HasField("contact") and not detail.contact:
            detail.contact = True
            detail.callsign = typed.contact.callsign
            detail.endpoint = typed.contact.endpoint
    return _event(uid, cot_type, ev.how, (time, start, stale), coordinates, detail)


def parse_datagram(data: bytes, *, now: datetime, max_bytes: int = MAX_MESSAGE_BYTES) -> CotEvent:
    """One CoT event from a UDP mesh datagram: TAK protocol (0xbf 0x01 0xbf + protobuf) or XML."""
    if data[:1] == b"\xbf":
        if data[:3] != MESH_HEADER:
            raise CotRejected("framing", "a TAK protocol datagram must begin 0xbf 0x01 0xbf (version 1)")
        return parse_protobuf(data[3:], now=now, max_bytes=max_bytes)
    return parse_xml(data, now=now, max_bytes=max_bytes)


# --- cutting a stream ---------------------------------------------------------------------------

_NONBLANK = re.compile(rb"[^ \t\r\n]")
_XML_START = re.compile(rb"<\?xml|<event[ \t\r\n>/]|<!DOCTYPE")
_SYNC = re.compile(rb"<\?xml|<event[ \t\r\n>/]|<!DOCTYPE|\xbf")
_MARKERS = (b"<?xml", b"<event", b"<!DOCTYPE")
_KEEP = 8  # the longest marker less one: a marker cut in two by a read is found whole next time
_END = b"</event>"
_MAX_VARINT = 10


class Framer:
    """Cuts a TCP byte stream into messages. A stream carries either CoT XML events back to back
    (optionally each with an <?xml ...?> declaration, whitespace between) or TAK protocol
    "streaming" frames (0xbf, varint length, protobuf). It decides per message by the first
    non-blank byte.

    ``feed`` gives ("xml", one <event> with its declaration), ("proto", one protobuf payload) or a
    ``CotRejected`` for garbage or an oversize message; it then skips to the next "<?xml",
    "<event" or 0xbf and goes on. The buffer never holds more than ``max_buffer`` bytes."""

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES, max_buffer: int | None = None) -> None:
        if max_buffer is None:
            max_buffer = 4 * max_bytes
        if max_bytes < 1 or max_buffer < max_bytes + 64:
            raise ValueError("max_buffer must exceed max_bytes by at least 64 bytes")
        self.max_bytes = max_bytes
        self.max_buffer = max_buffer
        self._buf = bytearray()
        self._scan = 0  # where the search for "</event>" goes on from
        self._skipping = False  # resynchronising after garbage
        self._skipped = 0  # garbage bytes skipped since the last rejection

    @property
    def buffered(self) -> int:
        """Bytes held, waiting for the rest of a message."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[tuple[str, bytes] | CotRejected]:
        """The messages (and rejections) completed by ``data``, in stream order."""
        out: list[tuple[str, bytes] | CotRejected] = []
        view = memoryview(data)
        i, n = 0, len(view)
        while i < n:
            room = max(1, self.max_buffer - len(self._buf))
            self._buf += view[i : i + room]
            i += room
            self._drain(out)
        view.release()
        return out

    def close(self) -> list[CotRejected]:
        """At the end of the stream: a message begun and never finished is one rejection."""
        rest = self._buf
        out: list[CotRejected] = []
        if not self._skipping and _NONBLANK.search(rest):
            out.append(
                CotRejected("truncated", f"the stream ended inside a message ({len(rest)} bytes unfinished)")
            )
        self._buf = bytearray()
        self._scan = 0
        self._skipping = False
        self._skipped = 0
        return out

    def _garbage(self, out: list[tuple[str, bytes] | CotRejected], what: str) -> None:
        out.append(CotRejected("framing", f"{what}: skipped to the next message"))
        self._skipping = True
        self._skipped = 0

    def _drain(self, out: list[tuple[str, bytes] | CotRejected]) -> None:
        buf = self._buf
        n = len(buf)
        pos = 0
        max_bytes = self.max_bytes
        while True:
            if self._skipping:
                m = _SYNC.search(buf, pos)
                if m is None:
                    keep = max(pos, n - _KEEP)
                    self._skipped += keep - pos
                    pos = keep
                    if self._skipped >= max_bytes:
                        out.append(CotRejected("framing", f"{self._skipped} more bytes of garbage skipped"))
                        self._skipped = 0
                    break
                self._skipped += m.start() - pos
                pos = m.start()
                if buf[pos] == _MAGIC:
                    state, _, _ = _header(buf, pos, n, max_bytes)
                    if state == "wait":
                        break
                    if state != "ok":
                        pos += 1  # a 0xbf inside the garbage, not a frame
                        continue
                self._skipping = False
                self._scan = pos
                continue
            m = _NONBLANK.search(buf, pos)
            if m is None:
                pos = n
                break
            pos = m.start()
            first = buf[pos]
            if first == _MAGIC:
                state, length, body = _header(buf, pos, n, max_bytes)
                if state == "wait":
                    break
                if state == "oversize":
                    out.append(
                        CotRejected(
                            "oversize", f"a TAK protocol frame declares {length} bytes, more than {max_bytes}"
                        )
                    )
                    self._skipping, self._skipped = True, 0
                    pos += 1
                    continue
                if state == "bad":
                    self._garbage(out, "not a TAK protocol frame (bad length or payload)")
                    pos += 1
                    continue
                if n < body + length:
                    break
                out.append(("proto", bytes(buf[body : body + length])))
                pos = body + length
                continue
            if first != 0x3C or not _XML_START.match(buf, pos):
                if first == 0x3C and n - pos < 9 and any(mk.startswith(bytes(buf[pos:n])) for mk in _MARKERS):
                    break  # the start of a marker: wait for the rest
                self._garbage(out, "bytes that begin neither a CoT event nor a TAK protocol frame")
                pos += 1
                continue
            end = buf.find(_END, max(self._scan, pos))
            if end < 0:
                if n - pos > max_bytes:
                    out.append(CotRejected("oversize", f"an XML event runs past {max_bytes} bytes unclosed"))
                    self._skipping, self._skipped = True, 0
                    pos += 1
                    continue
                self._scan = max(pos, n - len(_END) + 1)
                break
            stop = end + len(_END)
            own = _event_tag(buf, pos, end)
            again = _next_start(buf, (own if own >= 0 else pos) + 1, end)
            if again >= 0:  # a new message began before this one ended: this one was cut short
                out.append(CotRejected("truncated", "an XML event was cut off by the start of the next"))
                pos = again
                continue
            if stop - pos > max_bytes:
                out.append(
                    CotRejected("oversize", f"an XML event of {stop - pos} bytes, more than {max_bytes}")
                )
            else:
                out.append(("xml", bytes(memoryview(buf)[pos:stop])))
            pos = stop
            self._scan = stop
        del buf[:pos]
        self._scan = max(0, self._scan - pos)


_DELIMITERS = frozenset(b" \t\r\n>/")


def _event_tag(buf: bytearray, lo: int, hi: int) -> int:
    """Where the first "<event" tag in buf[lo:hi] begins, or -1 (bytes.find: far faster than re)."""
    k = buf.find(b"<event", lo, hi)
    while k >= 0 and (k + 6 >= len(buf) or buf[k + 6] not in _DELIMITERS):
        k = buf.find(b"<event", k + 1, hi)
    return k


def _next_start(buf: bytearray, lo: int, hi: int) -> int:
    """Where the next message (an XML declaration, a DOCTYPE or an <event>) in buf[lo:hi] begins, or -1."""
    found = [
        k
        for k in (buf.find(b"<?xml", lo, hi), buf.find(b"<!DOCTYPE", lo, hi), _event_tag(buf, lo, hi))
        if k >= 0
    ]
    return min(found) if found else -1


def _header(buf: bytearray, pos: int, n: int, max_bytes: int) -> tuple[str, int, int]:
    """A streaming header at ``pos``: ("ok" | "wait" | "bad" | "oversize", length, payload start)."""
    length = shift = 0
    i = pos + 1
    while True:
        if i >= n:
            return "wait", 0, 0
        byte = buf[i]
        length |= (byte & 0x7F) << shift
        i += 1
        if byte < 0x80:
            break
        shift += 7
        if i - pos > _MAX_VARINT:
            return "bad", 0, 0
    if length > max_bytes:
        return "oversize", length, i
    if length == 0:
        return "bad", 0, 0
    if i >= n:
        return "wait", 0, 0
    if buf[i] not in (0x0A, 0x12):  # a TakMessage begins with field 1 or 2, both length-delimited
        return "bad", 0, 0
    return "ok", length, i


# --- writing ------------------------------------------------------------------------------------

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_UNKNOWN_TEXT = "9999999.0"


def _fmt(t: datetime) -> str:
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
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _clean(value: str) -> str:
    """User text made writable as XML 1.0 (characters XML cannot carry are dropped)."""
    return _NOT_XML.sub("", value)


def _argb(value: int) -> str:
    """An ARGB colour as ATAK writes it: a signed 32-bit integer."""
    if not -(2**31) <= value < 2**32:
        raise ValueError(f"{value} is not a 32-bit ARGB colour")
    value &= 0xFFFFFFFF
    return str(value - 2**32 if value >= 2**31 else value)


def _check_uid(uid: str, field: str = "uid") -> str:
    try:
        return _uid(uid, field)
    except CotRejected as exc:
        raise ValueError(str(exc)) from None


def _check_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0 and math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"({lat}, {lon}) is not a latitude and longitude")
    return lat, lon


def _root(
    uid: str,
    cot_type: str,
    how: str,
    time: datetime,
    stale: datetime,
    lat: float,
    lon: float,
    hae: float | None = None,
    ce: float | None = None,
    check_uid: bool = True,
) -> tuple[ET.Element, ET.Element]:
    if check_uid:
        _check_uid(uid)
    try:
        _type(cot_type)
    except CotRejected as exc:
        raise ValueError(str(exc)) from None
    if not _HOW.fullmatch(how):
        raise ValueError(f"how={_show(how)} is not a CoT how (e.g. h-e, m-g)")
    lat, lon = _check_lat_lon(lat, lon)
    stamp, until = _fmt(time), _fmt(stale)  # both must be timezone-aware before they are compared
    if stale < time:
        raise ValueError("stale must not be before time")
    event = ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": uid,
            "type": cot_type,
            "time": stamp,
            "start": stamp,
            "stale": until,
            "how": how,
        },
    )
    ET.SubElement(
        event,
        "point",
        {
            "lat": _num(lat),
            "lon": _num(lon),
            "hae": _UNKNOWN_TEXT if hae is None else _num(hae),
            "ce": _UNKNOWN_TEXT if ce is None else _num(ce),
            "le": _UNKNOWN_TEXT,
        },
    )
    return event, ET.SubElement(event, "detail")


def _label(detail: ET.Element, callsign: str, remarks: str) -> None:
    ET.SubElement(detail, "contact", {"callsign": _clean(callsign)})
    ET.SubElement(detail, "remarks").text = _clean(remarks.replace("\r\n", "\n").replace("\r", "\n"))


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
    if ce is not None and not (math.isfinite(ce) and ce >= 0):
        raise ValueError(f"ce={ce} is not a circular error in metres")
    event, detail = _root(uid, cot_type, how, time, stale, lat, lon, hae, ce)
    _label(detail, callsign, remarks)
    if color_argb is not None:
        ET.SubElement(detail, "color", {"argb": _argb(color_argb)})
    return _bytes(event)


def _centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    if max(lons) - min(lons) > 180.0:  # across the antimeridian: average on a continuous longitude
        lons = [lon + 360.0 if lon < 0 else lon for lon in lons]
    lon = sum(lons) / len(lons)
    if lon > 180.0:
        lon -= 360.0
    return sum(lats) / len(lats), lon


def _vertices(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return [_check_lat_lon(lat, lon) for lat, lon in points]


def _link_point(lat: float, lon: float) -> str:
    return f"{_num(lat)},{_num(lon)}"


def _style(detail: ET.Element, stroke_argb: int, stroke_weight: float, fill_argb: int | None) -> None:
    if not (math.isfinite(stroke_weight) and stroke_weight > 0):
        raise ValueError(f"stroke_weight={stroke_weight} must be a positive number")
    ET.SubElement(detail, "strokeColor", {"value": _argb(stroke_argb)})
    ET.SubElement(detail, "strokeWeight", {"value": _num(stroke_weight)})
    if fill_argb is not None:
        ET.SubElement(detail, "fillColor", {"value": _argb(fill_argb)})


def _shape(
    uid: str,
    cot_type: str,
    vertices: list[tuple[float, float]],
    closed: bool,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str,
    stroke_argb: int,
    fill_argb: int | None,
    stroke_weight: float,
) -> bytes:
    lat, lon = _centroid(vertices)
    event, detail = _root(uid, cot_type, "h-e", time, stale, lat, lon)
    for v_lat, v_lon in vertices:
        ET.SubElement(detail, "link", {"point": _link_point(v_lat, v_lon)})
    if closed and cot_type == "u-d-f":  # ATAK closes a drawn shape by repeating its first vertex
        ET.SubElement(detail, "link", {"point": _link_point(*vertices[0])})
    # ATAK writes a fill only for a closed shape; an explicit 0 keeps a former fill from lingering
    _style(detail, stroke_argb, stroke_weight, (0 if fill_argb is None else fill_argb) if closed else None)
    _label(detail, callsign, remarks)
    ET.SubElement(detail, "labels_on", {"value": "false"})
    return _bytes(event)


def polygon(
    uid: str,
    points: Sequence[tuple[float, float]],
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
    vertices = _vertices(points)
    if closed and len(vertices) > 1 and vertices[0] == vertices[-1]:
        vertices.pop()  # a ring that already repeats its first vertex
    if len(vertices) < (3 if closed else 2):
        raise ValueError(
            f"a {'closed' if closed else 'open'} shape needs at least {3 if closed else 2} points"
        )
    return _shape(
        uid, "u-d-f", vertices, closed, time, stale, callsign, remarks, stroke_argb, fill_argb, stroke_weight
    )


def rectangle(
    uid: str,
    corners: Sequence[tuple[float, float]],
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int,
    fill_argb: int | None = None,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's rectangle ("u-d-r"): four corners (lat, lon), clockwise from the north-west."""
    vertices = _vertices(corners)
    if len(vertices) != 4:
        raise ValueError(f"a rectangle has 4 corners, not {len(vertices)}")
    return _shape(
        uid, "u-d-r", vertices, True, time, stale, callsign, remarks, stroke_argb, fill_argb, stroke_weight
    )


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
    """ATAK's circle ("u-d-c-c"): centre and radius in metres."""
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m={radius_m} must be a positive number of metres")
    event, detail = _root(uid, "u-d-c-c", "h-e", time, stale, lat, lon)
    fill = 0 if fill_argb is None else fill_argb
    shape = ET.SubElement(detail, "shape")
    radius = _num(radius_m)
    ET.SubElement(shape, "ellipse", {"major": radius, "minor": radius, "angle": "360"})
    link = ET.SubElement(shape, "link", {"uid": f"{uid}.Style", "type": "b-x-KmlStyle", "relation": "p-c"})
    style = ET.SubElement(link, "Style")
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = f"{stroke_argb & 0xFFFFFFFF:08x}"
    ET.SubElement(line, "width").text = _num(stroke_weight)
    ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = f"{fill & 0xFFFFFFFF:08x}"
    _style(detail, stroke_argb, stroke_weight, fill)
    _label(detail, callsign, remarks)
    ET.SubElement(detail, "labels_on", {"value": "false"})
    return _bytes(event)


def route(
    uid: str,
    points: Sequence[tuple[float, float]],
    *,
    time: datetime,
    stale: datetime,
    callsign: str,
    remarks: str = "",
    stroke_argb: int = 0xFFFFFFFF,
    stroke_weight: float = 3.0,
) -> bytes:
    """ATAK's route ("b-m-r") through waypoints (lat, lon): start point "SP", check points, "VDO"."""
    vertices = _vertices(points)
    if len(vertices) < 2:
        raise ValueError("a route needs at least 2 points")
    event, detail = _root(uid, "b-m-r", "h-e", time, stale, *vertices[0])
    last = len(vertices) - 1
    for i, (lat, lon) in enumerate(vertices):
        name = f"{callsign} SP" if i == 0 else "VDO" if i == last else f"CP{i}"
        ET.SubElement(
            detail,
            "link",
            {
                "uid": f"{uid}.{i}",
                "callsign": _clean(name),
                "type": "b-m-p-w",
                "point": _link_point(lat, lon),
                "remarks": "",
                "relation": "c",
            },
        )
    ET.SubElement(
        detail,
        "link_attr",
        {
            "planningmethod": "Infil",
            "color": _argb(stroke_argb),
            "method": "Driving",
            "prefix": "CP",
            "type": "Vehicle",
            "stroke": str(max(1, round(stroke_weight))),
            "direction": "Infil",
            "routetype": "Primary",
            "order": "Ascending Check Points",
        },
    )
    _style(detail, stroke_argb, stroke_weight, None)
    ET.SubElement(ET.SubElement(detail, "__routeinfo"), "__navcues")
    _label(detail, callsign, remarks)
    ET.SubElement(detail, "labels_on", {"value": "false"})
    ET.SubElement(detail, "color", {"value": _argb(stroke_argb)})
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
        _check_uid(value, field)
    event, detail = _root(
        f"GeoChat.{sender_uid}.{to_uid}.{message_id}",
        "b-t-f",
        "h-g-i-g-o",
        time,
        time + timedelta(days=1),
        0.0,
        0.0,
        check_uid=False,  # made of checked parts; it may be longer than a uid we accept
    )
    chat_ = ET.SubElement(
        detail,
        "__chat",
        {
            "parent": "RootContactGroup",
            "groupOwner": "false",
            "messageId": message_id,
            "chatroom": _clean(to_callsign),
            "id": to_uid,
            "senderCallsign": _clean(sender_callsign),
        },
    )
    ET.SubElement(chat_, "chatgrp", {"uid0": sender_uid, "uid1": to_uid, "id": to_uid})
    ET.SubElement(detail, "link", {"uid": sender_uid, "type": "a-f-G-U-C", "relation": "p-p"})
    remarks = ET.SubElement(
        detail, "remarks", {"source": f"BAO.F.ATAK.{sender_uid}", "to": to_uid, "time": _fmt(time)}
    )
    remarks.text = _clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    ET.SubElement(ET.SubElement(detail, "marti"), "dest", {"callsign": _clean(to_callsign)})
    return _bytes(event)


def delete(uid: str, cot_type_of_the_item: str, *, time: datetime) -> bytes:
    """Removes a marker or shape from ATAK maps ("t-x-d-d" with <__forcedelete/>)."""
    _check_uid(uid)
    try:
        _type(cot_type_of_the_item)
    except CotRejected as exc:
        raise ValueError(str(exc)) from None
    own = str(_uuid.uuid5(_uuid.NAMESPACE_URL, "t-x-d-d:" + uid))
    event, detail = _root(own, "t-x-d-d", "h-g-i-g-o", time, time + timedelta(minutes=5), 0.0, 0.0)
    ET.SubElement(detail, "link", {"uid": uid, "relation": "none", "type": cot_type_of_the_item})
    ET.SubElement(detail, "__forcedelete")
    return _bytes(event)


def pong(time: datetime, uid: str = "takPong") -> bytes:
    """The answer to a TAK ping ("t-x-c-t"): "t-x-c-t-r"."""
    event, _ = _root(uid, "t-x-c-t-r", "h-g-i-g-o", time, time + timedelta(minutes=1), 0.0, 0.0)
    return _bytes(event)


# --- the TAK protocol ---------------------------------------------------------------------------

_TYPED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # element: (attributes it must have, attributes it may have) - anything else stays XML
    "contact": (frozenset({"callsign"}), frozenset({"callsign", "endpoint"})),
    "__group": (frozenset({"name", "role"}), frozenset({"name", "role"})),
    "precisionlocation": (frozenset({"geopointsrc", "altsrc"}), frozenset({"geopointsrc", "altsrc"})),
    "status": (frozenset({"battery"}), frozenset({"battery"})),
    "takv": (
        frozenset({"device", "platform", "os", "version"}),
        frozenset({"device", "platform", "os", "version"}),
    ),
    "track": (frozenset({"speed", "course"}), frozenset({"speed", "course"})),
}


def _typed(detail: Any, child: ET.Element) -> bool:
    """Puts ``child`` into its typed protobuf field where it fits exactly; False where it does not."""
    a = child.attrib
    try:
        if child.tag == "contact":
            detail.contact.callsign = a["callsign"]
            if a.get("endpoint"):
                detail.contact.endpoint = a["endpoint"]
        elif child.tag == "__group":
            detail.group.name, detail.group.role = a["name"], a["role"]
        elif child.tag == "precisionlocation":
            detail.precisionLocation.geopointsrc = a["geopointsrc"]
            detail.precisionLocation.altsrc = a["altsrc"]
        elif child.tag == "status":
            battery = int(a["battery"])
            if not 0 <= battery < 2**32:
                return False
            detail.status.battery = battery
        elif child.tag == "takv":
            for key in ("device", "platform", "os", "version"):
                setattr(detail.takv, key, a[key])
        elif child.tag == "track":
            speed, course = float(a["speed"]), float(a["course"])
            if not (math.isfinite(speed) and math.isfinite(course)):
                return False
            detail.track.speed, detail.track.course = speed, course
    except (KeyError, ValueError):
        return False
    return True


def _message(xml: bytes) -> Any:
    """The TakMessage (protocol version 1) equivalent to one CoT XML event."""
    try:
        event = defused_fromstring(xml, forbid_dtd=True)
    except (SyntaxError, ValueError) as exc:  # ParseError is a SyntaxError; refusals are ValueErrors
        raise ValueError(f"not a CoT event: {exc}") from None
    if event.tag != "event":
        raise ValueError("not a CoT event: the root element must be <event>")
    message = TakMessage()
    ev = message.cotEvent
    for key in ("type", "access", "qos", "opex", "uid", "how"):
        if event.get(key):
            setattr(ev, key, event.get(key))
    for key, field in (("time", "sendTime"), ("start", "startTime"), ("stale", "staleTime")):
        text = event.get(key)
        if text:
            try:
                t = _parse_time(text, key)
            except CotRejected as exc:
                raise ValueError(str(exc)) from None
            setattr(ev, field, (t - _EPOCH) // _MS)
    pt = event.find("point")
    for key in ("lat", "lon", "hae", "ce", "le"):
        text = pt.get(key) if pt is not None else None
        setattr(ev, key, float(text) if text else (0.0 if key in ("lat", "lon") else UNKNOWN))
    detail = event.find("detail")
    if detail is not None and len(detail):
        counts: dict[str, int] = {}
        for child in detail:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        xml_detail: list[str] = []
        for child in detail:
            rule = _TYPED.get(child.tag)
            fits = (
                rule is not None
                and counts[child.tag] == 1
                and len(child) == 0
                and not (child.text or "").strip()
                and rule[0] <= set(child.attrib) <= rule[1]
                and _typed(ev.detail, child)
            )
            if not fits:
                child.tail = None
                xml_detail.append(ET.tostring(child, encoding="unicode"))
        if xml_detail:
            ev.detail.xmlDetail = "".join(xml_detail)
    return message


def to_stream_frame(xml: bytes) -> bytes:
    """One CoT XML event as a TAK protocol streaming frame: 0xbf, varint length, protobuf."""
    return bytes(msg2proto(_message(xml), TAKProtoVer.STREAM))


def to_mesh_datagram(xml: bytes) -> bytes:
    """One CoT XML event as a TAK protocol mesh datagram: 0xbf 0x01 0xbf, protobuf."""
    return bytes(msg2proto(_message(xml), TAKProtoVer.MESH))
