"""The live feed: one reader of the log per process, fanning each frame out to every stream that
may see it.

The bus wakes the feed after every commit (and the feed looks by itself every ``poll_s`` seconds,
for events committed by another server process). One background thread reads the new events
once, renders each into a **frame** once — its sequence number, type, stream and the stream's
version, the incident it concerns, one line of plain language, and for an incident the board row
as it now stands, so that a page can update without asking — and hands the frame to every
subscribed stream whose user may see it (need-to-know: a component's officers see the events of
the incidents that involve their component). Nothing is read per stream. The board row is the
incident after the whole pass, so a reader gets it once per incident and pass: on the last of that
incident's frames it may see.

What a commit costs grows with the streams open, so the fan-out is kept to what must be done per
stream: whether its reader may see the frame (reckoned once per kind of reader in a pass, with the
frames it is handed) and one write. The frames of a pass reach each event loop in one wake-up for
all its streams, not one per stream and frame; a stream writes out everything handed to it since
its last write as one chunk; a commit after a quiet spell is read and written out at once, but
under load the feed makes at most one pass every ``gather_s`` (200 ms by default), so that a stream
gets the frames of all the commands since the last pass in one write, not one write per command.
One heartbeat per loop, not a timer per stream, checks the streams' sessions.

A stream that connects behind the feed (a reconnect with ``Last-Event-ID``) first catches up on
its own from the log, then takes the frames the feed hands it. A logout, a deactivated account or
a changed password ends the streams of that user at once; an expired token ends its stream at the
next heartbeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jprcc.brokering import events as brokering_ev
from jprcc.core.accounts import events as ev
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.model import Actor
from jprcc.core.need_to_know import visible_to
from jprcc.core.ports import RecordedEvent

log = logging.getLogger("jprcc.feed")

SESSION_ENDED = "event: session_ended\ndata: {}\n\n"
TOO_SLOW = "event: too_slow\ndata: {}\n\n"
"""Sent before a stream is cut off for taking frames too slowly: the page reconnects and catches
up from the log (``Last-Event-ID``), so nothing is lost, and a stalled reader holds no more than
its bound in memory."""
Enrich = Callable[[Iterable[str]], dict[str, Any]]
"""Incident ids → what a frame about each carries besides the event (its board row)."""


@dataclass(frozen=True)
class Frame:
    seq: int
    record: RecordedEvent
    text: str  # the event, and for an incident what its frames carry besides (its board row)
    bare: str  # the event alone: for an incident, the frames a reader gets before its last in a batch
    incident_id: str | None = None


@dataclass(frozen=True)
class Shown:
    """What one kind of reader is shown of a batch: the frames it may see, in order, each
    incident's board row on the last of its frames only (the row is the incident as it stands
    after the whole batch, the same on each of its frames: a page places it once)."""

    seqs: list[int]
    texts: list[str]

    @classmethod
    def of(cls, frames: Sequence[Frame]) -> Shown:
        last = {f.incident_id: f.seq for f in frames if f.incident_id is not None}
        texts = [f.text if f.incident_id is None or last[f.incident_id] == f.seq else f.bare for f in frames]
        return cls([f.seq for f in frames], texts)


@dataclass(eq=False)
class Subscription:
    """One open stream. The feed's thread counts what it hands over (``sent``); the frames
    themselves land in ``pending`` on the stream's own event loop, one call per pass of the feed
    for all the streams of that loop, and the stream takes them all at once (``take``)."""

    actor: Actor
    token: str
    loop: asyncio.AbstractEventLoop
    start: int
    pending: list[str] = field(default_factory=list)  # touched on ``loop`` only
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False
    beat: bool = False  # the heartbeat is due: check the session, say the stream is alive
    sent: int = 0  # frames handed to the stream (by the feed's thread)
    taken: int = 0  # frames the stream has written out (by its own loop)
    overflowed: bool = False  # cut off for falling ``max_backlog`` frames behind
    written_at: float = field(default_factory=time.monotonic)  # when it last wrote frames out

    @property
    def backlog(self) -> int:
        return self.sent - self.taken

    def take(self) -> list[str]:
        """On the stream's loop: every frame handed over since the last take."""
        texts, self.pending = self.pending, []
        self.taken += len(texts)
        self.ready.clear()
        if texts:
            self.written_at = time.monotonic()
        return texts

    def wake(self) -> None:
        """On the stream's loop."""
        self.ready.set()

    def beaten(self) -> None:
        """On the stream's loop: its heartbeat was checked and written out."""
        self.beat = False
        self.written_at = time.monotonic()


def _on_loop(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(callback, *args)


def _hand_out(handed: list[tuple[Subscription, list[str]]]) -> None:
    """On one event loop: the frames of one pass of the feed, to each of that loop's streams."""
    for sub, texts in handed:
        sub.pending.extend(texts)
        sub.ready.set()


class LiveFeed:
    """One per process. ``queries`` reads the log and the read models; ``enrich`` adds, per incident,
    what its frames carry besides the event (its board row, the parties it now waits on)."""

    def __init__(
        self,
        queries: Any,
        enrich: Enrich | None = None,
        *,
        poll_s: float = 1.0,
        batch: int = 500,
        max_backlog: int = 1000,
        heartbeat_s: float = 15.0,
        gather_s: float = 0.0,
    ) -> None:
        self.queries = queries
        self.enrich = enrich
        self.poll_s = poll_s
        self.batch = batch
        self.max_backlog = max_backlog
        self.heartbeat_s = heartbeat_s
        self.gather_s = gather_s
        self._last_pass = 0.0
        self._beating: set[asyncio.AbstractEventLoop] = set()  # loops whose heartbeat is scheduled
        self.cut_off = 0  # streams ended for falling too far behind
        self.cursor: int | None = None
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reads = 0  # log reads, for the benchmark: one per batch, however many streams

    # --- the bus's subscriber ------------------------------------------------------------------

    def __call__(self, recorded: list[RecordedEvent]) -> None:
        if not self._wake.is_set():  # (set, its pass is still to come, and reads this commit: the
            self._wake.set()  # flag is cleared before the log is read; setting it again would
            # take its lock and notify no one)

    def wake(self) -> None:
        """Look at the log now (another process committed)."""
        self._wake.set()

    # --- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start reading (the first stream to subscribe starts it)."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            if self.cursor is None:
                self.cursor = self.queries.last_seq()
            self._thread = threading.Thread(target=self._run, name="jprcc-feed", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(self.poll_s) and self.gather_s:
                # a commit after a quiet spell goes out at once; under load, passes come at most
                # every ``gather_s``, each carrying every commit since the last in one write per
                # stream (a frame waits at most ``gather_s``)
                self._stop.wait(self._last_pass + self.gather_s - time.monotonic())
            self._wake.clear()
            try:
                while self.step():
                    pass
            except Exception:
                log.exception("live feed pass failed")

    def step(self) -> bool:
        """Read the next batch once and hand its frames out; True if there may be more."""
        if self.cursor is None:
            self.cursor = self.queries.last_seq()
        head = self.queries.last_seq()  # events the feed does not show are skipped up to here
        found = [r for r in self.queries.events_after(self.cursor, self.batch, feed=True) if r.seq <= head]
        self.reads += 1
        more = len(found) == self.batch
        if not found:
            self.cursor = head
            return False
        self._last_pass = time.monotonic()  # (a pass that found nothing holds back no other)
        frames = self.frames(found)
        with self._lock:
            subs = list(self._subs)
        involvement = (
            self.queries.involvement(found) if any(not s.actor.role.sees_whole_theater for s in subs) else {}
        )
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Subscription, list[str]]]] = {}
        shown: dict[tuple[str, str | None, str], Shown] = {}  # reckoned once per kind of reader
        for sub in subs:
            texts = self._deliver(sub, frames, involvement, shown)
            if texts:
                by_loop.setdefault(sub.loop, []).append((sub, texts))
        for loop, handed in by_loop.items():  # one wake-up per loop, however many streams it holds
            _on_loop(loop, _hand_out, handed)
        self._end_sessions(found, subs)
        self.cursor = found[-1].seq if more else head
        return more

    def _deliver(
        self,
        sub: Subscription,
        frames: Sequence[Frame],
        involvement: dict[str, frozenset[str]],
        shown: dict[tuple[str, str | None, str], Shown],
    ) -> list[str]:
        """The frames of this pass that ``sub`` may see, counted as sent; none once it has ended,
        and it is ended, holding no more than its bound, when it has fallen too far behind."""
        if sub.ended:
            return []
        actor = sub.actor
        reader = (actor.role.value, actor.component_id, actor.username)
        if reader not in shown:
            visible = visible_to(actor, [f.record for f in frames], involvement)
            shown[reader] = Shown.of([f for f in frames if f.record.seq in visible])
        mine = shown[reader]
        if not mine.texts:
            return []
        if sub.start < mine.seqs[0] and sub.backlog + len(mine.texts) <= self.max_backlog:
            sub.sent += len(mine.texts)  # (the common case: every frame, and room for them all)
            return mine.texts
        texts = []
        for seq, text in zip(mine.seqs, mine.texts, strict=True):
            if seq > sub.start:
                if sub.backlog >= self.max_backlog:  # a stalled or slow reader: cut it off, bounded
                    sub.overflowed = True
                    self.cut_off += 1
                    log.warning("feed stream cut off: too slow", extra={"user": actor.username})
                    self.end(sub)
                    break
                sub.sent += 1
                texts.append(text)
        return texts

    def _end_sessions(self, found: Sequence[RecordedEvent], subs: Iterable[Subscription]) -> None:
        """A logout, a deactivation or a new password ends that user's streams now."""
        users = {
            r.event.username
            for r in found
            if isinstance(r.event, ev.TokenRevoked | ev.UserActiveChanged | ev.PasswordChanged)
        }
        for sub in subs:
            if sub.actor.username in users and not self.still_valid(sub):
                self.end(sub)

    def still_valid(self, sub: Subscription) -> bool:
        try:
            self.queries.actor_for_token(sub.token)
        except AuthenticationFailed:
            return False
        return True

    def end(self, sub: Subscription) -> None:
        """End the stream: it writes out what it was handed, then says why it ends."""
        if not sub.ended:
            sub.ended = True
            _on_loop(sub.loop, sub.wake)

    # --- frames --------------------------------------------------------------------------------

    def frames(self, records: Sequence[RecordedEvent]) -> list[Frame]:
        ids = {r.event.incident_id for r in records if isinstance(r.event, brokering_ev.IncidentEvent)}
        extra = self.enrich(ids) if (self.enrich is not None and ids) else {}
        return [self.render(r, extra) for r in records]

    def render(self, r: RecordedEvent, extra: dict[str, Any]) -> Frame:
        incident_id = r.event.incident_id if isinstance(r.event, brokering_ev.IncidentEvent) else None
        data = {
            "seq": r.seq,
            "type": r.event.type_name,
            "stream_id": r.stream_id,
            "stream_version": r.stream_version,
            "incident_id": incident_id,
            "at": r.recorded_at.isoformat(),
            "actor": r.actor,
            "summary": self.queries.registry.describe(r.event),
        }
        # one event type for the data ("message"): the kind is in the data, so clients need no list
        bare = json.dumps(data)
        full = bare
        if incident_id is not None and incident_id in extra:  # the board row, whose turn it now is
            full = f"{bare[:-1]}, {json.dumps(extra[incident_id])[1:]}"
        return Frame(
            r.seq, r, f"id: {r.seq}\ndata: {full}\n\n", f"id: {r.seq}\ndata: {bare}\n\n", incident_id
        )

    # --- streams -------------------------------------------------------------------------------

    def subscribe(self, actor: Actor, token: str, loop: asyncio.AbstractEventLoop) -> Subscription:
        """A stream of frames after the feed's position now (``start``); catch up to it first."""
        self.start()
        with self._lock:
            if self.cursor is None:
                self.cursor = self.queries.last_seq()
            sub = Subscription(actor, token, loop, self.cursor)
            self._subs.add(sub)
        if loop not in self._beating:  # (on ``loop``: a stream subscribes from its own loop)
            self._beating.add(loop)
            loop.call_later(self.heartbeat_s / 3, self._beat, loop)
        self._wake.set()
        return sub

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``, while it holds streams: each stream that has written nothing for
        ``heartbeat_s`` checks that its session still holds and says it is alive (a page behind a
        proxy that cuts idle connections keeps its stream; a client gone is found at the write)."""
        with self._lock:
            subs = [s for s in self._subs if s.loop is loop]
        if not subs:
            self._beating.discard(loop)
            return
        quiet_since = time.monotonic() - self.heartbeat_s
        for sub in subs:
            if sub.written_at <= quiet_since:
                sub.beat = True
                sub.ready.set()
        loop.call_later(self.heartbeat_s / 3, self._beat, loop)

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def catch_up(self, actor: Actor, after: int, until: int) -> tuple[list[str], int]:
        """The frames ``actor`` may see after ``after`` up to ``until`` (a batch at a time)."""
        found = [r for r in self.queries.events_after(after, self.batch, feed=True) if r.seq <= until]
        if not found:
            return [], until
        visible = self.queries.may_see(actor, found)
        frames = self.frames([r for r in found if r.seq in visible])
        return Shown.of(frames).texts, found[-1].seq

    @property
    def streams(self) -> int:
        return len(self._subs)

    @property
    def max_backlog_now(self) -> int:
        with self._lock:
            return max((s.backlog for s in self._subs), default=0)
