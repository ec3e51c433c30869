"""What every CLI command shares: the node, the acting user, output as tables or JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jprcc.cli.client import Client, LocalClient, RemoteClient
from jprcc.core.errors import AuthenticationFailed, DomainError
from jprcc.core.geo import CoordinateError, parse_position
from jprcc.core.model import Actor, Position

if TYPE_CHECKING:  # the node (the store, every capability, the numerics) loads only when used
    from jprcc.core.node import Node

console = Console()
err_console = Console(stderr=True)


class State:
    """Options given before the sub-command (``jprcc --as controller incidents ...``)."""

    user: str | None = None
    json: bool = False
    server: str | None = None
    node: Node | None = None
    client: Client | None = None
    login: bool = False  # ``jprcc login``: check the password and keep a new session, whatever is kept


state = State()


def node() -> Node:
    """This machine's node (in-process commands and local administration only)."""
    if state.server:
        fail(f"this command works on the node's own store; it cannot run against {state.server}", 2)
    if state.node is None:
        from jprcc.core.keys import ChainKeyRefused, KeyUnavailable
        from jprcc.core.node import bootstrap
        from jprcc.intel.terrain_files import TerrainError

        try:
            state.node = bootstrap()
        except TerrainError as exc:
            fail(f"terrain: {exc}", 2)
        except (ChainKeyRefused, KeyUnavailable) as exc:
            fail(f"chain key: {exc}", 2)
        except ValidationError as exc:  # a setting out of its range, or of the wrong kind
            fail(f"settings: {settings_problems(exc)}", 2)
    return state.node


def settings_problems(exc: ValidationError) -> str:
    """Each refused setting named as it is set (its environment variable) with the rule it broke."""
    return "; ".join(
        f"JPRCC_{'_'.join(str(part) for part in e['loc']).upper()}={e.get('input')!r}: {e['msg']}"
        for e in exc.errors()
    )


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def username() -> str:
    username = state.user or os.environ.get("JPRCC_USER")
    if not username:
        fail("say who you are: jprcc --as USERNAME ... (or set JPRCC_USER)", 2)
    return username


def _password(username: str) -> str:
    return os.environ.get("JPRCC_PASSWORD") or typer.prompt(f"password for {username}", hide_input=True)


def local_store() -> tuple[str, Path]:
    """What a session on this machine's store is kept for: the store, in its data folder."""
    n = node()
    return n.database.display_url, n.settings.data_dir


def actor() -> Actor:
    """The acting user: ``--as`` (or JPRCC_USER), password from JPRCC_PASSWORD; without it, the
    session kept by an earlier command (``jprcc.cli.session``), else a prompt that keeps one."""
    from jprcc.cli import session
    from jprcc.core.accounts.auth import authenticate, login

    who = username()
    queries, bus = node().queries, node().bus
    try:
        if os.environ.get("JPRCC_PASSWORD") and not state.login:
            return authenticate(queries, bus, who, _password(who))
        target, folder = local_store()
        kept = None if state.login else session.load(target, who, folder)
        if kept:
            try:
                found = queries.actor_for_token(kept)
                if found.username == who:
                    return found
            except AuthenticationFailed:
                pass  # expired or revoked: log in again
            session.forget(target, who, folder)
        secret, _ = login(queries, bus, who, _password(who))
        session.save(target, who, secret, folder)
        return queries.actor_for_token(secret)
    except AuthenticationFailed as refused:
        fail(refused.message, 3)


def client() -> Client:
    """How this command works the JPRCC: in-process as the acting user, or, with ``--server``
    (``JPRCC_SERVER``), against that server with a token (``JPRCC_TOKEN``, the session kept by an
    earlier command, or a login)."""
    if state.client is not None:
        return state.client
    if state.server:
        from jprcc.cli import session
        from jprcc.core.contract import Registry
        from jprcc.core.node import node_capabilities
        from jprcc.core.settings import Settings

        actions = Registry(node_capabilities(Settings().plugin_modules)).actions
        token = os.environ.get("JPRCC_TOKEN")
        try:
            if token:
                state.client = RemoteClient(state.server, token, actions)
            else:
                who = username()
                keep = state.login or not os.environ.get("JPRCC_PASSWORD")
                kept = session.load(state.server, who) if keep and not state.login else None
                if kept:
                    found = RemoteClient(state.server, kept, actions)
                    if found.valid():
                        state.client = found
                        return found
                    found.close()
                    session.forget(state.server, who)
                remote = RemoteClient.login(state.server, who, _password(who), actions)
                if keep:
                    session.save(state.server, who, remote.token)
                state.client = remote
        except AuthenticationFailed as refused:
            fail(refused.message, 3)
        except Exception as exc:
            if unreachable(exc):
                fail(f"cannot reach {state.server}: {exc}", 6)
            raise
    else:
        state.client = LocalClient(node(), actor())
    return state.client


def unreachable(exc: BaseException) -> bool:
    """The server did not answer (refused, timed out, cut off): not a refusal, a network fault."""
    if not state.server:
        return False
    import httpx2

    return isinstance(exc, OSError | httpx2.TransportError)


def close_client() -> None:
    """End the run's session with a server (its connections)."""
    if isinstance(state.client, RemoteClient):
        state.client.close()
    state.client = None


def call(
    action: str,
    path: Mapping[str, Any] | None = None,
    body: BaseModel | Mapping[str, Any] | None = None,
    query: Mapping[str, Any] | None = None,
) -> Any:
    """Run one action (see ``client``), a refusal printed as one clear line."""
    worker = client()
    with refusals():
        return worker.call(action, path, body, query)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn domain refusals into one clear line and a non-zero exit code."""
    try:
        yield
    except DomainError as exc:
        where = f" [{exc.field}]" if exc.field else ""
        fail(f"{exc.code}{where}: {exc.message}", 4)
    except CoordinateError as exc:
        fail(str(exc), 2)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        fail(f"invalid_input [{where}]: {first['msg']}", 2)
    except OSError as exc:
        if state.server:
            fail(f"cannot reach {state.server}: {exc}", 6)
        raise
    except Exception as exc:
        if unreachable(exc):
            fail(f"cannot reach {state.server}: {exc}", 6)
        raise


def emit(model: BaseModel | list[Any], render: Any = None) -> None:
    """Print JSON with --json, else call ``render`` (a rich renderable or a function)."""
    if state.json or render is None:
        data: Any = (
            [m.model_dump(mode="json") if isinstance(m, BaseModel) else m for m in model]
            if isinstance(model, list)
            else model.model_dump(mode="json")
        )
        console.print_json(json.dumps(data))
    elif callable(render):
        render()
    else:
        console.print(render)


def position(text: str) -> Position:
    try:
        return parse_position(text)
    except (CoordinateError, ValueError) as exc:
        fail(f"position: {exc}", 2)


def maybe_when(text: str | None) -> datetime | None:
    return None if text is None else when(text)


def when(text: str) -> datetime:
    """An ISO 8601 time with a zone, or 'now'."""
    if text == "now":
        return now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-25T03:10:00Z)", 2)
    if value.tzinfo is None:
        fail(f"{text!r} has no time zone: add Z for UTC", 2)
    return value


def now() -> datetime:
    """The node's time in-process (a scenario clock, one day); the wall clock against a server."""
    if state.server:
        return datetime.now(UTC)
    return node().clock()


LOCAL_ADMIN = Actor.system("local-admin")


def local_administration() -> bool:
    """The command runs on this machine's node as its local administrator: no ``--as``, no
    ``--server`` (only the account and maintenance commands allow it)."""
    return not state.server and not (state.user or os.environ.get("JPRCC_USER"))


def call_as_administrator(
    action: str, path: Mapping[str, Any] | None = None, body: BaseModel | Mapping[str, Any] | None = None
) -> Any:
    """Run an account or maintenance action: as the local administrator when no user is named and no
    server given, else as the named user (whom the rules must allow)."""
    if not local_administration():
        return call(action, path, body)
    with refusals():
        return LocalClient(node(), LOCAL_ADMIN).call(action, path, body)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
