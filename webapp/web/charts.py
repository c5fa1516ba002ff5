"""Small bar charts drawn on the server as inline SVG: no JavaScript, and no ``style`` attribute
(the content security policy forbids inline styles), only SVG presentation attributes. A chart is
an image with a title for screen readers; the table beside it carries the same figures."""
from itertools import count
from math import ceil

from markupsafe import Markup, escape

# Small enough that the text stays readable when a phone shrinks the chart to its width.
WIDTH, HEIGHT = 400, 240
LEFT, RIGHT, BOTTOM = 40, 6, 30
LEGEND_ROW, CHAR = 16, 6.5  # a legend line's height; a rough width of one character at font size 11
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


def _legend(series) -> tuple[list[tuple[float, int, str]], int]:
    """(x, row, name) of each legend entry, wrapped to the chart's width, and the number of rows."""
    placed, x, row = [], LEFT, 0
    for _s, (name, _vs) in enumerate(series):
        width = 20 + CHAR * len(str(name))
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, row = LEFT, row + 1
        placed.append((x, row, str(name)))
        x += width + 10
    return placed, row + 1


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list]]) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series (None draws nothing)."""
    chart_id = f"chart-{next(_ids)}"
    legend, rows = _legend(series)
    top_margin = 8 + rows * LEGEND_ROW + 10
    values = [v for _name, vs in series for v in vs if v is not None]
    top = _ceiling(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - top_margin - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = max(1.0, (slot * 0.8) / max(len(series), 1))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}" '
             f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
             f'<title id="{chart_id}">{escape(title)}</title>']
    for fraction in (0, 0.5, 1):
        y = top_margin + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f'{_number(top * fraction if fraction else 0)}</text>')
    for s, (_name, vs) in enumerate(series):
        for i, value in enumerate(vs):
            if not value:
                continue
            height = plot_h * value / top
            x = LEFT + i * slot + slot * 0.1 + s * bar
            parts.append(f'<rect x="{x:.1f}" y="{top_margin + plot_h - height:.1f}" width="{bar:.1f}" '
                         f'height="{height:.1f}" fill="{PALETTE[s % len(PALETTE)]}"/>')
    widest = max((len(label) for label in labels), default=1) * CHAR + 6
    every = max(1, ceil(widest / slot))  # labels that would overlap are thinned out
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + i * slot + slot / 2
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                         f'fill="{INK}">{escape(label)}</text>')
    for s, (x, row, name) in enumerate(legend):
        y = 8 + row * LEGEND_ROW
        parts.append(f'<rect x="{x:.1f}" y="{y}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y + 10}" fill="{INK}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
