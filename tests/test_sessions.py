"""A server process remembers the sessions it looked up, and a request it knows reads no token:
but a logout, a deactivated account or a new password ends the session at once in this process
and, on PostgreSQL, in every other; an expired token is refused on its first use past expiry;
nothing remembered outlives ``max_age_s``; a lookup that raced a session's end keeps nothing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from jprcc.api.app import create_app
from jprcc.core.accounts import commands as cmd
from jprcc.core.accounts.auth import login
from jprcc.core.accounts.sessions import Sessions
from jprcc.core.clock import ManualClock
from jprcc.core.errors import AuthenticationFailed
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node
from tests.conftest import Cast

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
ALICE = Actor("alice", Role.JPRCC_CONTROLLER)
BOB = Actor("bob", Role.PRCC_OFFICER, "JFACC")


class Store:
    """The store's lookup, counted: the sessions it holds, by token."""

    def __init__(self) -> None:
        self.sessions: dict[str, tuple[Actor, datetime]] = {}
        self.reads = 0
        self.during_read = lambda: None

    def __call__(self, token: str) -> tuple[Actor, datetime]:
        self.reads += 1
        self.during_read()
        if token not in self.sessions:
            raise AuthenticationFailed("invalid or expired token; log in again")
        return self.sessions[token]


@pytest.fixture
def store() -> Store:
    found = Store()
    found.sessions = {"a1": (ALICE, NOW + timedelta(hours=8)), "b1": (BOB, NOW + timedelta(minutes=5))}
    return found


class TestMemory:
    def test_a_session_is_read_once_then_answered_from_memory(self, store: Store):
        sessions = Sessions(store, lambda: NOW)
        assert sessions.known("a1") is None
        assert sessions.actor("a1") == ALICE
        assert [sessions.actor("a1") for _ in range(5)] == [ALICE] * 5
        assert sessions.known("a1") == ALICE
        assert store.reads == 1

    def test_an_expired_session_is_not_answered_from_memory(self, store: Store):
        now = [NOW]
        sessions = Sessions(store, lambda: now[0])
        assert sessions.actor("b1") == BOB
        now[0] = NOW + timedelta(minutes=5)  # its expiry: the store's lookup refuses it too
        assert sessions.known("b1") is None
        store.sessions.pop("b1")
        with pytest.raises(AuthenticationFailed):
            sessions.actor("b1")

    def test_nothing_remembered_outlives_its_max_age(self, store: Store):
        sessions = Sessions(store, lambda: NOW, max_age_s=0.05)
        sessions.actor("a1")
        time.sleep(0.08)
        assert sessions.known("a1") is None
        store.sessions.pop("a1")  # ended by a process that could not tell this one
        with pytest.raises(AuthenticationFailed):
            sessions.actor("a1")

    def test_forgetting_a_user_forgets_only_that_users_sessions(self, store: Store):
        store.sessions["a2"] = (ALICE, NOW + timedelta(hours=1))
        sessions = Sessions(store, lambda: NOW)
        for token in ("a1", "a2", "b1"):
            sessions.actor(token)
        sessions.forget(["alice"])
        assert sessions.known("a1") is None
        assert sessions.known("a2") is None
        assert sessions.known("b1") == BOB
        sessions.forget()
        assert sessions.known("b1") is None

    def test_a_lookup_that_raced_a_session_ending_keeps_nothing(self, store: Store):
        """The store answered "valid" just before the logout committed; the logout's forgetting
        ran while that answer was on its way: it must not be remembered."""
        sessions = Sessions(store, lambda: NOW)
        store.during_read = lambda: sessions.forget(["alice"])
        assert sessions.actor("a1") == ALICE  # (this request began before the logout)
        store.during_read = lambda: None
        assert sessions.known("a1") is None
        sessions.actor("a1")
        assert sessions.known("a1") == ALICE

    def test_an_unknown_token_is_never_remembered(self, store: Store):
        sessions = Sessions(store, lambda: NOW)
        for _ in range(3):
            with pytest.raises(AuthenticationFailed):
                sessions.actor("forged")
        assert store.reads == 3

    def test_the_memory_is_bounded(self, store: Store):
        for i in range(10):
            store.sessions[f"t{i}"] = (Actor(f"u{i}", Role.JPRCC_CONTROLLER), NOW + timedelta(hours=1))
        sessions = Sessions(store, lambda: NOW, capacity=4)
        for i in range(10):
            sessions.actor(f"t{i}")
        assert [sessions.known(f"t{i}") is not None for i in range(10)] == [False] * 6 + [True] * 4

    def test_the_token_itself_is_not_kept(self, store: Store):
        sessions = Sessions(store, lambda: NOW)
        sessions.actor("a1")
        assert "a1" not in sessions._known  # its hash is the key


def _token(node: Node, cast: Cast, username: str) -> str:
    return login(node.queries, node.bus, username, cast.passwords[username])[0]


def _tokens_read(node: Node) -> list[str]:
    heard: list[str] = []

    def listen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "tokens" in statement:
            heard.append(statement)

    event.listen(node.database.engine, "before_cursor_execute", listen)
    return heard


class TestOnTheNode:
    def test_a_known_session_is_served_without_reading_its_token(self, sqlite_node: Node, sqlite_cast: Cast):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            token = client.post(
                "/api/auth/token", data={"username": "jfacc", "password": sqlite_cast.passwords["jfacc"]}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/me", headers=headers).status_code == 200
            heard = _tokens_read(sqlite_node)
            for _ in range(5):
                assert client.get("/api/me", headers=headers).status_code == 200
            assert heard == []

    @pytest.mark.parametrize(
        "ending",
        ["logout", "deactivated", "new password"],
    )
    def test_a_session_ended_is_refused_at_once(self, sqlite_node: Node, sqlite_cast: Cast, ending: str):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            token = client.post(
                "/api/auth/token", data={"username": "jfacc", "password": sqlite_cast.passwords["jfacc"]}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/me", headers=headers).status_code == 200  # remembered now
            if ending == "logout":
                assert client.post("/api/auth/logout", headers=headers).status_code == 204
            elif ending == "deactivated":
                sqlite_node.bus.handle(
                    cmd.SetUserActive(username="jfacc", active=False), sqlite_cast["director"]
                )
            else:
                sqlite_node.bus.handle(
                    cmd.ChangePassword(username="jfacc", new_password="another long passphrase 42"),
                    sqlite_cast["director"],
                )
            refused = client.get("/api/me", headers=headers)
        assert refused.status_code == 401

    def test_an_expired_session_is_refused_on_its_first_use_past_expiry(
        self, sqlite_node: Node, sqlite_cast: Cast, clock: ManualClock
    ):
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            answer = client.post(
                "/api/auth/token", data={"username": "jfacc", "password": sqlite_cast.passwords["jfacc"]}
            ).json()
            headers = {"Authorization": f"Bearer {answer['access_token']}"}
            assert client.get("/api/me", headers=headers).status_code == 200
            clock.advance(
                datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))
                - clock()
                + timedelta(seconds=1)
            )
            assert client.get("/api/me", headers=headers).status_code == 401


def test_a_session_ended_on_one_process_ends_on_the_other(two_processes):
    """Two server processes over one store. On PostgreSQL the second forgets the session as the
    first commits its end (its memory would otherwise hold it for a minute here); on SQLite, which
    cannot notify, within the memory's age."""
    first, second, cast = two_processes
    postgres = not second.database.is_sqlite
    second.sessions.max_age_s = 60.0 if postgres else 0.5
    if postgres:
        second.start_listening()
        assert second._listener.listening.wait(10)
    try:
        token = _token(first, cast, "jfacc")
        assert second.sessions.actor(token).username == "jfacc"
        assert second.sessions.known(token) is not None
        first.bus.handle(cmd.RevokeToken(token=token), cast["jfacc"])
        deadline = time.monotonic() + (5.0 if postgres else 2.0)
        while second.sessions.known(token) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(AuthenticationFailed):
            second.sessions.actor(token)
        if postgres:  # forgotten by the notification, not by age
            assert time.monotonic() < deadline
    finally:
        second.stop_listening()


def test_a_request_racing_a_logout_is_answered_with_the_session_it_began_with_or_refused(
    sqlite_node: Node, sqlite_cast: Cast
):
    """Forty requests on one session while it is logged out: each is answered 200 or 401, and once
    the logout is answered every later request is refused."""
    with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
        token = client.post(
            "/api/auth/token", data={"username": "jfacc", "password": sqlite_cast.passwords["jfacc"]}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        codes: list[int] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                codes.append(client.get("/api/me", headers=headers).status_code)

        askers = [threading.Thread(target=ask) for _ in range(4)]
        for t in askers:
            t.start()
        time.sleep(0.2)
        assert client.post("/api/auth/logout", headers=headers).status_code == 204
        after = [client.get("/api/me", headers=headers).status_code for _ in range(10)]
        stop.set()
        for t in askers:
            t.join()
    assert set(codes) <= {200, 401}
    assert 200 in codes
    assert after == [401] * 10
