"""Local administration of this machine's node: the audit of the chain, the store's schema and read
models, the demo theater. Without ``--as`` these act as the local administrator (whoever can run
the CLI on the node's machine holds the store anyway); ``jprcc --as director audit verify`` — or
against a server — runs the audit as that user, whom the rules must allow."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from jprcc.api.views import AuditOut
from jprcc.cli.common import call, console, fail, local_administration, node, progress, refusals

db_app = typer.Typer(help="The store: schema upgrades, read-model rebuilds.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident event log.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo theater (Exercise CORAL SHIELD).", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Audit the log: recompute every record's sealed hash and name the first that was altered;
    check the head against the node's anchor (records removed from the end); compare accounts,
    roles and incident involvement with a replay of the log (altered in the store, not by a command)."""
    if local_administration():
        from jprcc.core.maintenance import audit_log

        n = node()
        with progress() as bar:
            task = bar.add_task("verifying the event log", total=n.queries.last_seq())
            verdict = AuditOut.model_validate(
                audit_log(
                    n.database, n.registry, n.settings.chain_anchor_file, lambda k: bar.advance(task, k)
                ),
                from_attributes=True,
            )
    else:
        verdict = call("audit.verify")
    if verdict.ok:
        console.print(f"[green]chain intact:[/] {verdict.records} records verified")
        return
    if verdict.bad_event_id is None:
        fail(f"AUDIT FAILED: {verdict.reason}", 5)
    fail(
        f"chain BROKEN at record seq {verdict.bad_seq} (event {verdict.bad_event_id}): {verdict.reason}; "
        f"{verdict.records} records before it verified",
        5,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store's schema up to date (Alembic migrations)."""
    from jprcc.core.maintenance import upgrade_schema

    console.print(f"schema at revision {upgrade_schema(node().database)}")


@db_app.command("rebuild")
def db_rebuild() -> None:
    """Rebuild every read model from the event log."""
    from jprcc.core.maintenance import rebuild_read_models

    with progress() as bar:
        task = bar.add_task("replaying the log", total=None)
        replayed = rebuild_read_models(node().database, node().registry, lambda n: bar.advance(task, n))
    console.print(f"read models rebuilt from {replayed} events")


def print_logins() -> None:
    from rich.table import Table

    from jprcc.demo import demo_logins

    table = Table("username", "password", "role", title="demo accounts (change them for real use)")
    for row in demo_logins():
        table.add_row(*row)
    console.print(table)


def load_demo() -> int:
    from jprcc.demo import DEMO_FILE, load_demo
    from jprcc.exercise.scenario import load

    steps = len(load(DEMO_FILE).steps)
    with progress() as bar:
        task = bar.add_task("loading the demo theater", total=steps)
        return load_demo(node(), lambda _: bar.advance(task))


@demo_app.command("load")
def demo_load() -> None:
    """Load the demo theater into the (empty) store."""
    from jprcc.demo import store_is_empty

    if not store_is_empty(node()):
        fail("the store already holds events; use an empty data directory (JPRCC_DATA_DIR)")
    with refusals():
        console.print(f"demo theater loaded: {load_demo()} commands")
    print_logins()


@demo_app.command("logins")
def demo_logins_command() -> None:
    """Print the demo accounts and how to log in."""
    print_logins()


@db_app.command("check")
def db_check() -> None:
    """Check the store: the hash chain verifies, and every read model equals a rebuild from the log
    (made in a transaction that is then rolled back: nothing is changed)."""
    from jprcc.core.maintenance import read_models_match_rebuild, verify_chain

    verdict = verify_chain(node().database, anchor=node().settings.chain_anchor_file)
    if not verdict.ok:
        fail(f"chain BROKEN at record seq {verdict.bad_seq}: {verdict.reason}", 5)
    differences = read_models_match_rebuild(node().database, node().registry)
    if differences:
        for line in differences:
            console.print(f"[red]{escape(line)}[/]")
        fail("the read models differ from the log: `jprcc db rebuild` rebuilds them from it", 6)
    console.print(
        f"[green]store sound:[/] {verdict.records} records verified; every read model equals a rebuild"
    )


def backup(out: Path) -> None:
    from jprcc.core.backup import backup as take

    n = node()
    with progress() as bar:
        task = bar.add_task("copying the store", total=None)
        with refusals():
            manifest = take(
                n.database,
                n.settings.node_id,
                out,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
    console.print(
        f"backup written: {out} ({manifest.store}, {manifest.events} events, "
        f"chain head {manifest.chain_head[:12]}…, schema {manifest.schema_revision})"
    )
    key = n.settings.vault_key_file or n.settings.data_dir / "vault.key"
    console.print(
        f"[yellow]{manifest.vault_key}[/] (this node's: {'JPRCC_VAULT_KEY' if n.settings.vault_key else key})"
    )


def restore(file: Path, force: bool) -> None:
    from jprcc.core.backup import restore as put_back

    n = node()
    with refusals():
        restored = put_back(
            file,
            n.database,
            n.registry,
            force=force,
            settings=n.settings,
            anchor=n.settings.chain_anchor_file,
        )
    m = restored.manifest
    console.print(f"restored {m.events} events of node {m.node_id}, taken {m.created_at} ({m.store})")
    if not restored.chain_ok:
        fail(f"the restored chain does not verify: {restored.chain_reason}", 5)
    if restored.differences:
        for line in restored.differences:
            console.print(f"[red]{escape(line)}[/]")
        fail("the restored read models differ from the log: `jprcc db rebuild` rebuilds them", 6)
    console.print(f"[green]chain intact:[/] {restored.records} records; every read model equals a rebuild")
    console.print(f"[yellow]{m.vault_key}[/]")
