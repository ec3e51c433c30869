"""The offline maps: raster tiles read from a user-supplied MBTiles file, and the packaged world
basemap (vector tiles built with the page).

MBTiles is SQLite with a ``tiles`` table (``zoom_level``, ``tile_column``, ``tile_row`` in the
TMS scheme, counted from the south, ``tile_data``) and a ``metadata`` table whose ``format`` says
png, jpg or webp. The file is opened read-only; nothing is ever fetched from a network.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import struct
import threading
from pathlib import Path

log = logging.getLogger("jprcc.basemap")

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


PACK_MAGIC = b"JPRCCVT1"
VECTOR_TILE = "application/vnd.mapbox-vector-tile"


class VectorPack:
    """The packaged world basemap: vector tiles (land, borders, place names) in one file built
    with the page (``world.vtpack``): ``JPRCCVT1``, the index's length (uint32, little-endian),
    the index (JSON: ``"z/x/y"`` to ``[offset, length]`` after the index), then the tiles.

    The file is read once, on the first tile asked for; a tile the index does not name is open
    sea (None)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: bytes | None = None
        self._index: dict[str, list[int]] = {}
        self._start = 0
        self.max_zoom = 0

    @property
    def available(self) -> bool:
        """Whether there is a pack to serve: built, and (once read) readable."""
        return self.path.is_file() and self._broken is None

    _broken: str | None = None

    def _load(self) -> bytes:
        with self._lock:
            if self._broken is not None:
                raise ValueError(self._broken)
            if self._data is None:
                try:
                    data = self.path.read_bytes()
                    if data[:8] != PACK_MAGIC:
                        raise ValueError("not a jprcc basemap pack")
                    (length,) = struct.unpack_from("<I", data, 8)
                    head = json.loads(data[12 : 12 + length])
                    self._index, self.max_zoom = head["tiles"], int(head["max_zoom"])
                    self._start = 12 + length
                    if any(self._start + o + n > len(data) for o, n in self._index.values()):
                        raise ValueError("the pack is shorter than its index says (cut short)")
                except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
                    # remembered: every later tile is answered at once, not by reading it again
                    self._broken = f"{self.path.name}: {exc}"
                    log.error("basemap pack unusable", extra={"path": str(self.path), "why": str(exc)})
                    raise ValueError(self._broken) from exc
                self._data = data
            return self._data

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at zoom ``z``, column ``x``, row ``y`` counted from the north (XYZ)."""
        data = self._load()
        found = self._index.get(f"{z}/{x}/{y}")
        if found is None:
            return None
        offset, length = found
        return data[self._start + offset : self._start + offset + length]
