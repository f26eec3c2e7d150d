"""What a viewer sees of collections: listings filter by access.collections_readable_by(); a
collection's items are those the viewer may read (readable_items asks can() for each)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from pan_platform.access import can, collections_readable_by
from pan_platform.catalogue.models import Item
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from pan_platform.search.hits import readable_items


def get_readable(user, collection_id: int) -> Collection:
    """The collection, or 404 for a hidden one exactly as for a missing one."""
    collection = db.session.get(Collection, collection_id)
    if collection is None or not can(user, "read", collection):
        raise NotFound()
    return collection


def get_editable(user, collection_id: int) -> Collection:
    """The collection for its owner; 404 for anyone else (a reader learns nothing more)."""
    collection = get_readable(user, collection_id)
    if not can(user, "edit", collection):
        raise NotFound()
    return collection


@dataclass(frozen=True)
class Shown:
    """One item of a collection as the viewer sees it."""

    entry: CollectionEntry
    item: Item


def shown_entries(user, collection: Collection) -> list[Shown]:
    """The entries whose item the viewer may read, in the collection's order. The others are
    left out without a trace (no count, no title, no note)."""
    entries = list(collection.entries)
    items = {item.id: item for item in readable_items(user, [e.item_id for e in entries])}
    return [Shown(entry, items[entry.item_id]) for entry in entries if entry.item_id in items]


def _listing(user):
    return select(Collection).where(collections_readable_by(user))


def mine(user) -> list[Collection]:
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = select(Collection).where(Collection.owner_id == user.id).order_by(Collection.updated_at.desc(), Collection.id.desc())
    return list(db.session.scalars(stmt))


def shared_with(user, limit: int = 100) -> list[Collection]:
    """Collections of other people that the viewer may read."""
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = (_listing(user).where(Collection.owner_id != user.id, Collection.visibility != "private")
            .order_by(Collection.updated_at.desc(), Collection.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def readable_counts(user, collections: list[Collection]) -> dict[int, int]:
    """Number of items of each collection that the viewer may read."""
    if not collections:
        return {}
    ids = [c.id for c in collections]
    rows = db.session.execute(
        select(CollectionEntry.collection_id, CollectionEntry.item_id).where(CollectionEntry.collection_id.in_(ids))
    ).all()
    readable = {item.id for item in readable_items(user, sorted({item_id for _c, item_id in rows}))}
    counts = dict.fromkeys(ids, 0)
    for collection_id, item_id in rows:
        if item_id in readable:
            counts[collection_id] += 1
    return counts


def containing(user, item_id: int) -> set[int]:
    """Ids of the viewer's own collections that already hold the item."""
    if not getattr(user, "is_authenticated", False):
        return set()
    stmt = (select(CollectionEntry.collection_id).join(Collection)
            .where(Collection.owner_id == user.id, CollectionEntry.item_id == item_id))
    return set(db.session.scalars(stmt))

