"""The CLI's two ways to run an action: in-process on this node's store, or against a server.

Every CLI command that works a JPRCC calls ``client().call(action, path, body, query)`` and
prints the answer; it never knows which client it has. ``LocalClient`` validates the body and
query with the action's own models and runs the action here, as the HTTP route would.
``RemoteClient`` sends the same request to a server (``jprcc --server URL`` or ``JPRCC_SERVER``)
with a bearer token and reads the answer into the same model — so both print the same output, and
a refusal from either reads the same (``code [field]: message``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter
from pydantic_core import to_jsonable_python

from jprcc.core.contract import Action, Call, perform
from jprcc.core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotAuthorized,
    NotFound,
    RuleViolation,
)

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def adapter(kind: Any) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return found


class Client(Protocol):
    def call(
        self,
        action: str,
        path: Mapping[str, Any] | None = None,
        body: BaseModel | Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        """The action's answer: an instance of its response model (bytes for a file)."""


def _model(kind: type[Any] | None, value: BaseModel | Mapping[str, Any] | None) -> Any:
    if kind is None:
        return None
    if isinstance(value, kind):
        return value
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return kind.model_validate(dict(value or {}))


class LocalClient:
    """Runs actions in this process, on the node's store, as ``actor``."""

    def __init__(self, node: Any, actor: Any) -> None:
        self.node = node
        self.actor = actor

    def call(
        self,
        action: str,
        path: Mapping[str, Any] | None = None,
        body: BaseModel | Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        spec: Action = self.node.registry.actions[action]
        values = {
            name: adapter(kind).validate_python((path or {})[name]) for name, kind in spec.path_params.items()
        }
        call = Call(
            node=self.node,
            actor=self.actor,
            path=values,
            query=_model(spec.query, query),
            body=_model(spec.body, body),
        )
        answer = perform(spec, call)
        body = getattr(answer, "body", None)  # a file action's Response: the bytes, as a server sends them
        return body if spec.media_type is not None and isinstance(body, bytes) else answer


STATUS_ERRORS: dict[int, type[DomainError]] = {
    401: AuthenticationFailed,
    403: NotAuthorized,
    404: NotFound,
    409: Conflict,
    422: RuleViolation,
}


class RemoteRefusal(DomainError):
    """A server's refusal, with its own code and field, for the CLI to print like a local one."""


class RemoteClient:
    """Sends actions to a server: the same paths, bodies and answers as the page and the API."""

    def __init__(
        self, base_url: str, token: str, actions: Mapping[str, Action], timeout_s: float = 120.0
    ) -> None:
        import httpx2

        self.base_url = base_url.rstrip("/")
        self.actions = actions
        self.token = token
        self.http = httpx2.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s
        )

    @classmethod
    def login(
        cls, base_url: str, username: str, password: str, actions: Mapping[str, Action]
    ) -> RemoteClient:
        """Open a session on the server (one token for this command's run)."""
        import httpx2

        answer = httpx2.post(
            f"{base_url.rstrip('/')}/api/auth/token",
            data={"username": username, "password": password},
            timeout=30,
        )
        if answer.status_code != 200:
            raise refusal(answer.status_code, _json(answer))
        return cls(base_url, answer.json()["access_token"], actions)

    def call(
        self,
        action: str,
        path: Mapping[str, Any] | None = None,
        body: BaseModel | Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Any:
        spec = self.actions[action]
        url = spec.path.format(**{k: quote(str(_plain(v)), safe="") for k, v in (path or {}).items()})
        payload = None
        if spec.body is not None:
            payload = to_jsonable_python(_model(spec.body, body).model_dump(mode="json", exclude_unset=True))
        params = None
        if query:
            params = {k: _plain(v) for k, v in query.items() if v is not None}
        answer = self.http.request(spec.method, url, json=payload, params=params)
        if answer.status_code >= 400:
            raise refusal(answer.status_code, _json(answer))
        if spec.media_type is not None:
            return answer.content
        if spec.response is None:
            return None
        return adapter(spec.response).validate_python(answer.json())

    def valid(self) -> bool:
        """Whether the server still takes this client's token (a kept session may have expired)."""
        return bool(self.http.get("/api/me").status_code == 200)

    def close(self) -> None:
        self.http.close()


def _plain(value: Any) -> Any:
    found = to_jsonable_python(value)
    return str(found).lower() if isinstance(found, bool) else found


def _json(answer: Any) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {"error": "bad_answer", "message": answer.text[:200] or f"HTTP {answer.status_code}"}
    return data if isinstance(data, dict) else {"error": "bad_answer", "message": str(data)[:200]}


def refusal(status: int, problem: Mapping[str, Any]) -> DomainError:
    """The server's error answer as the refusal it stands for (same code, field and message)."""
    errors = problem.get("errors") or []
    field = problem.get("field")
    message = str(problem.get("message", ""))
    if errors and not field:
        first = errors[0]
        field, message = first.get("field"), first.get("message", message)
    kind = STATUS_ERRORS.get(status, RemoteRefusal)
    return kind(message, field=field, code=str(problem.get("error", kind.code)))
