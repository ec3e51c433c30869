"""A detailed offline map: raster tiles read from a user-supplied MBTiles file.

MBTiles is SQLite with a ``tiles`` table (``zoom_level``, ``tile_column``, ``tile_row`` in the
TMS scheme, counted from the south, ``tile_data``) and a ``metadata`` table whose ``format`` says
png, jpg or webp. The file is opened read-only; nothing is ever fetched from a network.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


class TileSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.media_type = MEDIA_TYPES.get(self._metadata("format") or "png", "image/png")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"  # as_uri quotes '?', '#' and '%' in the path
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def _metadata(self, name: str) -> str | None:
        row = self._conn().execute("SELECT value FROM metadata WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at zoom ``z``, column ``x``, row ``y`` counted from the north (XYZ)."""
        tms_row = (1 << z) - 1 - y
        row = (
            self._conn()
            .execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, tms_row),
            )
            .fetchone()
        )
        return bytes(row[0]) if row else None
