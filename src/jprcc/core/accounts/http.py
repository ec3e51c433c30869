"""Logging in and out (a form and a session cookie: plain routes), the current user, and account
management (actions: the HTTP routes and the CLI's ``jprcc users``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from jprcc.api.deps import TOKEN_COOKIE, BusDep, MaybeTokenDep, NodeDep, QueriesDep
from jprcc.api.views import MeOut, TokenOut, UserOut
from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts import schemas as bodies
from jprcc.core.accounts.auth import login as login_with_password
from jprcc.core.accounts.guard import LoginGuard
from jprcc.core.authorization import director_reads
from jprcc.core.contract import Action, Call
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.wire import command_from

router = APIRouter(prefix="/api", tags=["accounts"])
Username = Annotated[str, Path(pattern=r"^[a-z][a-z0-9._-]{1,31}$")]


@router.post("/auth/token", summary="Log in: exchange username and password for a bearer token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    bus: BusDep,
    node: NodeDep,
    request: Request,
    response: Response,
) -> TokenOut:
    source = request.client.host if request.client else "unknown"
    secret, token = login_with_password(node.queries, bus, form.username[:64], form.password[:256], source)
    actor = node.queries.actor_for_token(secret)
    response.set_cookie(
        TOKEN_COOKIE,
        secret,
        max_age=node.settings.token_ttl_s,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https",
    )
    response.headers["Cache-Control"] = "no-store"  # a token is never kept by a cache
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


def me(call: Call) -> MeOut:
    queries = call.node.queries
    user = UserOut.model_validate(queries.user(call.actor.username), from_attributes=True)
    return MeOut(**user.model_dump(), report_components=queries.report_components(call.actor))


def _user(call: Call, username: str) -> UserOut:
    return UserOut.model_validate(call.node.queries.user(username), from_attributes=True)


def create_user(call: Call) -> UserOut:
    call.node.bus.handle(command_from(cmd.CreateUser, call.body), call.actor)
    return _user(call, call.body.username)


def change_password(call: Call) -> None:
    call.node.bus.handle(command_from(cmd.ChangePassword, call.body, **call.path), call.actor)


def unlock(call: Call) -> UserOut:
    call.node.bus.handle(command_from(cmd.UnlockAccount, call.body, **call.path), call.actor)
    # the owner may log in at once: this process forgets the refusals it was throttling the
    # account for (another process throttles it for the rest of its minute at most)
    call.node.service(LoginGuard).forget(call.path["username"])
    return _user(call, call.path["username"])


def set_active(call: Call) -> UserOut:
    call.node.bus.handle(command_from(cmd.SetUserActive, call.body, **call.path), call.actor)
    return _user(call, call.path["username"])


USER = {"username": Username}
TAGS = ("accounts",)
ACTIONS: tuple[Action, ...] = (
    Action(
        "accounts.me",
        "GET",
        "/api/me",
        "Who you are logged in as, and what you may report",
        me,
        response=MeOut,
        tags=TAGS,
    ),
    Action(
        "accounts.users",
        "GET",
        "/api/users",
        "All accounts (JPRCC director)",
        lambda call: [UserOut.model_validate(u, from_attributes=True) for u in call.node.queries.users()],
        response=list[UserOut],
        tags=TAGS,
        allow=director_reads,
        why="only the JPRCC director reads the account list",
    ),
    Action(
        "accounts.create_user",
        "POST",
        "/api/users",
        "Create an account (JPRCC director)",
        create_user,
        body=bodies.UserCreate,
        response=UserOut,
        status_code=201,
        command=cmd.CreateUser,
        tags=TAGS,
    ),
    Action(
        "accounts.password",
        "POST",
        "/api/users/{username}/password",
        "Change a password (yours, or as director)",
        change_password,
        body=bodies.PasswordIn,
        path_params=USER,
        status_code=204,
        command=cmd.ChangePassword,
        tags=TAGS,
    ),
    Action(
        "accounts.unlock",
        "POST",
        "/api/users/{username}/unlock",
        "Unlock an account locked after wrong passwords (JPRCC director)",
        unlock,
        body=bodies.UnlockIn,
        path_params=USER,
        response=UserOut,
        command=cmd.UnlockAccount,
        tags=TAGS,
        description="The wrong passwords counted go back to none; the unlock and its reason are in the log.",
    ),
    Action(
        "accounts.active",
        "POST",
        "/api/users/{username}/active",
        "Activate or deactivate an account (JPRCC director)",
        set_active,
        body=bodies.ActiveIn,
        path_params=USER,
        response=UserOut,
        command=cmd.SetUserActive,
        tags=TAGS,
    ),
)
