"""The message bus: one command in, one handler, events out, published after commit.

Every entry point (HTTP route, CLI command, clock, demo loader) builds a command and calls
``MessageBus.handle(command, actor)``. The handler runs inside a unit of work; the unit of
work appends the events and updates the read models in one transaction; only once that
transaction has committed are the events handed to the subscribers (the live feed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jprcc.domain.commands import Command
from jprcc.domain.errors import DomainError
from jprcc.domain.model import Actor, Context
from jprcc.service.clock import Clock
from jprcc.service.ports import RecordedEvent, UnitOfWork
from jprcc.service.security import Passwords
from jprcc.service.vault import Vault
from jprcc.settings import Settings

log = logging.getLogger("jprcc.bus")

Subscriber = Callable[[list[RecordedEvent]], None]


@dataclass
class Dependencies:
    """What handlers may use besides the unit of work."""

    settings: Settings
    passwords: Passwords
    vault: Vault | None = None


@dataclass(frozen=True)
class CommandResult:
    events: list[RecordedEvent]
    value: Any = None


Handler = Callable[[Any, UnitOfWork, Context, Dependencies], Any]


@dataclass
class MessageBus:
    uow_factory: Callable[[], UnitOfWork]
    handlers: dict[type[Command], Handler]
    dependencies: Dependencies
    clock: Clock
    subscribers: list[Subscriber] = field(default_factory=list)

    def handle(self, command: Command, actor: Actor) -> CommandResult:
        handler = self.handlers.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        started = time.perf_counter()
        try:
            with self.uow_factory() as uow:
                ctx = Context(actor=actor, now=self.clock())
                value = handler(command, uow, ctx, self.dependencies)
                uow.commit()
                recorded = list(uow.recorded)
        except DomainError as refusal:
            log.info(
                "command refused",
                extra={
                    "command": type(command).__name__,
                    "actor": actor.username,
                    "code": refusal.code,
                    "field": refusal.field,
                    "reason": refusal.message,
                },
            )
            raise
        log.debug(
            "command handled",
            extra={
                "command": type(command).__name__,
                "actor": actor.username,
                "events": len(recorded),
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        self._publish(recorded)
        return CommandResult(recorded, value)

    def _publish(self, recorded: list[RecordedEvent]) -> None:
        if not recorded:
            return
        for subscriber in self.subscribers:
            try:
                subscriber(recorded)
            except Exception:  # a broken subscriber must not undo a committed command
                log.exception("subscriber failed", extra={"subscriber": repr(subscriber)})
