"""Read-side queries of the catalogue. Every one filters through the access module."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from pan_platform.access import can, load_agreements, read_loads, readable_by
from pan_platform.catalogue import counts
from pan_platform.catalogue.filters import Filters, values_of
from pan_platform.catalogue.models import Item, ItemArea, ItemDownloads, ItemLanguage
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.paging import Page, count_rows, paginate
from pan_platform.storage.models import FileVersion, MaterialFile

DOWNLOADS = func.coalesce(ItemDownloads.count, 0)  # items never downloaded have no row
SORTS = {  # the first is the default (filters.CATALOGUE_SORTS)
    "newest": (Item.published_at.desc(), Item.id.desc()),
    "updated": (Item.updated_at.desc(), Item.id.desc()),
    "title": (Item.title.asc(), Item.id.asc()),
    "downloads": (DOWNLOADS.desc(), Item.published_at.desc(), Item.id.desc()),
}

# Filters that compare one column of the item with the chosen code.
COLUMN_FILTERS = {"kind": Item.kind, "type": Item.resource_type, "audience": Item.audience, "level": Item.level}


def card_loads() -> tuple:
    """Eager loads of what a list of items shows (owner and country, marking, areas,
    languages, translations, the thumbnail of a material's first file) and of what can()
    reads to decide whether that thumbnail may be shown (shares, ancestors, the approved
    requests of files given on request): a fixed number of queries whatever the page's
    length. With load_for_reading() on the rows, for the owners' agreements."""
    return (
        joinedload(Item.owner).joinedload(Organisation.country),
        joinedload(Item.policy),
        selectinload(Item.language_rows),
        selectinload(Item.translations),
        selectinload(Item.files).joinedload(MaterialFile.versions).joinedload(FileVersion.preview),
        selectinload(Item.access_requests),
        *read_loads(),
    )


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
    audience, level). Several values of one filter: any of them (OR); filters: all (AND)."""
    areas, languages = values_of(filters.area), values_of(filters.language)
    countries, academies = values_of(filters.country), values_of(filters.academy)
    if areas:
        stmt = stmt.where(Item.area_rows.any(ItemArea.area_code.in_(areas)))
    if languages:
        stmt = stmt.where(Item.language_rows.any(ItemLanguage.language.in_(languages)))
    if countries or academies:
        stmt = stmt.join(Organisation, Organisation.id == Item.owner_id)
        if countries:
            stmt = stmt.where(Organisation.country_code.in_(countries))
        if academies:
            stmt = stmt.where(Organisation.slug.in_(academies))
    for name, column in COLUMN_FILTERS.items():
        values = values_of(getattr(filters, name))
        if values:
            stmt = stmt.where(column.in_(values))
    return stmt


def browse(user, filters: Filters, per_page: int = 20) -> Page:
    stmt = apply_filters(published_readable(user), filters)
    # The same for every viewer with the same reader labels: counted once per change.
    total = counts.cached(("browse-total", tuple(sorted(filters.criteria().items()))), user,
                          lambda: count_rows(stmt))
    if filters.sort == "downloads":
        stmt = stmt.outerjoin(ItemDownloads, ItemDownloads.item_id == Item.id)
    page = paginate(stmt.order_by(*SORTS[filters.sort]), filters.page, per_page, options=card_loads(), total=total)
    load_for_reading(page.items)
    return page


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
    return load_for_reading(list(db.session.scalars(stmt.options(*card_loads()))))


def detail_loads() -> tuple:
    """What the item page shows and can() reads of the item, loaded with it."""
    return card_loads() + (selectinload(Item.file_versions),)


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
        .options(*card_loads())
    )
    children = load_for_reading(list(db.session.scalars(stmt)))
    return [child for child in children if can(user, "read", child)]


def readable_ancestors(user, item: Item) -> list[Item]:
    return [node for node in item.ancestors() if can(user, "read", node)]


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


@dataclass(frozen=True)
class FacetCounts:
    """Readable published items per value of each browse filter (plain values: cached).
    `values` maps a filter name to (value, count) pairs, most items first; `academy_names`
    names the academies offered."""

    values: dict[str, list[tuple[str, int]]]
    academy_names: dict[str, str]


def facet_counts(user) -> FacetCounts:
    """The browse page's facets with their counts, from what the user may read only:
    computed once per change for each set of reader labels (counts.cached), so a page
    costs no counting queries and a hidden item is never counted."""
    return counts.cached("browse_facets", user, lambda: count_facets(published_readable(user)))


def _ranked(pairs) -> list[tuple[str, int]]:
    return sorted(((value, n) for value, n in pairs if value and n), key=lambda vc: (-vc[1], vc[0]))


def count_facets(readable) -> FacetCounts:
    """Four grouped counts over a select of readable items: areas, languages, owners, and
    the item's own columns (kind, type, audience, level) together."""
    base = readable.subquery()
    areas = db.session.execute(
        select(ItemArea.area_code, func.count()).join(base, base.c.id == ItemArea.item_id)
        .group_by(ItemArea.area_code)
    ).all()
    languages = db.session.execute(
        select(ItemLanguage.language, func.count()).join(base, base.c.id == ItemLanguage.item_id)
        .group_by(ItemLanguage.language)
    ).all()
    owners = db.session.execute(
        select(Organisation.slug, Organisation.name, Organisation.country_code, func.count())
        .join(base, base.c.owner_id == Organisation.id)
        .group_by(Organisation.slug, Organisation.name, Organisation.country_code)
    ).all()
    columns = db.session.execute(
        select(base.c.kind, base.c.resource_type, base.c.audience, base.c.level, func.count())
        .group_by(base.c.kind, base.c.resource_type, base.c.audience, base.c.level)
    ).all()
    tallies: dict[str, dict[str, int]] = {"kind": {}, "type": {}, "audience": {}, "level": {}, "country": {}}
    for *codes, n in columns:
        for name, code in zip(("kind", "type", "audience", "level"), codes, strict=True):
            if code:
                tallies[name][code] = tallies[name].get(code, 0) + n
    for _slug, _name, country, n in owners:
        if country:
            tallies["country"][country] = tallies["country"].get(country, 0) + n
    values = {
        "area": _ranked(areas),
        "language": _ranked(languages),
        "country": _ranked(tallies["country"].items()),
        "academy": _ranked((slug, n) for slug, _name, _country, n in owners),
        **{name: _ranked(tallies[name].items()) for name in ("kind", "type", "audience", "level")},
    }
    return FacetCounts(values, {slug: name for slug, name, _country, _n in owners})
