"""Keep the derived `item_readers` rows equal to read_grants(), and filter queries by them.

Rows are refreshed on every flush, for every changed item, share, priority area and
their descendants, and for every item of an academy whose sharing agreements change,
so no operation can forget to refresh them. The steps below are plain functions; the
pipeline (`pan_platform/pipeline.py`) runs them at each flush, commit and rollback.
Changed rows reach the search index like any other change of an item.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from pan_platform.access.principals import label_expiries, read_grants, user_principals
from pan_platform.catalogue.models import Item, ItemArea
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemReader, ItemShare, SharingAgreement
from pan_platform.util import utcnow

PENDING_KEY = "pan_readers_pending"  # items whose labels may change, collected before the flush
AGREEMENTS_KEY = "pan_agreements"  # agreements cached by access.principals (principals.py)
STALE_KEY = "pan_readers_stale"  # items whose loaded shares/areas still hold a deleted row


def refresh_readers(item) -> bool:
    """Make the item's rows equal its labels (and expiries). True when something changed."""
    wanted = label_expiries(read_grants(item))
    have = {row.principal: row.expires_at for row in item.reader_rows}
    if have == wanted:
        return False
    kept = []
    for row in item.reader_rows:
        if row.principal in wanted:
            row.expires_at = wanted[row.principal]
            kept.append(row)
    item.reader_rows = kept
    item.reader_rows.extend(
        ItemReader(principal=p, expires_at=wanted[p]) for p in sorted(set(wanted) - set(have))
    )
    return True


ADMIN_KEY = frozenset({"*platform-admin*"})  # not a label: no item row can hold it


def _bypasses(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == "platform_admin")


def readable_by(user, item_id_column):
    """A SQL condition: the item in `item_id_column` is readable by `user` now.

    Platform administrators get no condition here: they bypass, explicitly. Rows whose
    rule has expired are ignored, so listings are exact even before the expiry sweep.
    """
    if _bypasses(user):
        return True
    labels = sorted(user_principals(user))
    return exists(
        select(ItemReader.item_id).where(
            ItemReader.item_id == item_id_column,
            ItemReader.principal.in_(labels),
            or_(ItemReader.expires_at.is_(None), ItemReader.expires_at > utcnow()),
        )
    )


def reader_key(user) -> frozenset[str]:
    """Everything readable_by(user) depends on besides the rows and the clock: viewers
    with the same key read the same items (cached counts are kept per key)."""
    return ADMIN_KEY if _bypasses(user) else user_principals(user)


def next_expiry(user, now: datetime) -> datetime | None:
    """The next moment after `now` at which a row readable_by(user) relies on lapses
    (None: none lapses). What readable_by() yields at `now` holds until then, unless
    the rows change."""
    if _bypasses(user):
        return None
    stmt = select(func.min(ItemReader.expires_at)).where(
        ItemReader.principal.in_(sorted(user_principals(user))), ItemReader.expires_at > now
    )
    return db.session.scalar(stmt)


def _items_of_owners(session: Session, owner_ids: set[int]) -> list:
    if not owner_ids:
        return []
    with session.no_autoflush:
        return list(session.scalars(select(Item).where(Item.owner_id.in_(owner_ids))))


def _affected_items(session: Session) -> set:
    items, owners = set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Item):
            items.add(obj)
        elif isinstance(obj, (ItemShare, ItemArea)) and obj.item_id is not None:
            item = getattr(obj, "item", None) or session.get(Item, obj.item_id)
            if item is not None:
                items.add(item)
        elif isinstance(obj, SharingAgreement):
            owners.add(obj.owner_id if obj.owner_id is not None else obj.owner.id)
    for obj in session.deleted:
        if isinstance(obj, (ItemShare, ItemArea)):
            item = session.get(Item, obj.item_id)
            if item is not None and item not in session.deleted:
                items.add(item)
                session.info.setdefault(STALE_KEY, set()).add(item)
        elif isinstance(obj, SharingAgreement):
            owners.add(obj.owner_id)
    if owners:
        session.info.pop(AGREEMENTS_KEY, None)  # the cached agreements are stale
        items.update(_items_of_owners(session, owners))
    return items


def collect_changed(session: Session) -> None:
    """Before a flush: note the items whose labels may change (session.new/dirty/deleted
    are still those of the operation)."""
    with session.no_autoflush:
        session.info.setdefault(PENDING_KEY, set()).update(_affected_items(session))


def refresh_collected(session: Session) -> None:
    """After a flush: refresh the noted items and their descendants. Ids exist only now;
    the rows written here go out with the next flush (commit flushes until the session
    is clean)."""
    pending = session.info.pop(PENDING_KEY, set())
    session.info.pop(AGREEMENTS_KEY, None)  # re-read agreements as flushed
    for item in session.info.pop(STALE_KEY, ()):
        if item in session:  # a share or area row deleted on its own stays in the loaded list
            session.expire(item, ["shares", "area_rows"])
    for item in list(pending):
        pending.update(item.descendants())
    for item in pending:
        if item in session:  # not an item deleted by this flush (nor one expunged since)
            refresh_readers(item)


def forget_agreements(session: Session) -> None:
    """After a commit: the next transaction reads the agreements afresh."""
    session.info.pop(AGREEMENTS_KEY, None)


def forget_collected(session: Session) -> None:
    """After a rollback: nothing noted in the failed transaction is refreshed."""
    session.info.pop(AGREEMENTS_KEY, None)
    session.info.pop(PENDING_KEY, None)
    session.info.pop(STALE_KEY, None)
