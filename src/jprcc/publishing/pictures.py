"""The pictures a printed message carries, as inline SVG: the map extract around the persons, the
dark-window clock for the next 36 hours, and the relationship chart of a support directive (who
supports whom, with what, and that nobody's TACON changes)."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jprcc.core.theater.model import RecoveryPoint
from jprcc.publishing.model import MessageKind

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


def for_message(
    kind: MessageKind,
    values: dict[str, Any],
    points: Sequence[RecoveryPoint],
    windows: Sequence[tuple[datetime, datetime]] | None,
    now: datetime,
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
    directive = values.get("directive")
    if kind in (MessageKind.SUPPORT_DIRECTIVE, MessageKind.SITREP) and directive:
        out.append(("Command relationships of the support directive", relationships(directive)))
    return out
