"""The scale benchmark's soak: one server on a demo store (SQLite) loaded just before, ``streams`` pages
holding the live feed open, narrative commands offered at ``rate`` a second by four clients for
``seconds``; the server's resident memory sampled all along.

Rows: the memory of the last third of the run beside the first third's (flat: at most 15 % and 10 MB
more, the long check's bound), and the commands kept beside those offered. Every stream must receive
a frame for every command (a note says otherwise); a refused command or a failed client ends the
benchmark. The readers run in their own process on the same cores, lean (frames counted in the raw
bytes), as in the other stream rows.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bench.common import Row, row
from bench.feed import _answer, _read_streams
from bench.scale import (
    NARRATIVE,
    NOTES,
    SEERS,
    console,
    load_demo,
    narrative_client,
    readers,
    server_env,
    serving,
    status_mb,
    tokens,
)

WRITERS = 4
GROWTH = 1.15  # the long check's bound: the last third's memory at most 15 % (and 10 MB) over the first's
SLACK_MB = 10.0


def pour(url: str, token: str, rate: float, seconds: float) -> tuple[int, list[str]]:
    """``WRITERS`` clients, each keeping ``rate / WRITERS`` commands a second for ``seconds``: the
    commands answered 200, and the first refusals."""
    sent, failures, lock = [0], [], threading.Lock()
    started = time.monotonic()

    def one(k: int) -> None:
        try:
            with narrative_client(url, token) as client:
                mine = 0
                while time.monotonic() - started < seconds and not failures:
                    answer = client.post(NARRATIVE, json={"text": f"soak {k}-{mine}"})
                    if answer.status_code != 200:
                        failures.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                        return
                    mine += 1
                    with lock:
                        sent[0] += 1
                    time.sleep(max(0.0, mine / (rate / WRITERS) - (time.monotonic() - started)))
        except Exception as e:  # (a refused connection, a timeout: the soak failed, and says so)
            failures.append(repr(e))

    clients = [threading.Thread(target=one, args=(k,)) for k in range(WRITERS)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return sent[0], failures


def soak_rows(tmp: Path, streams: int, rate: float, seconds: float) -> list[Row]:
    """The soak's rows; ``SystemExit`` if a command was refused or a client failed (nothing to
    report of a run that did not keep going)."""
    env = server_env(tmp / "sqlite-soak", None)
    load_demo(env)  # loaded now: the demo's check-ins fall due 40 minutes on, frames of their own
    with serving(env, 1, tmp / "serve-soak.log") as server:
        token = tokens(server.url)
        held = [token[SEERS[i % len(SEERS)]] for i in range(streams)]
        with readers(_read_streams, server.url, held) as (conn, process):
            conn.send("go")
            _answer(conn, process)
            samples: list[tuple[float, float]] = []
            got: dict[str, tuple[int, list[str]]] = {}
            writer = threading.Thread(
                target=lambda: got.update(sent=pour(server.url, token["controller"], rate, seconds))
            )
            started = time.monotonic()
            writer.start()
            while writer.is_alive():
                resident = sum(status_mb(pid, "VmRSS") for pid in server.tree())
                samples.append((time.monotonic() - started, resident))
                writer.join(min(5.0, seconds / 30))
            took = time.monotonic() - started
            conn.send("stop")
            _, counts, _, errors = _answer(conn, process)
        NOTES.server("soak", server)
    sent, failures = got.get("sent", (0, ["the clients' thread failed"]))
    if failures:
        raise SystemExit(f"soak: the commands stopped after {sent}: {failures[:3]}")
    first = max(m for t, m in samples if t < seconds / 3)
    last = max(m for t, m in samples if t >= 2 * seconds / 3)
    flat = last <= first * GROWTH + SLACK_MB
    missed = sum(1 for c in counts if c < sent)
    extra = sum(1 for c in counts if c > sent)  # (another event every reader sees: a check-in due)
    if errors or missed or extra:
        NOTES.lines.append(
            f"soak: {len(errors)} stream errors {errors[:2]}; {missed} of {streams} streams got fewer "
            f"frames than the {sent} commands, {extra} more"
        )
    console.print(
        f"soak: {sent} commands in {took:.0f} s ({sent / took:.1f}/s of {rate:.0f} offered), {streams} "
        f"streams, {streams - missed} got every frame; server memory first third {first:.0f} MB, last "
        f"third {last:.0f} MB ({'flat' if flat else 'GREW'})"
    )
    what = (
        f"SQLite: the server's resident memory over a soak of {seconds:.0f} s, {streams} open feed "
        f"streams, {rate:.0f} narrative commands/s offered by {WRITERS} clients ({sent} kept, "
        f"{sent / took:.1f}/s; {streams - missed} of {streams} streams got every frame)"
    )
    memory = row(
        what + ": the peak of the last third of the run",
        "MB",
        last,
        "the peak of the first third of the same run",
        first,
        higher_is_better=False,
        target=f"<= first third x {GROWTH} + {SLACK_MB:.0f} MB",
        meets=flat,
    )
    memory.peak_mb = round(max(m for _, m in samples), 1)
    kept = row(
        what + ": commands kept per second",
        "commands/s",
        sent / took,
        "the rate offered",
        rate,
        higher_is_better=True,
    )
    kept.peak_mb = memory.peak_mb
    return [memory, kept]
