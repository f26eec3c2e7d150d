"""Read-side queries of the catalogue. Every one filters through the access module."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from pan_platform.access import can, load_agreements, read_loads, readable_by
from pan_platform.catalogue import counts
from pan_platform.catalogue.filters import Filters
from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.paging import Page, paginate
from pan_platform.storage.models import FileVersion, MaterialFile

SORTS = {  # the first is the default (filters.CATALOGUE_SORTS)
    "newest": (Item.published_at.desc(), Item.id.desc()),
    "title": (Item.title.asc(), Item.id.asc()),
}

# Filters that compare one column of the item with the chosen code.
COLUMN_FILTERS = {"kind": Item.kind, "type": Item.resource_type, "audience": Item.audience, "level": Item.level}


def card_loads() -> tuple:
    """Eager loads of what a list of items shows (owner and country, marking, areas,
    languages, translations, the thumbnail of a material's first file): a fixed number of
    queries whatever the page's length."""
    return (
        joinedload(Item.owner).joinedload(Organisation.country),
        joinedload(Item.policy),
        selectinload(Item.area_rows),
        selectinload(Item.language_rows),
        selectinload(Item.translations),
        selectinload(Item.files).joinedload(MaterialFile.versions).joinedload(FileVersion.preview),
    )


def readable_loads() -> tuple:
    """card_loads() and what can(user, "read") reads, for lists each asked can()."""
    return card_loads() + read_loads()


def load_for_reading(items: list[Item]) -> list[Item]:
    """The owners' agreements of a list of items, in one query, before can() is asked."""
    if items:
        load_agreements(db.session, {item.owner_id for item in items})
    return items


def published_readable(user):
    """Published items `user` may read, as a select() to refine."""
    return select(Item).where(Item.state == "published", readable_by(user, Item.id))


def apply_filters(stmt, filters: Filters):
    """Narrow a select(Item) by the list filters (area, language, country, academy, kind, type,
    audience, level)."""
    if filters.area:
        stmt = stmt.where(Item.area_rows.any(ItemArea.area_code == filters.area))
    if filters.language:
        stmt = stmt.where(Item.language_rows.any(ItemLanguage.language == filters.language))
    if filters.country or filters.academy:
        stmt = stmt.join(Organisation, Organisation.id == Item.owner_id)
        if filters.country:
            stmt = stmt.where(Organisation.country_code == filters.country)
        if filters.academy:
            stmt = stmt.where(Organisation.slug == filters.academy)
    for name, column in COLUMN_FILTERS.items():
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(column == value)
    return stmt


def browse(user, filters: Filters, per_page: int = 20) -> Page:
    stmt = apply_filters(published_readable(user), filters).order_by(*SORTS[filters.sort])
    return paginate(stmt, filters.page, per_page, options=card_loads())


@dataclass(frozen=True)
class HomeFigures:
    area_counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class AcademyOption:
    """An academy offered by a filter (plain values: the filter values are cached)."""

    slug: str
    name: str


def home_figures(user) -> HomeFigures:
    """The home page's figures, computed once per change for each set of reader labels."""
    return counts.cached("home", user, lambda: HomeFigures(area_counts(user), count_readable(user)))


def area_counts(user) -> dict[str, int]:
    """Published items per priority area that `user` may read."""
    stmt = (
        select(ItemArea.area_code, func.count(ItemArea.item_id))
        .join(Item, Item.id == ItemArea.item_id)
        .where(Item.state == "published", readable_by(user, Item.id))
        .group_by(ItemArea.area_code)
    )
    counts = dict(db.session.execute(stmt).all())
    return {code: counts.get(code, 0) for code in PRIORITY_AREAS}


def count_readable(user) -> int:
    stmt = select(func.count()).select_from(published_readable(user).subquery())
    return db.session.scalar(stmt) or 0


def recent(user, limit: int = 6) -> list[Item]:
    stmt = published_readable(user).order_by(Item.published_at.desc(), Item.id.desc()).limit(limit)
    return list(db.session.scalars(stmt.options(*card_loads())))


def detail_loads() -> tuple:
    """What the item page shows and can() reads of the item, loaded with it."""
    return readable_loads() + (selectinload(Item.file_versions),)


def get_readable(user, item_id: int, options: tuple = ()) -> Item:
    """The item, or 404 — the same 404 whether it is hidden or does not exist."""
    item = db.session.get(Item, item_id, options=options)
    if item is None or not can(user, "read", item):
        raise NotFound()
    return item


def readable_children(user, item: Item) -> list[Item]:
    # can() reads a child's shares and areas, and its parent's rule: `item`, loaded already.
    stmt = (
        select(Item).where(Item.parent_id == item.id).order_by(Item.position, Item.id)
        .options(*card_loads(), selectinload(Item.shares))
    )
    children = load_for_reading(list(db.session.scalars(stmt)))
    return [child for child in children if can(user, "read", child)]


def readable_ancestors(user, item: Item) -> list[Item]:
    return [node for node in item.ancestors() if can(user, "read", node)]


def facet_options(user) -> dict[str, list]:
    """Values offered in the browse filters, from what the user may read only (cached)."""
    return counts.cached("browse_options", user, lambda: filter_options(published_readable(user)))


def filter_options(readable) -> dict[str, list]:
    """Languages, academies and countries of the items a select of readable items yields."""
    base = readable.subquery()
    languages = db.session.scalars(
        select(ItemLanguage.language).join(base, base.c.id == ItemLanguage.item_id).distinct()
    ).all()
    orgs = db.session.scalars(
        select(Organisation).join(base, base.c.owner_id == Organisation.id).distinct()
    ).all()
    return {
        "languages": sorted(languages),
        "academies": [AcademyOption(o.slug, o.name) for o in sorted(orgs, key=lambda o: o.name)],
        "countries": sorted({o.country_code for o in orgs if o.country_code}),
    }
