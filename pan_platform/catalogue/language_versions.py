"""Language versions: separate items that are the same work in different languages.

"This handbook also exists in Russian": unlike a translation (a title and summary in
another language on the same item), a language version is an item of its own, with its
own file, owner and sharing. Versions are kept as groups: every item of a group carries
the same random `group_id` (random, so that a group left by the item that started it can
never be confused with a new one). One row per grouped item: an item is in at most one
group.

Who sees a version is decided by the access module as for any item: pages list only the
versions the viewer may read.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.access import can, readable_by
from pan_platform.audit.models import record
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.util import utcnow


class ItemLanguageVersion(db.Model):
    __tablename__ = "item_language_versions"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), index=True)


class VersionError(OperationError):
    """A link that cannot be made; the message is for the user, in their language."""


def _group_of(item_id: int) -> str | None:
    return db.session.scalar(select(ItemLanguageVersion.group_id).where(ItemLanguageVersion.item_id == item_id))


def _version_ids(item: Item) -> list[int]:
    group = _group_of(item.id)
    if group is None:
        return []
    stmt = select(ItemLanguageVersion.item_id).where(
        ItemLanguageVersion.group_id == group, ItemLanguageVersion.item_id != item.id
    )
    return list(db.session.scalars(stmt))


def readable_versions(user, item: Item, first_language: str | None = None) -> list[Item]:
    """The other versions `user` may read; those in `first_language` first."""
    ids = _version_ids(item)
    if not ids:
        return []
    stmt = (
        select(Item)
        .where(Item.id.in_(ids), readable_by(user, Item.id))
        .order_by(Item.language, Item.id)
    )
    versions = [version for version in db.session.scalars(stmt) if can(user, "read", version)]
    return sorted(versions, key=lambda version: version.language != first_language)


@operation
def link_versions(user, item: Item, other: Item) -> None:
    """Make `other` (and any versions it already has) language versions of `item`.

    The editor must be allowed to edit both items: the link shows on both pages.
    """
    if not can(user, "edit", item) or not can(user, "edit", other):
        raise VersionError(_("You can only link items that you are allowed to edit."))
    if other.id == item.id:
        raise VersionError(_("An item cannot be a language version of itself."))
    if other.kind != item.kind:
        raise VersionError(_("Only items of the same kind can be language versions of each other."))
    mine, theirs = _group_of(item.id), _group_of(other.id)
    if mine is not None and mine == theirs:
        raise VersionError(_("These items are already linked as language versions."))
    group = mine or theirs or uuid.uuid4().hex
    if mine is None:
        db.session.add(ItemLanguageVersion(item_id=item.id, group_id=group))
    if theirs is None:
        db.session.add(ItemLanguageVersion(item_id=other.id, group_id=group))
    elif theirs != group:  # both already had versions: merge the other group into this one
        for row in db.session.scalars(select(ItemLanguageVersion).where(ItemLanguageVersion.group_id == theirs)):
            row.group_id = group
    _touch(item, other)
    record("link_language_version", user, item, other_item_id=other.id)


@operation
def unlink_version(user, item: Item, other: Item) -> None:
    """Take `other` out of `item`'s versions (both must be editable by `user`)."""
    if not can(user, "edit", item) or not can(user, "edit", other):
        raise VersionError(_("You can only link items that you are allowed to edit."))
    group = _group_of(item.id)
    if group is None or _group_of(other.id) != group:
        raise VersionError(_("These items are not linked as language versions."))
    db.session.execute(db.delete(ItemLanguageVersion).where(ItemLanguageVersion.item_id == other.id))
    remaining = db.session.scalars(
        select(ItemLanguageVersion).where(ItemLanguageVersion.group_id == group)
    ).all()
    if len(remaining) == 1:  # a group of one links nothing
        db.session.delete(remaining[0])
    _touch(item, other)
    record("unlink_language_version", user, item, other_item_id=other.id)


def _touch(*items: Item) -> None:
    # The change is in another table: mark the items changed so that anything following
    # item updates (search index, feeds) sees them.
    for each in items:
        each.updated_at = utcnow()


def prefer_language(items: list[Item], language: str) -> list[Item]:
    """Ranked items with each group of language versions together, `language` first.

    A list (search results, a page of the catalogue) may hold several versions of one
    work; the reader sees the version in their own language at the place of the group's
    best-ranked member, the other versions right after it. Other items keep their rank.
    """
    ids = [item.id for item in items]
    if len(ids) < 2:
        return list(items)
    groups = dict(db.session.execute(
        select(ItemLanguageVersion.item_id, ItemLanguageVersion.group_id).where(ItemLanguageVersion.item_id.in_(ids))
    ).all())
    ordered: list[Item] = []
    placed: set[str] = set()
    for item in items:
        group = groups.get(item.id)
        if group is None:
            ordered.append(item)
        elif group not in placed:
            placed.add(group)
            members = [each for each in items if groups.get(each.id) == group]
            ordered.extend(sorted(members, key=lambda each: each.language != language))
    return ordered
