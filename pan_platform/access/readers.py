"""Keep the derived `item_readers` rows equal to read_principals(), and filter queries by them.

Rows are refreshed on every flush, for every changed item, share and their
descendants, so no operation can forget to refresh them.
"""

from __future__ import annotations

from sqlalchemy import event, exists, select
from sqlalchemy.orm import Session

from pan_platform.access.principals import read_principals, user_principals
from pan_platform.sharing.models import ItemReader, ItemShare


def refresh_readers(item) -> None:
    wanted = read_principals(item)
    have = {row.principal for row in item.reader_rows}
    if have == wanted:
        return
    item.reader_rows = [row for row in item.reader_rows if row.principal in wanted]
    item.reader_rows.extend(ItemReader(principal=p) for p in sorted(wanted - have))


def readable_by(user, item_id_column):
    """A SQL condition: the item in `item_id_column` is readable by `user`.

    Platform administrators get no condition here: they bypass, explicitly.
    """
    if getattr(user, "is_authenticated", False) and user.is_active and user.role == "platform_admin":
        return True
    labels = sorted(user_principals(user))
    return exists(
        select(ItemReader.item_id).where(
            ItemReader.item_id == item_id_column, ItemReader.principal.in_(labels)
        )
    )


def _affected_items(session: Session) -> set:
    from pan_platform.catalogue.models import Item

    items = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Item):
            items.add(obj)
        elif isinstance(obj, ItemShare) and obj.item is not None:
            items.add(obj.item)
    for obj in session.deleted:
        if isinstance(obj, ItemShare):
            item = session.get(Item, obj.item_id)
            if item is not None and item not in session.deleted:
                items.add(item)
    return items


@event.listens_for(Session, "before_flush")
def _collect_changed(session: Session, flush_context, instances) -> None:
    session.info.setdefault("pan_readers_todo", set()).update(_affected_items(session))


@event.listens_for(Session, "after_flush_postexec")
def _refresh_after_flush(session: Session, flush_context) -> None:
    """Ids exist only after the flush; the rows written here go out with the next flush
    (commit flushes until the session is clean)."""
    todo = session.info.pop("pan_readers_todo", set())
    for item in list(todo):
        todo.update(item.descendants())
    for item in todo:
        if item in session and item not in session.deleted and item.id is not None:
            refresh_readers(item)
