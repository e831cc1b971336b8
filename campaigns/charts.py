"""Server-drawn SVG charts (no JavaScript, no chart library): outcomes, calls over time
and the key-press funnel. Each returns safe markup with a <title> and an aria-label,
so screen readers get the figures too; every text is escaped.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH = 560
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 215
PALETTE = ("#2f5bd3", "#2e9e5b", "#d98b1c", "#c0392b", "#7d5bbe", "#5f6b7a", "#1a8a8a")
OUTCOME_COLOURS = {
    "answered": "#2e9e5b",
    "no_answer": "#d98b1c",
    "busy": "#e0b02a",
    "rejected": "#c0392b",
    "invalid_number": "#7d5bbe",
    "failed": "#5f6b7a",
}


def _svg(width: int, height: int, title: str, body: str) -> str:
    return mark_safe(  # noqa: S308 - every interpolated text below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bar_chart(title: str, rows: list[tuple[str, int]], colours: list[str] | None = None) -> str:
    """Horizontal bars, one per (label, value)."""
    rows = rows or [("No data yet", 0)]
    top = max((value for _, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP)
        length = round(span * value / top)
        colour = (colours or PALETTE)[i % len(colours or PALETTE)]
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}" rx="3"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}" font-size="13">{value}</text>'
        )
    return _svg(WIDTH, len(rows) * (BAR_HEIGHT + GAP), title, "".join(parts))


def outcomes_chart(outcomes: list[tuple[str, str, int]]) -> str:
    colours = [OUTCOME_COLOURS.get(value, PALETTE[0]) for value, _, _ in outcomes]
    return bar_chart("Calls by outcome", [(label, n) for _, label, n in outcomes], colours)


def time_chart(unit: str, buckets: list) -> str:
    """Columns per minute or hour: all calls, and the answered part darker."""
    height, bottom = 180, 24
    if not buckets:
        return _svg(WIDTH, 40, "Calls over time", '<text x="8" y="24">No calls yet</text>')
    top = max(calls for _, calls, _ in buckets) or 1
    step = (WIDTH - 40) / len(buckets)
    parts = [f'<text x="0" y="12" font-size="12">{top}</text>']
    for i, (moment, calls, answered) in enumerate(buckets):
        x = 40 + i * step
        h_all = round((height - bottom - 16) * calls / top)
        h_ans = round((height - bottom - 16) * answered / top)
        label = f"{moment:%H:%M}: {calls} calls, {answered} answered"
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bottom - h_all}" width="{max(step - 2, 1):.1f}" '
            f'height="{h_all}" fill="#b9c8f2"><title>{escape(label)}</title></rect>'
            f'<rect x="{x:.1f}" y="{height - bottom - h_ans}" width="{max(step - 2, 1):.1f}" '
            f'height="{h_ans}" fill="#2f5bd3"><title>{escape(label)}</title></rect>'
        )
    first, last = buckets[0][0], buckets[-1][0]
    parts.append(
        f'<text x="40" y="{height - 6}" font-size="12">{first:%H:%M}</text>'
        f'<text x="{WIDTH}" y="{height - 6}" font-size="12" text-anchor="end">{last:%H:%M}</text>'
    )
    return _svg(WIDTH, height, f"Calls per {unit} (answered darker)", "".join(parts))


def funnel_chart(funnel: list[tuple[str, list[tuple[str, int]]]]) -> str:
    """One stacked bar per step: how many pressed each key there."""
    if not funnel:
        return _svg(
            WIDTH, 40, "Keys pressed per step", '<text x="8" y="24">No key presses yet</text>'
        )
    top = max(sum(n for _, n in keys) for _, keys in funnel) or 1
    span = WIDTH - LABEL_WIDTH - 10
    parts = []
    for row, (step, keys) in enumerate(funnel):
        y = row * (BAR_HEIGHT + GAP + 14)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(step)}</text>"
        )
        x = LABEL_WIDTH
        for i, (key, count) in enumerate(keys):
            width = span * count / top
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"><title>{escape(step)}: key {escape(key)} pressed by {count}'
                f"</title></rect>"
            )
            if width > 28:
                parts.append(
                    f'<text x="{x + 4:.1f}" y="{y + 16}" font-size="12" fill="#fff">'
                    f"{escape(key)}: {count}</text>"
                )
            x += width
    height = len(funnel) * (BAR_HEIGHT + GAP + 14)
    return _svg(WIDTH, height, "Keys pressed per step", "".join(parts))
