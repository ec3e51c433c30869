"""A real TAK server peer for the interop tests: taky on loopback, with ATAK devices played by pytak.

taky routes every event it parses to every other connected client, identified or not, and keeps the
persistent kinds (atoms ``a-*``, ``b-m-p*``, ``b-r-f-h-c``, drawings) in memory until they go stale,
replaying them to each new connection. It re-serializes what it relays: the event and point are
rebuilt (double quotes, times to the millisecond, lat/lon to six decimals, extra event attributes
such as ``access`` dropped), the ``detail`` travels as sent. So every run uses a fresh server root
and tests pick their own events out by a per-run marker in uids and callsigns.
"""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlparse
from xml.sax.saxutils import escape

import pytest

with warnings.catch_warnings():
    # pytak warns at import about optional extras (TLS enrolment) that plain TCP does not use
    warnings.filterwarnings("ignore", r"The '(aiohttp|cryptography)' package is required", UserWarning)
    import pytak

LOOPBACK = "127.0.0.1"
EVENT_END = b"</event>"

EMERGENCIES: dict[str, tuple[str, str]] = {
    "911": ("b-a-o-tbl", "911 Alert"),
    "ring_the_bell": ("b-a-o-pan", "Ring The Bell"),
    "troops_in_contact": ("b-a-o-opn", "In Contact"),
    "geofence": ("b-a-g", "Geo-fence Breached"),
}
"""ATAK's emergency kinds: CoT type and the ``<emergency type=...>`` text."""

_UID = re.compile(rb"""\buid=(["'])(.*?)\1""")
_TYPE = re.compile(rb"""\btype=(["'])(.*?)\1""")


def marker() -> str:
    """A fresh per-run marker for uids and callsigns."""
    return secrets.token_hex(4)


def cot_time(at: datetime | None = None, plus_s: float = 0) -> str:
    """A CoT time as ATAK writes it: UTC, milliseconds, ``Z``."""
    at = (at or datetime.now(UTC)) + timedelta(seconds=plus_s)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def event_uid(xml: bytes) -> str | None:
    """The uid of a CoT event (the first ``uid`` attribute, the event's own)."""
    found = _UID.search(xml)
    return found.group(2).decode() if found else None


def event_type(xml: bytes) -> str | None:
    """The type of a CoT event."""
    found = _TYPE.search(xml)
    return found.group(2).decode() if found else None


def uid_is(uid: str) -> Callable[[bytes], bool]:
    """A predicate: the event's uid is ``uid``."""
    return lambda xml: event_uid(xml) == uid


def uid_type_is(uid: str, cot_type: str) -> Callable[[bytes], bool]:
    """A predicate: the event's uid and type are these."""
    return lambda xml: event_uid(xml) == uid and event_type(xml) == cot_type


def summarize(events: list[bytes], last: int = 30) -> str:
    """The events as ``type uid`` lines (the last ``last`` of them), for failure messages."""
    lines = [f"{event_type(x)} {event_uid(x)}" for x in events[-last:]]
    skipped = len(events) - len(lines)
    head = [f"({len(events)} events, first {skipped} not shown)"] if skipped else [f"({len(events)} events)"]
    return "\n".join(head + lines)


_QUOTES = {"'": "&apos;", '"': "&quot;"}


def _attrs(**values: object) -> str:
    return " ".join(f"{k}='{escape(str(v), _QUOTES)}'" for k, v in values.items())


def _element(tag: str, text: str | None = None, /, **values: object) -> str:
    attrs = f" {_attrs(**values)}" if values else ""
    if text is None:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{escape(text)}</{tag}>"


def atak_event(
    uid: str,
    cot_type: str,
    how: str,
    point: tuple[float, float, float, float, float],
    detail: str,
    stale_s: float,
) -> bytes:
    """One CoT event as ATAK writes it: a standalone document, single quotes, times in milliseconds."""
    now = datetime.now(UTC)
    lat, lon, hae, ce, le = point
    head = _attrs(
        version="2.0",
        uid=uid,
        type=cot_type,
        time=cot_time(now),
        start=cot_time(now),
        stale=cot_time(now, stale_s),
        how=how,
        access="Undefined",
    )
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
        f"<event {head}><point {_attrs(lat=repr(lat), lon=repr(lon), hae=hae, ce=ce, le=le)} />"
        f"<detail>{detail}</detail></event>"
    ).encode()


class TakyPeer:
    """A real taky server on 127.0.0.1 in a fresh root directory (its config file there), on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.host = LOOPBACK
        self.port = 0
        self.log = ""
        self.config_path = self.root / "taky.conf"
        self.log_path = self.root / "taky.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def _write_config(self) -> None:
        config = configparser.ConfigParser()
        config["taky"] = {
            "hostname": "taky.local",
            "node_id": "TAKY",
            "bind_ip": self.host,
            "redis": "false",
            "root_dir": str(self.root),
        }
        config["cot_server"] = {"port": str(self.port)}
        config["dp_server"] = {"upload_path": str(self.root / "dp-user")}
        config["ssl"] = {"enabled": "false"}
        with self.config_path.open("w", encoding="utf8") as out:
            config.write(out)

    def read_log(self) -> str:
        """taky's log (its stderr) so far."""
        try:
            return self.log_path.read_text(encoding="utf8", errors="replace")
        except FileNotFoundError:
            return ""

    def start(self, timeout_s: float = 20) -> TakyPeer:
        """Start taky and wait until its port accepts connections; raise with its log if it does not."""
        if self._proc is not None:
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout_s
        for _attempt in range(3):  # another process may take the free port before taky binds it
            self.port = _free_port(self.host)
            self._write_config()
            if self._launch(deadline):
                return self
            if "Address already in use" not in self.log:
                break
        raise RuntimeError(f"taky did not start on {self.url} (root {self.root}); its log:\n{self.log}")

    def _launch(self, deadline: float) -> bool:
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "taky.cot", "-c", str(self.config_path), "-l", "info"],
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            if self._proc.poll() is None:
                return True
        self.stop()
        return False

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop taky (SIGINT, then SIGKILL) and keep its log in ``self.log``."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            # SIGINT breaks taky's select() at once; on SIGTERM it would finish a 1 s round first
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.log = self.read_log()

    def __enter__(self) -> TakyPeer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def taky_peer_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TakyPeer]:
    """A started taky in a fresh directory, stopped afterwards (wrap with ``pytest.fixture``)."""
    with TakyPeer(tmp_path_factory.mktemp("taky")) as peer:
        yield peer
        assert peer.alive(), f"taky exited during the tests; its log:\n{peer.read_log()}"


class AtakClient:
    """A device played by pytak: connects to a TAK server URL (tcp://), in its own thread with its own
    asyncio loop, so synchronous tests can drive it."""

    team = "Cyan"
    role = "Team Member"

    def __init__(self, url: str, uid: str, callsign: str) -> None:
        self.url = url
        self.uid = uid
        self.callsign = callsign
        self.received: list[bytes] = []
        self.closed = False
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tx: Any = None
        self._reader_error: BaseException | None = None
        self._point: tuple[float, float, float, float, float] | None = None
        self._alert_point: tuple[float, float, float, float, float] | None = None

    @property
    def alert_uid(self) -> str:
        return f"{self.uid}-9-1-1"

    # --- connection -------------------------------------------------------------------------

    def start(self, timeout_s: float = 10) -> AtakClient:
        """Open the connection with pytak (``pytak.protocol_factory``) and start reading."""
        if self._loop is not None:
            return self
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=self._run_loop, name=f"atak-{self.callsign}", daemon=True)
        self._thread.start()
        try:
            self._call(self._connect(), timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _run_loop(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def _call(self, coro: Any, timeout_s: float) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s)
        except TimeoutError:
            future.cancel()
            raise

    async def _connect(self) -> None:
        parser = configparser.ConfigParser(interpolation=None)
        parser["pytak"] = {"COT_URL": self.url, "TAK_PROTO": "0"}  # taky speaks XML only
        config = parser["pytak"]
        reader, writer = await pytak.protocol_factory(config)
        self._writer = writer
        self._tx = pytak.TXWorker(asyncio.Queue(), config, writer)
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        try:
            while chunk := await reader.read(1 << 16):
                buffer += chunk
                while (end := buffer.find(EVENT_END)) >= 0:
                    event, buffer = buffer[: end + len(EVENT_END)], buffer[end + len(EVENT_END) :]
                    start = event.find(b"<event")
                    with self._cond:
                        self.received.append(event[start:] if start >= 0 else event.strip())
                        self._cond.notify_all()
        except (ConnectionError, OSError) as exc:
            self._reader_error = exc
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    async def _close(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()

    def stop(self) -> None:
        """Close the connection, stop the loop and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            if thread.is_alive():
                self._call(self._close(), 10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            self._loop = self._thread = None

    def __enter__(self) -> AtakClient:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- sending ----------------------------------------------------------------------------

    def send(self, xml: bytes) -> None:
        """Write one raw CoT event (through pytak's TXWorker) and wait until it is handed to the socket."""
        if self._loop is None or self._tx is None:
            raise RuntimeError(f"{self.callsign} is not connected")
        self._call(self._tx.send_data(xml), 10)

    def position(
        self, lat: float, lon: float, *, ce: float = 10.0, stale_s: int = 120, hae: float = 9999999.0
    ) -> None:
        """Send the device's self-position (``a-f-G-U-C``) as ATAK writes it."""
        self._point = (lat, lon, hae, ce, 9999999.0)
        detail = "".join(
            [
                _element(
                    "takv",
                    os="34",
                    version="5.1.0.6 (1a2b3c4d)[playstore].1712345678-CIV",
                    device="GOOGLE PIXEL 7",
                    platform="ATAK-CIV",
                ),
                _element("contact", endpoint="*:-1:stcp", callsign=self.callsign),
                _element("uid", Droid=self.callsign),
                _element("precisionlocation", altsrc="GPS", geopointsrc="GPS"),
                _element("__group", role=self.role, name=self.team),
                _element("status", battery="88"),
                _element("track", course="0.0", speed="0.0"),
            ]
        )
        self.send(atak_event(self.uid, "a-f-G-U-C", "m-g", self._point, detail, stale_s))

    def _link(self, **extra: str) -> str:
        return _element("link", uid=self.uid, type="a-f-G-U-C", relation="p-p", **extra)

    def alert(
        self, kind: str = "911", lat: float | None = None, lon: float | None = None, *, stale_s: int = 10
    ) -> str:
        """Raise ATAK's emergency of this kind (at the last position unless lat/lon given); its uid."""
        if kind not in EMERGENCIES:
            raise ValueError(f"unknown emergency kind {kind!r}: one of {sorted(EMERGENCIES)}")
        cot_type, label = EMERGENCIES[kind]
        point = self._where(lat, lon)
        self._alert_point = point
        detail = (
            self._link()
            + _element("contact", callsign=f"{self.callsign}-Alert")
            + _element("emergency", self.callsign, type=label)
        )
        self.send(atak_event(self.alert_uid, cot_type, "h-e", point, detail, stale_s))
        return self.alert_uid

    def cancel(self) -> None:
        """Cancel the emergency (``b-a-o-can``, same uid as the alert)."""
        point = self._alert_point or self._where(None, None)
        detail = (
            self._link()
            + _element("contact", callsign=f"{self.callsign}-Alert")
            + _element("emergency", self.callsign, cancel="true")
        )
        self.send(atak_event(self.alert_uid, "b-a-o-can", "h-e", point, detail, 10))

    def casevac(self, lat: float, lon: float, **nine_line: str) -> str:
        """Send a 9-line MEDEVAC/CASEVAC request (``b-r-f-h-c`` with ``<_medevac_>``); its uid.

        ``nine_line`` sets or adds ``_medevac_`` attributes (``urgent="2"``, ``freq="38.90"``, ...).
        """
        now = datetime.now(UTC)
        medevac: dict[str, str] = {
            "title": f"MED.{now:%d.%H%M%S}",
            "casevac": "false",
            "freq": "0.0",
            "urgent": "1",
            "priority": "0",
            "routine": "0",
            "equipment_none": "true",
            "litter": "1",
            "ambulatory": "0",
            "security": "0",
            "hlz_marking": "3",
            "terrain_none": "true",
            "obstacles": "None",
            "medline_remarks": "",
            "zone_prot_selection": "0",
        }
        medevac.update(nine_line)
        uid = str(uuid.uuid4())
        hae = self._point[2] if self._point else 9999999.0
        detail = "".join(
            [
                _element("status", readiness="false"),
                _element("archive"),
                _element("contact", callsign=medevac["title"]),
                "<remarks></remarks>",
                self._link(parent_callsign=self.callsign, production_time=cot_time(now)),
                _element("_flow-tags_", AndroidMedicalLine=cot_time(now)),
                _element("_medevac_", **medevac),
            ]
        )
        self.send(
            atak_event(uid, "b-r-f-h-c", "h-g-i-g-o", (lat, lon, hae, 9999999.0, 9999999.0), detail, 86400)
        )
        return uid

    def _where(self, lat: float | None, lon: float | None) -> tuple[float, float, float, float, float]:
        if lat is not None and lon is not None:
            hae, ce, le = self._point[2:] if self._point else (9999999.0, 10.0, 9999999.0)
            return (lat, lon, hae, ce, le)
        if self._point is None:
            raise ValueError(f"{self.callsign} has sent no position: give lat and lon")
        return self._point

    # --- receiving --------------------------------------------------------------------------

    def wait_count(self, predicate: Callable[[bytes], bool], n: int, timeout_s: float) -> list[bytes]:
        """The first ``n`` received events matching, waiting up to ``timeout_s``; AssertionError if fewer."""
        deadline = time.monotonic() + timeout_s
        matched: list[bytes] = []
        seen = 0
        with self._cond:
            while True:
                for event in self.received[seen:]:
                    if predicate(event):
                        matched.append(event)
                seen = len(self.received)
                if len(matched) >= n:
                    return matched[:n]
                left = deadline - time.monotonic()
                if left <= 0 or (self.closed and seen == len(self.received)):
                    break
                self._cond.wait(left)
            arrived = list(self.received)
        why = f" (connection closed: {self._reader_error or 'by the server'})" if self.closed else ""
        raise AssertionError(
            f"{self.callsign} got {len(matched)} of {n} matching events in {timeout_s} s{why}; "
            f"what arrived:\n{summarize(arrived)}"
        )

    def wait_for(self, predicate: Callable[[bytes], bool], timeout_s: float = 10) -> bytes:
        """The first received event matching; AssertionError naming what arrived if none in time."""
        return self.wait_count(predicate, 1, timeout_s)[0]


# --- taky's relay rate --------------------------------------------------------------------------


def _host_port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
        raise ValueError(f"not a tcp://host:port URL: {url}")
    return parsed.hostname, parsed.port


def _relay_events(tag: str, n: int, payload_bytes: int, devices: int) -> bytes:
    """``n`` small position events over ``devices`` uids, padded to ``payload_bytes`` (about 210 at least)."""
    now = datetime.now(UTC)
    at, stale = f"{now:%Y-%m-%dT%H:%M:%SZ}", f"{now + timedelta(seconds=600):%Y-%m-%dT%H:%M:%SZ}"
    times = f'time="{at}" start="{at}" stale="{stale}"'
    events = []
    for i in range(n):
        device = i % devices
        head = (
            f'<event version="2.0" uid="{tag}-{device}" type="a-f-G" how="m-g" {times}>'
            f'<point lat="{10 + i % 1000 * 1e-4:.4f}" lon="{20 + device * 1e-3:.3f}" hae="0" ce="9" le="9"/>'
        )
        pad = payload_bytes - len(head) - len("<detail><remarks></remarks></detail></event>")
        remarks = f"<detail><remarks>{'x' * pad}</remarks></detail>" if pad > 0 else ""
        events.append(f"{head}{remarks}</event>")
    return "".join(events).encode()


def _recv_until(sock: socket.socket, needle: bytes, deadline: float) -> bytes:
    """Read until ``needle`` has arrived inside a complete event; the bytes after that event."""
    buffer = b""
    while True:
        at = buffer.find(needle)
        if at >= 0 and (end := buffer.find(EVENT_END, at)) >= 0:
            return buffer[end + len(EVENT_END) :]
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise AssertionError("taky closed the connection before the sync event arrived")
        buffer += chunk


def relay_rate(
    peer_url: str,
    n: int = 20000,
    payload_bytes: int = 200,
    *,
    devices: int = 300,
    timeout_s: float | None = None,
) -> dict[str, float]:
    """taky's own relay rate, measured end to end over raw sockets.

    One sender writes ``n`` small CoT events (about ``payload_bytes`` each, positions of ``devices``
    distinct uids) as fast as the socket takes them; one receiver, connected first, counts the complete
    events carrying this run's marker. Timed from the first byte sent to the ``n``-th event received.
    Returns ``{"events", "seconds", "per_s", "event_bytes"}``; AssertionError if not all arrive in time.
    """
    host, port = _host_port(peer_url)
    timeout_s = timeout_s if timeout_s is not None else 30 + n / 250
    tag = f"r{marker()}"
    blob = _relay_events(tag, n, payload_bytes, devices)
    needle = tag.encode()
    sync_uid = f"{tag}-sync"
    sync = (
        f'<event version="2.0" uid="{sync_uid}" type="t-x-d-d" how="m-g" time="{cot_time()}" '
        f'start="{cot_time()}" stale="{cot_time(plus_s=60)}"><point lat="0" lon="0" hae="0" ce="0" le="0"/>'
        "</event>"
    ).encode()

    count = 0
    done_at = 0.0
    failure: list[BaseException] = []

    with (
        socket.create_connection((host, port), timeout=10) as rx,
        socket.create_connection((host, port), timeout=10) as tx,
    ):
        # taky routes to every connected socket, so the receiver needs no self-position; a sync event
        # through the server shows both ends are registered and skips events replayed from its store
        tx.sendall(sync)
        rest = _recv_until(rx, f'uid="{sync_uid}"'.encode(), time.monotonic() + 10)

        def receive(buffer: bytes, deadline: float) -> None:
            nonlocal count, done_at
            try:
                while True:
                    *events, buffer = buffer.split(EVENT_END)
                    count += sum(1 for event in events if needle in event)
                    if count >= n:
                        done_at = time.perf_counter()
                        return
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return
                    rx.settimeout(left)
                    chunk = rx.recv(1 << 20)
                    if not chunk:
                        return
                    buffer += chunk
            except (TimeoutError, OSError) as exc:
                failure.append(exc)

        counter = threading.Thread(
            target=receive, args=(rest, time.monotonic() + timeout_s), name="relay-rx", daemon=True
        )
        counter.start()
        tx.settimeout(timeout_s)
        started = time.perf_counter()
        tx.sendall(blob)
        counter.join(timeout_s + 5)
        if counter.is_alive():  # cannot happen with the socket timeout; make sure anyway
            rx.shutdown(socket.SHUT_RDWR)
            counter.join(5)

    if count < n or not done_at:
        why = f" ({failure[0]!r})" if failure else ""
        raise AssertionError(f"taky relayed {count} of {n} events within {timeout_s:.0f} s{why}")
    seconds = done_at - started
    return {"events": float(n), "seconds": seconds, "per_s": n / seconds, "event_bytes": len(blob) / n}
