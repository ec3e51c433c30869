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
    ev.LoginFailed: lambda e: (
        f"Login as {e.username} refused from {e.source}: "
        + ("the account is locked" if e.reason == "locked" else f"wrong password ({e.failures} in a row)")
    ),
    ev.AccountLocked: lambda e: f"Account {e.username} locked after {e.failures} wrong passwords",
    ev.AccountUnlocked: lambda e: f"Account {e.username} unlocked by {e.unlocked_by}: {e.reason}",
}
