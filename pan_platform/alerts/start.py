"""The personal start page after sign-in: my drafts and their states, what waits for me,
my collections, my saved searches with their new matches, and what is new in my areas.

Everything shown is read through the access module: collections and their counts by
collections/queries.py, new matches by the search page's own code (digests.new_matches),
new items by readable_by()."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from pan_platform.access import can
from pan_platform.alerts.digests import new_matches
from pan_platform.alerts.models import SavedSearch
from pan_platform.alerts.operations import filters_of
from pan_platform.catalogue.models import Item, ItemArea
from pan_platform.catalogue.queries import card_loads, load_for_reading, published_readable
from pan_platform.catalogue.workspace import state_counts, waiting
from pan_platform.collections import queries as collections
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from pan_platform.util import utcnow

MAX_AREAS = 3
MAX_NEW = 8
MAX_DRAFTS = 10
MATCH_LIMIT = 20  # new matches counted per saved search ("20+" beyond)


@dataclass
class SavedRow:
    saved: SavedSearch
    new: int


@dataclass
class Overview:
    drafts: list[Item] = field(default_factory=list)
    state_counts: dict[str, int] = field(default_factory=dict)
    edits: bool = False
    waiting: dict[str, int] = field(default_factory=dict)
    collections: list[Collection] = field(default_factory=list)
    collection_counts: dict[int, int] = field(default_factory=dict)
    saved: list[SavedRow] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    new_items: list[Item] = field(default_factory=list)


def my_drafts(user) -> list[Item]:
    """Items the person made that are not published (drafts, and archived ones)."""
    stmt = (select(Item).where(Item.created_by_id == user.id, Item.state != "published")
            .order_by(Item.updated_at.desc(), Item.id.desc()).limit(MAX_DRAFTS))
    return [item for item in db.session.scalars(stmt) if can(user, "read", item)]


def saved_searches(user) -> list[SavedSearch]:
    return list(db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.name, SavedSearch.id)))


def new_match_count(user, saved: SavedSearch, lang: str) -> int:
    """Matches published since the person last opened the search's results."""
    return len(new_matches(user, saved, saved.seen_until, utcnow(), lang, limit=MATCH_LIMIT))


def my_areas(user, saved: list[SavedSearch]) -> list[str]:
    """The priority areas the person follows: those of their saved searches' filters, then
    the most frequent among the items of their collections and of their organisation."""
    chosen: list[str] = []
    for row in saved:
        chosen.extend(filters_of(row).get("area", ()))
    counts: Counter[str] = Counter()
    collected = (select(ItemArea.area_code).join(CollectionEntry, CollectionEntry.item_id == ItemArea.item_id)
                 .join(Collection, Collection.id == CollectionEntry.collection_id)
                 .where(Collection.owner_id == user.id))
    counts.update(db.session.scalars(collected))
    own = (select(ItemArea.area_code).join(Item, Item.id == ItemArea.item_id)
           .where(Item.owner_id == user.organisation_id).limit(500))
    counts.update(db.session.scalars(own))
    ordered = list(dict.fromkeys(chosen + [code for code, _n in counts.most_common()]))
    return ordered[:MAX_AREAS]


def new_in_areas(user, areas: list[str]) -> list[Item]:
    """The latest published items the person may read in those areas, of other organisations."""
    if not areas:
        return []
    in_areas = select(ItemArea.item_id).where(ItemArea.area_code.in_(areas))
    stmt = (published_readable(user)
            .where(Item.id.in_(in_areas), Item.owner_id != user.organisation_id)
            .order_by(Item.published_at.desc(), Item.id.desc()).limit(MAX_NEW).options(*card_loads()))
    return load_for_reading(list(db.session.scalars(stmt)))


def overview(user, lang: str) -> Overview:
    organisation = user.organisation
    edits = can(user, "create_item", organisation)
    view = Overview(edits=edits)
    if edits:
        view.drafts = my_drafts(user)
        view.state_counts = state_counts(organisation)
    view.waiting = waiting(user, organisation)
    if not edits:  # requests to decide are for those who edit (and the organisation's admins)
        view.waiting["access"] = view.waiting["adaptation"] = 0
    view.collections = collections.mine(user)
    view.collection_counts = collections.readable_counts(user, view.collections)
    saved = saved_searches(user)
    view.saved = [SavedRow(row, new_match_count(user, row, lang)) for row in saved]
    view.areas = my_areas(user, saved)
    view.new_items = new_in_areas(user, view.areas)
    return view
