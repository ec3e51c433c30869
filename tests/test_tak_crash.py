"""Killing the server while alerts arrive loses none that a device was told were received: the node
stores an alert before it acknowledges it, so every acknowledgement names an alert on disk."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from jprcc.tak.queries import TakQueries
from tests.conftest import fast_settings

pytestmark = pytest.mark.long
ROOT = Path(__file__).resolve().parent.parent
ACK = re.compile(rb"JPRCC received your 911 at \d{4}Z \((TAK-[0-9A-F]{10})\)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alert(i: int) -> bytes:
    at = datetime.now(UTC)
    t = at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    stale = (at + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    uid = f"ANDROID-CRASH-{i:05d}"
    return (
        f'<event version="2.0" uid="{uid}-9-1-1" type="b-a-o-tbl" how="h-e" time="{t}" start="{t}" '
        f'stale="{stale}"><point lat="40.1" lon="9.3" hae="0" ce="10" le="9999999"/><detail>'
        f'<link uid="{uid}" type="a-f-G-U-C" relation="p-p"/><contact callsign="CRASH{i}-Alert"/>'
        f'<emergency type="911 Alert">CRASH{i}</emergency></detail></event>'
    ).encode()


def _serve(data_dir: Path, tak_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "JPRCC_DATA_DIR": str(data_dir),
        "JPRCC_TAK_LISTEN": f"tcp://127.0.0.1:{tak_port}",
        "JPRCC_TAK_DEVICE_RATE": "1000",
        "JPRCC_ARGON2_TIME_COST": "1",
        "JPRCC_ARGON2_MEMORY_KIB": "64",
        "JPRCC_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "jprcc", "serve", "--port", str(_free_port())],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", tak_port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise AssertionError("the server did not start listening") from None
            time.sleep(0.1)


def _read(sock: socket.socket, received: bytearray) -> None:
    """What the node sends back (its acknowledgements), until the connection dies."""
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        received.extend(data)


def test_no_acknowledged_alert_is_lost_when_the_server_is_killed(tmp_path: Path) -> None:
    acknowledged: set[str] = set()
    sent = 0
    for cycle in range(3):
        port = _free_port()
        server = _serve(tmp_path, port)
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        received = bytearray()
        reader = threading.Thread(target=_read, args=(sock, received), daemon=True)
        reader.start()
        kill_at = time.monotonic() + 2.0 + cycle * 0.37
        while time.monotonic() < kill_at:
            try:
                sock.sendall(_alert(sent))
            except OSError:
                break
            sent += 1
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # mid-stream: alerts in flight, some stored, some not
        server.wait(10)
        reader.join(10)
        sock.close()
        told = {m.decode() for m in ACK.findall(bytes(received))}
        assert told, f"cycle {cycle}: no alert was acknowledged before the kill"
        acknowledged |= told
    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path), migrate=True)
    try:
        staff = Actor("controller", Role.JPRCC_CONTROLLER)
        stored = {
            a.alert_id for _, a in node.service(TakQueries).alerts(staff, open_only=False, limit=100_000)
        }
    finally:
        node.close()
    assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:5]}"
    assert len(stored) <= sent  # nothing invented
