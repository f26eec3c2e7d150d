"""Restore an earlier title, summary or learning outcomes from an item's history.

A restore is an ordinary edit: it goes through catalogue.operations.update_item (its
checks, its audit event, its commit), so the pipeline writes a new history entry for it
and re-indexes the item like any other save.
"""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from pan_platform.catalogue import operations as catalogue
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.history.changes import RESTORE_KEY
from pan_platform.history.models import ItemChange
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.paging import Page, paginate

PER_PAGE = 20


class HistoryError(OperationError):
    """A restore that cannot be done; the message is for the user."""


def entry_of(item: Item, entry_id: int) -> ItemChange:
    """An entry of this item's history; NotFound for any other id (another item's entry too)."""
    entry = db.session.get(ItemChange, entry_id)
    if entry is None or entry.item_id != item.id:
        raise NotFound()
    return entry


def history_page(user, item: Item, page: int, per_page: int = PER_PAGE) -> Page:
    """One page of the item's entries, newest first."""
    catalogue.require(user, "view_history", item)
    stmt = select(ItemChange).where(ItemChange.item_id == item.id).order_by(ItemChange.id.desc())
    return paginate(stmt, page, per_page)


@operation
def restore(user, item: Item, entry_id: int) -> list[str]:
    """Put back the old title, summary and learning outcomes of one entry; the names of the
    fields that changed (empty when they already hold those values)."""
    catalogue.require(user, "view_history", item)
    entry = entry_of(item, entry_id)
    values = entry.restorable()
    if not values:
        raise HistoryError(_("This entry holds no earlier title, summary or learning outcomes."))
    changed = [name for name, value in values.items() if (getattr(item, name) or None) != (value or None)]
    if changed:
        db.session.info.setdefault(RESTORE_KEY, {})[item.id] = entry.id
        catalogue.update_item(user, item, values)
    return changed
