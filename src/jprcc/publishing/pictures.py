"""The pictures a printed message carries, as inline SVG: the map extract around the persons, the
dark-window clock for the next 36 hours, the relationship chart of a support directive (who
supports whom, with what, and that nobody's TACON changes) and, in a SITREP of an incident being
searched for, the probability map with its containment, the areas searched and the plan."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from jprcc.core.theater.model import RecoveryPoint
from jprcc.publishing.model import MessageKind
from jprcc.publishing.search import SearchPicture

EXTRACT_KM = 60.0
NIGHT, DAY, INK, FRIEND, HOSTILE = "#1d2b4a", "#f3e3a3", "#111", "#1f5fbf", "#b3202a"


def _e(text: Any) -> str:
    return html.escape(str(text))


def map_extract(incident: dict[str, Any], points: Sequence[RecoveryPoint]) -> str:
    """The persons' position and uncertainty, the recovery points and medical facilities within
    ``EXTRACT_KM``, north up, with a scale bar (an equirectangular extract: true enough at 60 km)."""
    lat0, lon0 = incident["position"]["lat"], incident["position"]["lon"]
    size, half = 420, EXTRACT_KM
    k = size / (2 * half)  # px per km

    def xy(lat: float, lon: float) -> tuple[float, float]:
        x = (lon - lon0) * 111.32 * math.cos(math.radians(lat0))
        y = (lat - lat0) * 110.57
        return size / 2 + x * k, size / 2 - y * k

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'font-family="sans-serif" font-size="10">',
        f'<rect width="{size}" height="{size}" fill="#f4f6f2" stroke="{INK}"/>',
    ]
    for km in (20, 40):
        parts.append(
            f'<circle cx="{size / 2}" cy="{size / 2}" r="{km * k:.1f}" fill="none" stroke="#bbb" '
            f'stroke-dasharray="3 3"/><text x="{size / 2 + km * k + 2:.1f}" y="{size / 2 - 2}" '
            f'fill="#888">{km} km</text>'
        )
    for p in points:
        x, y = xy(p.position.lat, p.position.lon)
        if not (0 <= x <= size and 0 <= y <= size):
            continue
        medical = p.kind.value == "medical_facility"
        mark = (
            f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#fff" stroke="{FRIEND}"/>'
            f'<path d="M{x:.1f} {y - 4:.1f}V{y + 4:.1f}M{x - 4:.1f} {y:.1f}H{x + 4:.1f}" '
            f'stroke="{HOSTILE}" stroke-width="2"/>'
            if medical
            else f'<path d="M{x:.1f} {y - 6:.1f}L{x + 6:.1f} {y + 5:.1f}H{x - 6:.1f}Z" fill="{FRIEND}"/>'
        )
        parts.append(mark + f'<text x="{x + 8:.1f}" y="{y + 4:.1f}">{_e(p.name)}</text>')
    r = max(3.0, incident["uncertainty_m"] / 1000 * k)
    parts.append(
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{r:.1f}" fill="{HOSTILE}" fill-opacity="0.15" '
        f'stroke="{HOSTILE}"/>'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="4" fill="{HOSTILE}"/>'
        f'<text x="{size / 2 + 8}" y="{size / 2 - 10}" font-weight="bold">{_e(incident["id"])} '
        f"{_e(incident['position']['mgrs'])}</text>"
    )
    bar = 20 * k
    parts.append(
        f'<path d="M12 {size - 14}h{bar:.1f}" stroke="{INK}" stroke-width="3"/>'
        f'<text x="12" y="{size - 20}">20 km</text>'
        f'<path d="M{size - 20} 30l6 -18l6 18z" fill="{INK}"/><text x="{size - 18}" y="42">N</text>'
        "</svg>"
    )
    return "".join(parts)


def dark_clock(windows: Sequence[tuple[datetime, datetime]], now: datetime, hours: int = 36) -> str:
    """The next ``hours`` as a bar: darkness shaded, the hours marked, now at the left."""
    width, height, left = 620, 64, 10
    span = width - 2 * left
    end = now + timedelta(hours=hours)

    def x(t: datetime) -> float:
        return left + (t - now).total_seconds() / (hours * 3600) * span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">',
        f'<rect x="{left}" y="10" width="{span}" height="24" fill="{DAY}" stroke="{INK}"/>',
    ]
    for a, b in windows:
        a, b = max(a, now), min(b, end)
        if b > a:
            parts.append(
                f'<rect x="{x(a):.1f}" y="10" width="{x(b) - x(a):.1f}" height="24" fill="{NIGHT}"/>'
            )
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    t = first
    while t < end:
        if t.hour % 6 == 0:
            parts.append(
                f'<path d="M{x(t):.1f} 34v5" stroke="{INK}"/>'
                f'<text x="{x(t) - 10:.1f}" y="49">{t:%d %H}Z</text>'
            )
        t += timedelta(hours=1)
    parts.append(
        f'<text x="{left}" y="60">now {now:%d %H%M}Z: darkness shaded, the next {hours} hours</text></svg>'
    )
    return "".join(parts)


def relationships(directive: dict[str, Any]) -> str:
    """Each supporting component on the left with its assets and task, an arrow of support to the
    supported component on the right, and the statement that nobody's TACON changes."""
    contributions = directive["contributions"]
    width, row, box = 620, 62, 330
    height = 60 + max(1, len(contributions)) * row
    middle = 20 + max(1, len(contributions)) * row / 2
    sx = 450  # the supported component's box
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="9">',
        '<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto"><path d="M0 0L10 5L0 10z" fill="{FRIEND}"/></marker></defs>',
        f'<rect x="{sx}" y="{middle - 22:.1f}" width="160" height="44" rx="4" fill="#fff" '
        f'stroke="{FRIEND}" stroke-width="2"/>',
        f'<text x="{sx + 80}" y="{middle - 4:.1f}" text-anchor="middle" font-weight="bold" font-size="11">'
        f"{_e(directive['supported_component'])}</text>",
        f'<text x="{sx + 80}" y="{middle + 12:.1f}" text-anchor="middle">supported</text>',
    ]
    for i, c in enumerate(contributions):
        y = 10 + i * row
        assets = ", ".join(a["callsign"] for a in c["assets"])
        parts.append(
            f'<rect x="10" y="{y}" width="{box}" height="{row - 10}" rx="4" fill="#fff" stroke="{INK}"/>'
            f'<text x="18" y="{y + 14}" font-weight="bold">{_e(c["component"])} supports with '
            f"{_e(assets[:48])}</text>"
            f'<text x="18" y="{y + 28}">{_e(c["task"][:64])}</text>'
            f'<text x="18" y="{y + 41}" fill="#555">{_e(c["task"][64:128])}</text>'
            f'<path d="M{10 + box} {y + (row - 10) / 2:.1f}L{sx - 2} {middle:.1f}" stroke="{FRIEND}" '
            'stroke-width="1.5" marker-end="url(#a)"/>'
        )
    words, line, lines = directive["tacon_statement"].split(), "", []
    for w in words:
        if len(line) + len(w) > 110 and line:
            lines.append(line)
            line = ""
        line = f"{line} {w}".strip()
    lines.append(line)
    for k, text in enumerate(lines[:2]):
        parts.append(f'<text x="10" y="{height - 30 + k * 13}" font-style="italic">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


HEAT = ("#fff3c4", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")  # light to dark: likelier
MAP_BLOCKS = 70  # the map is drawn in at most this many cells a side


def _nice_km(span_km: float) -> float:
    """A round length near a quarter of ``span_km`` for the scale bar."""
    target = span_km / 4
    step = 10 ** math.floor(math.log10(target))
    return float(next(m * step for m in (5, 2, 1) if m * step <= target))


def containment(p: np.ndarray, share: float) -> np.ndarray:
    """The smallest set of cells holding ``share`` of the probability: the likeliest cells first."""
    total = float(p.sum())
    if total <= 0:
        return np.zeros(p.shape, dtype=bool)
    order = np.argsort(p, axis=None)[::-1]
    held = np.cumsum(p.ravel()[order]) / total
    keep = order[: int(np.searchsorted(held, share)) + 1]
    mask = np.zeros(p.size, dtype=bool)
    mask[keep] = True
    return mask.reshape(p.shape)


def _outline(mask: np.ndarray, cw: float, ch: float) -> str:
    """The edges between the cells in ``mask`` and those out of it, as SVG path segments."""
    padded = np.pad(mask, 1)
    segments = []
    for r, c in zip(*np.nonzero(padded[1:, 1:-1] != padded[:-1, 1:-1]), strict=True):
        segments.append(f"M{c * cw:.1f} {r * ch:.1f}h{cw:.1f}")  # a row boundary above row r
    for r, c in zip(*np.nonzero(padded[1:-1, 1:] != padded[1:-1, :-1]), strict=True):
        segments.append(f"M{c * cw:.1f} {r * ch:.1f}v{ch:.1f}")  # a column boundary left of column c
    return "".join(segments)


def probability_map(sp: SearchPicture) -> str:
    """Where the person is likeliest now: the cells shaded by probability (darker is likelier), the
    smallest areas holding 50 % (solid) and 90 % (dashed) of it, the areas already searched
    (grey), the adopted plan's areas (blue, by asset), the last known position (x) and the
    centre of the probability (dot); north up, with a scale bar."""
    south, west, north, east = sp.bounds
    lat0 = (south + north) / 2
    cos0 = math.cos(math.radians(lat0))
    w_km = (east - west) * 111.32 * cos0
    h_km = (north - south) * 110.57
    size = 420
    k = size / max(w_km, h_km, 1e-6)  # px per km
    width, height = w_km * k, h_km * k

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - west) * 111.32 * cos0 * k, (north - lat) * 110.57 * k

    p = sp.probability
    rows, cols = p.shape
    f = max(1, math.ceil(max(rows, cols) / MAP_BLOCKS))
    blocks = np.add.reduceat(np.add.reduceat(p, np.arange(0, rows, f), axis=0), np.arange(0, cols, f), axis=1)
    top = float(blocks.max()) if blocks.size else 0.0
    cw, ch = width * f / cols, height * f / rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height + 50:.0f}" '
        f'viewBox="0 0 {width:.1f} {height + 50:.1f}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width:.1f}" height="{height:.1f}" fill="#f7f9fb" stroke="{INK}"/>',
    ]
    if top > 0:
        for (r, c), value in np.ndenumerate(blocks):
            share = value / top
            if share < 0.01:
                continue
            shade = HEAT[min(len(HEAT) - 1, int(share * len(HEAT)))]
            parts.append(
                f'<rect x="{c * cw:.1f}" y="{r * ch:.1f}" width="{cw + 0.3:.1f}" height="{ch + 0.3:.1f}" '
                f'fill="{shade}"/>'
            )

    def ring(points: Sequence[tuple[float, float]], style: str) -> str:
        d = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in (xy(*pt) for pt in points)) + "Z"
        return f'<path d="{d}" {style}/>'

    for share, dash in ((0.9, ' stroke-dasharray="5 3"'), (0.5, "")):
        d = _outline(containment(blocks, share), cw, ch)
        if d:
            parts.append(f'<path d="{d}" fill="none" stroke="{HOSTILE}" stroke-width="1.5"{dash}/>')
    for r_ in sp.searched:
        parts.append(ring(r_, 'fill="#777" fill-opacity="0.25" stroke="#555"'))
    for asset, r_ in sp.planned:
        parts.append(ring(r_, f'fill="none" stroke="{FRIEND}" stroke-width="1.5"'))
        x, y = xy(*r_[0])
        parts.append(f'<text x="{x + 3:.1f}" y="{y + 11:.1f}" fill="{FRIEND}">{_e(asset)}</text>')
    lx, ly = xy(*sp.last_known)
    mx, my = xy(*sp.mean)
    parts.append(
        f'<path d="M{lx - 5:.1f} {ly - 5:.1f}l10 10m0 -10l-10 10" stroke="{INK}" stroke-width="2"/>'
        f'<text x="{lx + 7:.1f}" y="{ly - 6:.1f}">last known</text>'
        f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="3.5" fill="{INK}"/>'
    )
    bar_km = _nice_km(max(w_km, 0.01))
    scale = f"{bar_km:g} km" if bar_km >= 1 else f"{bar_km * 1000:g} m"
    parts.append(
        f'<path d="M10 {height - 12:.1f}h{bar_km * k:.1f}" stroke="{INK}" stroke-width="3"/>'
        f'<text x="10" y="{height - 18:.1f}">{scale}</text>'
        f'<path d="M{width - 20:.1f} 30l6 -18l6 18z" fill="{INK}"/><text x="{width - 18:.1f}" y="42">N</text>'
        + "".join(
            f'<text x="0" y="{height + 14 * (n + 1):.1f}">{_e(line)}</text>'
            for n, line in enumerate(
                (
                    f"{sp.incident_id} at {sp.at:%d%H%MZ}: darker is likelier.",
                    "Red: the smallest areas holding 50 % (solid) and 90 % (dashed).",
                    "Grey: searched, not found. Blue: the adopted plan. x: last known. Dot: centre.",
                )
            )
        )
        + "</svg>"
    )
    return "".join(parts)


def for_message(
    kind: MessageKind,
    values: dict[str, Any],
    points: Sequence[RecoveryPoint],
    windows: Sequence[tuple[datetime, datetime]] | None,
    now: datetime,
    search: SearchPicture | None = None,
) -> list[tuple[str, str]]:
    """(caption, svg) for each picture that applies to this message."""
    out: list[tuple[str, str]] = []
    incident = values.get("incident")
    if incident is not None:
        out.append(
            (
                f"Map extract: {incident['id']} and the recovery points within {EXTRACT_KM:.0f} km",
                map_extract(incident, points),
            )
        )
        if windows is not None:
            out.append(("Dark-window clock at the persons' position", dark_clock(windows, now)))
        if search is not None and kind is MessageKind.SITREP:
            out.append((f"Probability map: where {incident['id']} is likeliest now", probability_map(search)))
    directive = values.get("directive")
    if kind in (MessageKind.SUPPORT_DIRECTIVE, MessageKind.SITREP) and directive:
        out.append(("Command relationships of the support directive", relationships(directive)))
    return out
