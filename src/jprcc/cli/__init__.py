"""The ``jprcc`` command: serve the coordination center, and work it from a terminal — on this
machine's store, or against a server (``--server``).

The capabilities' command groups are listed from a table and imported only when they run
(``jprcc.cli.lazy``), so ``jprcc --help`` starts without loading the store or the numerics.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from jprcc.cli.common import call, client, close_client, console, emit, node, state
from jprcc.cli.lazy import LazyRoot

app = typer.Typer(
    cls=LazyRoot,
    help="jprcc: the Joint Personnel Recovery Coordination Center.\n\n"
    "Act as a user with --as USERNAME (or JPRCC_USER); the password comes from JPRCC_PASSWORD or a prompt. "
    "With --server URL (or JPRCC_SERVER) every command works that server instead of this machine's store.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.callback()
def main_options(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--as", help="Act as this user.", envvar="JPRCC_USER")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="Work a remote JPRCC: its URL, e.g. https://jprcc.example:8000 (log in with --as and "
            "JPRCC_PASSWORD, or give JPRCC_TOKEN). Without it, commands run on this machine's store.",
            envvar="JPRCC_SERVER",
        ),
    ] = None,
) -> None:
    state.user = user
    state.json = as_json
    state.server = server
    state.client = None  # one client per run, for the user this run names
    state.login = False
    ctx.call_on_close(close_client)


@app.command()
def login() -> None:
    """Log in once (--as USER): the password is checked and the session kept, readable by you only,
    so that the next commands start without it until it expires or you log out."""
    state.login = True
    client()
    console.print(f"logged in as {state.user or ''}: the session is kept until it expires or `jprcc logout`")


@app.command()
def logout() -> None:
    """End the session kept for --as USER: the token stops working and is forgotten."""
    import contextlib

    from jprcc.cli import session
    from jprcc.cli.common import local_store, username

    who = username()
    if state.server:
        import httpx2

        kept = session.load(state.server, who)
        if kept:
            with_token = {"Authorization": f"Bearer {kept}"}
            # a server out of reach: the token is forgotten here all the same
            with contextlib.suppress(OSError, httpx2.TransportError):
                httpx2.post(f"{state.server.rstrip('/')}/api/auth/logout", headers=with_token, timeout=30)
        session.forget(state.server, who)
    else:
        from jprcc.core.accounts.commands import RevokeToken
        from jprcc.core.errors import AuthenticationFailed

        target, folder = local_store()
        kept = session.load(target, who, folder)
        if kept:
            try:
                holder = node().queries.actor_for_token(kept)
                node().bus.handle(RevokeToken(token=kept), holder)
            except AuthenticationFailed:
                pass  # already expired or revoked
        session.forget(target, who, folder)
    console.print(f"logged out: no session is kept for {who}")


@app.command()
def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo theater into an empty store first.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes on this address (PostgreSQL: several share the store; the live feed "
            "fans out between them; the clock runs in one at a time).",
        ),
    ] = 1,
) -> None:
    """Serve the coordination center (API, live feed, OpenAPI at /docs)."""
    import uvicorn

    from jprcc.api.app import create_app
    from jprcc.cli.admin import load_demo, print_logins
    from jprcc.core import logs
    from jprcc.demo import store_is_empty

    n = node()
    logs.configure(n.settings.log_level)
    if demo:
        if store_is_empty(n):
            console.print(f"[green]demo theater loaded:[/] {load_demo()} commands")
        else:
            console.print("[yellow]the store already holds events; the demo is not loaded again[/]")
        print_logins()
    console.print(
        f"store: {n.database.display_url}\nserving on http://{host}:{port}  (API docs: http://{host}:{port}/docs)"
        + (f" with {workers} processes" if workers > 1 else "")
    )
    s = n.settings
    app_or_factory: Any
    if workers > 1:
        if n.database.is_sqlite:
            console.print("[yellow]SQLite: the processes share one file and write one at a time[/]")
        n.close()  # each process builds its own node from the same settings (migrated already)
        os.environ["JPRCC_AUTO_MIGRATE"] = "false"
        app_or_factory = "jprcc.api.app:from_environment"
    else:
        app_or_factory = create_app(n)
    uvicorn.run(
        app_or_factory,
        factory=workers > 1,
        workers=workers if workers > 1 else None,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        limit_concurrency=s.http_max_connections,
        timeout_keep_alive=s.http_keep_alive_s,
        # uvloop where installed (the event loop of every request and stream); h11 always, since it
        # bounds the request line and headers (httptools would not)
        loop="auto",
        http="h11",
        h11_max_incomplete_event_size=s.http_max_header_bytes,
        backlog=2048,
    )


@app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Argument(help="The backup file to write (a new file): e.g. jprcc-0600Z.tar")],
) -> None:
    """Back up this machine's store while the node runs (SQLite's online backup; pg_dump for
    PostgreSQL), with a manifest. The vault's master key is not in it: keep that apart."""
    from jprcc.cli.admin import backup

    backup(out)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `jprcc backup`.", exists=True)],
    force: Annotated[bool, typer.Option(help="Restore over a store that already holds events.")] = False,
) -> None:
    """Restore a backup into this machine's store (stop its server first), then check it: the chain
    verifies and every read model equals a rebuild from the log."""
    from jprcc.cli.admin import restore

    restore(file, force)


@app.command()
def relationships(incident: Annotated[str | None, typer.Option(help="Only this incident.")] = None) -> None:
    """Command relationships over time: who supports whom, from when to when; TACON only where transferred."""
    from rich.table import Table

    found = call("theater.relationships", query={"incident_id": incident})
    table = Table("incident", "kind", "from", "to", "assets", "begin", "end", "TACON moves?")
    for r in found:
        table.add_row(
            r.incident_id,
            r.kind.value,
            r.from_component,
            r.to_component,
            ", ".join(r.asset_ids),
            r.begin.strftime("%d %H:%MZ"),
            r.end.strftime("%d %H:%MZ") if r.end else "open",
            "YES" if r.transfers_control else "no",
        )
    emit(found, table)


@app.command()
def alerts(
    sweep: Annotated[
        bool, typer.Option("--sweep", help="Also record the due alerts in the log (this machine's node).")
    ] = False,
) -> None:
    """Overdue incidents and DUSTWUN statuses due for redesignation."""
    from rich.table import Table

    if sweep:
        from jprcc.brokering.alerts import sweep as run_sweep

        console.print(f"{run_sweep(node().bus, node().queries)} alert(s) recorded")
    found = call("theater.alerts")
    table = Table("kind", "incident", "due", "title", "detail")
    for a in found:
        table.add_row(a.kind, a.incident_id, a.due_at.strftime("%d %H:%MZ"), a.title, a.detail, style="red")
    emit(found, table)


def main() -> None:
    app()
