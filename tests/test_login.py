"""Password guessing: after the set number of wrong passwords an account is locked — the right
password refused too — until the JPRCC director lifts it; every refusal for an account is in the
audit chain with where it came from; tries are rate-limited per account and per address, and only
so many passwords are hashed at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.accounts.guard import LoginGuard
from jprcc.core.accounts.security import Passwords
from jprcc.core.clock import ManualClock
from jprcc.core.errors import Overloaded, RateLimited
from jprcc.core.node import Node, bootstrap
from tests.conftest import Cast, fast_settings, load_theater

RIGHT = "demo-jfacc"


@pytest.fixture
def strict(store_url: str, tmp_path: Path, clock: ManualClock) -> Node:
    settings = fast_settings(store_url, tmp_path).model_copy(
        update={"login_lock_after": 3, "login_rate_per_minute": 50}
    )
    node = bootstrap(settings, clock=clock, migrate=True)
    yield node
    node.close()


def log_in(client: TestClient, username: str, password: str):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def logins_of(node: Node, username: str) -> list[tuple[str, dict]]:
    with node.database.read() as conn:
        found = node.queries.log(conn).read(stream_id=f"user:{username}")
        return [
            (
                r.event.type_name,
                {k: getattr(r.event, k) for k in ("reason", "failures", "source") if hasattr(r.event, k)},
            )
            for r in found
            if r.event.type_name in ("login_failed", "account_locked", "account_unlocked", "user_logged_in")
        ]


class TestLockOut:
    def test_after_the_set_number_of_wrong_passwords_the_right_one_is_refused_until_the_director_lifts_it(
        self, strict: Node, clock: ManualClock
    ):
        cast: Cast = load_theater(strict, clock)
        with TestClient(create_app(strict, sweep_alerts=False)) as client:
            for _ in range(3):
                wrong = log_in(client, "jfacc", "not-the-password")
                assert wrong.status_code == 401
            refused = log_in(client, "jfacc", RIGHT)
            assert refused.status_code == 423
            assert "locked" in refused.json()["message"]
            assert "director" in refused.json()["message"]
            director = log_in(client, "director", cast.passwords["director"]).json()["access_token"]
            auth = {"Authorization": f"Bearer {director}"}
            shown = {u["username"]: u for u in client.get("/api/users", headers=auth).json()}
            assert shown["jfacc"]["locked_at"] is not None
            assert shown["jfacc"]["failed_logins"] == 3
            no_reason = client.post("/api/users/jfacc/unlock", json={"reason": ""}, headers=auth)
            assert no_reason.status_code == 422
            jfmcc = log_in(client, "jfmcc", cast.passwords["jfmcc"]).json()["access_token"]
            not_theirs = client.post(
                "/api/users/jfacc/unlock", json={"reason": "me"}, headers={"Authorization": f"Bearer {jfmcc}"}
            )
            assert not_theirs.status_code == 403
            lifted = client.post(
                "/api/users/jfacc/unlock", json={"reason": "called the JFACC PRCC: typo"}, headers=auth
            )
            assert lifted.status_code == 200, lifted.text
            assert lifted.json()["locked_at"] is None
            assert lifted.json()["failed_logins"] == 0
            assert log_in(client, "jfacc", RIGHT).status_code == 200
        trail = logins_of(strict, "jfacc")
        assert [t for t, _ in trail] == [
            "login_failed",
            "login_failed",
            "login_failed",
            "account_locked",
            "login_failed",
            "account_unlocked",
            "user_logged_in",
        ]
        assert [d.get("failures") for t, d in trail if t == "login_failed"] == [1, 2, 3, 3]
        assert trail[4][1]["reason"] == "locked"
        assert all(d["source"] == "testclient" for t, d in trail if t == "login_failed")

    def test_a_good_login_starts_the_count_again(self, strict: Node, clock: ManualClock):
        load_theater(strict, clock)
        with TestClient(create_app(strict, sweep_alerts=False)) as client:
            for _ in range(2):
                assert log_in(client, "jfacc", "wrong-wrong").status_code == 401
            assert log_in(client, "jfacc", RIGHT).status_code == 200
            for _ in range(2):
                assert log_in(client, "jfacc", "wrong-wrong").status_code == 401
            assert log_in(client, "jfacc", RIGHT).status_code == 200  # never three in a row

    def test_a_name_that_is_no_account_is_refused_alike_and_writes_nothing_to_the_log(
        self, strict: Node, clock: ManualClock
    ):
        load_theater(strict, clock)
        before = strict.queries.events_after(0, limit=100_000)
        with TestClient(create_app(strict, sweep_alerts=False)) as client:
            answer = log_in(client, "nobody", "whatever-it-is")
        assert answer.status_code == 401
        assert answer.json()["message"] == log_in_refusal()
        assert len(strict.queries.events_after(0, limit=100_000)) == len(before)


def log_in_refusal() -> str:
    from jprcc.core.accounts.auth import REFUSED

    return REFUSED


class TestTheGuard:
    def test_tries_beyond_the_rate_are_refused_with_when_to_come_back(
        self, sqlite_node: Node, clock: ManualClock
    ):
        load_theater(sqlite_node, clock)
        with TestClient(create_app(sqlite_node, sweep_alerts=False)) as client:
            answers = [log_in(client, f"user{i}", "guessing-away").status_code for i in range(10)]
            assert answers == [401] * 10  # ten made-up names from one address: the rate of that address
            over = log_in(client, "user10", "guessing-away")
            assert over.status_code == 429
            assert int(over.headers["Retry-After"]) >= 1
            assert over.json()["error"] == "rate_limited"

    def test_one_account_is_limited_from_every_address_and_one_address_for_every_account(self):
        guard = LoginGuard(rate_per_minute=3, concurrency=2)
        for n in range(3):
            guard.admit("jfacc", f"10.0.0.{n}")
            guard.refused("jfacc", f"10.0.0.{n}")
        with pytest.raises(RateLimited) as refused:
            guard.admit("jfacc", "10.0.0.99")
        assert 0 < refused.value.retry_after_s <= 60
        for name in ("a", "b", "c"):
            guard.admit(name, "10.9.9.9")
            guard.refused(name, "10.9.9.9")
        with pytest.raises(RateLimited):
            guard.admit("d", "10.9.9.9")

    def test_good_logins_never_count(self):
        guard = LoginGuard(rate_per_minute=3, concurrency=2)
        for _ in range(50):
            guard.admit("controller", "127.0.0.1")  # a script logging in for each of its commands

    def test_only_so_many_passwords_are_hashed_at_once(self):
        guard = LoginGuard(rate_per_minute=100, concurrency=1, wait_s=0.1)
        inside, leave = threading.Event(), threading.Event()

        def hold() -> None:
            with guard.hashing():
                inside.set()
                leave.wait(5)

        holder = threading.Thread(target=hold)
        holder.start()
        inside.wait(5)
        try:
            with pytest.raises(Overloaded) as refused, guard.hashing():
                pass
            assert refused.value.retry_after_s
        finally:
            leave.set()
            holder.join()
        with guard.hashing():
            pass  # free again


def test_the_cli_unlocks_and_lists_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
):
    from typer.testing import CliRunner

    from jprcc.cli import app, state
    from jprcc.core.accounts import commands as cmd
    from jprcc.core.accounts.auth import LOGIN
    from tests.conftest import make_node

    node = make_node(f"sqlite:///{tmp_path / 'jprcc.sqlite3'}", tmp_path, clock)
    load_theater(node, clock)
    for _ in range(5):
        node.bus.handle(
            cmd.RecordLoginFailure(
                username="jfacc", source="10.1.1.1", reason="wrong_password", lock_after=5
            ),
            LOGIN,
        )
    node.close()
    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JPRCC_USER", raising=False)
    monkeypatch.delenv("JPRCC_PASSWORD", raising=False)
    state.node = None
    runner = CliRunner()
    listed = runner.invoke(app, ["users", "list"])
    assert listed.exit_code == 0, listed.output
    assert "since" in next(line for line in listed.output.splitlines() if "jfacc" in line)
    unlocked = runner.invoke(app, ["users", "unlock", "jfacc", "--reason", "identity checked by phone"])
    assert unlocked.exit_code == 0, unlocked.output
    listed = runner.invoke(app, ["users", "list"])
    assert "since" not in next(line for line in listed.output.splitlines() if "jfacc" in line)
    state.node = None


class TestPasswordChange:
    def test_wrong_current_passwords_are_wrong_passwords_counted_toward_the_lock_out(
        self, strict: Node, clock: ManualClock
    ):
        """An officer's session left open is no way round the lock-out: each wrong current password
        is recorded and counted as a wrong login would be."""
        load_theater(strict, clock)
        with TestClient(create_app(strict, sweep_alerts=False)) as client:
            token = log_in(client, "jfacc", RIGHT).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            for _ in range(3):
                wrong = client.post(
                    "/api/users/jfacc/password",
                    json={"current_password": "guess", "new_password": "a-new-long-password"},
                    headers=auth,
                )
                assert wrong.status_code == 401
                assert wrong.json()["field"] == "current_password"
            assert log_in(client, "jfacc", RIGHT).status_code == 423
        trail = logins_of(strict, "jfacc")
        assert [t for t, _ in trail] == [
            "user_logged_in",
            "login_failed",
            "login_failed",
            "login_failed",
            "account_locked",
            "login_failed",
        ]
        assert [d["source"] for t, d in trail if t == "login_failed"][:3] == ["password change"] * 3


class LockProbe(Passwords):
    """The real hasher, noting at each hash and verification whether the store's write lock was
    free (a second connection could take it at once)."""

    def __init__(self, path: Path) -> None:
        super().__init__(time_cost=1, memory_kib=64)
        self.path = path
        self.free: list[bool] = []

    def _probe(self) -> None:
        import sqlite3

        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            self.free.append(True)
        except sqlite3.OperationalError:
            self.free.append(False)
        finally:
            other.close()

    def hash(self, password: str) -> str:
        self._probe()
        return super().hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        self._probe()
        return super().verify(password_hash, password)


def test_no_password_is_hashed_or_verified_while_the_write_lock_is_held(tmp_path: Path, clock: ManualClock):
    """A wrong current password, a new password, a new account: argon2 runs before the write
    transaction, so a stream of them never holds up the commands of the people working incidents."""
    from jprcc.core.accounts import commands as accounts
    from jprcc.core.errors import AuthenticationFailed
    from jprcc.core.model import Actor, Role

    path = tmp_path / "jprcc.sqlite3"
    probe = LockProbe(path)
    node = bootstrap(
        fast_settings(f"sqlite:///{path}", tmp_path),
        clock=clock,
        migrate=True,
        services={Passwords: lambda n: probe},
    )
    try:
        cast = load_theater(node, clock)
        director, jfacc = cast["director"], cast["jfacc"]
        node.bus.handle(
            accounts.CreateUser(username="osei", password="a-long-password", role=Role.JPRCC_CONTROLLER),
            director,
        )
        node.bus.handle(
            accounts.ChangePassword(
                username="jfacc", current_password=RIGHT, new_password="another-password"
            ),
            jfacc,
        )
        with pytest.raises(AuthenticationFailed):
            node.bus.handle(
                accounts.ChangePassword(username="jfacc", current_password="guess", new_password="x" * 12),
                jfacc,
            )
        node.bus.handle(
            accounts.ChangePassword(username="osei", new_password="reset-by-the-director"),
            Actor.system("admin"),
        )
    finally:
        node.close()
    assert len(probe.free) >= 5
    assert all(probe.free), probe.free
