"""The one post-filter of search hits, used by the search page, its suggestions and the API.

The index answers from reader labels written with each commit, so it may lag a commit by
milliseconds (or more while a merge runs). Every hit is therefore loaded again and asked
`can(user, "read")` before it is shown. A hit dropped here is known to be unreadable, so
it is also taken off the total: the page's "N results", the API's `meta.total` and the
page count all come from the same corrected result and agree with the rows shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from pan_platform.access import can
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.queries import card_loads, load_for_reading
from pan_platform.extensions import db
from pan_platform.search.query import SearchResult


@dataclass(frozen=True)
class Hits:
    """The readable hits of one page in rank order, and the result with its total corrected."""

    items: list[Item]
    result: SearchResult
    dropped: tuple[int, ...] = ()


def readable_items(user, ids: list[int]) -> list[Item]:
    """The items `user` may read now, in the order of `ids` (missing and hidden ones left out)."""
    if not ids:
        return []
    stmt = select(Item).where(Item.id.in_(ids)).options(*card_loads())
    rows = {item.id: item for item in load_for_reading(list(db.session.scalars(stmt)))}
    return [rows[i] for i in ids if i in rows and can(user, "read", rows[i])]


def readable_hits(user, result: SearchResult) -> Hits:
    """Post-filter one page of `result` for `user`; see the module's docstring."""
    items = readable_items(user, result.ids)
    kept = {item.id for item in items}
    dropped = tuple(i for i in result.ids if i not in kept)
    if not dropped:
        return Hits(items, result)
    corrected = replace(result, ids=[item.id for item in items], total=max(0, result.total - len(dropped)))
    return Hits(items, corrected, dropped)
