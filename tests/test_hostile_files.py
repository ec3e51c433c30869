"""Hostile files, wherever files come in: the ISOPREP roster (CSV and forms), the threat-decision
matrix (YAML), message templates, asset and threat imports (GeoJSON, KML, CSV), scenario files.
Huge fields, NUL, odd encodings, YAML bombs and deep nesting, formula cells, truncated files: each
is answered 4xx naming what it refuses, the answer stays small, and nothing stored changes. The
fixed cases run in the suite; the hypothesis-driven search runs with the long checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jprcc.api.app import create_app
from jprcc.core import safe_yaml
from jprcc.core.node import Node, bootstrap
from tests.conftest import Cast, demo_copy, fast_settings

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    + "".join(f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("bcdefgh", "cdefghi", strict=True))
)
DEEP = "rows: " + "[" * 5000 + "]" * 5000
NUL = "threat_levels: {low: 0.1}\nrows: [{recommend: immediate\x00, approval: component, why: x}]\n"


class TestYamlIsReadSafely:
    def test_a_billion_laughs_is_refused_before_it_expands_and_the_answer_is_short(self):
        with pytest.raises(safe_yaml.YamlRefused) as refused:
            safe_yaml.load(BOMB)
        assert "anchors and aliases" in str(refused.value)
        assert "line 1" in str(refused.value)
        assert len(str(refused.value)) < 200

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            (DEEP, "nested deeper than"),
            (NUL, r"control character \(U\+0000\)"),
            (b"rows: [\xff\xfe]", "not UTF-8"),
            ("rows: [1, 2", "not YAML"),
            ("- " * 50 + "x", "nested deeper than"),
        ],
    )
    def test_deep_broken_and_binary_texts_are_refused_by_line(self, text, named):
        with pytest.raises(safe_yaml.YamlRefused, match=named):
            safe_yaml.load(text)

    def test_ordinary_files_and_several_documents_read_as_before(self):
        assert safe_yaml.load("a: {b: [1, 2.5, x, null, true]}") == {"a": {"b": [1, 2.5, "x", None, True]}}
        assert safe_yaml.load_all("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]


@pytest.fixture
def served(tmp_path: Path, demo_snapshot: Path) -> Iterator[tuple[Node, TestClient, dict[str, str]]]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        token = client.post("/api/auth/token", data={"username": "director", "password": "demo-director"})
        yield node, client, {"Authorization": f"Bearer {token.json()['access_token']}"}
    node.close()


def refused_whole(node: Node, answer, before: int) -> None:
    assert 400 <= answer.status_code < 500, answer.text[:300]
    problem = answer.json()
    assert problem["field"], problem
    assert len(answer.content) < 20_000, "the refusal echoes the file"
    assert node.queries.last_seq() == before, "something was stored"


class TestEveryImportPathAnswersByName:
    def test_the_matrix(self, served):
        node, client, director = served
        before = node.queries.last_seq()
        version = client.get("/api/intel/matrix", headers=director).json()["version"]
        for text in (BOMB, DEEP, NUL, "rows: [1, 2"):
            answer = client.put("/api/intel/matrix", json={"text": text}, headers=director)
            refused_whole(node, answer, before)
            assert "text" in answer.json()["field"] + answer.json()["message"]
        assert client.get("/api/intel/matrix", headers=director).json()["version"] == version

    def test_the_isoprep_roster(self, served):
        node, client, director = served
        before = node.queries.last_seq()
        header = "name,service,unit,component_id,review_date,prompt_1,answer_1\n"
        for text in (
            header + "A," + "x" * 200_000 + ",u,JFACC,2026-01-01,p,a\n",  # over the csv module's field limit
            header + 'A,"unclosed,u,JFACC\n',
            header + "A\x00,USAF,u,JFACC,2026-01-01,p,a\n",
            header.encode("utf-16").decode("latin-1"),
            header + '=HYPERLINK("http://x"),USAF,u,JFACC,not-a-date,p,a\n',
        ):
            refused_whole(
                node, client.post("/api/records/import", json={"csv": text}, headers=director), before
            )
        forms = [{"name": "A", "nested": [[[[[[[[[[[]]]]]]]]]]], "service": "X" * 100_000}]
        refused_whole(
            node, client.post("/api/records/import", json={"forms": forms}, headers=director), before
        )

    def test_a_message_template(self, served):
        node, client, director = served
        before = node.queries.last_seq()
        for text in (
            "{{ incident." + "x." * 5000 + "id }}",
            "{% for a in range(10**9) %}{% endfor %}\x00",
            "{{ " * 300,
        ):
            answer = client.put("/api/messages/templates/sitrep", json={"text": text}, headers=director)
            refused_whole(node, answer, before)

    def test_assets_and_threats(self, served):
        node, client, director = served
        before = node.queries.last_seq()
        files = [
            ("csv", "asset_id,lat,lon\n" + "A," + "9" * 300_000 + ",1\n"),
            ("csv", "asset_id,lat,lon\n=cmd|' /C calc'!A0,91,9\n"),
            ("geojson", '{"type": "FeatureCollection", "features": [' + "[" * 10_000 + "]" * 10_000 + "]}"),
            ("kml", '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "' + "a" * 1000 + '">]><kml>&a;&a;</kml>'),
            ("kml", "<kml><Document><Placemark><Point><coordinates>1,2"),
            ("geojson", json.dumps({"type": "FeatureCollection", "features": [{"geometry": None}]})[:-7]),
        ]
        for layer in ("assets", "threats"):
            for fmt, text in files:
                answer = client.post(
                    f"/api/exchange/{layer}", json={"format": fmt, "text": text}, headers=director
                )
                refused_whole(node, answer, before)

    def test_a_nul_the_store_cannot_hold_is_refused_not_a_server_error(
        self, store_url: str, tmp_path: Path, clock
    ):
        from tests.conftest import load_theater, make_node
        from tests.test_overload import report

        node = make_node(store_url, tmp_path, clock)
        try:
            cast: Cast = load_theater(node, clock)
            with TestClient(create_app(node, sweep_alerts=False)) as client:
                nul_login = client.post(
                    "/api/auth/token", data={"username": "jf\x00acc", "password": "x" * 10}
                )
                assert nul_login.status_code == 401
                token = client.post(
                    "/api/auth/token", data={"username": "jfsocc", "password": cast.passwords["jfsocc"]}
                ).json()["access_token"]
                before = node.queries.last_seq()
                answer = client.post(
                    "/api/incidents",
                    json=report(1, title="Beacon\x00 one"),
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert answer.status_code in (201, 422), answer.text
                if answer.status_code == 422:
                    assert node.queries.last_seq() == before
        finally:
            node.close()

    def test_a_scenario_file(self, tmp_path: Path):
        from jprcc.exercise.scenario import ScenarioError, load

        for name, text in (("bomb.yaml", BOMB), ("deep.yaml", DEEP), ("nul.yaml", NUL)):
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            with pytest.raises(ScenarioError, match=r"line \d+") as refused:
                load(path)
            assert len(str(refused.value)) < 300
        binary = tmp_path / "binary.yaml"
        binary.write_bytes(b"name: \xff\xfe\x00")
        with pytest.raises(ScenarioError, match="not UTF-8"):
            load(binary)


# --- the long search ------------------------------------------------------------------------------

HOSTILE_PIECES = st.sampled_from(
    ["\x00", "\ufeff", "\u202e", "=SUM(A1)", "+1", "-1", "@x", '"', "'", ",", ";", "\n", "\r\n", "\t",
     "&a", "*a", "[", "]", "{", "}", "<", ">", "&", "<!ENTITY", "%", "{{", "}}", "{%", "%}", "9" * 1000, "é",
     "\udcff"]
)  # fmt: skip
HOSTILE_TEXT = st.lists(st.one_of(HOSTILE_PIECES, st.text(max_size=30)), max_size=60).map("".join)


@pytest.mark.long
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
    text=HOSTILE_TEXT,
    cut=st.integers(min_value=0, max_value=2000),
    path=st.integers(min_value=0, max_value=9),
)
def test_hostile_files_on_every_import_path_are_answered_never_crashed_on(
    served_long, text: str, cut: int, path: int
):
    _, client, director = served_long
    text = text.encode("utf-8", "replace").decode("utf-8")[: cut or None]  # truncated anywhere
    calls = [
        ("PUT", "/api/intel/matrix", {"text": text or "x"}),
        ("POST", "/api/records/import", {"csv": "name,service,unit,component_id,review_date\n" + text}),
        ("POST", "/api/records/import", {"forms": [{"name": text, "service": text}]}),
        ("PUT", "/api/messages/templates/sitrep", {"text": text or "x"}),
        ("POST", "/api/exchange/assets", {"format": "csv", "text": "asset_id,lat,lon\n" + text}),
        ("POST", "/api/exchange/assets", {"format": "geojson", "text": text or "{"}),
        ("POST", "/api/exchange/threats", {"format": "kml", "text": "<kml>" + text}),
        ("POST", "/api/exchange/threats", {"format": "csv", "text": "layer_id,kind\n" + text}),
        ("POST", "/api/exchange/assets", {"format": "kml", "text": text or "<"}),
        ("PUT", "/api/intel/matrix", {"text": "rows:\n  - " + text}),
    ]
    method, url, body = calls[path]
    answer = client.request(method, url, json=body, headers=director)
    assert answer.status_code < 500, f"{url}: {answer.status_code} {answer.text[:300]}"
    if answer.status_code >= 400:
        assert answer.json().get("field") is not None or answer.status_code in (413, 429)
        assert len(answer.content) < 50_000


@pytest.fixture(scope="module")
def served_long(
    tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path
) -> Iterator[tuple[Node, TestClient, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("hostile")
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, folder), folder), migrate=True)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        token = client.post("/api/auth/token", data={"username": "director", "password": "demo-director"})
        yield node, client, {"Authorization": f"Bearer {token.json()['access_token']}"}
    node.close()
