"""The gateway's links and what travels on them: the configured endpoints (checked), a link's
counters and its two outbound queues (alerts never cut; routine items by uid, bounded), the rate
limit of a device's connection, and a picture item."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit


class ConfigError(ValueError):
    """A TAK setting that cannot be used: the message names the setting and the rule."""


@dataclass(frozen=True)
class Endpoint:
    """One configured link: a listener, a TAK server to join, or a mesh."""

    role: str  # "listener" | "server" | "mesh"
    scheme: str  # "tcp" | "tls" | "udp"
    host: str
    port: int
    audience: str  # "none" | "theater" | a component id

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def endpoints(text: str, role: str, setting: str) -> list[Endpoint]:
    """``tcp://HOST:PORT?audience=X`` items, comma-separated, checked."""
    found = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        allowed = ("tcp", "tls", "udp") if role == "listener" else ("tcp", "tls")
        if parts.scheme not in allowed:
            raise ConfigError(
                f"{setting}: {item!r} must start with {' or '.join(s + '://' for s in allowed)}"
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"{setting}: {item!r} has no valid port") from exc
        if not parts.hostname or port is None:
            raise ConfigError(f"{setting}: {item!r} needs a host and a port")
        audience = parse_qs(parts.query).get("audience", ["none"])[0]
        if not audience or len(audience) > 64:
            raise ConfigError(f"{setting}: {item!r} has an invalid audience")
        mesh = parts.scheme == "udp"
        found.append(Endpoint("mesh" if mesh else role, parts.scheme, parts.hostname, port, audience))
    return found


@dataclass(frozen=True)
class OutItem:
    """One CoT item of the picture: its uid, the XML, whether it is an alert (never dropped), and
    who may see it (``incident``: its need-to-know; None: the whole theater sees it)."""

    uid: str
    xml: bytes
    urgent: bool = False
    incident_id: str | None = None


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Link:
    """One connection (or a mesh socket), with its counters and its outbound queues."""

    name: str
    endpoint: Endpoint
    peer: str
    state: str = "connecting"  # connecting | up | down | listening
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    counters: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    last_error: str = ""
    devices: set[str] = field(default_factory=set)
    urgent: deque[bytes] = field(default_factory=deque)
    routine: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    wake: asyncio.Event | None = None
    writer: asyncio.StreamWriter | None = None
    datagram: Any = None  # the mesh's transport
    bucket: TokenBucket | None = None
    framed_as: str = "xml"  # what the peer speaks: answers go back the same way
    sends: bool = False  # whether the picture is sent here

    def snapshot(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.endpoint.role,
            "url": self.endpoint.url,
            "peer": self.peer,
            "audience": self.endpoint.audience,
            "state": self.state,
            "since": self.since,
            "devices": len(self.devices),
            "counters": dict(self.counters),
            "rejected": dict(self.rejected),
            "queued_urgent": len(self.urgent),
            "queued_routine": len(self.routine),
            "last_error": self.last_error,
        }
