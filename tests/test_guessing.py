"""A password-guessing run against a real server, with the production argon2 cost: a guesser
hammering one officer's account at the pace a probe measured ends in a lock-out (the right
password refused too) until the director lifts it; every refusal for the account is in the audit
chain; and the people working incidents keep logging in and writing meanwhile, none refused, none
answered 5xx. (A probe measured 60 wrong passwords in 26 s, each answered 401, then the right one
logged in.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from jprcc.api.app import create_app
from jprcc.core.accounts import commands as accounts
from jprcc.core.model import Actor
from jprcc.core.node import bootstrap
from jprcc.core.settings import Settings
from tests.conftest import demo_copy
from tests.server import serving
from tests.test_login import logins_of

pytestmark = pytest.mark.long

SECRET = "a-real-officer-password-41"


def _from(url: str, address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (another loopback address: the guesser,
    the officer at work and the director are at different machines)."""
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def test_sixty_guesses_end_in_a_lock_out_while_the_cell_keeps_working(tmp_path: Path, demo_snapshot: Path):
    settings = Settings(
        database_url=demo_copy(demo_snapshot, tmp_path), data_dir=tmp_path
    )  # argon2 as shipped
    node = bootstrap(settings, migrate=True)
    system = Actor.system("admin")
    node.bus.handle(accounts.ChangePassword(username="jfacc", new_password=SECRET), system)
    node.bus.handle(accounts.ChangePassword(username="jfmcc", new_password=SECRET), system)
    statuses: list[int] = []
    worker_times: list[float] = []
    worker_problems: list[str] = []
    stop = threading.Event()
    try:
        with serving(create_app(node, sweep_alerts=False)) as url:

            def officer_at_work() -> None:
                with _from(url, "127.0.0.2") as client:
                    while not stop.is_set():
                        started = time.perf_counter()
                        login = client.post("/api/auth/token", data={"username": "jfmcc", "password": SECRET})
                        if login.status_code != 200:
                            worker_problems.append(f"login {login.status_code}")
                            continue
                        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
                        wrote = client.post(
                            "/api/incidents/PR-RAVEN21/narrative",
                            json={"text": "still working"},
                            headers=auth,
                        )
                        if wrote.status_code not in (200, 403):
                            worker_problems.append(f"narrative {wrote.status_code}")
                        worker_times.append(time.perf_counter() - started)
                        time.sleep(0.2)

            worker = threading.Thread(target=officer_at_work)
            worker.start()
            started = time.perf_counter()
            with _from(url, "127.0.0.9") as guesser:
                for i in range(60):
                    guess = guesser.post(
                        "/api/auth/token", data={"username": "jfacc", "password": f"guess-{i:04d}"}
                    )
                    statuses.append(guess.status_code)
                    time.sleep(0.3)  # the probe's pace: 60 in 26 s
                guessing_s = time.perf_counter() - started
                right_there = guesser.post("/api/auth/token", data={"username": "jfacc", "password": SECRET})
            with _from(url, "127.0.0.4") as owner:
                right = owner.post("/api/auth/token", data={"username": "jfacc", "password": SECRET})
            stop.set()
            worker.join()
            with _from(url, "127.0.0.3") as director:
                token = director.post(
                    "/api/auth/token", data={"username": "director", "password": "demo-director"}
                )
                auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
                lifted = director.post(
                    "/api/users/jfacc/unlock", json={"reason": "guessing from one address"}, headers=auth
                )
            with _from(url, "127.0.0.4") as owner:
                again = owner.post("/api/auth/token", data={"username": "jfacc", "password": SECRET})
        trail = logins_of(node, "jfacc")
    finally:
        stop.set()
        node.close()

    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(
        f"\n60 guesses in {guessing_s:.1f} s: {counts}; the right password then: "
        f"{right_there.status_code} from the guesser's address, {right.status_code} from the owner's; "
        f"the officer at work: {len(worker_times)} logins+writes, p99 {_p99(worker_times) * 1000:.0f} ms, "
        f"{len(worker_problems)} refused"
    )
    assert statuses[: settings.login_lock_after] == [401] * settings.login_lock_after
    assert set(statuses[settings.login_lock_after :]) <= {423, 429}  # locked, or told to slow down
    assert not any(s >= 500 for s in statuses)
    assert right_there.status_code in (423, 429)  # never logged in
    assert right.status_code in (423, 429)  # the account is locked (and, for a minute, throttled)
    assert lifted.status_code == 200
    assert again.status_code == 200
    assert worker_problems == []
    assert worker_times
    kinds = [t for t, _ in trail]
    assert kinds[: settings.login_lock_after + 1] == ["login_failed"] * settings.login_lock_after + [
        "account_locked"
    ]
    assert kinds[-2:] == ["account_unlocked", "user_logged_in"]
