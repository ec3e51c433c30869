"""TAK interop: CoT ingested and published per second, and a 911's way from a device to the page
under that load, beside the real TAK server's own relay rate measured in the same run.

The node joins a TAK server as it does in the field (``JPRCC_TAK_SERVERS``). The "server" here is a
feeder process on loopback that plays back a recorded-looking stream: ATAK self-positions (about
330 bytes each, with contact, group and track) from 1,000 devices, as a TAK server relays them.

* **Ingest** (positions/s): the node (in this process) parses and checks every position (defusedxml,
  coordinates, times), keeps the newest per device and stores it every ``tak_flush_s`` (one
  command per flush: the log's hash chain, the track events, the devices' rows). Timed from the
  feeder's first byte to the moment the last position is parsed *and* the flush holding it is
  committed. Counted: positions parsed and checked (every one); stored: the newest per device per
  flush (what the log records), reported beside it.
* **Naive**: the simplest honest version of the same work: every position stored as it arrives,
  in a command of its own (no coalescing), on a smaller stream; positions/s.
* **Publish** (CoT/s): 20,000 picture items (markers) queued on a link by ``publish`` and written
  to a plain TCP reader; from the call to the reader's count of the last ``</event>``.
* **Anchor**: taky (the TAK server the tests use) relaying the same kind of stream between two raw
  sockets, end to end (``tests.tak_peer.relay_rate``), measured in the same run.
* **911 latency** (p50/p99, s): a server (``jprcc serve --demo`` in its own process) joins the
  feeder, which streams positions at taky's measured relay rate and, among them, a 911 from a
  different device every 0.2 s; a client holds the live feed open (``GET /api/feed``, the page's
  stream) as the JPRCC controller. From the moment the feeder wrote the alert's last byte to the
  moment its ``tak_alert_received`` frame arrives at the client: parse, store (before anything is
  acknowledged), commit, the feed's fan-out, HTTP.

Excluded: start-up (the node, the demo load, taky), the logins, connecting. Peak memory: this
process's (the node's, for ingest and publish).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from rich.table import Table

from bench.common import ROOT, percentile, row, write

console = Console()
DEVICES = 1000
POSITIONS = 100_000
NAIVE_POSITIONS = 3_000
PUBLISHED = 20_000
ALERT_EVERY_S = 0.2
LATENCY_S = 20.0


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def position(device: int, k: int, now: datetime) -> bytes:
    t, s = _stamp(now), _stamp(now + timedelta(minutes=2))
    lat = 40.0 + (device % 100) * 0.01 + k * 1e-5
    lon = 9.0 + (device // 100) * 0.01
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<event version="2.0" uid="BENCH-{device:05d}" '
        f'type="a-f-G-U-C" how="m-g" time="{t}" start="{t}" stale="{s}"><point lat="{lat:.6f}" '
        f'lon="{lon:.6f}" hae="120.0" ce="9.9" le="9999999.0"/><detail><contact callsign="B{device:05d}" '
        f'endpoint="*:-1:stcp"/><__group name="Cyan" role="Team Member"/><track course="90.0" '
        f'speed="1.2"/></detail></event>'
    ).encode()


def alert(k: int, now: datetime) -> bytes:
    uid, t, s = f"ALERT-{k:04d}", _stamp(now), _stamp(now + timedelta(minutes=5))
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="{uid}-9-1-1" '
        f'type="b-a-o-tbl" how="h-e" time="{t}" start="{t}" stale="{s}"><point lat="40.1" lon="9.3" '
        f'hae="0" ce="10" le="9999999.0"/><detail><link uid="{uid}" type="a-f-G-U-C" relation="p-p"/>'
        f'<contact callsign="BENCH911-{k:04d}-Alert"/><emergency type="911 Alert">BENCH911-{k:04d}'
        f"</emergency></detail></event>"
    ).encode()


# --- the feeder: a TAK server on loopback, in its own process -------------------------------------


def _feed(conn: Connection, n: int, rate: float, alerts_every: float, seconds: float) -> None:
    """Listen, accept the node, send: n positions as fast as the socket takes them (rate 0), or
    positions at ``rate`` per second with a 911 every ``alerts_every`` seconds for ``seconds``."""
    listener = socket.create_server(("127.0.0.1", 0))
    conn.send(listener.getsockname()[1])
    peer, _ = listener.accept()
    peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.recv()  # go
    now = datetime.now(UTC)
    if rate <= 0:
        batch = b"".join(position(i % DEVICES, i // DEVICES, now) for i in range(n))
        started = time.time()
        peer.sendall(batch)
        conn.send({"started": started, "sent": n})
    else:
        sent_alerts: dict[str, float] = {}
        start = time.time()
        i, k, next_alert = 0, 0, start + alerts_every
        while (t := time.time()) - start < seconds:
            due = int((t - start) * rate) - i
            if due > 0:
                peer.sendall(
                    b"".join(position((i + j) % DEVICES, (i + j) // DEVICES, now) for j in range(due))
                )
                i += due
            if t >= next_alert:
                peer.sendall(alert(k, datetime.now(UTC)))
                sent_alerts[f"BENCH911-{k:04d}"] = time.time()
                k, next_alert = k + 1, next_alert + alerts_every
            time.sleep(0.002)
        conn.send({"started": start, "sent": i, "alerts": sent_alerts})
    conn.recv()  # done
    peer.close()


def feeder(
    n: int, rate: float = 0, alerts_every: float = 0, seconds: float = 0
) -> tuple[Any, Connection, int]:
    here, there = mp.Pipe()
    process = mp.get_context("spawn").Process(target=_feed, args=(there, n, rate, alerts_every, seconds))
    process.start()
    return process, here, int(here.recv())


# --- ingest, naive, publish: the node in this process --------------------------------------------


def _node(folder: Path, servers: str) -> Any:
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings

    settings = Settings(
        data_dir=folder,
        tak_servers=servers,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        tak_flush_s=0.5,
        tak_routine_queue=PUBLISHED,  # every item of the publish run waits its turn: none is dropped
    )
    return bootstrap(settings, migrate=True)


def _first_sight(node: Any) -> None:
    """Every device heard once before the run (excluded: a device's first report records it,
    once in its life; the stream measured is the steady state of a theater's devices)."""
    from jprcc.core.model import Position
    from jprcc.tak import commands as cmd
    from jprcc.tak.gateway import GATEWAY

    now = datetime.now(UTC)
    reports = tuple(
        cmd.TrackReport(
            uid=f"BENCH-{d:05d}",
            callsign=f"B{d:05d}",
            cot_type="a-f-G-U-C",
            position=Position(40.0, 9.0),
            hae_m=None,
            ce_m=None,
            course_deg=None,
            speed_ms=None,
            reported_at=now - timedelta(minutes=1),
            stale_at=now,
            via="first sight",
            new=True,
        )
        for d in range(DEVICES)
    )
    node.bus.handle(cmd.RecordTracks(reports=reports), GATEWAY)


def ingest() -> dict[str, float]:
    from jprcc.tak.service import TakService

    with tempfile.TemporaryDirectory(prefix="jprcc-bench-tak-") as tmp:
        process, pipe, port = feeder(POSITIONS)
        node = _node(Path(tmp), f"tcp://127.0.0.1:{port}?audience=none")
        _first_sight(node)
        gateway = node.service(TakService).gateway
        node.start_runners()
        while not any(link["state"] == "up" for link in gateway.connections()):
            time.sleep(0.01)
        pipe.send("go")
        info = pipe.recv()
        while gateway.totals["positions"] < POSITIONS:
            time.sleep(0.001)
            if time.time() - info["started"] > 300:
                raise RuntimeError(f"ingest stalled at {gateway.totals}")
        parsed_at = time.time()
        t = gateway.totals  # done: nothing waiting, and every flush that started has committed
        while gateway._pending or t["flushes"] + t["flushes_failed"] < t["flushes_started"]:
            time.sleep(0.001)
        done = time.time()
        pipe.send("done")
        process.join()
        totals = dict(gateway.totals)
        node.close()
    seconds = done - info["started"]
    return {
        "per_s": POSITIONS / seconds,
        "seconds": seconds,
        "parse_s": parsed_at - info["started"],
        "stored": totals["positions_stored"],
        "flushes": totals["flushes"],
        "rejected": totals.get("rejected", 0),
    }


def naive() -> dict[str, float]:
    """Every position stored as it arrives, one command each: the simplest honest ingest."""
    from jprcc.tak import commands as cmd
    from jprcc.tak import cot
    from jprcc.tak.gateway import GATEWAY
    from jprcc.tak.reports import track_report

    with tempfile.TemporaryDirectory(prefix="jprcc-bench-tak-") as tmp:
        node = _node(Path(tmp), "")
        now = datetime.now(UTC)
        stream = b"".join(position(i % DEVICES, i // DEVICES, now) for i in range(NAIVE_POSITIONS))
        seen: set[str] = set()
        started = time.perf_counter()
        framer = cot.Framer()
        for frame in framer.feed(stream):
            assert not isinstance(frame, cot.CotRejected)
            e = cot.parse_xml(frame[1], now=datetime.now(UTC))
            report = track_report(e, "naive", e.uid not in seen)
            seen.add(e.uid)
            node.bus.handle(cmd.RecordTracks(reports=(report,)), GATEWAY)
        seconds = time.perf_counter() - started
        node.close()
    return {"per_s": NAIVE_POSITIONS / seconds, "seconds": seconds}


def _count_events(sock: socket.socket, n: int, box: dict[str, float]) -> None:
    count, tail = 0, b""
    while count < n:
        data = sock.recv(1 << 20)
        if not data:
            break
        chunk = tail + data  # a closing tag split across two reads is whole here, and counted once:
        count += chunk.count(b"</event>")
        tail = chunk[-7:]  # seven bytes cannot hold a whole one
    box["done"] = time.time()
    box["count"] = count


def publish() -> dict[str, float]:
    from jprcc.tak import cot
    from jprcc.tak.gateway import OutItem
    from jprcc.tak.service import TakService

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-tak-") as tmp:
        node = _node(Path(tmp), f"tcp://127.0.0.1:{port}?audience=theater")
        gateway = node.service(TakService).gateway
        node.start_runners()
        peer, _ = listener.accept()
        # the node presents itself and sends its (empty) picture first
        now = datetime.now(UTC)
        items = [
            OutItem(
                f"jprcc.bench.{i}",
                cot.point(
                    f"jprcc.bench.{i}",
                    "a-f-G-U-C",
                    40 + i * 1e-5,
                    9.3,
                    time=now,
                    stale=now + timedelta(minutes=5),
                    callsign=f"BENCH {i}",
                    remarks="a PR marker",
                ),
            )
            for i in range(PUBLISHED)
        ]
        time.sleep(0.5)
        peer.settimeout(0.2)
        try:
            while peer.recv(1 << 20):
                pass
        except TimeoutError:
            pass
        peer.settimeout(None)
        box: dict[str, float] = {}
        reader = threading.Thread(target=_count_events, args=(peer, PUBLISHED, box))
        reader.start()
        started = time.time()
        gateway.publish(items)
        reader.join(120)
        node.close()
    listener.close()
    seconds = box["done"] - started
    return {"per_s": box["count"] / seconds, "seconds": seconds, "count": box["count"]}


# --- latency of a 911 to the page, under load -------------------------------------------------------


def latency(rate: float) -> dict[str, Any]:
    """The whole server in its own process; the feeder at ``rate`` positions/s with 911s among them."""
    n_alerts = int(LATENCY_S / ALERT_EVERY_S)
    process, pipe, port = feeder(0, rate, ALERT_EVERY_S, LATENCY_S)
    with tempfile.TemporaryDirectory(prefix="jprcc-bench-tak-") as tmp:
        env = {
            "JPRCC_DATA_DIR": tmp,
            "JPRCC_TAK_SERVERS": f"tcp://127.0.0.1:{port}?audience=none",
            "JPRCC_ARGON2_TIME_COST": "1",
            "JPRCC_ARGON2_MEMORY_KIB": "64",
            "JPRCC_SWEEP_INTERVAL_S": "3600",
            "JPRCC_LOG_LEVEL": "WARNING",
            "PATH": "/usr/bin:/bin",
        }
        web = socket.create_server(("127.0.0.1", 0))
        web_port = web.getsockname()[1]
        web.close()
        server = subprocess.Popen(
            [sys.executable, "-m", "jprcc", "serve", "--demo", "--port", str(web_port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(Path(tmp) / "server.log").open("w"),
        )
        url = f"http://127.0.0.1:{web_port}"
        try:
            deadline = time.time() + 120
            while True:
                try:
                    if httpx2.get(f"{url}/api/health", timeout=2).status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.3)
            token = httpx2.post(
                f"{url}/api/auth/token", data={"username": "controller", "password": "demo-controller"}
            ).json()["access_token"]
            arrived: dict[str, float] = {}
            ready = threading.Event()
            thread = threading.Thread(
                target=_listen, args=(url, token, arrived, ready, n_alerts), daemon=True
            )
            thread.start()
            ready.wait(30)
            pipe.send("go")
            info = pipe.recv()
            end = time.time() + 15
            while len(arrived) < len(info["alerts"]) and time.time() < end:
                time.sleep(0.05)
            pipe.send("done")
            process.join()
        finally:
            server.terminate()
            server.wait(20)
            log = (Path(tmp) / "server.log").read_text()
            if not arrived:
                console.print(log[-3000:])
    sent = info["alerts"]
    delays = [arrived[k] - sent[k] for k in sent if k in arrived]
    return {
        "sent": len(sent),
        "arrived": len(delays),
        "p50": percentile(delays, 50),
        "p99": percentile(delays, 99),
        "max": max(delays) if delays else float("nan"),
        "positions_per_s": info["sent"] / LATENCY_S,
    }


def _listen(url: str, token: str, arrived: dict[str, float], ready: threading.Event, n: int) -> None:
    async def run() -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        async with (
            httpx2.AsyncClient(timeout=None) as client,
            client.stream("GET", f"{url}/api/feed", headers=headers) as answer,
        ):
            ready.set()
            async for line in answer.aiter_lines():
                if not line.startswith("data:") or "tak_alert_received" not in line:
                    continue
                frame = json.loads(line[5:])
                text = frame.get("summary", "")
                for word in text.replace(",", " ").split():
                    if word.startswith("BENCH911-"):
                        arrived.setdefault(word.removesuffix("-Alert"), time.time())
                if len(arrived) >= n:
                    return

    with contextlib.suppress(httpx2.HTTPError):  # the server stopped at the end of the run
        asyncio.run(run())


# --- the anchor --------------------------------------------------------------------------------


def taky_rate(n: int) -> dict[str, float]:
    from tests.tak_peer import TakyPeer, relay_rate

    with tempfile.TemporaryDirectory(prefix="jprcc-bench-taky-") as tmp, TakyPeer(Path(tmp)) as peer:
        return relay_rate(peer.url, n=n)


def main(options: list[str]) -> None:
    quick = "--quick" in options
    global POSITIONS, LATENCY_S
    if quick:
        POSITIONS, LATENCY_S = 20_000, 5.0
    anchor = taky_rate(min(POSITIONS, 20_000))
    console.print(f"taky relays {anchor['per_s']:,.0f} events/s")
    if "--latency" in options:  # the 911 alone, at taky's rate (nothing recorded)
        lat = latency(anchor["per_s"])
        console.print(
            f"911 to the page at {lat['positions_per_s']:,.0f} positions/s: p50 {lat['p50']:.3f} s, "
            f"p99 {lat['p99']:.3f} s, max {lat['max']:.3f} s ({lat['arrived']}/{lat['sent']})"
        )
        return
    ours = ingest()
    console.print(f"ingest: {ours['per_s']:,.0f} positions/s ({ours['stored']} stored)")
    simple = naive()
    console.print(f"naive (a command per position): {simple['per_s']:,.0f} positions/s")
    out = publish()
    console.print(f"publish: {out['per_s']:,.0f} CoT/s")
    lat = latency(anchor["per_s"])
    console.print(f"911 to the page at {lat['positions_per_s']:,.0f} positions/s: p99 {lat['p99']:.3f} s")
    taky = anchor["per_s"]
    rows = [
        row(
            "CoT positions ingested (parsed, checked, newest per device stored)",
            "events/s",
            ours["per_s"],
            "taky relay, end to end",
            taky,
            higher_is_better=True,
            target=">= taky's relay rate",
            meets=ours["per_s"] >= taky,
        ),
        row(
            "CoT positions ingested, naive: a command per position",
            "events/s",
            simple["per_s"],
            "ours (coalesced)",
            ours["per_s"],
            higher_is_better=True,
            target="ours faster than the naive",
            meets=ours["per_s"] > simple["per_s"],
        ),
        row(
            "CoT published to a TAK link",
            "events/s",
            out["per_s"],
            "taky relay, end to end",
            taky,
            higher_is_better=True,
        ),
        row(
            f"911 from the device to the page's feed, p99 (at {lat['positions_per_s']:,.0f} positions/s, "
            f"{lat['arrived']}/{lat['sent']} alerts)",
            "s",
            lat["p99"],
            "target",
            1.0,
            higher_is_better=False,
            target="<= 1 s p99",
            meets=lat["p99"] <= 1.0 and lat["arrived"] == lat["sent"],
        ),
    ]
    table = Table(title="TAK")
    for name in ("metric", "ours", "anchor", "ratio", "target met"):
        table.add_column(name)
    for r in rows:
        table.add_row(
            r.metric,
            f"{r.ours:,.3f} {r.unit}",
            f"{r.anchor}: {r.anchor_value:,.3f}",
            f"{r.ratio:.2f}",
            str(r.meets_target),
        )
    console.print(table)
    console.print(f"911 latency p50 {lat['p50']:.3f} s, max {lat['max']:.3f} s")
    if not quick:
        write("tak", rows)
