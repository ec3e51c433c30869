"""The FastAPI application: routes, error answers, middleware, and the alert clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from pathlib import Path as PathLib
from typing import Annotated, Any

from fastapi import FastAPI, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from jprcc import __version__
from jprcc.api import errors, system
from jprcc.api.actions import router_for
from jprcc.api.deps import TOKEN_COOKIE, CurrentActor
from jprcc.api.middleware import AccessLog, BodyLimit, SameOrigin, SecurityHeaders, WriteGate
from jprcc.api.views import BoardRowOut
from jprcc.brokering.alerts import sweep
from jprcc.brokering.inbox import Inbox
from jprcc.core.basemap import VECTOR_TILE, TileSource, VectorPack
from jprcc.core.leases import Lease
from jprcc.core.node import Node

log = logging.getLogger("jprcc.server")

STATIC = PathLib(__file__).resolve().parent.parent / "web" / "static"
BASEMAP = VectorPack(STATIC / "basemap" / "world.vtpack")
PACK_ZOOM = 8  # the basemap's deepest zoom (frontend/scripts/basemap.mjs); the page zooms past it
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
NOT_BUILT = (
    "<!doctype html><title>jprcc</title><body style='font-family:sans-serif;background:#111;color:#eee'>"
    "<h1>jprcc</h1><p>The web page has not been built. Run <code>make run</code> (it builds it with npm), "
    "or <code>npm ci && npm run build</code> in <code>frontend/</code>. "
    "The API is at <a href='/docs'>/docs</a>.</p>"
)

DESCRIPTION = """
The coordination center of a Joint Personnel Recovery Coordination Center (JPRCC).

Log in at `POST /api/auth/token`, then send `Authorization: Bearer <access_token>`.
Every change is a command: the answer is the incident as it stands afterwards. Errors answer
with `{"error", "message", "field"}`. Positions are accepted as lat/lon or MGRS and shown
as both. `GET /api/feed` streams committed events (server-sent events).
"""


async def _clock(node: Node, sweep_alerts: bool) -> None:
    """The alert sweep and the timers (scheduled messages), in one server process at a time: the
    one holding the ``clock`` lease (a dead process's lease runs out and another takes it)."""
    lease = Lease(node.database, "clock", ttl_s=max(10.0, 3 * node.settings.sweep_interval_s))
    try:
        while sweep_alerts:
            try:
                held = await run_in_threadpool(lease.hold)
            except Exception:
                log.exception("clock lease not taken (the store?)")
                held = False
            if held:
                await _tick(node)
            await asyncio.sleep(node.settings.sweep_interval_s)
    finally:
        if sweep_alerts:
            with contextlib.suppress(Exception):
                await run_in_threadpool(lease.release)


async def _tick(node: Node) -> None:
    """Raise the alerts due, then do the timers' work due (a failure of one never stops the other)."""
    try:
        raised = await run_in_threadpool(sweep, node.bus, node.queries)
        if raised:
            log.info("alerts raised", extra={"count": raised})
    except Exception:
        log.exception("alert sweep failed")
    try:
        done = await run_in_threadpool(node.run_timers)  # scheduled messages
        if done:
            log.info("scheduled work done", extra={"count": done})
    except Exception:
        log.exception("timers failed")


def _serve_the_page(app: FastAPI) -> None:
    """The common operational picture: one page, built from frontend/ into jprcc/web/static,
    and the API's own page (/docs) with Swagger UI from the same build: no CDN, no internet."""
    index = STATIC / "index.html"

    @app.get("/", include_in_schema=False, response_model=None)
    def page() -> FileResponse | HTMLResponse:
        if not index.exists():
            return HTMLResponse(NOT_BUILT, status_code=503)
        return FileResponse(
            index, headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="jprcc API",
            swagger_js_url="/static-docs/swagger-ui-bundle.js",
            swagger_css_url="/static-docs/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    for folder, mount in (("assets", "/assets"), ("docs", "/static-docs")):
        if (STATIC / folder).is_dir():
            app.mount(mount, StaticFiles(directory=STATIC / folder), name=folder)


def _serve_tiles(app: FastAPI, source: TileSource) -> None:
    @app.get("/api/tiles/{z}/{x}/{y}", tags=["map"], summary="A tile of the detailed offline map (MBTiles)")
    def tile(
        z: Annotated[int, Path(ge=0, le=22)],
        x: Annotated[int, Path(ge=0, le=2**22)],
        y: Annotated[int, Path(ge=0, le=2**22)],
        actor: CurrentActor,
    ) -> Response:
        data = source.tile(z, x, y)
        if data is None:
            return Response(status_code=404)
        return Response(
            data, media_type=source.media_type, headers={"Cache-Control": "private, max-age=3600"}
        )


def _serve_basemap(app: FastAPI, pack: VectorPack) -> None:
    """The world basemap's vector tiles (packaged with the page), drawn under everything else on
    every map (the relief over it is the intel capability's, ``intel.hillshade``)."""

    @app.get(
        "/api/basemap/{z}/{x}/{y}.pbf",
        tags=["map"],
        summary="A vector tile of the world basemap: land, borders and place names (Mapbox Vector Tile)",
        responses={204: {"description": "open sea: nothing to draw"}},
    )
    def vector_tile(
        z: Annotated[int, Path(ge=0, le=PACK_ZOOM)],
        x: Annotated[int, Path(ge=0, le=2**PACK_ZOOM - 1)],
        y: Annotated[int, Path(ge=0, le=2**PACK_ZOOM - 1)],
        actor: CurrentActor,
    ) -> Response:
        if not pack.available:
            return Response(status_code=404)
        try:
            data = pack.tile(z, x, y) if x < 2**z and y < 2**z else None
        except ValueError:  # a damaged pack: logged once, answered as no basemap
            return Response(status_code=404)
        headers = {"Cache-Control": "private, max-age=86400"}
        if data is None:
            return Response(status_code=204, headers=headers)
        return Response(data, media_type=VECTOR_TILE, headers=headers)


def frame_extras(node: Node, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What an incident's frames carry: its board row (the card and the map symbol move with the
    frame alone) and the parties it now waits on (a page asks for its inbox only when it is one)."""
    ids = set(ids)
    waiting = node.service(Inbox).waiting_on(ids)
    return {
        i: {"board_row": BoardRowOut.of(row).model_dump(mode="json"), "waiting_on": waiting.get(i, [])}
        for i, row in node.queries.board_rows(ids).items()
    }


def create_app(node: Node, *, sweep_alerts: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node.dispatcher.start()  # the durable consumers catch up, then follow every commit
        node.start_runners()  # the adapters' connections (TAK)
        node.start_listening()  # PostgreSQL: other processes' commits wake this one's feed and consumers
        task = asyncio.create_task(_clock(node, sweep_alerts))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            node.stop_listening()
            node.stop_runners()
            node.feed.stop()
            node.dispatcher.stop()

    app = FastAPI(
        title="jprcc",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.node = node
    node.feed.enrich = lambda ids: frame_extras(node, ids)
    errors.install(app)
    # every capability's routes: its action table, and the routes that are not plain actions
    # (the action routes sit on the application's own router, as routes declared on it would: an
    # included router is matched twice per request, candidate by candidate, which cost more than
    # the narrative command itself)
    app.router.routes.extend(router_for(node.registry.actions.values()).routes)
    for capability in node.registry.capabilities:
        for router in capability.routers:
            app.include_router(router())
    app.include_router(system.router)
    app.include_router(system.metrics_router)

    _serve_the_page(app)
    if node.settings.basemap_mbtiles is not None:
        _serve_tiles(app, TileSource(node.settings.basemap_mbtiles))
    _serve_basemap(app, BASEMAP)

    app.add_middleware(BodyLimit, max_bytes=node.settings.max_body_bytes)
    app.add_middleware(WriteGate, max_pending=node.settings.max_pending_writes, load=node.metrics.load)
    app.add_middleware(SameOrigin, cookie=TOKEN_COOKIE)
    app.add_middleware(SecurityHeaders, exercise=node.settings.exercise)
    app.add_middleware(AccessLog, metrics=node.metrics)
    return app


def from_environment() -> FastAPI:
    """The application of one server process of ``jprcc serve --workers N``: a node of its own,
    built from the same settings (the environment), logging as the parent does."""
    from jprcc.core import logs
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings

    settings = Settings()
    logs.configure(settings.log_level)
    return create_app(bootstrap(settings))
