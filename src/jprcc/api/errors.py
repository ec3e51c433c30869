"""Every error answer has the same shape (``Problem``): code, message, field."""

from __future__ import annotations

import math
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from jprcc.core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Locked,
    NotAuthorized,
    NotFound,
    Overloaded,
    RateLimited,
    RuleViolation,
    VaultUnavailable,
)

STATUS = (
    (VaultUnavailable, 503),
    (Overloaded, 503),
    (RateLimited, 429),
    (Locked, 423),
    (NotFound, 404),
    (AuthenticationFailed, 401),
    (NotAuthorized, 403),
    (RuleViolation, 422),
    (Conflict, 409),
)


def status_of(error: DomainError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 400)


def problem(
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"error": error, "message": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc]
    text = ""
    for p in parts:
        text += f"[{p}]" if p.isdigit() else (f".{p}" if text else p)
    return text or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else {}
        if exc.retry_after_s is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
        return problem(status_of(exc), exc.code, exc.message, exc.field, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = list(e.get("loc", ()))
            where = str(loc[0]) if loc else "body"
            name = _field(loc[1:] if where in ("body", "query", "path", "header", "cookie") else loc)
            errors.append(
                {
                    "field": name,
                    "in": where,
                    "rule": str(e.get("type", "invalid")),
                    "message": str(e.get("msg", "invalid")),
                }
            )
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return problem(
            422, "validation_error", f"{first['field']}: {first['message']}", first["field"], errors
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, f"http_{exc.status_code}", str(exc.detail), headers=exc.headers)
