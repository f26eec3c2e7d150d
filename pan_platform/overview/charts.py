"""Small server-drawn SVG charts: horizontal bars, monthly columns and a heat map.

As the console's trend charts (admin/trends.py): no script, no chart library, nothing
fetched from elsewhere. Each chart is an image with a title (`role="img"`, `aria-label`)
and a <title> per mark, and the page puts its data beside it as an HTML table and a CSV
file. Labels arrive translated and numbers formatted by the caller. Right-to-left pages
get a mirrored chart: bars grow leftwards from labels on the right, time runs from right
to left, the matrix's first column is on the right. The SVG's own direction is fixed to
ltr and every position is computed, so the page's `dir` cannot move anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT, BAR_GAP = 18, 6
LABEL_WIDTH = 190
VALUE_SPACE = 56
CHAR_WIDTH = 6.2  # average width of a character of the 11px labels, to shorten long ones


def _fit(text: str, width: float) -> str:
    limit = max(4, int(width / CHAR_WIDTH))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(height: float, title: str, body: str, css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" viewBox="0 0 {WIDTH} {round(height)}" role="img" aria-label="{escape(title)}" '
        f'direction="ltr" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">{body}</svg>'
    )


def _x(x: float, width: float, rtl: bool) -> float:
    """Where a mark of `width` starting at `x` (from the start side) sits."""
    return round(WIDTH - x - width if rtl else x, 1)


def bar_chart(rows: Sequence[tuple[str, int]], title: str, rtl: bool = False,
              number: Callable[[int], str] = str) -> Markup:
    """One horizontal bar per (label, value); the value is written at the bar's end."""
    top = max((v for _l, v in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE
    parts = []
    for index, (label, value) in enumerate(rows):
        y = index * (BAR_HEIGHT + BAR_GAP) + 4
        length = round(value / top * span, 1)
        bar_x = _x(LABEL_WIDTH, length, rtl)
        label_x = WIDTH - LABEL_WIDTH + 8 if rtl else LABEL_WIDTH - 8
        value_x = bar_x - 4 if rtl else bar_x + length + 4
        anchor_label, anchor_value = ("start", "end") if rtl else ("end", "start")
        text = escape(label)
        parts.append(
            f'<g><title>{text}: {escape(number(value))}</title>'
            f'<text class="label" x="{label_x}" y="{y + 13}" text-anchor="{anchor_label}">{escape(_fit(label, LABEL_WIDTH - 12))}</text>'
            f'<rect class="bar" x="{bar_x}" y="{y}" width="{length}" height="{BAR_HEIGHT}" data-value="{value}"/>'
            f'<text class="value" x="{round(value_x, 1)}" y="{y + 13}" text-anchor="{anchor_value}">{escape(number(value))}</text></g>'
        )
    height = len(rows) * (BAR_HEIGHT + BAR_GAP) + 8
    return _svg(max(height, 30), title, "".join(parts), "bar-chart")


def column_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int], str]], title: str,
                 rtl: bool = False, number: Callable[[int], str] = str, every: int = 1) -> Markup:
    """Columns per period (e.g. month), one per series side by side; `labels` name the
    periods (every `every`-th is written under the axis); series: (name, values, css class)."""
    height, axis, top_space = 200, 22, 16
    top = max((v for _n, values, _c in series for v in values), default=0) or 1
    slot = (WIDTH - 50) / max(len(labels), 1)
    width = max((slot - 4) / max(len(series), 1), 1)
    parts = [f'<text class="value" x="{WIDTH - 4 if rtl else 4}" y="11" '
             f'text-anchor="{"end" if rtl else "start"}">{escape(number(top))}</text>',
             f'<line class="axis" x1="0" x2="{WIDTH}" y1="{height - axis}" y2="{height - axis}"/>']
    if len(series) > 1:  # a legend: the colour of each series, after the top value
        offset = 60.0
        for name, _values, css in series:
            box = _x(offset, 10, rtl)
            text_x = box - 4 if rtl else box + 14
            parts.append(f'<rect class="bar {css} legend" x="{box}" y="2" width="10" height="10"/>'
                         f'<text class="label" x="{round(text_x, 1)}" y="11" text-anchor="{"end" if rtl else "start"}">'
                         f"{escape(name)}</text>")
            offset += 30 + len(name) * CHAR_WIDTH
    for index, label in enumerate(labels):
        start = 46 + index * slot
        for position, (name, values, css) in enumerate(series):
            value = values[index]
            bar = round(value / top * (height - axis - top_space), 1)
            x = _x(start + position * width, width, rtl)
            parts.append(
                f'<g><title>{escape(label)} – {escape(name)}: {escape(number(value))}</title>'
                f'<rect class="bar {css}" x="{x}" y="{round(height - axis - bar, 1)}" width="{round(width, 1)}" '
                f'height="{bar}" data-value="{value}"/></g>'
            )
        if index % every == 0:
            centre = _x(start + (slot - 4) / 2, 0, rtl)
            parts.append(f'<text class="label" x="{centre}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>')
    return _svg(height, title, "".join(parts), "column-chart")


def heat_map(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[int]], title: str,
             rtl: bool = False, number: Callable[[int], str] = str) -> Markup:
    """A matrix of rows x columns; a cell's shade grows with its value, 0 stays blank
    (a gap). `columns` are short headings (the table beside the chart names them)."""
    cell_h, head = 20, 22
    label_w = 170
    cell_w = (WIDTH - label_w) / max(len(columns), 1)
    top = max((v for row in values for v in row), default=0) or 1
    parts = []
    for col, heading in enumerate(columns):
        x = _x(label_w + col * cell_w, cell_w, rtl) + cell_w / 2
        parts.append(f'<text class="label" x="{round(x, 1)}" y="15" text-anchor="middle">{escape(heading)}</text>')
    for index, (label, row) in enumerate(zip(rows, values, strict=True)):
        y = head + index * cell_h
        label_x = WIDTH - label_w + 6 if rtl else label_w - 6
        parts.append(f'<text class="label" x="{label_x}" y="{y + 14}" text-anchor="{"start" if rtl else "end"}">'
                     f"{escape(_fit(label, label_w - 10))}</text>")
        for col, value in enumerate(row):
            x = _x(label_w + col * cell_w, cell_w, rtl)
            shade = 0 if not value else round(0.2 + 0.8 * value / top, 2)
            css = "cell" if value else "cell gap"
            parts.append(
                f'<g><title>{escape(label)} – {escape(columns[col])}: {escape(number(value))}</title>'
                f'<rect class="{css}" x="{round(x + 1, 1)}" y="{y + 1}" width="{round(cell_w - 2, 1)}" height="{cell_h - 2}" '
                f'fill-opacity="{shade if value else 1}" data-value="{value}"/>'
                + (f'<text class="cell-value{" dark" if shade > 0.6 else ""}" x="{round(x + cell_w / 2, 1)}" y="{y + 14}" '
                   f'text-anchor="middle">{escape(number(value))}</text>' if value else "")
                + "</g>"
            )
    return _svg(head + len(rows) * cell_h + 4, title, "".join(parts), "heat-map")
