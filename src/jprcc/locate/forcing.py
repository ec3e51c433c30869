"""Wind and current for drift at sea, read from a NetCDF file with xarray.

A forcing file holds 10 m wind and surface current on a regular latitude/longitude grid (evenly
spaced axes; an uneven grid is refused), with or without a time axis (CF names or the common model
names below; the first depth level when there is one). Missing values (land in an ocean model)
read as calm; infinities and implausible speeds (an undeclared fill value) are refused. Either
wind or current may be absent (read as zero), not both. The file's SHA-256 is recorded with the
search model, so a replay notices when the file under the same name has changed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from jprcc.core.errors import RuleViolation
from jprcc.locate.planning.leeway import Forcing

WIND = (("x_wind", "y_wind"), ("eastward_wind", "northward_wind"), ("u10", "v10"), ("uwnd", "vwnd"))
CURRENT = (
    ("x_sea_water_velocity", "y_sea_water_velocity"),
    ("eastward_sea_water_velocity", "northward_sea_water_velocity"),
    ("uo", "vo"),
    ("water_u", "water_v"),
    ("u", "v"),
)
LATITUDE = ("lat", "latitude", "nav_lat")
LONGITUDE = ("lon", "longitude", "nav_lon")
MAX_VALUES = 50_000_000


def _name(candidates: tuple[str, ...], names: set[str]) -> str | None:
    return next((c for c in candidates if c in names), None)


def read_forcing(path: Path, start: datetime, sha256: str | None = None) -> Forcing:
    """The forcing in ``path``, its times in seconds after ``start``."""
    import xarray as xr

    if sha256 is not None and hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise RuleViolation(
            f"the forcing file {path.name} has changed since the model was defined", field="forcing"
        )
    try:
        ds = xr.open_dataset(path, decode_times=True)
    except Exception as exc:  # netCDF4, scipy and h5netcdf each raise their own kinds
        raise RuleViolation(f"{path.name} is not a readable NetCDF file: {exc}", field="forcing") from exc
    with ds:
        names = {str(name) for name in ds.variables}
        lat_name, lon_name = _name(LATITUDE, names), _name(LONGITUDE, names)
        if lat_name is None or lon_name is None:
            raise RuleViolation(f"{path.name} has no latitude/longitude coordinates", field="forcing")
        wind = next((pair for pair in WIND if set(pair) <= names), None)
        current = next((pair for pair in CURRENT if set(pair) <= names), None)
        if wind is None and current is None:
            raise RuleViolation(f"{path.name} holds neither wind nor current", field="forcing")
        lats = np.asarray(ds[lat_name].values, dtype=np.float64)
        lons = np.asarray(ds[lon_name].values, dtype=np.float64)
        if lats.ndim != 1 or lons.ndim != 1 or lats.size < 2 or lons.size < 2:
            raise RuleViolation(
                "forcing must be on a regular latitude/longitude grid of at least 2x2", field="forcing"
            )
        _check_axis(lats, lat_name)
        _check_axis(lons, lon_name)
        times_s = _times(ds, start)
        shape = (times_s.size, lats.size, lons.size)
        if int(np.prod(shape)) > MAX_VALUES:
            raise RuleViolation(
                f"{path.name} is too large: at most {MAX_VALUES:,} values a field", field="forcing"
            )

        def field(name: str | None) -> NDArray[np.float32]:
            if name is None:
                return np.zeros(shape, dtype=np.float32)
            values = ds[name]
            for dim in values.dims:
                if dim not in ("time", lat_name, lon_name) and dim in values.dims:
                    values = values.isel({dim: 0})
            values = values.transpose(*[d for d in ("time", lat_name, lon_name) if d in values.dims])
            raw = np.asarray(values.values, dtype=np.float64)
            _check_values(raw, name, LIMIT_MS[name in (current or ())])
            array = np.nan_to_num(raw, nan=0.0).astype(np.float32)
            return np.broadcast_to(array.reshape((-1, lats.size, lons.size)), shape).copy()

        fields = [field(wind[0] if wind else None), field(wind[1] if wind else None)]
        fields += [field(current[0] if current else None), field(current[1] if current else None)]
    lat_order = np.argsort(lats)
    lon_order = np.argsort(lons)
    fields = [np.ascontiguousarray(f[:, lat_order][:, :, lon_order]) for f in fields]
    return Forcing(times_s, lats[lat_order], lons[lon_order], *fields)


def _check_axis(values: NDArray[np.float64], name: str) -> None:
    """An axis the interpolation can trust: finite, no repeats, evenly spaced (to 0.1 % of a step).

    The drift locates a particle's cell by arithmetic on the first value and the step; on an uneven
    axis that puts it in the wrong cell (a current on one row would move a buoy at a fraction of its
    speed), so an uneven grid is refused, to be regridded, rather than read wrong."""
    if not np.all(np.isfinite(values)):
        raise RuleViolation(
            f"the forcing's {name} axis has values that are not finite numbers", field="forcing"
        )
    steps = np.diff(np.sort(values))
    if np.any(steps <= 0):
        raise RuleViolation(f"the forcing's {name} axis repeats a value", field="forcing")
    if steps.max() - steps.min() > 1e-3 * steps.mean():
        raise RuleViolation(
            f"the forcing's {name} axis is not evenly spaced (steps from {steps.min():.6g} to "
            f"{steps.max():.6g}°): regrid it to an even grid first",
            field="forcing",
        )


#: the fastest a 10 m wind and a surface current can plausibly blow or run (m/s), beyond which a
#: value is a fill value nobody declared, or a unit error
LIMIT_MS = {False: 75.0, True: 10.0}


def _check_values(values: NDArray[np.float64], name: str, limit: float) -> None:
    """Missing values (NaN, from a declared fill value: land in an ocean model) are allowed and read
    as calm; infinities and speeds beyond ``limit`` are refused, naming the variable and the first
    place (time, row, column index) where one is."""
    bad = np.isinf(values) | (np.abs(np.nan_to_num(values)) > limit)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise RuleViolation(
            f"the forcing's {name} holds {values[where]:.6g} at index {list(where)}: not a plausible speed "
            f"(at most {limit:g} m/s; an undeclared fill value?)",
            field="forcing",
        )


def _times(ds: object, start: datetime) -> NDArray[np.float64]:
    values = getattr(ds, "variables", {})
    if "time" not in values:
        return np.zeros(1)
    times = np.asarray(ds["time"].values)  # type: ignore[index]
    if not np.issubdtype(times.dtype, np.datetime64):
        raise RuleViolation("the forcing's time axis must be CF-encoded dates", field="forcing")
    origin = np.datetime64(start.replace(tzinfo=None), "ns")
    seconds = (times.astype("datetime64[ns]") - origin) / np.timedelta64(1, "s")
    if seconds.size > 1 and np.any(np.diff(seconds) <= 0):
        raise RuleViolation("the forcing's times must increase", field="forcing")
    return np.asarray(seconds, dtype=np.float64)
