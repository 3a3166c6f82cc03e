"""Charts as server-side SVG: no JavaScript, no CDN, readable without colour.

Each function returns SVG markup marked safe; every label and title is escaped
here, so callers may pass names straight from the database.
"""

import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = {
    "bar": "#2563eb",
    "over": "#dc2626",
    "muted": "#94a3b8",
    "text": "#1f2937",
    "grid": "#e5e7eb",
}
FONT = "font-family='system-ui, sans-serif' font-size='12'"


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    title = escape(title)
    # Safe: every label and title interpolated into body was escaped by the caller.
    return mark_safe(
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart' role='img' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
        f"aria-label='{title}'><title>{title}</title>" + "".join(body) + "</svg>"
    )


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    max_value: float | None = None,
    value_label: Callable[[float], str] = lambda v: f"{v:g}",
    reference: float | None = None,
    colours: Sequence[str] | None = None,
    width: int = 520,
) -> SafeString:
    """Horizontal bars, one row per ``(label, value)``.

    ``reference`` draws a dashed line (e.g. 100 % utilization); bars beyond it
    turn red. ``colours`` overrides the colour of each bar."""
    row, label_w, value_w, top = 24, 180, 64, 8
    plot_w = width - label_w - value_w
    height = top * 2 + row * max(len(items), 1)
    scale = max([max_value or 0, reference or 0, *(v for _, v in items)]) or 1
    body = []
    if not items:
        body.append(f"<text x='{width / 2}' y='{height / 2 + 4}' text-anchor='middle' {FONT} ")
        body.append(f"fill='{COLOURS['muted']}'>No data</text>")
    for i, (label, value) in enumerate(items):
        y = top + i * row
        bar_w = plot_w * value / scale
        colour = colours[i] if colours else COLOURS["bar"]
        if reference is not None and value > reference:
            colour = COLOURS["over"]
        body.append(
            f"<text x='{label_w - 8}' y='{y + 16}' text-anchor='end' {FONT} "
            f"fill='{COLOURS['text']}'>{escape(_clip(label))}</text>"
            f"<rect x='{label_w}' y='{y + 4}' width='{bar_w:.1f}' height='{row - 8}' rx='2' "
            f"fill='{colour}'><title>{escape(label)}: {escape(value_label(value))}</title></rect>"
            f"<text x='{label_w + bar_w + 6:.1f}' y='{y + 16}' {FONT} "
            f"fill='{COLOURS['text']}'>{escape(value_label(value))}</text>"
        )
    if reference is not None and items:
        x = label_w + plot_w * reference / scale
        body.append(
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top}' y2='{height - top}' "
            f"stroke='{COLOURS['text']}' stroke-dasharray='4 3' stroke-width='1'/>"
        )
    return _svg(width, height, title, body)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    bin_width: float = 10,
    max_bins: int = 12,
    unit: str = "min",
    axis: str = "minutes",
    width: int = 520,
    height: int = 220,
) -> SafeString:
    """Vertical bars counting ``values`` in bins of ``bin_width``; the last bin
    collects everything beyond (``≥110``). ``axis`` names the x axis."""
    left, bottom, top = 36, 40, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    body = []
    if not values:
        body.append(f"<text x='{width / 2}' y='{height / 2}' text-anchor='middle' {FONT} ")
        body.append(f"fill='{COLOURS['muted']}'>No data</text>")
        return _svg(width, height, title, body)
    bins = min(max_bins, max(1, math.floor(max(values) / bin_width) + 1))
    counts = [0] * bins
    for v in values:
        counts[min(int(max(v, 0) // bin_width), bins - 1)] += 1
    peak = max(counts)
    step = plot_w / bins
    for tick in range(0, peak + 1, max(1, math.ceil(peak / 4))):
        y = top + plot_h - plot_h * tick / peak
        body.append(
            f"<line x1='{left}' x2='{width - 8}' y1='{y:.1f}' y2='{y:.1f}' "
            f"stroke='{COLOURS['grid']}'/><text x='{left - 6}' y='{y + 4:.1f}' "
            f"text-anchor='end' {FONT} fill='{COLOURS['muted']}'>{tick}</text>"
        )
    for i, n in enumerate(counts):
        low = int(i * bin_width)
        last = i == bins - 1 and max(values) >= bins * bin_width
        # The tick shows the bin's lower bound; the tooltip the whole range.
        label = f"≥{low}" if last else f"{low}–{int(low + bin_width)}"
        tick = f"≥{low}" if last else str(low)
        bar_h = plot_h * n / peak
        x = left + i * step
        body.append(
            f"<rect x='{x + 2:.1f}' y='{top + plot_h - bar_h:.1f}' width='{step - 4:.1f}' "
            f"height='{bar_h:.1f}' fill='{COLOURS['bar']}'>"
            f"<title>{escape(label)} {unit}: {n}</title></rect>"
            f"<text x='{x + step / 2:.1f}' y='{top + plot_h + 16}' text-anchor='middle' "
            f"{FONT} fill='{COLOURS['text']}'>{escape(tick)}</text>"
        )
    body.append(
        f"<text x='{left + plot_w / 2}' y='{height - 6}' text-anchor='middle' {FONT} "
        f"fill='{COLOURS['muted']}'>{escape(axis)}</text>"
    )
    return _svg(width, height, title, body)


def _clip(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
