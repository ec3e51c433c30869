"""HTTP routes made from the capabilities' action tables: one route per action, no hand mapping.

For each ``Action`` the router gets an endpoint whose signature FastAPI reads like a hand-written
one — the path parameters with their constraints, the body model, the query model, the node and
the current actor — so validation, error answers and the OpenAPI document are the same as for any
route. The endpoint builds a ``Call`` and hands it to ``action.run``; it never touches the store.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from jprcc.api.deps import CurrentActor, NodeDep
from jprcc.core.contract import Action, Call, perform


def _endpoint(action: Action) -> Any:
    def _run(node: Any, actor: Any, kwargs: dict[str, Any]) -> Any:
        path = {name: kwargs[name] for name in action.path_params}
        answer = perform(
            action,
            Call(node=node, actor=actor, path=path, query=kwargs.get("query"), body=kwargs.get("body")),
        )
        if action.media_type is not None and not isinstance(answer, Response):
            return Response(answer, media_type=action.media_type)
        return answer

    async def endpoint(**kwargs: Any) -> Any:
        node, actor = kwargs.pop("node"), kwargs.pop("actor")
        return await run_in_threadpool(_run, node, actor, kwargs)

    parameters = [
        inspect.Parameter("node", inspect.Parameter.KEYWORD_ONLY, annotation=NodeDep),
        inspect.Parameter("actor", inspect.Parameter.KEYWORD_ONLY, annotation=CurrentActor),
    ]
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


def _as_path(annotation: Any) -> Any:
    """A path parameter as declared, made a ``Path`` if it carries no FastAPI marker yet."""
    metadata = getattr(annotation, "__metadata__", ())
    if any(type(m).__name__ in ("Path", "Query") for m in metadata):
        return annotation
    return Annotated[annotation, Path()]


def router_for(actions: Iterable[Action]) -> APIRouter:
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
