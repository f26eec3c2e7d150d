"""Read-side queries of the catalogue. Every one filters through the access module."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from pan_platform.access import can, readable_by
from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage
from pan_platform.catalogue.vocabularies import ITEM_KINDS, PRIORITY_AREAS, RESOURCE_TYPES
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation

SORTS = {
    "newest": (Item.published_at.desc(), Item.id.desc()),
    "title": (Item.title.asc(), Item.id.asc()),
}


@dataclass
class BrowseFilters:
    """Filters from the query string, each checked against a known list (junk is ignored)."""

    area: str | None = None
    language: str | None = None
    country: str | None = None
    academy: str | None = None
    kind: str | None = None
    type: str | None = None
    sort: str = "newest"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> BrowseFilters:
        def pick(name: str, allowed) -> str | None:
            value = args.get(name) or None
            return value if value is None or value in allowed else None

        try:
            page = max(1, min(int(args.get("page", 1)), 10_000))
        except ValueError:
            page = 1
        return cls(
            area=pick("area", PRIORITY_AREAS),
            language=short_code(args.get("language")),
            country=short_code(args.get("country"), upper=True),
            academy=slug_or_none(args.get("academy")),
            kind=pick("kind", ITEM_KINDS),
            type=pick("type", RESOURCE_TYPES),
            sort=args.get("sort") if args.get("sort") in SORTS else "newest",
            page=page,
        )

    def as_args(self, **changes) -> dict:
        values = {
            "area": self.area, "language": self.language, "country": self.country,
            "academy": self.academy, "kind": self.kind, "type": self.type, "sort": self.sort,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "sort" and v == "newest")}


def short_code(value: str | None, upper: bool = False) -> str | None:
    """A language or country code from a query string, or None for anything else."""
    if not value or len(value) > 8 or not value.replace("-", "").isalpha():
        return None
    return value.upper() if upper else value.lower()


def slug_or_none(value: str | None) -> str | None:
    """An organisation slug from a query string, or None for anything else."""
    if not value or len(value) > 80 or not all(c.isalnum() or c == "-" for c in value):
        return None
    return value


def published_readable(user):
    """Published items `user` may read, as a select() to refine."""
    return select(Item).where(Item.state == "published", readable_by(user, Item.id))


def apply_filters(stmt, filters: BrowseFilters):
    """Narrow a select(Item) by the browse filters (area, language, country, academy, kind, type)."""
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
    if filters.kind:
        stmt = stmt.where(Item.kind == filters.kind)
    if filters.type:
        stmt = stmt.where(Item.resource_type == filters.type)
    return stmt


def browse(user, filters: BrowseFilters, per_page: int = 20):
    stmt = apply_filters(published_readable(user), filters).order_by(*SORTS[filters.sort])
    return db.paginate(stmt, page=filters.page, per_page=per_page, error_out=False)


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
    return list(db.session.scalars(stmt))


def get_readable(user, item_id: int) -> Item:
    """The item, or 404 — the same 404 whether it is hidden or does not exist."""
    item = db.session.get(Item, item_id)
    if item is None or not can(user, "read", item):
        raise NotFound()
    return item


def readable_children(user, item: Item) -> list[Item]:
    return [child for child in item.children if can(user, "read", child)]


def readable_ancestors(user, item: Item) -> list[Item]:
    return [node for node in item.ancestors() if can(user, "read", node)]


def facet_options(user) -> dict[str, list]:
    """Values offered in the browse filters, from what the user may read only."""
    return filter_options(published_readable(user))


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
        "academies": sorted(orgs, key=lambda o: o.name),
        "countries": sorted({o.country_code for o in orgs if o.country_code}),
    }
