"""The request bodies of the account actions (passwords bounded, never logged)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from jprcc.api.schemas import (
    Body,
    Identifier,
)
from jprcc.core.model import (
    Role,
)


class UserCreate(Body):
    username: Annotated[str, StringConstraints(min_length=2, max_length=32)]
    password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
    role: Role
    component_id: Identifier | None = None
    full_name: Annotated[str, StringConstraints(max_length=200)] = ""


class PasswordIn(Body):
    new_password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
    current_password: Annotated[
        str | None,
        Field(default=None, max_length=256, description="Needed when you change your own password."),
    ] = None


class ActiveIn(Body):
    active: bool


class UnlockIn(Body):
    reason: str = Field(min_length=1, max_length=500, description="Why the account is unlocked.")
