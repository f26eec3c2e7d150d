"""Collections: create, change, delete; add, move, annotate and remove items.
Each public function is one unit of work (`@operation`); only the owner may change a
collection, and an item goes in only when the owner may read it."""

from __future__ import annotations

from sqlalchemy import func, select

from pan_platform.access import COLLECTION_VISIBILITY_CODES, can
from pan_platform.catalogue.models import Item
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.util import utcnow

MAX_TITLE = 200
MAX_NOTE = 2000
MAX_DESCRIPTION = 4000
MAX_ENTRIES = 500


class CollectionError(OperationError):
    """A refused or invalid change of a collection; str(error) is for the user."""


def _require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise CollectionError(_("You do not have permission to do this."))


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _check(values: dict) -> dict:
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title or len(title) > MAX_TITLE:
        errors["title"] = _("Please enter a title of at most %(n)d characters.", n=MAX_TITLE)
    description = (values.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("The description is too long (at most %(n)d characters).", n=MAX_DESCRIPTION)
    visibility = values.get("visibility") or "private"
    if visibility not in COLLECTION_VISIBILITY_CODES:
        errors["visibility"] = _("Please choose who may see the collection.")
    if errors:
        raise CollectionError(errors=errors)
    return {"title": title, "description": description or None, "visibility": visibility}


@operation
def create_collection(user, values: dict) -> Collection:
    if not _signed_in(user):
        raise CollectionError(_("You do not have permission to do this."))
    collection = Collection(owner_id=user.id, organisation_id=user.organisation_id, **_check(values))
    db.session.add(collection)
    db.session.flush()
    return collection


@operation
def update_collection(user, collection: Collection, values: dict) -> Collection:
    _require(user, "edit", collection)
    for name, value in _check(values).items():
        setattr(collection, name, value)
    return collection


@operation
def delete_collection(user, collection: Collection) -> None:
    _require(user, "edit", collection)
    db.session.delete(collection)


def _entry(collection: Collection, item_id: int) -> CollectionEntry:
    for entry in collection.entries:
        if entry.item_id == item_id:
            return entry
    raise CollectionError(_("This item is not in the collection."))


@operation
def add_item(user, collection: Collection, item: Item, note: str = "") -> CollectionEntry:
    """Put `item` at the end of `collection` (an item already in it stays where it is)."""
    _require(user, "edit", collection)
    _require(user, "read", item)
    for entry in collection.entries:
        if entry.item_id == item.id:
            return entry
    if len(collection.entries) >= MAX_ENTRIES:
        raise CollectionError(_("A collection holds at most %(n)d items.", n=MAX_ENTRIES))
    last = db.session.scalar(
        select(func.max(CollectionEntry.position)).where(CollectionEntry.collection_id == collection.id))
    entry = CollectionEntry(item_id=item.id, position=(last or 0) + 1, note=_clean_note(note))
    collection.entries.append(entry)
    collection.updated_at = utcnow()
    db.session.flush()
    return entry


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise CollectionError(errors={"note": _("The note is too long (at most %(n)d characters).", n=MAX_NOTE)})
    return note or None


@operation
def set_note(user, collection: Collection, item_id: int, note: str) -> None:
    _require(user, "edit", collection)
    _entry(collection, item_id).note = _clean_note(note)


@operation
def remove_item(user, collection: Collection, item_id: int) -> None:
    _require(user, "edit", collection)
    entry = _entry(collection, item_id)
    collection.entries.remove(entry)


@operation
def move_item(user, collection: Collection, item_id: int, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down"). The positions are
    renumbered 1..n on the way, so gaps and ties left by older changes disappear."""
    _require(user, "edit", collection)
    if direction not in ("up", "down"):
        raise CollectionError(_("Please choose a direction."))
    entries = list(collection.entries)
    index = entries.index(_entry(collection, item_id))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(entries):
        entries[index], entries[other] = entries[other], entries[index]
    _renumber(entries)


@operation
def reorder(user, collection: Collection, item_ids: list[int]) -> None:
    """A new order (dragging on the page): the listed items first, in that order, then the
    others as they were (those the owner can no longer read, too). Unknown ids are ignored."""
    _require(user, "edit", collection)
    by_item = {entry.item_id: entry for entry in collection.entries}
    wanted = [by_item[i] for i in dict.fromkeys(item_ids) if i in by_item]
    rest = [entry for entry in collection.entries if entry not in wanted]
    _renumber(wanted + rest)


def _renumber(entries: list[CollectionEntry]) -> None:
    for position, entry in enumerate(entries, start=1):
        entry.position = position
