"""A real uvicorn server on a free loopback port, in a thread, for tests that need one."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """The app served until the block ends; ``port`` to come back on the same address."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_ready(base: str, process: subprocess.Popen[Any], within_s: float = 60) -> None:
    """Until a server process started on ``base`` answers ready; fails if it dies or is late."""
    import httpx2

    deadline = time.monotonic() + within_s
    while True:
        try:
            if httpx2.get(f"{base}/api/ready", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the server died on start {output}")
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.1)
