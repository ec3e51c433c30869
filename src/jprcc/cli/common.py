"""What every CLI command shares: the node, the acting user, output as tables or JSON."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

from jprcc.core.accounts.auth import authenticate
from jprcc.core.errors import AuthenticationFailed, DomainError
from jprcc.core.geo import CoordinateError, parse_position
from jprcc.core.model import Actor, Position
from jprcc.core.node import Node, bootstrap
from jprcc.intel.terrain_files import TerrainError

console = Console()
err_console = Console(stderr=True)


class State:
    """Options given before the sub-command (``jprcc --as controller incidents ...``)."""

    user: str | None = None
    json: bool = False
    node: Node | None = None


state = State()


def node() -> Node:
    if state.node is None:
        try:
            state.node = bootstrap()
        except TerrainError as exc:
            fail(f"terrain: {exc}", 2)
    return state.node


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def actor() -> Actor:
    """The acting user: ``--as`` (or JPRCC_USER), password from JPRCC_PASSWORD or a prompt."""
    username = state.user or os.environ.get("JPRCC_USER")
    if not username:
        fail("say who you are: jprcc --as USERNAME ... (or set JPRCC_USER)", 2)
    password = os.environ.get("JPRCC_PASSWORD") or typer.prompt(f"password for {username}", hide_input=True)
    try:
        return authenticate(node().queries, node().bus, username, password)
    except AuthenticationFailed as refused:
        fail(refused.message, 3)


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
        return node().clock()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-25T03:10:00Z)", 2)
    if value.tzinfo is None:
        fail(f"{text!r} has no time zone: add Z for UTC", 2)
    return value
