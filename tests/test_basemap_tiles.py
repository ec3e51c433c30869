"""A detailed offline map from a user's MBTiles file, served tile by tile, behind the login."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from jprcc.api.app import create_app
from jprcc.core.accounts.commands import CreateUser
from jprcc.core.model import Actor, Role
from jprcc.core.node import bootstrap
from tests.conftest import fast_settings

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def mbtiles(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
    )
    db.execute("INSERT INTO metadata VALUES ('format', 'png')")
    db.execute("INSERT INTO tiles VALUES (1, 1, 0, ?)", (PNG,))  # TMS row 0 at zoom 1 is XYZ row 1
    db.commit()
    db.close()
    return path


def test_tiles_come_from_the_file_in_the_xyz_scheme(tmp_path: Path):
    settings = fast_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    settings.basemap_mbtiles = mbtiles(tmp_path / "area.mbtiles")
    node = bootstrap(settings, migrate=True)
    with TestClient(create_app(node, sweep_alerts=False)) as client:
        assert client.get("/api/tiles/1/1/1").status_code == 401
        node.bus.handle(
            CreateUser(username="viewer", password="viewer-pass", role=Role.OBSERVER), Actor.system()
        )
        client.post("/api/auth/token", data={"username": "viewer", "password": "viewer-pass"})
        tile = client.get("/api/tiles/1/1/1")
        assert tile.status_code == 200
        assert tile.headers["content-type"] == "image/png"
        assert tile.content == PNG
        assert client.get("/api/tiles/1/0/0").status_code == 404
        assert client.get("/api/tiles/99/0/0").status_code == 422
        assert client.get("/api/config").json()["basemap_tiles"] is True
    node.close()
