"""Exchange formats: the picture out as GeoJSON, KML and CSV, and assets and threat layers back in.
Export then import gives back the same data in every format; a bad row is named with its field and
rule and nothing of the file is imported; CSV is safe against formula injection; hostile files are
answered, not crashed on."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.clock import ManualClock
from jprcc.core.errors import NotAuthorized, RuleViolation
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.intel.service import Intel
from jprcc.publishing import commands as cmd
from jprcc.publishing import formats as f
from jprcc.publishing.exchange import Format, Layer, asset_commands, features, layer_commands, read, render
from jprcc.publishing.http import planners
from tests.conftest import Cast, demo_copy, fast_settings, load_theater

FORMATS = list(Format)
FIELDS = [
    "callsign",
    "asset_type",
    "component_id",
    "capabilities",
    "speed_kmh",
    "range_km",
    "endurance_h",
    "readiness",
    "platform",
    "base_name",
    "carried_by",
]


@pytest.fixture
def demo(tmp_path: Path, demo_snapshot: Path) -> Iterator[Node]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    yield node
    node.close()


def bare_theater(node: Node, clock: ManualClock) -> Cast:
    """The demo's components, operations, recovery points and accounts: no assets, no layers."""
    from datetime import timedelta

    from jprcc.core.model import Actor, Role
    from jprcc.demo import DEMO_FILE
    from jprcc.exercise import scenario

    theater = scenario.load(DEMO_FILE)
    theater.steps = []
    theater.setup = [
        (n, x) for n, x in theater.setup if n not in ("register_asset", "commit_asset", "publish_layer")
    ]
    scenario.play(theater, node.bus, clock.now)
    clock.advance(timedelta(minutes=1))
    users = theater.users
    return Cast(
        actors={u["username"]: Actor(u["username"], Role(u["role"]), u.get("component_id")) for u in users},
        passwords={u["username"]: u["password"] for u in users},
    )


def exported(node: Node, actor, layer: Layer, fmt: Format, incident_id: str | None = None) -> str:
    found = features(node.queries, actor, layer, planners(node, layer), incident_id)
    return render(layer, fmt, found, node.settings.marking)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(a[1], a[0], b[1], b[0])[2])


def same_after_the_trip(layer: Layer, found: list[f.Feature], fmt: Format) -> None:
    """Rendered in ``fmt`` and read back: the same shapes at the same places, the same properties
    (CSV gives text back: compared as text)."""
    back = read(fmt, render(layer, fmt, found, "UNCLASSIFIED"), layer)
    assert len(back) == len(found)
    for sent, got in zip(found, back, strict=True):
        assert got.kind == sent.kind
        assert got.coordinates == pytest.approx(sent.coordinates, abs=1e-12)
        for key, value in sent.properties.items():
            if value is None:
                assert got.properties.get(key) in (None, "")
            elif (
                fmt is not Format.GEOJSON
            ):  # CSV cells and KML data are text: a number comes back as its digits
                as_text = value if isinstance(value, str) else json.dumps(value)
                assert got.properties[key] in (value, as_text), key
            else:
                assert got.properties[key] == value, key


def assets_of(node: Node) -> dict[str, object]:
    return {a.asset.asset_id: a.asset for a in node.queries.assets(None)}


def threat_layers(node: Node) -> dict[str, tuple]:
    return {
        t.layer_id: (t.name, t.source, t.confidence, t.valid_from, t.valid_to, t.body)
        for t in node.service(Intel).layers(node.clock())
        if t.body.kind in ("point_threat", "area_threat")
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_assets_exported_then_imported_into_another_store_are_the_same(
    demo: Node, tmp_path: Path, fmt: Format, sqlite_node: Node, clock: ManualClock
):
    cast = bare_theater(sqlite_node, clock)
    text = exported(demo, cast["director"], Layer.ASSETS, fmt)
    before = assets_of(demo)
    commands = asset_commands(read(fmt, text, Layer.ASSETS))
    assert len(commands) == len(before)
    imported = sqlite_node.bus.handle(cmd.ImportAssets(assets=tuple(commands)), cast["director"]).value
    assert imported == len(before)
    after = assets_of(sqlite_node)
    for asset_id, asset in before.items():
        got = after[asset_id]
        for name in FIELDS:
            assert getattr(got, name) == getattr(asset, name), (asset_id, name)
        assert got.base.lat == pytest.approx(asset.base.lat, abs=1e-9)
        assert got.base.lon == pytest.approx(asset.base.lon, abs=1e-9)


@pytest.mark.parametrize("fmt", FORMATS)
def test_threat_layers_exported_then_imported_are_the_same(demo: Node, fmt: Format, sqlite_node: Node, clock):
    cast = bare_theater(sqlite_node, clock)
    before = threat_layers(demo)
    assert any(body.kind == "area_threat" for *_, body in before.values())
    text = exported(demo, cast["director"], Layer.THREATS, fmt)
    commands = layer_commands(read(fmt, text, Layer.THREATS), clock.now)
    sqlite_node.bus.handle(cmd.ImportLayers(layers=tuple(commands)), cast["director"])
    clock.advance(__import__("datetime").timedelta(seconds=1))
    after = threat_layers(sqlite_node)
    assert set(after) == set(before)
    for layer_id, (name, source, confidence, valid_from, valid_to, body) in before.items():
        got = after[layer_id]
        assert got[:3] == (name, source, confidence)
        assert got[3] == valid_from
        assert got[4] == valid_to
        assert got[5] == body, layer_id


@pytest.mark.parametrize("fmt", FORMATS)
def test_incidents_are_exported_where_the_persons_are_with_what_the_caller_may_see(demo: Node, fmt: Format):
    from jprcc.core.model import Actor, Role

    air = Actor("jfacc", Role.PRCC_OFFICER, "JFACC")
    director = Actor("director", Role.JPRCC_DIRECTOR)
    everything = read(fmt, exported(demo, director, Layer.INCIDENTS, fmt), Layer.INCIDENTS)
    mine = exported(demo, air, Layer.INCIDENTS, fmt)
    ids = {str(x.properties.get("id")) for x in everything}
    assert {"PR-RAVEN21", "PR-CARGO7"} <= ids
    assert "PR-RAVEN21" in mine
    assert "PR-CARGO7" not in mine  # the air component is not part of it
    raven = next(x for x in everything if x.properties.get("id") == "PR-RAVEN21")
    incident = demo.queries.incident(director, "PR-RAVEN21")
    assert raven.coordinates[0] == pytest.approx((incident.position.lat, incident.position.lon))


class TestPlannedLayers:
    """Routes, search areas and search plans: what was planned for an incident, out to the tools the
    components plan with."""

    DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR)

    def test_routes_run_from_the_recovery_vehicle_s_base_to_the_pickup_site_and_the_persons_walk_to_it(
        self, demo: Node
    ):
        found = features(
            demo.queries, self.DIRECTOR, Layer.ROUTES, planners(demo, Layer.ROUTES), "PR-RAVEN21"
        )
        vehicle = [x for x in found if x.properties["way"] == "recovery vehicle in"]
        walks = [x for x in found if x.properties["way"] == "persons to the site"]
        assert vehicle
        assert walks
        assert all(x.kind == "line" for x in found)
        best = vehicle[0]
        assert best.properties["rank"] == 1
        recovering = best.properties["assets"].split("; ")[0]
        callsign = recovering.split(" (")[0]
        assert "recovery_vehicle" in recovering
        base = next(a.asset.base for a in demo.queries.assets(None) if a.asset.callsign == callsign)
        assert best.coordinates[0] == pytest.approx((base.lat, base.lon))
        site = next(p for p in demo.queries.recovery_points() if p.name == best.properties["site"])
        assert best.coordinates[-1] == pytest.approx((site.position.lat, site.position.lon))
        walk = next(w for w in walks if w.properties["option_id"] == best.properties["option_id"])
        incident = demo.queries.incident(self.DIRECTOR, "PR-RAVEN21")
        start, end = walk.coordinates[0], walk.coordinates[-1]
        assert metres(start, (incident.position.lat, incident.position.lon)) <= max(
            incident.uncertainty_m, 2_000
        )
        assert metres(end, (site.position.lat, site.position.lon)) <= 2_000
        assert best.properties["light_at_pickup"] in ("day", "twilight", "night")
        for fmt in FORMATS:
            same_after_the_trip(Layer.ROUTES, found, fmt)

    def test_routes_are_asked_for_one_incident_that_the_caller_sees(self, demo: Node):
        from jprcc.core.errors import Withheld

        with pytest.raises(RuleViolation, match="one incident") as refused:
            features(demo.queries, self.DIRECTOR, Layer.ROUTES, planners(demo, Layer.ROUTES))
        assert refused.value.field == "incident"
        land = Actor("jflcc", Role.PRCC_OFFICER, "JFLCC")
        with pytest.raises(Withheld, match=r"^unknown incident PR-KNIGHT44$"):  # as though there were none
            features(demo.queries, land, Layer.ROUTES, planners(demo, Layer.ROUTES), "PR-KNIGHT44")

    def test_search_areas_are_what_was_searched_and_the_containment_of_the_map_now(self, demo: Node):
        from shapely.geometry import Point, Polygon

        from jprcc.locate.service import Locate

        found = features(demo.queries, self.DIRECTOR, Layer.SEARCH_AREAS, planners(demo, Layer.SEARCH_AREAS))
        knight = [x for x in found if x.properties["incident_id"] == "PR-KNIGHT44"]
        searched = [x for x in knight if x.properties["kind"] == "searched"]
        assert list(searched[0].coordinates) == [
            (39.50, 10.29),
            (39.50, 10.34),
            (39.47, 10.34),
            (39.47, 10.29),
        ]
        assert searched[0].properties["coverage"] == pytest.approx(
            searched[0].properties["sweep_width_m"] / searched[0].properties["track_spacing_m"]
        )

        def area(share: float) -> float:
            rings = [x for x in knight if x.properties.get("share") == share]
            assert rings, share
            return sum(Polygon([(lon, lat) for lat, lon in r.coordinates]).area for r in rings)

        assert 0 < area(0.5) < area(0.9)
        picture = demo.service(Locate).picture(self.DIRECTOR, "PR-KNIGHT44")
        mean = Point(picture.mean.lon, picture.mean.lat)
        ninety = [
            Polygon([(lon, lat) for lat, lon in r.coordinates])
            for r in knight
            if r.properties.get("share") == 0.9
        ]
        assert any(p.buffer(0.01).contains(mean) for p in ninety)  # the bulk of the map lies inside
        assert {x.properties["incident_id"] for x in found} == {"PR-KNIGHT44", "PR-SANDY02"}
        for fmt in FORMATS:
            same_after_the_trip(Layer.SEARCH_AREAS, found, fmt)

    def test_search_plans_are_the_adopted_rectangles_with_their_worth(self, demo: Node):
        from jprcc.locate import commands as locate_cmd
        from jprcc.locate.model import SearchAsset

        assert features(demo.queries, self.DIRECTOR, Layer.SEARCH_PLANS) == []
        jfmcc = Actor("jfmcc", Role.PRCC_OFFICER, "JFMCC")
        demo.bus.handle(
            locate_cmd.AdoptSearchPlan(
                incident_id="PR-KNIGHT44",
                assets=(
                    SearchAsset("REAPER 55", 3000, 120, 4),
                    SearchAsset("HELO 2-1", 1500, 90, 2, searches="water"),
                ),
            ),
            jfmcc,
        )
        plan = demo.queries.incident(self.DIRECTOR, "PR-KNIGHT44").search.plans[-1]
        found = features(demo.queries, self.DIRECTOR, Layer.SEARCH_PLANS, incident_id="PR-KNIGHT44")
        assert [x.properties["asset"] for x in found] == [a.asset for a in plan.areas]
        for feature, area in zip(found, plan.areas, strict=True):
            assert feature.coordinates == [(p.lat, p.lon) for p in area.corners]
            assert feature.properties["probability_of_detection"] == pytest.approx(
                area.probability_of_detection, abs=1e-4
            )
            assert feature.properties["plan_probability_of_success"] == pytest.approx(
                plan.probability_of_success, abs=1e-4
            )
            assert feature.properties["plan_id"] == plan.plan_id
        for fmt in FORMATS:
            same_after_the_trip(Layer.SEARCH_PLANS, found, fmt)


# --- bad files --------------------------------------------------------------------------------------


def csv_of(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


HEADER = [
    "asset_id",
    "callsign",
    "asset_type",
    "component_id",
    "capabilities",
    "lat",
    "lon",
    "speed_kmh",
    "range_km",
]
GOOD = ["NEW-1", "NEW 1", "HH-60W", "JFACC", "rotary_wing_recovery;pararescue", "39.4", "9.0", "296", "805"]


@pytest.mark.parametrize(
    ("row", "named"),
    [
        ({"lat": "91"}, "row 2: latitude 91.0"),
        ({"speed_kmh": "fast"}, "feature 2: speed_kmh"),
        ({"capabilities": "warp_drive"}, "feature 2: capabilities.0"),
        ({"component_id": "JFXX"}, "feature 2: "),
        ({"asset_id": "NEW-1"}, "feature 2: asset_id: NEW-1 is in the file twice"),
        ({"range_km": "-5"}, "feature 2: range_km"),
    ],
)
def test_a_bad_row_is_named_with_its_field_and_nothing_is_imported(sqlite_node: Node, clock, row, named):
    cast = load_theater(sqlite_node, clock)
    bad = [
        {**dict(zip(HEADER, GOOD, strict=True)), "asset_id": "NEW-2", "callsign": "NEW 2"},
    ]
    bad[0].update(row)
    text = csv_of([HEADER, GOOD, [bad[0][h] for h in HEADER]])
    count = len(assets_of(sqlite_node))

    def attempt() -> None:
        commands = asset_commands(read(Format.CSV, text, Layer.ASSETS))
        sqlite_node.bus.handle(cmd.ImportAssets(assets=tuple(commands)), cast["director"])

    with pytest.raises(RuleViolation, match=named) as e:
        attempt()
    assert e.value.field == "text"
    assert len(assets_of(sqlite_node)) == count  # NEW-1 was not kept either
    assert "NEW-1" not in assets_of(sqlite_node)


def test_a_component_may_import_only_its_own_assets(sqlite_node: Node, clock):
    cast = load_theater(sqlite_node, clock)
    other = [*GOOD[:3], "JFMCC", *GOOD[4:]]
    commands = asset_commands(read(Format.CSV, csv_of([HEADER, GOOD, ["NEW-3", *other[1:]]]), Layer.ASSETS))
    with pytest.raises(NotAuthorized):
        sqlite_node.bus.handle(cmd.ImportAssets(assets=tuple(commands)), cast["jfacc"])
    own = asset_commands(read(Format.CSV, csv_of([HEADER, GOOD]), Layer.ASSETS))
    assert sqlite_node.bus.handle(cmd.ImportAssets(assets=tuple(own)), cast["jfacc"]).value == 1


def test_csv_is_safe_against_formula_injection_and_reads_back_the_same(sqlite_node: Node, clock):
    cast = load_theater(sqlite_node, clock)
    evil = [*GOOD[:1], '=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", *GOOD[3:]]
    sqlite_node.bus.handle(
        cmd.ImportAssets(
            assets=tuple(asset_commands(read(Format.CSV, csv_of([HEADER, evil]), Layer.ASSETS)))
        ),
        cast["director"],
    )
    text = exported(sqlite_node, cast["director"], Layer.ASSETS, Format.CSV)
    cells = [c for r in csv.reader(io.StringIO(text)) for c in r]
    assert not any(c.startswith(f.DANGEROUS) for c in cells)
    assert '\'=HYPERLINK("http://x","click")' in cells
    back = {c.asset_id: c for c in asset_commands(read(Format.CSV, text, Layer.ASSETS))}
    assert back["NEW-1"].callsign == evil[1]
    assert back["NEW-1"].asset_type == evil[2]
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")]
    new = dict(zip(rows[0], next(r for r in rows if r[0] == "NEW-1"), strict=True))
    assert float(new["speed_kmh"]) == 296.0  # numbers stay numbers
    assert f.safe_cell(-12.5) == -12.5


@pytest.mark.parametrize(
    ("fmt", "text", "named"),
    [
        (Format.GEOJSON, "{not json", "not JSON"),
        (Format.GEOJSON, json.dumps({"type": "Feature"}), "FeatureCollection"),
        (
            Format.GEOJSON,
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"geometry": {"type": "MultiPoint", "coordinates": [[0, 0], [1, 1]]}}],
                }
            ),
            "feature 1: geometry type",
        ),
        (
            Format.GEOJSON,
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"geometry": {"type": "LineString", "coordinates": [[0, 0]]}}],
                }
            ),
            "feature 1: a LineString has at least two",
        ),
        (Format.KML, "<kml", "not KML"),
        (Format.KML, '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY a "aaaa">]><kml>&a;</kml>', "the file"),
        (Format.CSV, "asset_id,lat\nA,1\n", "missing column"),
        (Format.CSV, "asset_id,lat,lon\nA,1\n", "row 1: 2 cells for 3 columns"),
        (Format.CSV, "asset_id,lat,lon\n" + "A," + "9" * 200_000 + ",1\n", "row"),
        (Format.CSV, "asset_id,lat,lon\nA\x00,1,1\n", "NUL"),
    ],
)
def test_hostile_and_broken_files_are_refused_by_name(fmt, text, named):
    with pytest.raises(RuleViolation, match=named):
        read(fmt, text, Layer.ASSETS)


def test_a_line_is_read_as_a_route_and_refused_as_an_asset_or_a_threat_area():
    with pytest.raises(RuleViolation, match="row 1: path: points are 'lat lon'"):
        read(Format.CSV, "incident_id,option_id,path\nPR-1,O1,40 9; 41\n", Layer.ROUTES)
    line = f.Feature(
        "line", [(40.0, 9.0), (40.1, 9.1)], {"asset_id": "X1", "layer_id": "L1", "kind": "area_threat"}
    )
    with pytest.raises(RuleViolation, match="an asset is a point"):
        asset_commands([line])
    with pytest.raises(RuleViolation, match="kind area_threat: a polygon is expected, not a line"):
        layer_commands([line], __import__("datetime").datetime.now(__import__("datetime").UTC))


def test_over_the_api_and_the_cli_alike(demo: Node, tmp_path: Path):
    with TestClient(create_app(demo, sweep_alerts=False)) as client:
        token = client.post("/api/auth/token", data={"username": "director", "password": "demo-director"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        kml = client.get("/api/exchange/threats.kml", headers=headers)
        assert kml.status_code == 200
        assert kml.headers["content-type"].startswith("application/vnd.google-earth.kml+xml")
        geo = client.get("/api/exchange/assets.geojson", headers=headers).json()
        assert geo["type"] == "FeatureCollection"
        unasked = client.get("/api/exchange/routes.csv", headers=headers)
        assert unasked.status_code == 422
        assert "incident" in unasked.text
        areas = client.get("/api/exchange/search-areas.kml?incident=PR-KNIGHT44", headers=headers)
        assert areas.status_code == 200
        assert "searched 1" in areas.text
        assert "PR-SANDY02" not in areas.text
        nobody = client.get("/api/exchange/search-plans.geojson?incident=PR-NOBODY", headers=headers)
        assert nobody.status_code == 404
        observer = client.post("/api/auth/token", data={"username": "observer", "password": "demo-observer"})
        watcher = {"Authorization": f"Bearer {observer.json()['access_token']}"}
        broken = {"format": "kml", "text": "<broken"}
        unread = client.post("/api/exchange/threats", json=broken, headers=watcher)
        assert unread.status_code == 403  # refused before the file is read
        off_the_globe = csv_of([HEADER, ["X", *GOOD[1:5], "95", "9", "296", "805"]])
        bad = client.post(
            "/api/exchange/assets", json={"format": "csv", "text": off_the_globe}, headers=headers
        )
        assert bad.status_code == 422
        assert "latitude" in bad.text
        wrong = client.post("/api/exchange/incidents", json={"format": "csv", "text": "a"}, headers=headers)
        assert wrong.status_code in (404, 405)  # incidents are reported, not imported
        good = client.post("/api/exchange/assets", json={"format": "csv", "text": csv_of([HEADER, GOOD])},
                           headers=headers)  # fmt: skip
        assert good.status_code == 200, good.text
        assert good.json() == {"layer": "assets", "imported": 1}


@pytest.mark.parametrize(
    "args",
    [
        ["messages"],
        ["messages", "kinds"],
        ["messages", "preview"],
        ["messages", "render"],
        ["messages", "release"],
        ["messages", "list"],
        ["messages", "show"],
        ["messages", "template", "show"],
        ["messages", "template", "publish"],
        ["exchange"],
        ["exchange", "export"],
        ["exchange", "import"],
    ],
    ids=" ".join,
)
def test_every_message_and_exchange_command_has_help(args):
    from typer.testing import CliRunner

    from jprcc.cli import app

    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_the_cli_exports_and_imports(tmp_path: Path, demo_snapshot: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from jprcc.cli import app, state

    demo_copy(demo_snapshot, tmp_path, "jprcc.sqlite3")
    monkeypatch.setenv("JPRCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JPRCC_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("JPRCC_ARGON2_MEMORY_KIB", "64")
    monkeypatch.chdir(tmp_path)
    state.node = None
    env = {"JPRCC_PASSWORD": "demo-director"}
    runner = CliRunner()
    out = runner.invoke(
        app, ["--as", "director", "exchange", "export", "assets", "--out", "a.geojson"], env=env
    )
    assert out.exit_code == 0, out.output
    (tmp_path / "new.csv").write_text(csv_of([HEADER, GOOD]), encoding="utf-8")
    done = runner.invoke(app, ["--as", "director", "exchange", "import", "assets", "new.csv"], env=env)
    assert done.exit_code == 0, done.output
    assert "imported 1 assets" in done.output
    again = runner.invoke(app, ["--as", "director", "exchange", "import", "assets", "new.csv"], env=env)
    assert again.exit_code != 0  # NEW-1 exists now: refused by name, nothing changed
    assert "NEW-1" in again.output
    refused = runner.invoke(app, ["--as", "director", "exchange", "import", "incidents", "new.csv"], env=env)
    assert refused.exit_code == 2
