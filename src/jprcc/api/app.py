"""The FastAPI application: routes, error answers, middleware, and the alert clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from jprcc import __version__
from jprcc.api import errors
from jprcc.api.middleware import AccessLog, BodyLimit
from jprcc.api.routes import accounts, incidents, system, theater
from jprcc.bootstrap import App
from jprcc.service.alerts import sweep

log = logging.getLogger("jprcc.server")

DESCRIPTION = """
The coordination center of a Joint Personnel Recovery Coordination Center (JPRCC).

Log in at `POST /api/auth/token`, then send `Authorization: Bearer <access_token>`.
Every change is a command: the answer is the incident as it stands afterwards. Errors answer
with `{"error", "message", "field"}`. Positions are accepted as lat/lon or MGRS and shown
as both. `GET /api/feed` streams committed events (server-sent events).
"""


async def _clock(node: App, sweep_alerts: bool) -> None:
    while sweep_alerts:
        try:
            raised = await run_in_threadpool(sweep, node.bus, node.queries)
            if raised:
                log.info("alerts raised", extra={"count": raised})
        except Exception:
            log.exception("alert sweep failed")
        await asyncio.sleep(node.settings.sweep_interval_s)


def create_app(node: App, *, sweep_alerts: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_clock(node, sweep_alerts))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="jprcc", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.node = node
    errors.install(app)
    for module in (accounts, incidents, theater, system):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    app.add_middleware(BodyLimit, max_bytes=node.settings.max_body_bytes)
    app.add_middleware(AccessLog)
    return app
