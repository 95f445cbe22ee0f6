"""A bar or line chart as inline SVG, for report pages and the console."""

from __future__ import annotations

import math
from html import escape

FONT = 11
# An upper bound of a DejaVu Sans / system-ui character's advance at FONT px:
# margins are sized from it so that no label is cut at the chart's edge.
CHAR_WIDTH = 0.62 * FONT
LABEL_CHARS = 28
SLANT = math.radians(35)


def svg_chart(
    points: list[tuple[str, float]],
    line: bool,
    title: str,
    links: list[str] | None = None,
) -> str:
    """A bar or line chart as inline SVG, with a title and text labels for
    screen readers. Every bar carries its label and its value; with `links`
    (one per point, "" for none) each bar opens what it counts."""
    if not points:
        return f'<p>No data to chart for "{escape(title)}".</p>'
    labels = [
        label[:LABEL_CHARS] + ("…" if len(label) > LABEL_CHARS else "") for label, _ in points
    ]
    top = max(value for _, value in points) or 1.0
    longest = max(len(label) for label in labels) * CHAR_WIDTH
    width = max(720, 60 + 40 * len(points))
    step = (width - 70) / len(points)
    # Slanted labels hang down and to the left of their bar: the margins below
    # and to the left are as large as the longest label needs.
    bottom = int(longest * math.sin(SLANT) + FONT * 2 + 12)
    left = int(max(60, longest * math.cos(SLANT) - step / 2 + 8))
    width = left + int(step * len(points)) + 10
    inner_h = 200
    height = 20 + FONT + inner_h + bottom
    base = 20 + FONT + inner_h
    every = len(points) <= 24 or not line
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#333"/>',
        f'<text x="{left - 6}" y="{base - inner_h + 4}" text-anchor="end" '
        f'font-size="{FONT}">{top:g}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end" font-size="{FONT}">0</text>',
    ]
    coords = []
    for i, ((label, value), shown) in enumerate(zip(points, labels, strict=True)):
        x = left + i * step
        h = inner_h * (value / top)
        middle = x + step / 2
        if line:
            coords.append(f"{middle:.1f},{base - h:.1f}")
        else:
            bar = (
                f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{base - h:.1f}" '
                f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="#1f5fa8">'
                f"<title>{escape(label)}: {value:g}</title></rect>"
                f'<text class="value" x="{middle:.1f}" y="{base - h - 4:.1f}" '
                f'text-anchor="middle" font-size="{FONT}">{value:g}</text>'
            )
            link = links[i] if links else ""
            if link:
                bar = f'<a href="{escape(link)}" aria-label="{escape(label)}: {value:g}">{bar}</a>'
            parts.append(bar)
        if every or i % max(1, len(points) // 12) == 0:
            y = base + FONT + 6
            parts.append(
                f'<text class="label" x="{middle:.1f}" y="{y}" font-size="{FONT}" '
                f'text-anchor="end" transform="rotate(-35 {middle:.1f} {y})">'
                f"{escape(shown)}</text>"
            )
    if line:
        parts.append(
            f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(coords)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
