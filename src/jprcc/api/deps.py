"""Dependencies declared once: the node, the bus, the queries, the current actor.

Those that only look something up are ``async``: FastAPI runs them on the event loop, where a plain
function would be handed to the thread pool and back, for every request. The current actor is
too: it reads the store, in the thread pool, only for a session this process does not remember."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jprcc.core.bus import MessageBus
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.model import Actor
from jprcc.core.node import Node
from jprcc.core.queries import Queries
from jprcc.intel.service import Intel

TOKEN_COOKIE = "jprcc_token"
_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /api/auth/token")


async def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(get_node)]


async def get_bus(node: NodeDep) -> MessageBus:
    return node.bus


async def get_queries(node: NodeDep) -> Queries:
    return node.queries


BusDep = Annotated[MessageBus, Depends(get_bus)]
QueriesDep = Annotated[Queries, Depends(get_queries)]


async def get_intel(node: NodeDep) -> Intel:
    return node.service(Intel)


IntelDep = Annotated[Intel, Depends(get_intel)]


async def maybe_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str | None:
    return credentials.credentials if credentials else request.cookies.get(TOKEN_COOKIE)


MaybeTokenDep = Annotated[str | None, Depends(maybe_token)]


async def bearer_token(token: MaybeTokenDep) -> str:
    if not token:
        raise HTTPException(
            401, "log in first: no bearer token or session cookie", headers={"WWW-Authenticate": "Bearer"}
        )
    return token


TokenDep = Annotated[str, Depends(bearer_token)]


async def current_actor(request: Request, token: TokenDep, node: NodeDep) -> Actor:
    """The session's actor: from this process's memory of sessions, on the event loop; read from
    the store in a worker thread only when it does not know the session (``core.accounts.sessions``)."""
    actor = node.sessions.known(token)
    if actor is None:
        try:
            actor = await run_in_threadpool(node.sessions.actor, token)
        except AuthenticationFailed as exc:
            raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc
    request.state.username = actor.username
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
