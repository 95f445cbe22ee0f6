"""A bar or line chart as inline SVG, for report pages and the console."""

from __future__ import annotations

from html import escape


def svg_chart(points: list[tuple[str, float]], line: bool, title: str) -> str:
    """A bar or line chart as inline SVG, with a title and text labels for
    screen readers."""
    width, height, left, bottom = 720, 280, 60, 70
    if not points:
        return f'<p>No data to chart for "{escape(title)}".</p>'
    top = max(value for _, value in points) or 1.0
    inner_w, inner_h = width - left - 10, height - bottom - 20
    step = inner_w / len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<line x1="{left}" y1="{20 + inner_h}" x2="{width - 10}" y2="{20 + inner_h}" '
        'stroke="#333"/>',
        f'<text x="{left - 6}" y="24" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{left - 6}" y="{20 + inner_h}" text-anchor="end" font-size="11">0</text>',
    ]
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        h = inner_h * (value / top)
        if line:
            coords.append(f"{x + step / 2:.1f},{20 + inner_h - h:.1f}")
        else:
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{20 + inner_h - h:.1f}" '
                f'width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="#1f5fa8"><title>{escape(label)}: {value:g}</title></rect>'
            )
        if len(points) <= 24 or i % max(1, len(points) // 12) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 24}" font-size="10" '
                f'text-anchor="end" '
                f'transform="rotate(-35 {x + step / 2:.1f} {height - bottom + 24})">'
                f"{escape(label[:28])}</text>"
            )
    if line:
        parts.append(
            f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(coords)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
