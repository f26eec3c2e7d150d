"""Monthly figures for the console's overview, drawn as small inline SVG bar charts.

The server draws the chart (no script, no chart library): a page that reads without
JavaScript, and nothing fetched from elsewhere.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date
from markupsafe import Markup, escape
from sqlalchemy import func, select

from pan_platform.accounts.models import User
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.util import utcnow

MONTHS = 12
WIDTH, HEIGHT, LABEL_SPACE = 240, 90, 14


def last_months(today: date, count: int = MONTHS) -> list[date]:
    """The first day of each of the last `count` months, oldest first, this month last."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def _month_key(column):
    # Grouping in the database keeps the query one row per month, however many rows there are.
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def monthly_counts(column, *where, months: list[date]) -> list[int]:
    start = datetime(months[0].year, months[0].month, 1)
    key = _month_key(column)
    stmt = select(key, func.count()).where(column >= start, *where).group_by(key)
    counts = {str(month): number for month, number in db.session.execute(stmt)}
    return [counts.get(f"{m.year:04d}-{m.month:02d}", 0) for m in months]


def overview(today: date | None = None) -> list[tuple[str, list[date], list[int]]]:
    """(what, months, values) for new items, new users and downloads."""
    months = last_months(today or utcnow().date())
    return [
        ("items", months, monthly_counts(Item.created_at, months=months)),
        ("users", months, monthly_counts(User.created_at, months=months)),
        ("downloads", months, monthly_counts(AuditEvent.at, AuditEvent.action == "download", months=months)),
    ]


def bar_chart(months: list[date], values: list[int], title: str) -> Markup:
    """An accessible SVG bar chart: one bar per month, its value in the bar's tooltip."""
    top = max(values) or 1
    slot = WIDTH / len(months)
    bars = []
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        height = round(value / top * (HEIGHT - LABEL_SPACE - 12), 1)
        x = round(index * slot + 2, 1)
        y = round(HEIGHT - LABEL_SPACE - height, 1)
        label = escape(format_date(month, "MMM yyyy"))
        bars.append(
            f'<g><title>{label}: {value}</title>'
            f'<rect class="bar" x="{x}" y="{y}" width="{round(slot - 4, 1)}" height="{height}" '
            f'data-month="{month:%Y-%m}" data-value="{value}"/>'
            f'<text x="{round(x + (slot - 4) / 2, 1)}" y="{HEIGHT - 3}" text-anchor="middle">'
            f"{escape(format_date(month, 'MMMMM'))}</text></g>"
        )
    return Markup(
        f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<text x="{WIDTH - 2}" y="9" text-anchor="end">{top if max(values) else 0}</text>'
        + "".join(bars)
        + "</svg>"
    )
