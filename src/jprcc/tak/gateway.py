"""The TAK gateway: the node's links to TAK (listeners devices connect to, TAK servers it joins, a
UDP mesh), in a thread of its own with its own event loop.

In: every message is cut from the stream (``cot.Framer``), parsed and checked (``cot.parse_*``:
DTDs refused, sizes, coordinates and times checked) and either counted as rejected or turned into a
command — the gateway decides nothing. Positions are coalesced, the newest per device, and stored
every ``tak_flush_s`` in one command (``RecordTracks``); an alert is stored at once, on a worker of
its own, and only then told to the device as received. A bad message, a flood or a dead connection
never stops the listener or another connection.

Out: ``publish`` takes CoT items (from the ``tak-out`` durable consumer) and queues each on every link
whose audience may see it: alerts on a queue that is never cut, routine items by uid (a newer state
of an item replaces the older one waiting; past the bound, the oldest routine item is dropped and
counted). A link that (re)connects is first sent the whole picture its audience may see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import struct
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from jprcc.core.errors import DomainError
from jprcc.core.model import Actor
from jprcc.tak import commands as cmd
from jprcc.tak import cot
from jprcc.tak.links import ConfigError, Endpoint, Link, OutItem, TokenBucket, endpoints
from jprcc.tak.reports import alert_command, is_alert, track_report

log = logging.getLogger("jprcc.tak")
GATEWAY = Actor.system("tak-gateway")

READ_CHUNK = 64 * 1024
RECONNECT_MIN_S, RECONNECT_MAX_S = 0.5, 30.0
FLUSH_CHUNK = 250  # positions stored per transaction
OWN_PREFIX = "jprcc."  # the uids of the picture's items (``tak.picture``)


Store = Callable[[Any], Any]
"""Runs one command as the gateway (the bus's ``handle`` with the gateway's actor)."""
PictureSource = Callable[[str], Sequence[OutItem]]
"""The whole picture an audience may see (sent to a link when it connects)."""
Visible = Callable[[str, Sequence[str]], set[str]]
"""(audience, incident ids) → those of the incidents the audience may see."""


class TakGateway:
    def __init__(
        self,
        settings: Any,
        store: Store,
        *,
        picture: PictureSource | None = None,
        visible: Visible | None = None,
        known: Callable[[], Iterable[str]] = tuple,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.store = store
        self.picture = picture or (lambda audience: ())
        self.visible = visible or (lambda audience, ids: set(ids) if audience == "theater" else set())
        self.known_source = known
        self.clock = clock
        self.listen = endpoints(settings.tak_listen, "listener", "tak_listen")
        self.servers = endpoints(settings.tak_servers, "server", "tak_servers")
        if any(ep.scheme == "tls" for ep in (*self.listen, *self.servers)) and not (
            settings.tak_cert_file and settings.tak_key_file
        ):
            raise ConfigError("tls:// needs tak_cert_file and tak_key_file (the node's certificate and key)")
        self.uid = settings.tak_uid or f"jprcc-{settings.node_id}"
        self.callsign = settings.tak_callsign
        self.max_bytes = settings.tak_max_message_bytes
        self.links: dict[str, Link] = {}
        self.totals: Counter[str] = Counter()
        self.device_link: dict[str, tuple[str, datetime]] = {}
        self._known: set[str] = set()
        self._pending: dict[str, tuple[cot.CotEvent, str]] = {}  # the newest per device, and its link
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._alert_queue: asyncio.Queue[tuple[Link, cot.CotEvent]] | None = None
        self._background: set[asyncio.Task[None]] = set()  # kept referenced while they run
        self.bound: dict[str, tuple[str, int]] = {}  # listener url → the address it really listens on

    # --- life ------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return bool(self.listen or self.servers)

    def start(self, timeout_s: float = 10.0) -> None:
        if not self.configured or self._thread is not None:
            return
        self._known = set(self.known_source())
        self._thread = threading.Thread(target=self._run, name="tak-gateway", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError("the TAK gateway did not start")

    def stop(self, timeout_s: float = 5.0) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and loop.is_running():
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._thread = None

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # the gateway must say why it died, never take the node down
            log.exception("the TAK gateway stopped")
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._alert_queue = asyncio.Queue()
        servers: list[Any] = []
        for ep in self.listen:
            servers.append(await self._open_listener(ep))
        tasks = [
            asyncio.create_task(self._flusher(), name="tak-flush"),
            asyncio.create_task(self._alert_worker(), name="tak-alerts"),
        ]
        tasks += [asyncio.create_task(self._join(ep), name=f"tak-join {ep.url}") for ep in self.servers]
        self._ready.set()
        await self._stopping.wait()
        for s in servers:
            s.close()
        running = [*tasks, *self._background]
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._flush()  # what was heard before the stop is stored
        for link in list(self.links.values()):
            if link.writer is not None:
                link.writer.close()
            if link.datagram is not None:
                link.datagram.close()

    # --- listeners and servers ---------------------------------------------------------------

    def _tls(self, server_side: bool) -> ssl.SSLContext:
        s = self.settings
        if s.tak_cert_file is None or s.tak_key_file is None:
            raise ConfigError("tls:// needs tak_cert_file and tak_key_file")
        purpose = ssl.Purpose.CLIENT_AUTH if server_side else ssl.Purpose.SERVER_AUTH
        context = ssl.create_default_context(purpose, cafile=str(s.tak_ca_file) if s.tak_ca_file else None)
        context.load_cert_chain(str(s.tak_cert_file), str(s.tak_key_file))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if server_side:
            context.verify_mode = ssl.CERT_REQUIRED  # a device shows a certificate, as TAK servers ask
        return context

    async def _open_listener(self, ep: Endpoint) -> Any:
        if ep.scheme == "udp":
            return await self._open_mesh(ep)
        context = self._tls(server_side=True) if ep.scheme == "tls" else None

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            if task is not None:  # stopped with the gateway, not cancelled under its feet
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            peer = "{}:{}".format(*writer.get_extra_info("peername")[:2])
            link = self._link(ep, f"{ep.url} ← {peer}", peer, writer)
            link.bucket = TokenBucket(
                self.settings.tak_device_rate, max(10.0, self.settings.tak_device_rate * 5)
            )
            await self._serve(link, reader)

        server = await asyncio.start_server(accepted, ep.host, ep.port, ssl=context, limit=READ_CHUNK)
        address = server.sockets[0].getsockname()
        self.bound[ep.url] = (address[0], address[1])
        log.info("TAK listener up", extra={"url": ep.url, "port": address[1]})
        return server

    async def _open_mesh(self, ep: Endpoint) -> Any:
        loop = asyncio.get_running_loop()
        link = self._link(ep, f"{ep.url} (mesh)", ep.url, None)
        link.state = "listening"
        gateway = self

        class Mesh(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                gateway._count(link, "bytes_in", len(data))
                if data.startswith(b"\xbf\x01\xbf"):
                    link.framed_as = "mesh"
                try:
                    found = cot.parse_datagram(data, now=gateway.clock())
                except cot.CotRejected as refusal:
                    gateway._reject(link, refusal)
                    return
                gateway._safely(link, found)

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        first = int(ep.host.split(".")[0]) if ep.host[0].isdigit() else 0
        multicast = 224 <= first <= 239
        sock.bind(("" if multicast else ep.host, ep.port))
        if multicast:
            group = struct.pack("4s4s", socket.inet_aton(ep.host), socket.inet_aton("0.0.0.0"))
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, group)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        transport, _ = await loop.create_datagram_endpoint(Mesh, sock=sock)
        link.datagram = transport
        self.bound[ep.url] = sock.getsockname()[:2]
        self._background.add(asyncio.create_task(self._pump(link), name=f"tak-mesh-out {ep.url}"))
        return transport

    async def _join(self, ep: Endpoint) -> None:
        """Stay joined to a TAK server: reconnect with a growing pause, forever."""
        pause = RECONNECT_MIN_S
        link = self._link(ep, ep.url, ep.url, None)
        while True:
            link.state = "connecting"
            try:
                context = self._tls(server_side=False) if ep.scheme == "tls" else None
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(ep.host, ep.port, ssl=context, limit=READ_CHUNK), 10
                )
            except (OSError, TimeoutError, ssl.SSLError) as exc:
                link.state, link.last_error = "down", str(exc) or type(exc).__name__
                link.counters["connect_failures"] += 1
                await asyncio.sleep(pause)
                pause = min(RECONNECT_MAX_S, pause * 2)
                continue
            pause = RECONNECT_MIN_S
            link.writer, link.state, link.since = writer, "up", datetime.now(UTC)
            link.counters["connects"] += 1
            log.info("joined TAK server", extra={"url": ep.url})
            self._hello(link)
            self._resend(link)
            pump = asyncio.create_task(self._pump(link))
            try:
                await self._read(link, reader)
            finally:
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump
                writer.close()
                link.writer, link.state, link.since = None, "down", datetime.now(UTC)
            await asyncio.sleep(pause)

    def _link(self, ep: Endpoint, name: str, peer: str, writer: asyncio.StreamWriter | None) -> Link:
        link = Link(name=name, endpoint=ep, peer=peer, writer=writer)
        link.wake = asyncio.Event()
        link.sends = ep.audience != "none"
        if writer is not None:
            link.state = "up"
        with self._lock:
            self.links[name] = link
        return link

    async def _serve(self, link: Link, reader: asyncio.StreamReader) -> None:
        """A device's connection to a listener: the picture first (if its audience sees one)."""
        pump = asyncio.create_task(self._pump(link))
        self._resend(link)
        try:
            await self._read(link, reader)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
            if link.writer is not None:
                link.writer.close()
            link.state, link.since, link.writer = "down", datetime.now(UTC), None

    async def _read(self, link: Link, reader: asyncio.StreamReader) -> None:
        framer = cot.Framer(self.max_bytes)
        while True:
            try:
                data = await reader.read(READ_CHUNK)
            except (OSError, ssl.SSLError) as exc:
                link.last_error = str(exc) or type(exc).__name__
                break
            if not data:
                break
            self._count(link, "bytes_in", len(data))
            try:
                frames = framer.feed(data)
            except Exception:  # a fault of ours in the framing: drop what was buffered, go on
                log.exception("CoT stream not framed", extra={"link": link.name})
                link.rejected["error"] += 1
                framer = cot.Framer(self.max_bytes)
                continue
            self._frames(link, frames)
            await asyncio.sleep(0)  # a busy stream leaves room for the flush, the alerts and the others
        for refusal in framer.close():
            self._reject(link, refusal)

    def _frames(self, link: Link, frames: Sequence[tuple[str, bytes] | cot.CotRejected]) -> None:
        now = self.clock()
        for frame in frames:
            if isinstance(frame, cot.CotRejected):
                self._reject(link, frame)
                continue
            framing, data = frame
            try:
                found = (
                    cot.parse_xml(data, now=now, max_bytes=self.max_bytes)
                    if framing == "xml"
                    else cot.parse_protobuf(data, now=now, max_bytes=self.max_bytes)
                )
            except cot.CotRejected as refusal:
                self._reject(link, refusal)
                continue
            link.framed_as = "stream" if framing == "proto" else "xml"
            self._safely(link, found)

    def _safely(self, link: Link, found: cot.CotEvent) -> None:
        """One message's handling: whatever goes wrong with it stays with it."""
        try:
            self._dispatch(link, found)
        except Exception:
            link.rejected["error"] += 1
            self._count(link, "rejected")
            log.exception("CoT message not handled", extra={"link": link.name, "uid": found.uid})

    # --- what came in --------------------------------------------------------------------------

    def _count(self, link: Link, key: str, n: int = 1) -> None:
        link.counters[key] += n
        self.totals[key] += n

    def _reject(self, link: Link, refusal: cot.CotRejected) -> None:
        link.rejected[refusal.reason] += 1
        self._count(link, "rejected")
        if link.rejected[refusal.reason] <= 3:  # say what is wrong, then only count
            log.warning(
                "CoT rejected", extra={"link": link.name, "reason": refusal.reason, "why": str(refusal)}
            )

    def _ours(self, uid: str) -> bool:
        """This node's own items, echoed back by a server that replays what it stores."""
        return uid == self.uid or uid.startswith(OWN_PREFIX)

    def _dispatch(self, link: Link, e: cot.CotEvent) -> None:
        self._count(link, "received")
        kind = e.kind
        if is_alert(e):
            self._count(link, "alerts")
            assert self._alert_queue is not None
            self._alert_queue.put_nowait((link, e))  # never dropped, never rate-limited
            return
        if kind is cot.Kind.PING:
            self._count(link, "pings")
            self._send_now(link, cot.pong(self.clock()))
            return
        if kind is not cot.Kind.POSITION or not e.has_fix or self._ours(e.uid):
            self._count(link, "ignored")
            return
        if link.bucket is not None and not link.bucket.take():
            link.rejected["rate"] += 1
            self._count(link, "rejected")
            return
        self._count(link, "positions")
        link.devices.add(e.uid)
        self.device_link[e.uid] = (link.name, self.clock())
        previous = self._pending.get(e.uid)
        if previous is None or previous[0].time <= e.time:  # a late, older report changes nothing
            self._pending[e.uid] = (e, link.name)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.settings.tak_flush_s)
            await self._flush()

    async def _flush(self) -> None:
        """Store the newest position of each device heard since the last flush, in one command
        (the reports are made here, once per device, not once per message)."""
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        reports = [track_report(e, via, e.uid not in self._known) for e, via in batch.values()]
        self.totals["flushes_started"] += 1
        # stored here, in the gateway's own thread: a store thread would wait for the interpreter
        # behind the parsing at every statement (each waits a switch interval); in chunks, so that
        # an alert waits for one chunk at most
        for i in range(0, len(reports), FLUSH_CHUNK):
            chunk = reports[i : i + FLUSH_CHUNK]
            try:
                self.store(cmd.RecordTracks(reports=tuple(chunk)))
            except Exception as exc:  # stored next time: the newest per device is kept
                log.warning("positions not stored", extra={"reason": str(exc), "devices": len(chunk)})
                for r in reports[i:]:
                    self._pending.setdefault(r.uid, batch[r.uid])
                self.totals["flushes_failed"] += 1
                return
            self._known.update(r.uid for r in chunk)
            self.totals["positions_stored"] += len(chunk)
            await asyncio.sleep(0)  # an alert waiting goes now
        self.totals["flushes"] += 1

    async def _alert_worker(self) -> None:
        assert self._alert_queue is not None
        while True:
            link, e = await self._alert_queue.get()
            command = self._alert_command(link, e)
            for attempt in range(50):
                try:
                    alert_id = self.store(command)  # at once, ahead of any flush still to come
                    break
                except DomainError as refusal:
                    log.warning("alert refused", extra={"uid": e.uid, "reason": refusal.message})
                    alert_id = None
                    break
                except Exception as exc:  # the store is busy or away: keep it, try again
                    log.warning("alert not stored yet", extra={"uid": e.uid, "reason": str(exc)})
                    await asyncio.sleep(min(2.0, 0.05 * 2**attempt))
            else:
                continue
            self.totals["alerts_stored"] += 1
            if isinstance(command, cmd.ReceiveAlert) and alert_id is not None:
                self._acknowledge(link, e, command, str(alert_id))

    def _alert_command(self, link: Link, e: cot.CotEvent) -> cmd.ReceiveAlert | cmd.CancelAlert:
        link.devices.add(e.origin_uid)
        self.device_link[e.origin_uid] = (link.name, self.clock())
        return alert_command(e, link.name)

    def _acknowledge(self, link: Link, e: cot.CotEvent, c: cmd.ReceiveAlert, alert_id: str) -> None:
        """Tell the device, once its alert is stored: a direct chat message to the device."""
        now = self.clock()
        text = f"JPRCC received your {c.kind.label} at {now:%H%MZ} ({alert_id}). Stay on this net."
        to = c.device_callsign or c.uid
        message = cot.chat(self.uid, self.callsign, c.uid, to, text, time=now, message_id=str(uuid.uuid4()))
        self._send_now(link, message)

    # --- what goes out -------------------------------------------------------------------------

    def _hello(self, link: Link) -> None:
        """Present ourselves to a TAK server (it routes direct messages by the callsign it knows)."""
        now = self.clock()
        me = cot.point(
            self.uid,
            "a-f-G-U-C",
            0.0,
            0.0,
            time=now,
            stale=now + timedelta(days=1),
            callsign=self.callsign,
            remarks="Joint Personnel Recovery Coordination Center",
            how="m-g",
        )
        self._send_now(link, me)

    def _encode(self, link: Link, xml: bytes) -> bytes:
        if link.framed_as == "stream":
            return cot.to_stream_frame(xml)
        if link.framed_as == "mesh":
            return cot.to_mesh_datagram(xml)
        return xml

    def _send_now(self, link: Link, xml: bytes) -> None:
        """An answer of this node's own (a pong, an acknowledgement, its presence): ahead of the picture."""
        link.urgent.append(xml)
        if link.wake is not None:
            link.wake.set()

    def _resend(self, link: Link) -> None:
        """Everything the link's audience may see, alerts first: what a reconnect missed."""
        if not link.sends:
            return
        try:
            items = sorted(self.picture(link.endpoint.audience), key=lambda i: not i.urgent)
        except Exception:  # the link stays up; what changes next is still sent
            log.exception("the picture could not be made", extra={"link": link.name})
            return
        self._enqueue(link, items)

    def _enqueue(self, link: Link, items: Sequence[OutItem]) -> None:
        bound = self.settings.tak_routine_queue
        for item in items:
            if item.urgent:
                link.urgent.append(item.xml)
                continue
            link.routine.pop(item.uid, None)
            link.routine[item.uid] = item.xml
            while len(link.routine) > bound:
                link.routine.popitem(last=False)
                self._count(link, "dropped_routine")
        if link.wake is not None:
            link.wake.set()

    async def _pump(self, link: Link) -> None:
        while True:
            while link.urgent or link.routine:
                xml = link.urgent.popleft() if link.urgent else link.routine.popitem(last=False)[1]
                data = self._encode(link, xml)
                try:
                    if link.datagram is not None:
                        link.datagram.sendto(data, (link.endpoint.host, link.endpoint.port))
                    elif link.writer is not None:
                        link.writer.write(data)
                        await link.writer.drain()
                    else:
                        link.urgent.appendleft(xml)  # not connected: kept for the next connection
                        break
                except (OSError, ConnectionError) as exc:
                    link.last_error = str(exc)
                    link.urgent.appendleft(xml)
                    return
                self._count(link, "sent")
                self._count(link, "bytes_out", len(data))
            assert link.wake is not None
            link.wake.clear()
            await link.wake.wait()

    def publish(self, items: Sequence[OutItem]) -> None:
        """Queue items on every link whose audience may see them (from any thread)."""
        loop = self._loop
        if loop is None or not items or not loop.is_running():
            return
        loop.call_soon_threadsafe(self._publish, list(items))

    def _publish(self, items: list[OutItem]) -> None:
        incidents = sorted({i.incident_id for i in items if i.incident_id is not None})
        for link in list(self.links.values()):
            if not link.sends or link.state not in ("up", "listening"):
                continue
            seen = self.visible(link.endpoint.audience, incidents) if incidents else set()
            self._enqueue(link, [i for i in items if i.incident_id is None or i.incident_id in seen])

    def send_test(self, text: str) -> int:
        """A test message to every link that is up: a marker at no place, with ``text``."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return 0
        now = self.clock()
        xml = cot.point(
            f"{self.uid}.test",
            "b-m-p-s-m",
            0.0,
            0.0,
            time=now,
            stale=now + timedelta(minutes=5),
            callsign=f"{self.callsign} TEST",
            remarks=text,
        )
        up = [link for link in self.links.values() if link.state in ("up", "listening") and link.sends]
        for link in up:
            loop.call_soon_threadsafe(self._enqueue, link, [OutItem(f"{self.uid}.test", xml, urgent=True)])
        return len(up)

    # --- what the page and the CLI read ---------------------------------------------------------

    def connections(self) -> list[dict[str, Any]]:
        """Every link with its counters; while the gateway does not run in this process (a CLI
        command without --server), the configured ones as "not running here"."""
        with self._lock:
            links = list(self.links.values())
        if self._thread is None and not links:
            idle = [
                Link(ep.url, ep, ep.url, state="not running here") for ep in (*self.listen, *self.servers)
            ]
            return [link.snapshot() for link in idle]
        return [link.snapshot() for link in links]

    def link_state(self, uid: str) -> tuple[str, str | None]:
        """(up | down | unknown, the connection) of the device's last report."""
        found = self.device_link.get(uid)
        if found is None:
            return "unknown", None
        link = self.links.get(found[0])
        state = link.state if link is not None else "down"
        return ("up" if state in ("up", "listening") else "down"), found[0]
