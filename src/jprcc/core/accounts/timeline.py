"""One line of plain language per account event."""

from __future__ import annotations

from jprcc.core import events as core_ev
from jprcc.core.accounts import events as ev
from jprcc.core.timeline import Describer

# --- accounts lines

ACCOUNTS_LINES: dict[type[core_ev.Event], Describer] = {  # accounts
    ev.UserCreated: lambda e: f"Account {e.username} created ({e.role.value})",
    ev.PasswordChanged: lambda e: f"Password of {e.username} changed",
    ev.UserActiveChanged: lambda e: f"Account {e.username} {'activated' if e.active else 'deactivated'}",
    ev.UserLoggedIn: lambda e: f"{e.username} logged in",
    ev.TokenRevoked: lambda e: f"{e.username} logged out",
}
