"""The one paginator: every list of the site and the API (catalogue, shared with us, search,
the workspace, the console, feeds' pages) reads its page number and cuts its page here.

A page number from a query string is forgiving: anything that is not a whole number in
1..MAX_PAGE becomes the nearest valid page (junk: 1), so a hand-edited address never gives
an error page. A page past the last one is empty, with the true total and page count, so
a reader sees "page 9 of 3" rather than a silently different page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import Select, func, select

from pan_platform.extensions import db

MAX_PAGE = 10_000


def page_number(value: object, last: int = MAX_PAGE) -> int:
    """A page number from a query-string value: 1 for junk, clamped to 1..last."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not text.isascii():
        return 1
    return max(1, min(int(text[:8]), last))


class Paged:
    """Page arithmetic for anything with `page`, `per_page` and `total` (a Page, a search result)."""

    page: int
    per_page: int
    total: int
    max_pages: ClassVar[int] = MAX_PAGE

    @property
    def pages(self) -> int:
        """How many pages the total fills; at least 1, so "page 1 of 1" for an empty list."""
        return min(self.max_pages, max(1, -(-self.total // max(1, self.per_page))))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return min(self.page - 1, self.pages) if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last, and two either side of this one;
        None where numbers are left out ("1 … 4 5 6 7 8 … 20")."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for number in shown:
            if out and number - out[-1] > 1:
                out.append(None)
            out.append(number)
        return out

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Page(Paged):
    """One page of a list: `items` (also `rows`), its number, size and the overall total."""

    items: list = field(default_factory=list)
    page: int = 1
    per_page: int = 20
    total: int = 0

    @property
    def rows(self) -> list:
        return self.items


def count_rows(stmt: Select) -> int:
    """How many rows `stmt` (a select) returns."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def paginate(stmt: Select, page: int, per_page: int, options: Sequence[Any] = (),
             total: int | None = None) -> Page:
    """Run `stmt` (a select of rows) for one page, counting the whole list once unless the
    caller knows its `total`. `options` (eager loads) apply to the page's rows only."""
    page, per_page = page_number(page), max(1, per_page)
    total = count_rows(stmt) if total is None else total
    rows = db.session.scalars(stmt.options(*options).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


def page_of(rows: Sequence[Any], page: int, per_page: int) -> Page:
    """One page of a list already in memory."""
    page, per_page = page_number(page), max(1, per_page)
    start = (page - 1) * per_page
    return Page(items=list(rows[start:start + per_page]), page=page, per_page=per_page, total=len(rows))
