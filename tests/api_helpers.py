"""An API client per test, logged in as the demo accounts."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Cast


class Api:
    def __init__(self, client: TestClient, cast: Cast) -> None:
        self.client = client
        self.cast = cast
        self._tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._tokens:
            answer = self.client.post(
                "/api/auth/token", data={"username": username, "password": self.cast.passwords[username]}
            )
            assert answer.status_code == 200, answer.text
            self._tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def post(self, username: str, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        answer = self.client.post(path, json=body or {}, headers=self.headers(username))
        assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def put(self, username: str, path: str, body: dict[str, Any], status: int = 200) -> Any:
        answer = self.client.put(path, json=body, headers=self.headers(username))
        assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def get(self, username: str, path: str, status: int = 200, **params: Any) -> Any:
        # params=None keeps a query string written into the path; an empty dict would drop it
        answer = self.client.get(path, params=params or None, headers=self.headers(username))
        assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()
