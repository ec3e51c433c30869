"""The message bus: one command in, authorized, handled, events out, published after commit.

Every entry point (HTTP route, CLI command, clock, scenario player, inbound adapter) builds a
command and calls ``MessageBus.handle(command, actor)``. The bus looks the command up in the
node's registry and, in this order:

1. loads the command's **subject** and **authorizes** the actor (``capability.authorize``: the one
   place every write is authorized), before any costly work;
2. runs the command's **preparation**, if it has one (a simulation, a password comparison), outside
   the write transaction, and only for an authorized actor;
3. opens a **unit of work**, authorizes again on the state as it is now, and calls the handler;
   the unit of work appends the events and updates the read models in one transaction;
4. only once that transaction has committed, hands the recorded events to the **subscribers**
   (the durable-consumer dispatcher, which runs the live feed and the adapters).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from jprcc.core.clock import Clock
from jprcc.core.contract import CommandSpec, Registry, authorize
from jprcc.core.errors import DomainError, Withheld
from jprcc.core.model import Actor, Context
from jprcc.core.need_to_know import withheld
from jprcc.core.ports import RecordedEvent, UnitOfWork

log = logging.getLogger("jprcc.bus")

Subscriber = Callable[[list[RecordedEvent]], None]
T = TypeVar("T")


class ServiceLookup(Protocol):
    """The node's services by type (``bootstrap.Services``)."""

    def __getitem__(self, kind: type[T]) -> T: ...


@dataclass(frozen=True)
class CommandResult(Generic[T]):
    events: list[RecordedEvent]
    value: T


@dataclass
class MessageBus:
    uow_factory: Callable[[], UnitOfWork]
    registry: Registry
    services: ServiceLookup
    clock: Clock
    subscribers: list[Subscriber] = field(default_factory=list)
    #: told of every command handled: (command type, "ok" | "refused" | "error", seconds)
    observers: list[Callable[[str, str, float], None]] = field(default_factory=list)

    def handle(self, command: Any, actor: Actor) -> CommandResult[Any]:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = self._handle(command, actor, started)
            outcome = "ok"
            return result
        except DomainError:
            outcome = "refused"
            raise
        finally:
            seconds = time.perf_counter() - started
            for observe in self.observers:
                observe(type(command).__name__, outcome, seconds)

    def _handle(self, command: Any, actor: Actor, started: float) -> CommandResult[Any]:
        spec = self.registry.command(type(command))
        ctx = Context(actor=actor, now=self.clock())
        service = self.services[spec.needs] if spec.needs is not None else None
        try:
            if spec.prepare is not None:
                self.check(command, actor)  # nothing costly runs for someone who may not issue it
                command = spec.prepare(command, ctx, service)
            with self.uow_factory() as uow:
                _authorize(self.registry, spec, uow, actor, command)
                value = spec.handler(command, uow, ctx, service)
                uow.commit()
                recorded = list(uow.recorded)
        except Withheld as refusal:  # an incident the actor may not know exists: logged, said unknown
            raise withheld(actor, refusal, type(command).__name__) from None
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
        if log.isEnabledFor(logging.DEBUG):  # (the record's fields are not built for nothing)
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

    def check(self, command: Any, actor: Actor) -> None:
        """Authorize ``command`` for ``actor`` on the state as it is now, changing nothing."""
        spec = self.registry.command(type(command))
        with self.uow_factory() as uow:
            _authorize(self.registry, spec, uow, actor, command)

    def _publish(self, recorded: list[RecordedEvent]) -> None:
        if not recorded:
            return
        for subscriber in self.subscribers:
            try:
                subscriber(recorded)
            except Exception:  # a broken subscriber must not undo a committed command
                log.exception("subscriber failed", extra={"subscriber": repr(subscriber)})


def _authorize(registry: Registry, spec: CommandSpec, uow: UnitOfWork, actor: Actor, command: Any) -> None:
    authorize(registry, actor, command, spec.subject(command, uow))
