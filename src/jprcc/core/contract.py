"""The capability contract, and the registry a node assembles from its list of capabilities.

A capability (brokering, intel, options, locate, records, and the core's theater and accounts)
is one package that declares, in one ``Capability`` value, everything the rest of the node needs
to know about it:

==================  ==========================================================================
``commands``        each command type with its authorization rule, the subject the rule looks
                    at, an optional costly preparation (run only after authorization, outside
                    the write transaction) and its handler; ``internal`` marks commands that no
                    user action issues (the clock's alerts, a handler's own sub-commands)
``events``          the event types it writes to the log (each with its stable stored name)
``streams``         the stream kinds it owns: how the first event starts the state
``appliers``        how its events change the state of a stream kind, whoever owns the stream
``timeline``        one line of plain language per event type
``read_models``     tables, and the projectors that keep them in the write transaction
``consumers``       durable consumers of the log: a name, a handler, a cursor
``services``        objects its handlers and actions use, built once per node
``actions``         the HTTP operations and CLI commands over its commands and queries
``routers``, ``cli`` HTTP routes and CLI commands that are not plain actions (maps, files)
``timers``          work the clock starts when it falls due (scheduled messages)
==================  ==========================================================================

``Registry.assemble`` builds every table from the list and checks it: no command, event, stream
or action is registered twice; every command has a rule and a handler; every event that lives on
a known stream kind has an applier. Nothing is registered by importing a module: a registry
holds exactly the capabilities it was given (a test holds it to that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from jprcc.core.errors import NotAuthorized, Withheld

if TYPE_CHECKING:
    from jprcc.core.commands import Command
    from jprcc.core.events import Event
    from jprcc.core.model import Actor, Context
    from jprcc.core.ports import RecordedEvent, UnitOfWork

T = TypeVar("T")
S = TypeVar("S")


@dataclass(frozen=True)
class Subject:
    """What a command acts on, as an authorization rule sees it.

    ``component``: the component that owns the asset, operation or record the command is about;
    ``state``: the stream state the command acts on (an incident), when there is one;
    ``involved``: the components that state involves — a component-bound role acts only where its
    component is involved (need-to-know comes before any rule); ``None`` when not scoped."""

    component: str | None = None
    state: Any = None
    involved: frozenset[str] | None = None
    label: str = ""


NO_SUBJECT = Subject()

Rule = Callable[["Actor", Any, Subject], bool]
"""A rule sees the actor, the command and its subject, and says whether the actor may issue it."""

SubjectLoader = Callable[[Any, "UnitOfWork"], Subject]
Handler = Callable[[Any, "UnitOfWork", "Context", Any], Any]
"""(command, unit of work, context, the service the spec ``needs`` or None) → the result value."""
Preparer = Callable[[Any, "Context", Any], Any]
"""(command, context, the service the spec ``needs``) → the command to handle: costly work such as
a simulation or a password hash, run only once the actor is authorized, outside the write lock."""


def no_subject(command: Any, uow: UnitOfWork) -> Subject:
    return NO_SUBJECT


@dataclass(frozen=True)
class CommandSpec:
    """One command type: who may issue it (``rule``, with ``why`` for the refusal), what it acts
    on (``subject``), costly work after authorization (``prepare``) and what it does (``handler``).

    ``needs`` names the one service the handler and the preparation receive (a type registered
    by some capability's ``services``), so a handler never gets the whole node or its settings.
    ``stages`` and ``action`` describe stream commands for the page (where in the flow they may be
    taken, and the words for a refusal)."""

    command: type[Command]
    rule: Rule
    why: str
    handler: Handler
    subject: SubjectLoader = no_subject
    prepare: Preparer | None = None
    needs: type[Any] | None = None
    internal: bool = False
    stages: tuple[Any, ...] | None = None
    action: str = ""


Applier = Callable[[Any, Any], None]
"""(state, event) → None: records one fact in the state (mutates it); appliers never refuse."""


@dataclass(frozen=True)
class StreamKind:
    """A kind of stream (``incident``: ``incident:<id>``): the event that starts one, how it
    starts the state, and what happens after every applied event (versions, clocks)."""

    kind: str
    starts: type[Event]
    start: Callable[[Any], Any]
    after_apply: Callable[[Any, Any], None] | None = None
    #: (connection, key, held) → (state, stream version) as a read model last stored it, or None:
    #: the unit of work starts from it instead of folding the whole stream. ``held(version)`` is
    #: the state this process committed at that version, if it can be handed over (then the
    #: stored one need not be decoded), or None. A snapshot that knows it is the stream's latest
    #: (it read the stream's head beside it) returns a third item, True: the unit of work then
    #: reads no events after it
    snapshot: (
        Callable[[Any, str, Callable[[int], Any]], tuple[Any, int] | tuple[Any, int, bool] | None] | None
    ) = None


@dataclass(frozen=True)
class ReadModel:
    """Tables and the projectors that keep them, run in the write transaction.

    ``on_event``: per event type, ``(connection, event)``; ``on_events``: per event type,
    ``(connection, the events of that type one unit of work records, in order)``, for events that
    come by the thousand (a flush of positions) and are projected in one statement; ``on_state``:
    per stream kind, ``(connection, state, new events)`` after the stream's new events were
    applied. ``rebuilt``:
    the tables are emptied and replayed from the log by ``jprcc db rebuild`` (False for tables a
    durable consumer keeps, which its cursor follows instead). ``guards``: those of its tables
    that decide who may see or do what (accounts and their roles, which component an incident
    involves): ``jprcc audit verify`` compares them with a replay of the log every time."""

    name: str
    tables: tuple[Any, ...] = ()
    rebuilt: bool = True
    guards: tuple[Any, ...] = ()
    on_event: Mapping[type[Event], Callable[[Any, Any], None]] = field(default_factory=dict)
    on_state: Mapping[str, Callable[[Any, Any, list[Any]], None]] = field(default_factory=dict)
    on_events: Mapping[type[Event], Callable[[Any, list[Any]], None]] = field(default_factory=dict)


ConsumerHandle = Callable[[Sequence["RecordedEvent"], Any], None]
"""(events in log order, the write connection for a transactional consumer, else None)."""


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable consumer: ``handle`` gets batches of at most ``batch`` events after its cursor.

    ``start``: where a consumer that has never run begins ("beginning" of the log, or its "end").
    ``transactional``: the batch is handled inside the write transaction that moves the cursor
    (for consumers that write only to this store).
    ``event_types``: the only types it handles (None: every event). Only those are read from the
    log and decoded; its cursor still moves past the others."""

    name: str
    handle: ConsumerHandle
    batch: int = 200
    start: Literal["beginning", "end"] = "beginning"
    transactional: bool = False
    event_types: tuple[type[Event], ...] | None = None


@dataclass(frozen=True)
class Timer:
    """Work the clock starts (an entry point, as the alert sweep is): ``run(node)`` does what is
    due now and says how much it did; ``next(node)`` is when something next falls due (a headless
    exercise moves its clock straight there). ``run`` issues commands; the bus decides, so two
    processes running it at once do the work once."""

    name: str
    run: Callable[[Any], int]
    next: Callable[[Any], datetime | None]


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    """A service built once per node: ``build(node)`` gets the node (its settings, store, clock
    and the services built before it). ``runs``: it has ``start()`` and ``stop()`` and works in
    the background while a server runs (an adapter's connections): the server starts it after the
    durable consumers and stops it before them."""

    kind: type[S]
    build: Callable[[Any], S]
    runs: bool = False


@dataclass(frozen=True)
class Call:
    """One call of an action: who asks, on which node, with the path, query and body parsed."""

    node: Any
    actor: Actor
    path: Mapping[str, Any]
    query: Any = None
    body: Any = None


@dataclass(frozen=True)
class Action:
    """One operation of a capability, offered over HTTP and in the CLI alike (``jprcc --server``
    calls the same operation remotely and prints the same answer).

    ``run`` is the one implementation: it gets a ``Call`` whose ``body`` and ``query`` are already
    validated instances of the ``body`` and ``query`` models and whose ``path`` holds the path
    parameters (``path_params``: name → annotated type), and answers an instance of ``response``
    (or bytes, for a ``media_type`` answer). ``command``: the command it issues, if it writes.
    ``offer``: the name under which an incident page offers it (``allowed_actions``).

    Reads are authorized here too: ``allow(actor)`` (with ``why`` for the refusal), checked by
    ``perform`` before ``run``, over HTTP and in the CLI alike; a read without ``allow`` is open to
    every logged-in user, and its queries apply need-to-know. Writes are authorized by the bus."""

    name: str
    method: str
    path: str
    summary: str
    run: Callable[[Call], Any]
    body: type[Any] | None = None
    query: type[Any] | None = None
    path_params: Mapping[str, Any] = field(default_factory=dict)
    response: Any = None
    status_code: int = 200
    command: type[Any] | None = None
    tags: tuple[str, ...] = ()
    media_type: str | None = None
    offer: str | None = None
    description: str = ""
    allow: Callable[[Actor], bool] | None = None
    why: str = ""


def perform(action: Action, call: Call) -> Any:
    """Run ``action``, refusing first a reader it does not ``allow``: the one place reads are
    authorized (the HTTP routes and the CLI both come through here)."""
    if action.allow is not None and not action.allow(call.actor):
        who = call.actor.role.value + (f" of {call.actor.component_id}" if call.actor.component_id else "")
        raise NotAuthorized(f"{call.actor.username} ({who}) may not {action.summary.lower()}: {action.why}")
    return action.run(call)


@dataclass(frozen=True)
class CliGroup:
    """A group of CLI commands: ``jprcc <name> ...``, from the Typer app at ``target``
    (``module:attribute``), imported only when it runs; ``help`` is its line in ``jprcc --help``."""

    name: str
    target: str
    help: str


LogRewrite = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Capability:
    name: str
    summary: str = ""
    commands: Sequence[CommandSpec] = ()
    events: Sequence[type[Event]] = ()
    streams: Sequence[StreamKind] = ()
    appliers: Mapping[str, Mapping[type[Event], Applier]] = field(default_factory=dict)
    timeline: Mapping[type[Event], Callable[[Any], str]] = field(default_factory=dict)
    read_models: Sequence[ReadModel] = ()
    consumers: Sequence[ConsumerSpec] = ()
    services: Sequence[ServiceSpec[Any]] = ()
    actions: Sequence[Action] = ()
    routers: Sequence[Callable[[], Any]] = ()
    """Factories of FastAPI routers for routes that are not plain actions (imported lazily)."""
    cli: Sequence[CliGroup] = ()
    """Its CLI groups (their commands call its actions, in-process or against a server)."""
    timers: Sequence[Timer] = ()
    """What the clock starts when it falls due (scheduled messages)."""
    log_rewrites: Mapping[type[Event], LogRewrite] = field(default_factory=dict)
    """How a stored event of an older form is rewritten when a log from before chain keys is
    sealed (once, on the upgrade): e.g. a secret once stored in clear, sealed. Called with the
    stored payload (a dict) and the upgrade's context (its connection and settings)."""


class RegistryError(ValueError):
    """Two capabilities claim the same thing, or one declares something incomplete."""


def _claim(table: dict[Any, T], key: Any, value: T, what: str, owner: str, owners: dict[Any, str]) -> None:
    if key in table:
        raise RegistryError(f"{what} {_name(key)} is declared by both {owners[key]} and {owner}")
    table[key] = value
    owners[key] = owner


def _name(key: Any) -> str:
    return getattr(key, "__name__", None) or str(key)


class Registry:
    """Every table of the node, assembled from its capabilities (never from import side effects)."""

    def __init__(self, capabilities: Iterable[Capability]) -> None:
        self.capabilities: tuple[Capability, ...] = tuple(capabilities)
        self.commands: dict[type[Any], CommandSpec] = {}
        self.event_types: dict[str, type[Event]] = {}
        self.streams: dict[str, StreamKind] = {}
        self.appliers: dict[str, dict[type[Event], Applier]] = {}
        self.describers: dict[type[Event], Callable[[Any], str]] = {}
        self.read_models: list[ReadModel] = []
        self.on_event: dict[type[Event], list[Callable[[Any, Any], None]]] = {}
        self.on_state: dict[str, list[Callable[[Any, Any, list[Any]], None]]] = {}
        self.on_events: dict[type[Event], list[Callable[[Any, list[Any]], None]]] = {}
        self.consumers: dict[str, ConsumerSpec] = {}
        self.services: list[ServiceSpec[Any]] = []
        self.actions: dict[str, Action] = {}
        self.timers: dict[str, Timer] = {}
        self.log_rewrites: dict[str, LogRewrite] = {}
        self.owner: dict[Any, str] = {}
        owners: dict[Any, str] = {}
        names: set[str] = set()
        for cap in self.capabilities:
            if cap.name in names:
                raise RegistryError(f"capability {cap.name} is listed twice")
            names.add(cap.name)
            self._add(cap, owners)
        self.owner = owners
        self._check()

    def _add(self, cap: Capability, owners: dict[Any, str]) -> None:
        for spec in cap.commands:
            _claim(self.commands, spec.command, spec, "command", cap.name, owners)
        for event_type in cap.events:
            _claim(self.event_types, event_type.type_name, event_type, "event", cap.name, owners)
        for stream in cap.streams:
            _claim(self.streams, stream.kind, stream, "stream kind", cap.name, owners)
        for kind, appliers in cap.appliers.items():
            table = self.appliers.setdefault(kind, {})
            for event_type, applier in appliers.items():
                _claim(table, event_type, applier, f"applier on {kind} streams for", cap.name, owners)
        for event_type, describe in cap.timeline.items():
            _claim(self.describers, event_type, describe, "timeline line for", cap.name, owners)
        for model in cap.read_models:
            self.read_models.append(model)
            for event_type, project in model.on_event.items():
                self.on_event.setdefault(event_type, []).append(project)
            for kind, project_state in model.on_state.items():
                self.on_state.setdefault(kind, []).append(project_state)
            for event_type, project_all in model.on_events.items():
                self.on_events.setdefault(event_type, []).append(project_all)
        for consumer in cap.consumers:
            _claim(self.consumers, consumer.name, consumer, "consumer", cap.name, owners)
        self.services.extend(cap.services)
        for action in cap.actions:
            _claim(self.actions, action.name, action, "action", cap.name, owners)
        for timer in cap.timers:
            _claim(self.timers, timer.name, timer, "timer", cap.name, owners)
        for event_type, rewrite in cap.log_rewrites.items():
            _claim(self.log_rewrites, event_type.type_name, rewrite, "log rewrite for", cap.name, owners)

    def _check(self) -> None:
        for name, event_type in self.event_types.items():
            stream = self.streams.get(event_type.stream_kind)
            if stream is None or event_type is stream.starts:
                continue
            if event_type not in self.appliers.get(stream.kind, {}):
                raise RegistryError(f"event {name} lives on {stream.kind} streams but has no applier")
        for kind, appliers in self.appliers.items():
            if kind not in self.streams:
                raise RegistryError(f"appliers for {kind} streams, but no capability owns that kind")
            for event_type in appliers:
                if event_type.type_name not in self.event_types:
                    raise RegistryError(f"applier for {event_type.__name__}, an event no capability declares")
        for action in self.actions.values():
            if action.command is not None and action.command not in self.commands:
                raise RegistryError(
                    f"action {action.name} issues {action.command.__name__}, which has no spec"
                )

    # --- lookups --------------------------------------------------------------------------------

    def command(self, command_type: type[Any]) -> CommandSpec:
        spec = self.commands.get(command_type)
        if spec is None:
            raise RegistryError(f"no capability handles {command_type.__name__}")
        return spec

    def event_type(self, name: str) -> type[Event]:
        found = self.event_types.get(name)
        if found is None:
            raise ValueError(f"unknown event type {name!r} in the log")
        return found

    def describe(self, event: Event) -> str:
        describe = self.describers.get(type(event))
        return describe(event) if describe else event.type_name.replace("_", " ")

    def stream_kind(self, stream_id: str) -> str:
        return stream_id.split(":", 1)[0]

    def fold(self, kind: str, events: Iterable[Event]) -> Any:
        """The state of one stream of ``kind`` as of the last of ``events`` (in order)."""
        stream = self.streams[kind]
        state: Any = None
        for e in events:
            if isinstance(e, stream.starts):
                state = stream.start(e)
            elif state is not None:
                self.apply(kind, state, e)
        return state

    def apply(self, kind: str, state: Any, event: Event) -> Any:
        """Record one event in a stream's state (mutates and returns ``state``)."""
        applier = self.appliers.get(kind, {}).get(type(event))
        if applier is None:
            raise TypeError(f"no applier for {type(event).__name__} on {kind} streams")
        applier(state, event)
        stream = self.streams[kind]
        if stream.after_apply is not None:
            stream.after_apply(state, event)
        return state

    def tables(self) -> list[Any]:
        return [t for model in self.read_models for t in model.tables]

    def rebuilt_tables(self) -> list[Any]:
        return [t for model in self.read_models if model.rebuilt for t in model.tables]

    def guarding_tables(self) -> list[Any]:
        """The read-model tables that decide who may see or do what."""
        return [t for model in self.read_models if model.rebuilt for t in model.guards]


def authorize(registry: Registry, actor: Actor, command: Any, subject: Subject) -> None:
    """Raise ``NotAuthorized`` unless ``actor`` may issue ``command`` on ``subject``: the one
    place every write is authorized (the bus calls it before any work).

    A component-bound role on an incident that does not involve its component is refused before
    any rule, as though the incident did not exist (``Withheld``: "unknown incident X", as the
    subject's loader answers an id never used); a role refused by the rule on an incident it may
    see is ``NotAuthorized``."""
    spec = registry.command(type(command))
    refusal = _refusal(spec, actor, command, subject)
    if refusal == "withheld":
        raise Withheld(
            str(getattr(command, "incident_id", None) or subject.label),
            f"{actor.username} may not act on {subject.label or 'this record'}: "
            f"it does not involve {actor.component_id}",
        )
    if refusal == "refused":
        who = actor.role.value + (f" of {actor.component_id}" if actor.component_id else "")
        raise NotAuthorized(f"{actor.username} ({who}) may not {verb(type(command))}: {spec.why}")


def _refusal(spec: CommandSpec, actor: Actor, command: Any, subject: Subject) -> str | None:
    """Why ``authorize`` refuses: "withheld" (the incident does not involve the actor's component),
    "refused" (the command's rule), or None (allowed)."""
    if (
        subject.involved is not None
        and actor.role.component_bound
        and actor.component_id not in subject.involved
    ):
        return "withheld"
    return None if spec.rule(actor, command, subject) else "refused"


def verb(command_type: type[Any]) -> str:
    """'ApproveNomination' → 'approve nomination'."""
    name = command_type.__name__
    words = [name[0].lower()]
    for ch in name[1:]:
        words.append(f" {ch.lower()}" if ch.isupper() else ch)
    return "".join(words)


def may(registry: Registry, actor: Actor, command: Any, subject: Subject) -> bool:
    """Whether ``authorize`` would let ``actor`` issue ``command`` on ``subject`` (nothing raised:
    the actions offered on a page ask this for every action)."""
    return _refusal(registry.command(type(command)), actor, command, subject) is None
