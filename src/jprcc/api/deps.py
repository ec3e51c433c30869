"""Dependencies declared once: the node, the bus, the queries, the current actor.

Those that only look something up are ``async``: FastAPI runs them on the event loop, where a plain
function would be handed to the thread pool and back, for every request. The current actor reads
the store, so it runs in the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
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


def current_actor(request: Request, token: TokenDep, queries: QueriesDep) -> Actor:
    try:
        actor = queries.actor_for_token(token)
    except AuthenticationFailed as exc:
        raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc
    request.state.username = actor.username
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
