"""Property-based fuzzing of the whole API from its OpenAPI: no input produces a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.node import Node, bootstrap
from jprcc.core.settings import Settings
from jprcc.demo import load_demo
from tests.conftest import T0, fast_settings

SETTINGS = settings(
    max_examples=12, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
DEEP = settings(SETTINGS, max_examples=150, derandomize=False)
"""The long run (``make test-long``, in CI too): many more examples, freshly drawn each run."""


@pytest.fixture(scope="module")
def fuzzed_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One store for the whole fuzzing run: what earlier examples created, later ones meet."""
    folder = tmp_path_factory.mktemp("fuzz")
    # the fuzzer's own wrong logins would soon rate-limit the callers' logins from the same client:
    # the limits have their own tests (test_login); here they are set out of the way
    settings = fast_settings(f"sqlite:///{folder / 'fuzz.sqlite3'}", folder).model_copy(
        update={"login_rate_per_minute": 10_000, "login_lock_after": 100}
    )
    node = bootstrap(settings, clock=ManualClock(T0), migrate=True)
    load_demo(node)
    yield node
    node.close()


@pytest.fixture(scope="module")
def fuzzed_app(fuzzed_node: Node) -> FastAPI:
    return create_app(fuzzed_node, sweep_alerts=False)


def _schema() -> schemathesis.BaseSchema:
    """The OpenAPI document of the app (built on an unconnected in-memory store)."""
    document = create_app(
        bootstrap(Settings(database_url="sqlite://"), migrate=False), sweep_alerts=False
    ).openapi()
    # the live feed streams until the client leaves; logging out would end the fuzzing session
    return schemathesis.openapi.from_dict(document).exclude(path_regex=r"^/api/(feed|auth/logout)$")


schema = _schema()
OPERATIONS = frozenset(result.ok().label for result in schema.get_all_operations())

exercised: dict[str, set[str]] = {}
"""For each fuzzing test that ran: the operations it really called (see the guard below)."""


@pytest.fixture(scope="module", autouse=True)
def every_operation_was_fuzzed() -> Iterator[None]:
    """Fail loudly when a fuzzing test silently ran only part of the API.

    Schemathesis runs the operations of one parametrized test as subtests; some runners (pytest-xdist
    among them) collapse that to a single operation while still reporting a pass. The suite runs this
    file outside xdist, and this guard makes any such collapse a failure instead of a quiet green.
    """
    yield
    for test, labels in exercised.items():
        missing = OPERATIONS - labels
        ran = f"{test} fuzzed {len(labels)} of {len(OPERATIONS)} operations"
        assert not missing, f"{ran}; never {sorted(missing)[:5]}…"


class Caller:
    """One logged-in client for all the examples of one operation."""

    def __init__(self, client: TestClient, username: str, test: str) -> None:
        self.client = client
        self.exercised = exercised.setdefault(test, set())
        token = client.post("/api/auth/token", data={"username": username, "password": f"demo-{username}"})
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.cookies.clear()

    def __call__(self, case: schemathesis.Case) -> Any:
        self.exercised.add(case.operation.label)
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=self.headers)
        for unused in ("timeout", "allow_redirects", "verify"):
            kwargs.pop(unused, None)
        self.client.cookies.clear()
        self.client.cookies.update(kwargs.pop("cookies", None) or {})
        if isinstance(kwargs.get("data"), bytes | str):
            kwargs["content"] = kwargs.pop("data")
        # a header value HTTP cannot carry (not ASCII) is never sent by a real client: drop it
        headers = kwargs.get("headers") or {}
        kwargs["headers"] = {k: v for k, v in headers.items() if isinstance(v, str) and v.isascii()}
        return self.client.request(**kwargs)


@pytest.fixture(scope="module")
def client(fuzzed_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(fuzzed_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def as_director(client: TestClient, request: pytest.FixtureRequest) -> Caller:
    return Caller(client, "director", request.function.__name__)


@pytest.fixture
def as_officer(client: TestClient, request: pytest.FixtureRequest) -> Caller:
    return Caller(client, "jfmcc", request.function.__name__)


# the fixed examples run with the long checks too (make test-long, which CI runs): a pass over every
# operation costs three minutes of one core, a third of make test's budget on two
@pytest.mark.long
@schema.parametrize()
@SETTINGS
def test_no_input_makes_the_director_see_a_server_error(case: schemathesis.Case, as_director: Caller) -> None:
    case.validate_response(as_director(case), checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.long
@schema.parametrize()
@SETTINGS
def test_no_input_makes_a_component_officer_see_a_server_error(
    case: schemathesis.Case, as_officer: Caller
) -> None:
    case.validate_response(as_officer(case), checks=[not_a_server_error])


@pytest.mark.long
@schema.parametrize()
@DEEP
def test_deep_fuzzing_finds_no_server_error_for_the_director(
    case: schemathesis.Case, as_director: Caller
) -> None:
    case.validate_response(as_director(case), checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.long
@schema.parametrize()
@DEEP
def test_deep_fuzzing_finds_no_server_error_for_a_component_officer(
    case: schemathesis.Case, as_officer: Caller
) -> None:
    case.validate_response(as_officer(case), checks=[not_a_server_error])
