"""The printable after-action report: one HTML page under the node's marking, with a timeline of
every incident's brokering steps (minutes from the isolating event), a chart of where the time went
step by step, the table of milestones, and the definitions the figures rest on. Every word from the
log is escaped; the pictures are inline SVG, so the page prints and opens with no network."""

from __future__ import annotations

from html import escape
from statistics import median

from jprcc.exercise import metrics as mx

COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
MILESTONE_LABELS = {
    "reported": "report",
    "located": "locate",
    "authenticated": "authentication",
    "directive": "directive",
    "recovered": "recovery",
    "phase_one": "phase I",
}
ROW = 22
LEFT = 190
WIDTH = 900


def timeline(found: list[mx.IncidentMetrics], limit: int = 60) -> str:
    """One row per incident: a bar per brokering step, a tick per milestone, on minutes from isolation."""
    shown = found[:limit]
    if not shown:
        return "<p>No incident in the log.</p>"
    span = max(
        [60.0]
        + [m.minutes_at(s.ended) for m in shown for s in m.steps]
        + [v for m in shown for v in (m.minutes_to(k) for k in mx.MILESTONES) if v is not None]
    )
    scale = (WIDTH - LEFT - 20) / span
    height = ROW * len(shown) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="Timeline of each incident from its isolating event">'
    ]
    step_minutes = 30 if span <= 360 else 60 * max(1, round(span / 600))
    t = 0.0
    while t <= span:
        x = LEFT + t * scale
        parts.append(f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - 30}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{height - 14}" font-size="10" text-anchor="middle">{t:.0f}</text>'
        )
        t += step_minutes
    parts.append(f'<text x="{LEFT}" y="{height - 2}" font-size="10">minutes from the isolating event</text>')
    for i, m in enumerate(shown):
        y = 24 + i * ROW
        parts.append(f'<text x="4" y="{y + 12}" font-size="11">{escape(m.incident_id[:28])}</text>')
        for s in m.steps:
            colour = COLOURS[[n for n, _, _ in mx.STEPS].index(s.name) % len(COLOURS)]
            x0, x1 = LEFT + m.minutes_at(s.began) * scale, LEFT + m.minutes_at(s.ended) * scale
            parts.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(1.0, x1 - x0):.1f}" height="14" fill="{colour}">'
                f"<title>{escape(s.name)}: {s.minutes:.0f} min</title></rect>"
            )
        for key in mx.MILESTONES:
            v = m.minutes_to(key)
            if v is not None:
                x = LEFT + v * scale
                parts.append(
                    f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + 16}" '
                    'stroke="#222" stroke-width="1.5">'
                    f"<title>{MILESTONE_LABELS[key]} at {v:.0f} min</title></line>"
                )
    parts.append("</svg>")
    legend = " ".join(
        f'<span class="key" style="background:{COLOURS[i % len(COLOURS)]}"></span>{escape(name)}'
        for i, (name, _, _) in enumerate(mx.STEPS)
    )
    more = f"<p>The first {limit} of {len(found)} incidents are drawn.</p>" if len(found) > limit else ""
    return "".join(parts) + f'<p class="legend">{legend}; a black tick: a milestone.</p>{more}'


def step_chart(found: list[mx.IncidentMetrics]) -> str:
    """Median minutes of each brokering step over the incidents that went through it."""
    rows = []
    for name, _, _ in mx.STEPS:
        values = [s.minutes for m in found for s in m.steps if s.name == name]
        rows.append((name, median(values) if values else None, len(values)))
    longest = max([v for _, v, _ in rows if v is not None] + [1.0])
    scale = (WIDTH - 260 - 130) / longest
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{len(rows) * 26 + 10}" role="img" '
        f'aria-label="Median minutes of each brokering step">'
    ]
    for i, (name, value, n) in enumerate(rows):
        y = 6 + i * 26
        parts.append(f'<text x="4" y="{y + 13}" font-size="12">{escape(name)}</text>')
        if value is None:
            parts.append(f'<text x="260" y="{y + 13}" font-size="12">not reached</text>')
            continue
        parts.append(
            f'<rect x="260" y="{y}" width="{max(1.0, value * scale):.1f}" height="16" '
            f'fill="{COLOURS[i % len(COLOURS)]}"/>'
        )
        parts.append(
            f'<text x="{266 + value * scale:.1f}" y="{y + 13}" font-size="12">{value:.0f} min (n={n})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cell(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def render(figures: mx.Figures, marking: str) -> str:
    """The whole report, as one HTML page."""
    found, as_of, events_read = figures.incidents, figures.as_of, figures.events_read
    head = "".join(f"<th>{MILESTONE_LABELS[k]}</th>" for k in mx.MILESTONES)
    rows = "".join(
        f"<tr><td>{escape(m.incident_id)}</td><td>{escape(m.title)}</td><td>{escape(m.owning_component)}</td>"
        f"<td>{m.isolated_at:%d %H%MZ %b %y}</td>"
        + "".join(f"<td class='n'>{_cell(m.minutes_to(k))}</td>" for k in mx.MILESTONES)
        + f"<td class='n'>{m.dark_minutes_lost:.0f}</td><td>{escape(', '.join(sorted(m.components)))}</td>"
        f"<td>{escape('; '.join(m.relationships)) or '–'}</td>"
        f"<td>{len(m.chosen)} of {len(m.offered)}</td></tr>"
        for m in found
    )
    banner = f'<div class="marking">{escape(marking)}</div>'
    definitions = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in mx.DEFINITIONS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(marking)}: after-action report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 24px; color: #111; }}
.marking {{ text-align: center; font-weight: 700; letter-spacing: .08em; background: #007a33; color: #fff;
  padding: 2px; margin: 0 -24px; }}
table {{ border-collapse: collapse; font-size: 12px; }} th, td {{ border: 1px solid #bbb; padding: 2px 6px; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.key {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 10px; vertical-align: middle; }}
.legend {{ font-size: 12px; }} dl {{ font-size: 12px; }} dt {{ font-weight: 700; }}
@media print {{ .marking {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }} }}
</style></head><body>
{banner}
<h1>After-action report</h1>
<p>As of {as_of:%d %H%MZ %b %Y}: {len(found)} incident(s), {events_read} events read from the log.</p>
<h2>Each incident, from its isolating event</h2>
{timeline(found)}
<h2>Where the time went: the median of each brokering step</h2>
{step_chart(found)}
<h2>Milestones (minutes from the isolating event)</h2>
<table><thead><tr><th>incident</th><th>title</th><th>owner</th><th>isolated</th>{head}
<th>dark min lost</th><th>components</th><th>relationships</th><th>chosen of offered</th></tr></thead>
<tbody>{rows}</tbody></table>
<h2>Definitions</h2>
<dl>{definitions}</dl>
{banner}
</body></html>
"""
