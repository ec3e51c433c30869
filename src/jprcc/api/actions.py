"""HTTP routes made from the capabilities' action tables: one route per action, no hand mapping.

For each ``Action`` the router gets an endpoint whose signature FastAPI reads like a hand-written
one — the path parameters with their constraints, the body model, the query model, the node and
the current actor — so validation, error answers and the OpenAPI document are the same as for any
route. The endpoint builds a ``Call`` and hands it to ``action.run``; it never touches the store.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Iterable
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Header, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel

from jprcc.api.deps import CurrentActor, NodeDep
from jprcc.core import idempotency
from jprcc.core.contract import Action, Call, perform
from jprcc.core.errors import Conflict, RuleViolation


def _endpoint(action: Action) -> Any:
    def _run(node: Any, actor: Any, kwargs: dict[str, Any]) -> Any:
        path = {name: kwargs[name] for name in action.path_params}
        answer = perform(
            action,
            Call(node=node, actor=actor, path=path, query=kwargs.get("query"), body=kwargs.get("body")),
        )
        if action.media_type is not None and not isinstance(answer, Response):
            return Response(answer, media_type=action.media_type)
        if type(answer) is action.response and isinstance(answer, BaseModel):
            return _written(answer, action.status_code)
        return answer

    async def endpoint(**kwargs: Any) -> Any:
        node, actor = kwargs.pop("node"), kwargs.pop("actor")
        key = kwargs.pop("idempotency_key", None)
        if action.command is None:
            return await run_in_threadpool(_run, node, actor, kwargs)
        limiter = command_limiter(node.settings.command_threads)
        if key is None:
            return await anyio.to_thread.run_sync(_run, node, actor, kwargs, limiter=limiter)
        answer = await anyio.to_thread.run_sync(_once, node, actor, kwargs, key, limiter=limiter)
        if isinstance(answer, _Waiting):  # (waited for off the command threads: they stay free)
            kept = await _answer_of(node, actor.username, key)
            return await run_in_threadpool(_replay, node, actor, answer.claim, kept)
        return answer

    def _once(node: Any, actor: Any, kwargs: dict[str, Any], key: str) -> Any:
        """Run the action once for this key: a retry is answered what the first was."""
        path = {name: kwargs[name] for name in action.path_params}
        claim = idempotency.Claim(
            actor.username,
            key,
            idempotency.fingerprint(action.name, path, kwargs.get("query"), kwargs.get("body")),
            action.name,
        )
        kept = idempotency.find(node.database, actor.username, key)
        if kept is not None:
            if kept.status is None and kept.fingerprint == claim.fingerprint:  # the first is still answering
                return _Waiting(claim)
            return _replay(node, actor, claim, kept)
        token = idempotency.CLAIM.set(claim)
        try:
            answer = _run(node, actor, kwargs)
        except idempotency.KeyTaken:  # the same request, racing this one, went through first
            return _Waiting(claim)
        finally:
            idempotency.CLAIM.reset(token)
        if claim.claimed:
            status, media_type, text = _kept_form(answer, action)
            idempotency.keep_answer(node.database, actor.username, key, status, media_type, text)
        return answer

    parameters = [
        inspect.Parameter("node", inspect.Parameter.KEYWORD_ONLY, annotation=NodeDep),
        inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, annotation=CurrentActor),
    ]
    if action.command is not None:
        parameters.append(
            inspect.Parameter(
                "idempotency_key",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=IdempotencyKey,
                default=None,
            )
        )
    for name, annotation in action.path_params.items():
        parameters.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=_as_path(annotation))
        )
    if action.body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=action.body))
    if action.query is not None:
        parameters.append(
            inspect.Parameter(
                "query", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[action.query, Query()]
            )
        )
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = action.name.replace(".", "_")
    endpoint.__doc__ = action.description or None
    return endpoint


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Send the same key again to retry this request safely: it is applied once, and the "
        "retry is answered what the first was (kept 48 hours).",
    ),
]


def _kept_form(answer: Any, action: Action) -> tuple[int, str, str]:
    if isinstance(answer, Response):
        body = bytes(answer.body).decode("utf-8", "replace")
        return answer.status_code, answer.media_type or "application/octet-stream", body
    text = json.dumps(
        jsonable_encoder(answer), ensure_ascii=False, separators=(",", ":")
    )  # as FastAPI writes it
    return action.status_code, "application/json", text


class _Waiting:
    """The first request with this key is still being answered: the retry waits for its answer."""

    def __init__(self, claim: idempotency.Claim) -> None:
        self.claim = claim


async def _answer_of(node: Any, username: str, key: str, wait_s: float = 10.0) -> idempotency.Kept:
    """The answer kept for the first request with ``key``, once it is known (looked for every
    50 ms, on the event loop's side: a retry holds no thread while it waits)."""
    deadline = time.monotonic() + wait_s
    while True:
        kept = await run_in_threadpool(idempotency.find, node.database, username, key)
        if kept is not None and (kept.status is not None or time.monotonic() > deadline):
            return kept
        if kept is None and time.monotonic() > deadline:
            raise Conflict(f"{idempotency.HEADER} {key}: the first request's answer is not known yet; retry")
        await asyncio.sleep(0.05)


_LIMITERS: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()


def command_limiter(threads: int) -> CapacityLimiter:
    """The threads that run commands on this event loop: a few, apart from the pool that serves
    reads. The store takes one write at a time, so more threads would only wait on it, holding a
    connection each and contending for the interpreter with the one that writes (at 8 concurrent
    clients, 40 threads cost up to a fifth more CPU per command than 2). A command waiting for one is
    counted by the write gate, whose bound answers 503 beyond it."""
    loop = asyncio.get_running_loop()
    found = _LIMITERS.get(loop)
    if found is None or found.total_tokens != threads:
        found = _LIMITERS[loop] = CapacityLimiter(threads)
    return found


def _replay(node: Any, actor: Any, claim: idempotency.Claim, kept: idempotency.Kept) -> Response:
    if kept.fingerprint != claim.fingerprint:
        raise RuleViolation(
            f"{idempotency.HEADER} {claim.key} was first sent with another request ({kept.action}): "
            "use a new key for a new request",
            field=idempotency.HEADER,
        )
    if kept.status is None or kept.answer is None:
        raise Conflict(
            f"the request with {idempotency.HEADER} {claim.key} was applied at "
            f"{kept.created_at.isoformat()}, but its answer was not kept (the node stopped): "
            "read the current state",
            field=idempotency.HEADER,
        )
    return Response(
        kept.answer.encode("utf-8"),
        status_code=kept.status,
        media_type=kept.media_type,
        headers={"Idempotent-Replayed": "true"},
    )


def _written(answer: BaseModel, status_code: int) -> Response:
    """An answer of the action's own model, written to JSON here in the worker thread, as FastAPI
    would write it on the event loop (by alias, nothing left out), or by the model's own
    ``to_json`` where it has one (an answer that repeats parts that never change)."""
    to_json = getattr(answer, "to_json", None)
    body = to_json() if to_json is not None else answer.__pydantic_serializer__.to_json(answer, by_alias=True)
    return Response(body, status_code=status_code, media_type="application/json")


def _as_path(annotation: Any) -> Any:
    """A path parameter as declared, made a ``Path`` if it carries no FastAPI marker yet."""
    metadata = getattr(annotation, "__metadata__", ())
    if any(type(m).__name__ in ("Path", "Query") for m in metadata):
        return annotation
    return Annotated[annotation, Path()]


_ROUTERS: dict[tuple[int, ...], tuple[tuple[Action, ...], APIRouter]] = {}


def router_for(actions: Iterable[Action]) -> APIRouter:
    """The routes of these actions, built once per process: a route holds no node (each request
    is handed its node and actor as dependencies), so every application the process builds over the
    same actions shares them. Building them validates every request and answer model, which
    takes about half a second."""
    actions = tuple(actions)
    key = tuple(map(id, actions))
    found = _ROUTERS.get(key)
    if found is None:  # (the actions are kept with their routes, so their ids stay theirs)
        found = _ROUTERS[key] = (actions, _build_router(actions))
    return found[1]


def _build_router(actions: Iterable[Action]) -> APIRouter:
    router = APIRouter()
    for action in actions:
        extra: dict[str, Any] = {}
        if action.media_type is not None:
            extra["response_class"] = Response
            extra["responses"] = {200: {"content": {action.media_type: {}}}}
        else:
            extra["response_model"] = action.response
        router.add_api_route(
            action.path,
            _endpoint(action),
            methods=[action.method],
            summary=action.summary,
            status_code=action.status_code,
            tags=list(action.tags),
            operation_id=action.name.replace(".", "_"),
            **extra,
        )
    return router
