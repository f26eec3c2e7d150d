"""Who may see a collection and a saved search, decided here once for can()
(collection_read_principals) and for SQL listings (collections_readable_by). Both read the
one table VISIBILITY_READERS, so they cannot drift.

A collection is read by its owner, and, as its visibility says, by the members of the
organisation it was made in, or by the network (every academy member). Anonymous visitors
read none. What a reader sees of its items is decided item by item, as everywhere
(can(user, "read", item)); a collection never widens access to an item."""

from __future__ import annotations

from sqlalchemy import and_, false, or_

from pan_platform.access.principals import NETWORK, org, user_principals
from pan_platform.collections.models import Collection

# visibility -> who may read besides the owner: ORGANISATION (the members of the organisation
# it was made in), a label every such reader holds, or None (the owner alone). A visibility
# missing here leaves the owner alone (fail closed).
ORGANISATION = "organisation"
VISIBILITY_READERS: dict[str, str | None] = {
    "private": None,
    "academy": ORGANISATION,
    "network": NETWORK,
}
COLLECTION_VISIBILITY_CODES = tuple(VISIBILITY_READERS)


def owner_label(user_id: int) -> str:
    return f"user:{user_id}"


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _labels_of(user) -> frozenset[str]:
    """The user's item labels, and their own user label; none for anonymous visitors."""
    if not _signed_in(user):
        return frozenset()
    return user_principals(user) | {owner_label(user.id)}


def collection_read_principals(collection) -> frozenset[str]:
    labels = {owner_label(collection.owner_id)}
    readers = VISIBILITY_READERS.get(collection.visibility)
    if readers == ORGANISATION:
        labels.add(org(collection.organisation_id))
    elif readers is not None:
        labels.add(readers)
    return frozenset(labels)


def can_read_collection(user, collection) -> bool:
    return bool(_labels_of(user) & collection_read_principals(collection))


def can_edit_collection(user, collection) -> bool:
    """Only the owner changes a collection (its items, order, notes, sharing)."""
    return _signed_in(user) and collection.owner_id == user.id


def collections_readable_by(user):
    """A SQL condition on Collection: readable by `user` now (platform administrators bypass)."""
    if not _signed_in(user):
        return false()
    if user.role == "platform_admin":
        return True
    labels = _labels_of(user)
    conditions = [Collection.owner_id == user.id]
    for visibility, readers in VISIBILITY_READERS.items():
        if readers == ORGANISATION:
            conditions.append(and_(Collection.visibility == visibility, Collection.organisation_id == user.organisation_id))
        elif readers is not None and readers in labels:
            conditions.append(Collection.visibility == visibility)
    return or_(*conditions)


def can_edit_saved_search(user, saved_search) -> bool:
    """A saved search is its owner's alone (read, change, delete)."""
    return _signed_in(user) and saved_search.user_id == user.id
