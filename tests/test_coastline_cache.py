"""The packaged coastline is read from the package once per machine and kept in the user's cache
folder: a later process reads the same rings from there, a torn or foreign file is read past, and
a folder that cannot be written costs only the time."""

from __future__ import annotations

import logging
import sys
import types
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from jprcc.intel.planning.threat import Grid
from jprcc.locate import coastline

#: two islands, one with a lagoon (an interior ring): a small stand-in for GSHHG's 180,000 rings
ISLANDS = MultiPolygon(
    [
        Polygon(
            [(9.0, 39.0), (9.6, 39.0), (9.6, 39.5), (9.0, 39.5)], [[(9.2, 39.2), (9.4, 39.2), (9.4, 39.3)]]
        ),
        Polygon([(10.0, 40.0), (10.3, 40.1), (10.1, 40.4)]),
    ]
)
GRID = Grid(38.9, 8.9, 40.5, 10.5, 64, 64)


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """A stand-in for ``roaring_landmask`` that serves ``ISLANDS`` and counts the reads; the cache
    in a folder of the test's own; no rings held by this process yet."""
    reads: list[int] = []

    def wkb(provider: object) -> bytes:
        reads.append(1)
        return shapely.to_wkb(ISLANDS, byte_order=1)

    fake = types.SimpleNamespace(
        Shapes=types.SimpleNamespace(wkb=wkb), LandmaskProvider=types.SimpleNamespace(Gshhg=0)
    )
    monkeypatch.setitem(sys.modules, "roaring_landmask", fake)
    monkeypatch.setenv("JPRCC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(coastline, "_rings", [])
    return reads


def same(a: coastline.Rings, b: coastline.Rings) -> bool:
    return all(
        np.array_equal(getattr(a, f.name), getattr(b, f.name))
        and getattr(a, f.name).dtype == getattr(b, f.name).dtype
        for f in fields(coastline.Rings)
    )


def test_the_first_read_keeps_the_rings_and_a_later_process_reads_them_from_the_cache(package):
    first = coastline.rings()
    assert first is not None
    assert package == [1]
    assert first.start.size == 3  # two outer rings and the lagoon
    assert coastline.cache_path().is_file()
    assert [p.name for p in coastline.cache_path().parent.iterdir()] == [coastline.cache_path().name]

    coastline._rings.clear()  # a later process
    later = coastline.rings()
    assert package == [1]  # the package was not read again
    assert later is not None
    assert same(first, later)
    land = coastline.land_on(GRID)
    assert land is not None
    assert land.any()
    assert not land.all()


def test_the_cache_is_one_file_per_version_of_the_package(package):
    path = coastline.cache_path()
    from importlib import metadata

    assert metadata.version("roaring-landmask") in path.name


@pytest.mark.parametrize("damage", ["torn", "foreign", "inconsistent"])
def test_a_damaged_cache_is_read_past_and_kept_again_whole(package, damage, caplog):
    made = coastline.rings()
    assert made is not None
    path = coastline.cache_path()
    if damage == "torn":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "foreign":
        path.write_bytes(b"not a numpy archive at all")
    else:  # a ring ending past the points
        np.savez(
            path,
            **{f.name: getattr(made, f.name) for f in fields(coastline.Rings)} | {"stop": made.stop + 10_000},
        )
    coastline._rings.clear()
    with caplog.at_level(logging.WARNING, logger="jprcc.locate.coastline"):
        again = coastline.rings()
    assert again is not None
    assert same(made, again)
    assert package == [1, 1]  # read from the package once more
    assert any("could not be read" in r.message or "whole rings" in r.message for r in caplog.records)
    coastline._rings.clear()
    assert same(made, coastline.rings())  # and kept whole again
    assert package == [1, 1]


def test_a_cache_folder_that_cannot_be_written_costs_only_the_time(package, monkeypatch, tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv("JPRCC_CACHE_DIR", str(blocked))
    first = coastline.rings()
    assert first is not None
    coastline._rings.clear()
    assert same(first, coastline.rings())
    assert package == [1, 1]  # nothing kept: read each time
    assert blocked.read_text() == ""


def test_without_the_package_there_is_no_packaged_coastline(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "roaring_landmask", None)  # (import fails)
    monkeypatch.setenv("JPRCC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(coastline, "_rings", [])
    assert coastline.rings() is None
    assert coastline.land_on(GRID) is None
    assert list(tmp_path.iterdir()) == []
