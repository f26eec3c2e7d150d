"""What a viewer sees of a country: every count and list is filtered by what the viewer
may read (access.readable_by for items, access.events_readable_by for events)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from werkzeug.exceptions import NotFound

from pan_platform.access import can, events_readable_by, readable_by
from pan_platform.catalogue import counts
from pan_platform.catalogue.models import Item, ItemArea
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.countries.models import CountryProfileVersion
from pan_platform.events.models import Event
from pan_platform.extensions import db
from pan_platform.organisations.models import Country, Organisation
from pan_platform.util import utcnow

MAX_LINEAGE_DEPTH = 20  # adaptations of adaptations followed this far (a cycle cannot hang a page)
REUSE_ROWS = 500


def get_country(code: str) -> Country:
    """The country, or 404 (codes are two capital letters)."""
    code = (code or "").upper()
    country = db.session.get(Country, code) if len(code) == 2 and code.isalpha() and code.isascii() else None
    if country is None:
        raise NotFound()
    return country


def all_countries() -> list[Country]:
    return list(db.session.scalars(select(Country)))


@dataclass(frozen=True)
class CountryCounts:
    """Published items the viewer may read, per country: in all and per priority area."""

    totals: dict[str, int]
    areas: dict[str, dict[str, int]]

    def of(self, code: str) -> dict[str, int]:
        found = self.areas.get(code, {})
        return {area: found.get(area, 0) for area in PRIORITY_AREAS}


def _count_by_country(user) -> CountryCounts:
    readable = and_(Item.state == "published", readable_by(user, Item.id))
    totals = db.session.execute(
        select(Organisation.country_code, func.count(Item.id))
        .join(Organisation, Organisation.id == Item.owner_id)
        .where(readable, Organisation.country_code.is_not(None))
        .group_by(Organisation.country_code)
    ).all()
    per_area = db.session.execute(
        select(Organisation.country_code, ItemArea.area_code, func.count(ItemArea.item_id))
        .join(Item, Item.id == ItemArea.item_id)
        .join(Organisation, Organisation.id == Item.owner_id)
        .where(readable, Organisation.country_code.is_not(None))
        .group_by(Organisation.country_code, ItemArea.area_code)
    ).all()
    areas: dict[str, dict[str, int]] = {}
    for code, area, n in per_area:
        areas.setdefault(code, {})[area] = n
    return CountryCounts(dict(totals), areas)


def country_counts(user) -> CountryCounts:
    """Computed once per change for each set of reader labels (catalogue/counts.py)."""
    return counts.cached("country_counts", user, lambda: _count_by_country(user))


def academy_counts() -> dict[str, int]:
    """Active academies per country (the organisation directory is public)."""
    rows = db.session.execute(
        select(Organisation.country_code, func.count(Organisation.id))
        .where(Organisation.kind == "academy", Organisation.active.is_(True), Organisation.country_code.is_not(None))
        .group_by(Organisation.country_code)
    ).all()
    return dict(rows)


def organisations(country: Country) -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation)
        .where(Organisation.country_code == country.code, Organisation.active.is_(True))
        .order_by(Organisation.kind, Organisation.name)
    ))


def published_codes() -> set[str]:
    return set(db.session.scalars(
        select(CountryProfileVersion.country_code).where(CountryProfileVersion.state == "published")
    ))


def waiting_for_review() -> list[CountryProfileVersion]:
    return list(db.session.scalars(
        select(CountryProfileVersion).where(CountryProfileVersion.state == "submitted")
        .order_by(CountryProfileVersion.submitted_at)
    ))


def history(country: Country) -> list[CountryProfileVersion]:
    return list(db.session.scalars(
        select(CountryProfileVersion).where(CountryProfileVersion.country_code == country.code)
        .order_by(CountryProfileVersion.number.desc())
    ))


def version_of(country: Country, number: int) -> CountryProfileVersion:
    version = db.session.scalar(select(CountryProfileVersion).where(
        CountryProfileVersion.country_code == country.code, CountryProfileVersion.number == number))
    if version is None:
        raise NotFound()
    return version


@dataclass
class CountryEvents:
    upcoming: list[Event]
    past: list[Event]


def events(user, country: Country, limit: int = 10) -> CountryEvents:
    """Events of the country's organisations that the viewer may read."""
    now = utcnow()
    base = (
        select(Event).join(Organisation, Organisation.id == Event.owner_id)
        .where(Organisation.country_code == country.code, events_readable_by(user))
    )
    upcoming = db.session.scalars(base.where(Event.ends_at >= now).order_by(Event.starts_at).limit(limit))
    past = db.session.scalars(base.where(Event.ends_at < now).order_by(Event.starts_at.desc()).limit(limit))
    return CountryEvents(list(upcoming), list(past))


@dataclass
class Reuse:
    """Copies made by organisations of other countries from the country's items, along the
    adaptation lineage (copies of copies count too), that the viewer may read."""

    total: int = 0
    by_country: dict[str | None, list[tuple[Item, Item | None]]] = field(default_factory=dict)  # copy, original


def _lineage(code: str):
    """(id, origin_id, depth) of every item of the country and every copy descending from one."""
    origin = (
        select(Item.id.label("id"), Item.id.label("origin_id"), literal_column("0").label("depth"))
        .join(Organisation, Organisation.id == Item.owner_id)
        .where(Organisation.country_code == code)
        .cte("lineage", recursive=True)
    )
    copy = aliased(Item)
    return origin.union_all(
        select(copy.id, origin.c.origin_id, origin.c.depth + 1)
        .where(copy.adapted_from_id == origin.c.id, origin.c.depth < MAX_LINEAGE_DEPTH)
    )


def reuse(user, country: Country) -> Reuse:
    lineage = _lineage(country.code)
    rows = db.session.execute(
        select(Item, Organisation.country_code, lineage.c.origin_id, lineage.c.depth)
        .join(lineage, lineage.c.id == Item.id)
        .join(Organisation, Organisation.id == Item.owner_id)
        .where(
            lineage.c.depth > 0,
            or_(Organisation.country_code.is_(None), Organisation.country_code != country.code),
            Item.state == "published",
            readable_by(user, Item.id),
        )
        .order_by(lineage.c.depth, Item.id)
        .limit(REUSE_ROWS)
    ).all()
    nearest: dict[int, tuple[Item, str | None, int]] = {}
    for item, where, origin_id, _depth in rows:  # ordered by depth: the nearest origin first
        nearest.setdefault(item.id, (item, where, origin_id))
    origins = {o.id: o for o in db.session.scalars(select(Item).where(Item.id.in_(sorted({o for _i, _w, o in nearest.values()}))))}
    result = Reuse(total=len(nearest))
    for item, where, origin_id in nearest.values():
        original = origins.get(origin_id)
        shown = original if original is not None and can(user, "read", original) else None
        result.by_country.setdefault(where, []).append((item, shown))
    return result
