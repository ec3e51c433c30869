"""``jprcc users``: accounts. Run on the node's own machine without ``--as``, these act as the
local administrator (whoever can run the CLI there holds the store anyway); with ``--as`` — or
against a server — as that user, whom the rules must allow (the JPRCC director)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from jprcc.api.views import UserOut
from jprcc.cli.common import call_as_administrator, console, emit
from jprcc.core.model import Role

app = typer.Typer(help="Accounts (local administration, or as the JPRCC director).", no_args_is_help=True)
NewPassword = Annotated[
    str,
    typer.Option(
        prompt="new password", hide_input=True, confirmation_prompt=True, envvar="JPRCC_NEW_PASSWORD"
    ),
]


@app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option()],
    component: Annotated[str | None, typer.Option(help="For PRCC and liaison officers.")] = None,
    full_name: Annotated[str, typer.Option()] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="JPRCC_NEW_PASSWORD")
    ] = "",
) -> None:
    """Create an account (as local administration, or --as the JPRCC director)."""
    body: dict[str, Any] = {
        "username": username,
        "password": password,
        "role": role,
        "component_id": component,
        "full_name": full_name,
    }
    call_as_administrator("accounts.create_user", body=body)
    console.print(f"account {username} created ({role.value})")


@app.command("list")
def users_list() -> None:
    """Every account (local administration, or the JPRCC director)."""
    found: list[UserOut] = call_as_administrator("accounts.users")
    table = Table("username", "role", "component", "name", "active", "locked")
    for u in found:
        locked = (
            f"since {u.locked_at:%d %H%MZ %b}"
            if u.locked_at
            else (f"{u.failed_logins} wrong" if u.failed_logins else "")
        )
        table.add_row(
            u.username, u.role.value, u.component_id or "-", u.full_name, "yes" if u.active else "no", locked
        )
    emit(found, table)


@app.command("passwd")
def users_passwd(username: str, password: NewPassword = "") -> None:
    """Change a password."""
    call_as_administrator("accounts.password", {"username": username}, {"new_password": password})
    console.print(f"password of {username} changed")


@app.command("disable")
def users_disable(username: str) -> None:
    """Deactivate an account: its tokens stop working."""
    call_as_administrator("accounts.active", {"username": username}, {"active": False})
    console.print(f"{username} deactivated")


@app.command("unlock")
def users_unlock(
    username: str, reason: Annotated[str, typer.Option(help="Why the account is unlocked (kept in the log).")]
) -> None:
    """Unlock an account locked after repeated wrong passwords (its count goes back to none)."""
    call_as_administrator("accounts.unlock", {"username": username}, {"reason": reason})
    console.print(f"{username} unlocked")


@app.command("enable")
def users_enable(username: str) -> None:
    """Reactivate an account."""
    call_as_administrator("accounts.active", {"username": username}, {"active": True})
    console.print(f"{username} activated")
