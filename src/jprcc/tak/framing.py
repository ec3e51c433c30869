"""Cutting a TCP byte stream from a TAK peer into messages: CoT XML events back to back, or TAK
protocol streaming frames (0xbf, a varint length, a protobuf), told apart message by message. A
bad message is one rejection, then the stream goes on from the next message; the buffer is bounded.
Pure."""

from __future__ import annotations

import re
from typing import Any

MAX_MESSAGE_BYTES = 64 * 1024  # default limit of one CoT message


class CotRejected(ValueError):
    """A CoT message that was not believed. ``reason`` is a short counter key ("xml", "dtd",
    "oversize", "truncated", "protobuf", "uid", "type", "coordinates", "time", "framing"),
    ``field`` the attribute at fault where there is one; ``str()`` says what rule was broken."""

    def __init__(self, reason: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason, self.field = reason, field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, str(self), self.field))


# --- cutting a stream ---------------------------------------------------------------------------

_MAGIC = 0xBF
_NONBLANK = re.compile(rb"[^ \t\r\n]")
_XML_START = re.compile(rb"<\?xml|<event[ \t\r\n>/]|<!DOCTYPE")
_SYNC = re.compile(rb"<\?xml|<event[ \t\r\n>/]|<!DOCTYPE|\xbf")
_MARKERS = (b"<?xml", b"<event", b"<!DOCTYPE")
_KEEP = 8  # the longest marker less one: a marker cut in two by a read is found whole next time
_END = b"</event>"
_DELIMITERS = frozenset(b" \t\r\n>/")
_Out = list[tuple[str, bytes] | CotRejected]


class Framer:
    """Cuts a TCP byte stream into messages. A stream carries either CoT XML events back to back
    (optionally each with an <?xml ...?> declaration, whitespace between) or TAK protocol
    "streaming" frames (0xbf, varint length, protobuf). It decides per message by the first
    non-blank byte.

    ``feed`` gives ("xml", one <event> with its declaration), ("proto", one protobuf payload) or a
    ``CotRejected`` for garbage or an oversize message; it then skips to the next "<?xml",
    "<event" or 0xbf and goes on. The buffer never holds more than ``max_buffer`` bytes (by
    default 4 × ``max_bytes``), and no byte is searched twice for the end of an event."""

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES, max_buffer: int | None = None) -> None:
        max_buffer = 4 * max_bytes if max_buffer is None else max_buffer
        if max_bytes < 1 or max_buffer < max_bytes + 64:
            raise ValueError("max_buffer must exceed max_bytes by at least 64 bytes")
        self.max_bytes, self.max_buffer = max_bytes, max_buffer
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
        out: _Out = []
        with memoryview(data) as view:
            i = 0
            while i < len(view):  # a slice at a time: a huge read does not grow the buffer
                room = max(1, self.max_buffer - len(self._buf))
                self._buf += view[i : i + room]
                i += room
                self._drain(out)
        return out

    def close(self) -> list[CotRejected]:
        """At the end of the stream: a message begun and never finished is one rejection."""
        rest, out = self._buf, []
        if not self._skipping and _NONBLANK.search(rest):
            out.append(CotRejected("truncated", f"the stream ended inside a message ({len(rest)} bytes)"))
        self._buf, self._scan, self._skipping, self._skipped = bytearray(), 0, False, 0
        return out

    def _skip(self, out: _Out, refusal: CotRejected) -> None:
        out.append(refusal)
        self._skipping, self._skipped = True, 0

    def _drain(self, out: _Out) -> None:
        buf, n, pos, max_bytes = self._buf, len(self._buf), 0, self.max_bytes
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
                    state = _header(buf, pos, n, max_bytes)[0]
                    if state == "wait":
                        break
                    if state != "ok":
                        pos += 1  # a 0xbf inside the garbage, not a frame
                        continue
                self._skipping, self._scan = False, pos
                continue
            m = _NONBLANK.search(buf, pos)
            if m is None:
                pos = n
                break
            pos = m.start()
            if buf[pos] == _MAGIC:
                state, length, body = _header(buf, pos, n, max_bytes)
                if state == "wait" or (state == "ok" and n < body + length):
                    break
                if state == "ok":
                    out.append(("proto", bytes(buf[body : body + length])))
                    pos = body + length
                    continue
                if state == "oversize":
                    self._skip(
                        out, CotRejected("oversize", f"a frame declares {length} bytes, over {max_bytes}")
                    )
                else:
                    self._skip(
                        out, CotRejected("framing", "not a TAK protocol frame (bad length or payload)")
                    )
                pos += 1
                continue
            if not _XML_START.match(buf, pos):
                if buf[pos] == 0x3C and n - pos < 9 and any(mk.startswith(buf[pos:n]) for mk in _MARKERS):
                    break  # the start of a marker: wait for the rest
                self._skip(
                    out, CotRejected("framing", "bytes that begin neither a CoT event nor a TAK frame")
                )
                pos += 1
                continue
            end = buf.find(_END, max(self._scan, pos))
            if end < 0:
                if n - pos > max_bytes:
                    self._skip(
                        out, CotRejected("oversize", f"an XML event runs past {max_bytes} bytes unclosed")
                    )
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
                out.append(CotRejected("oversize", f"an XML event of {stop - pos} bytes, over {max_bytes}"))
            else:
                out.append(("xml", bytes(memoryview(buf)[pos:stop])))
            pos = self._scan = stop
        del buf[:pos]
        self._scan = max(0, self._scan - pos)


def _event_tag(buf: bytearray, lo: int, hi: int) -> int:
    """Where the first "<event" tag in buf[lo:hi] begins, or -1 (bytes.find: far faster than re)."""
    k = buf.find(b"<event", lo, hi)
    while k >= 0 and (k + 6 >= len(buf) or buf[k + 6] not in _DELIMITERS):
        k = buf.find(b"<event", k + 1, hi)
    return k


def _next_start(buf: bytearray, lo: int, hi: int) -> int:
    """Where the next message (XML declaration, DOCTYPE or <event>) in buf[lo:hi] begins, or -1."""
    found = (buf.find(b"<?xml", lo, hi), buf.find(b"<!DOCTYPE", lo, hi), _event_tag(buf, lo, hi))
    return min((k for k in found if k >= 0), default=-1)


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
        if i - pos > 10:  # a varint has at most ten bytes
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
