"""Logging in and out, the current user, and account management."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.security import OAuth2PasswordRequestForm

from jprcc.api import schemas as s
from jprcc.api.deps import TOKEN_COOKIE, BusDep, CurrentActor, MaybeTokenDep, NodeDep, QueriesDep
from jprcc.api.views import MeOut, TokenOut, UserOut
from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts.auth import login as login_with_password
from jprcc.core.errors import AuthenticationFailed, NotAuthorized
from jprcc.core.model import Actor, Role

router = APIRouter(prefix="/api", tags=["accounts"])
Username = Annotated[str, Path(pattern=r"^[a-z][a-z0-9._-]{1,31}$")]


@router.post("/auth/token", summary="Log in: exchange username and password for a bearer token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], bus: BusDep, node: NodeDep, response: Response
) -> TokenOut:
    secret, token = login_with_password(node.queries, bus, form.username[:64], form.password[:256])
    actor = node.queries.actor_for_token(secret)
    response.set_cookie(
        TOKEN_COOKIE, secret, max_age=node.settings.token_ttl_s, httponly=True, samesite="strict"
    )
    return TokenOut(
        access_token=secret,
        expires_at=token.expires_at,
        username=actor.username,
        role=actor.role,
        component_id=actor.component_id,
    )


@router.post(
    "/auth/logout", status_code=204, summary="Log out: the token stops working, the cookie is cleared"
)
def logout(token: MaybeTokenDep, bus: BusDep, queries: QueriesDep, response: Response) -> None:
    """Always clears the session cookie, even when the token has already expired or was revoked."""
    response.delete_cookie(TOKEN_COOKIE)
    if not token:
        return
    try:
        actor = queries.actor_for_token(token)
    except AuthenticationFailed:
        return
    bus.handle(cmd.RevokeToken(token=token), actor)


@router.get("/me", summary="Who you are logged in as, and what you may report")
def me(actor: CurrentActor, queries: QueriesDep) -> MeOut:
    user = UserOut.model_validate(queries.user(actor.username), from_attributes=True)
    return MeOut(**user.model_dump(), report_components=queries.report_components(actor))


def _director(actor: Actor) -> None:
    if actor.role is not Role.JPRCC_DIRECTOR:
        raise NotAuthorized("only the JPRCC director reads the account list")


@router.get("/users", summary="All accounts (JPRCC director)")
def list_users(actor: CurrentActor, queries: QueriesDep) -> list[UserOut]:
    _director(actor)
    return [UserOut.model_validate(u, from_attributes=True) for u in queries.users()]


def _user(queries: QueriesDep, username: str) -> UserOut:
    return UserOut.model_validate(queries.user(username), from_attributes=True)


@router.post("/users", status_code=201, summary="Create an account (JPRCC director)")
def create_user(body: s.UserCreate, bus: BusDep, queries: QueriesDep, actor: CurrentActor) -> UserOut:
    bus.handle(
        cmd.CreateUser(
            username=body.username,
            password=body.password,
            role=body.role,
            component_id=body.component_id,
            full_name=body.full_name,
        ),
        actor,
    )
    return _user(queries, body.username)


@router.post(
    "/users/{username}/password", status_code=204, summary="Change a password (yours, or as director)"
)
def change_password(username: Username, body: s.PasswordIn, bus: BusDep, actor: CurrentActor) -> None:
    bus.handle(
        cmd.ChangePassword(
            username=username, new_password=body.new_password, current_password=body.current_password
        ),
        actor,
    )


@router.post("/users/{username}/active", summary="Activate or deactivate an account (JPRCC director)")
def set_active(
    username: Username, body: s.ActiveIn, bus: BusDep, queries: QueriesDep, actor: CurrentActor
) -> UserOut:
    bus.handle(cmd.SetUserActive(username=username, active=body.active), actor)
    return _user(queries, username)
