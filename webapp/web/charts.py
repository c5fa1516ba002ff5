"""Small bar charts drawn on the server as inline SVG: no JavaScript, and no ``style`` attribute
(the content security policy forbids inline styles), only SVG presentation attributes. A chart is
an image with a title for screen readers; the table beside it carries the same figures."""
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 34, 46
# Dark enough against white for the 3:1 contrast of graphical objects.
PALETTE = ("#1f5fa8", "#c2571a", "#2e7d32", "#6a3d9a", "#8a6d00")
INK, GRID = "#333333", "#d0d0d0"
_ids = count(1)


def _ceiling(value: float) -> float:
    """A round top for the axis: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list]]) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series (None draws nothing)."""
    chart_id = f"chart-{next(_ids)}"
    values = [v for _name, vs in series for v in vs if v is not None]
    top = _ceiling(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = max(1.0, (slot * 0.8) / max(len(series), 1))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
             f'<title id="{chart_id}">{escape(title)}</title>']
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f'{_number(top * fraction if fraction else 0)}</text>')
    for s, (_name, vs) in enumerate(series):
        for i, value in enumerate(vs):
            if not value:
                continue
            height = plot_h * value / top
            x = LEFT + i * slot + slot * 0.1 + s * bar
            parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" '
                         f'height="{height:.1f}" fill="{PALETTE[s % len(PALETTE)]}"/>')
    every = max(1, round(len(labels) / 12))  # at most about twelve labels under the axis
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + i * slot + slot / 2
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                         f'fill="{INK}">{escape(label)}</text>')
    x = LEFT
    for s, (name, _vs) in enumerate(series):
        parts.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16}" y="20" fill="{INK}">{escape(name)}</text>')
        x += 24 + 7 * len(str(name))
    parts.append("</svg>")
    return Markup("".join(parts))
