"""The insight dashboard's figures, from what the viewer may read only.

Every dataset starts from the published items readable_by(viewer) (catalogue/queries.py
published_readable), so a hidden item is never counted, charted, listed or exported.
The figures depend only on the viewer's reader labels, so they are computed once per
reader key and kept in the counts cache (catalogue/counts.py) until a change of the
catalogue bumps its generation or a label they rely on lapses. New views and downloads
do not bump it: the usage figures may be up to counts.MAX_AGE_SECONDS behind.

Values are codes and numbers (no labels, no ORM objects): the same entry serves every
interface language, and the views translate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from pan_platform.admin.trends import last_months, monthly_counts
from pan_platform.catalogue import counts
from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage, PriorityArea
from pan_platform.catalogue.queries import published_readable
from pan_platform.catalogue.vocabularies import LEVELS, PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.overview.models import NO_COUNTRY, ItemUsage, month_key
from pan_platform.util import utcnow

GROWTH_MONTHS = 24
USAGE_MONTHS = 12
TOP = 10  # entries of the "most downloaded" and "most adapted" lists on the page
TOP_PAGE = 50  # in the page's tables
TOP_CSV = 200  # and in their CSV files
NO_LEVEL = ""


@dataclass
class Dashboard:
    """What one reader key may see. `member` parts are empty for the public version."""

    member: bool
    total: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    academies: int = 0
    countries: list[str] = field(default_factory=list)  # countries with at least one academy
    areas: list[str] = field(default_factory=list)
    coverage: dict[tuple[str, str], int] = field(default_factory=dict)  # (country, area) -> items
    languages: list[tuple[str, int]] = field(default_factory=list)
    levels: list[tuple[str, int]] = field(default_factory=list)  # NO_LEVEL: not given
    months: list[date] = field(default_factory=list)
    growth: list[int] = field(default_factory=list)  # published per month
    growth_before: int = 0  # published before the first month
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (area, language, level)
    usage_months: list[date] = field(default_factory=list)
    views: list[int] = field(default_factory=list)
    downloads: list[int] = field(default_factory=list)
    usage_countries: int = 0  # countries of the academies that viewed or downloaded
    top_downloaded: list[tuple[int, int, int]] = field(default_factory=list)  # (item id, downloads, views)
    adapted: list[tuple[int, int, int, int]] = field(default_factory=list)  # (item id, copies, academies, countries)
    adoption: tuple[int, int, int] = (0, 0, 0)  # adapted items, adapting academies, their countries

    @property
    def cumulative(self) -> list[int]:
        running, out = self.growth_before, []
        for value in self.growth:
            running += value
            out.append(running)
        return out


def _network_countries() -> list[str]:
    """Countries with an active academy: the coverage matrix shows them even when empty
    (organisations and their countries are public)."""
    stmt = (select(Organisation.country_code).distinct()
            .where(Organisation.kind == "academy", Organisation.active.is_(True),
                   Organisation.country_code.is_not(None)))
    return sorted(db.session.scalars(stmt))


def _areas() -> list[str]:
    known = list(db.session.scalars(select(PriorityArea.code).order_by(PriorityArea.position)))
    return known or list(PRIORITY_AREAS)


def _gap_languages() -> list[str]:
    return list(current_app.config["PAN_LANGUAGES"])


def compute(user, member: bool, today: date | None = None) -> Dashboard:
    today = today or utcnow().date()
    base = published_readable(user).subquery()
    out = Dashboard(member=member, areas=_areas())
    for kind, n in db.session.execute(select(base.c.kind, func.count()).group_by(base.c.kind)):
        out.kinds[kind] = n
    out.total = sum(out.kinds.values())
    owners = db.session.execute(
        select(Organisation.country_code, func.count(distinct(Organisation.id)))
        .join(base, base.c.owner_id == Organisation.id).where(Organisation.kind == "academy")
        .group_by(Organisation.country_code)
    ).all()
    out.academies = sum(n for _c, n in owners)
    out.countries = sorted(set(_network_countries()) | {c for c, _n in owners if c})
    for country, area, n in db.session.execute(
        select(Organisation.country_code, ItemArea.area_code, func.count(distinct(base.c.id)))
        .join(base, base.c.owner_id == Organisation.id).join(ItemArea, ItemArea.item_id == base.c.id)
        .where(Organisation.country_code.is_not(None))
        .group_by(Organisation.country_code, ItemArea.area_code)
    ):
        out.coverage[(country, area)] = n
    out.languages = sorted(
        ((code, n) for code, n in db.session.execute(
            select(ItemLanguage.language, func.count()).join(base, base.c.id == ItemLanguage.item_id)
            .group_by(ItemLanguage.language))),
        key=lambda pair: (-pair[1], pair[0]))
    levels = dict(db.session.execute(select(base.c.level, func.count()).group_by(base.c.level)).all())
    out.levels = [(code, levels.get(code, 0)) for code in LEVELS]
    out.levels.append((NO_LEVEL, sum(n for code, n in levels.items() if code not in LEVELS)))
    out.months = last_months(today, GROWTH_MONTHS)
    out.growth = monthly_counts(base.c.published_at, months=out.months)
    start = datetime(out.months[0].year, out.months[0].month, 1)
    out.growth_before = db.session.scalar(select(func.count()).select_from(base).where(base.c.published_at < start))
    out.gaps = _gaps(base, out.areas)
    if member:
        _usage(out, base, today)
        _adoption(out, user)
    return out


def _gaps(base, areas: list[str]) -> list[tuple[str, str, str]]:
    """Priority area x interface language x level with nothing readable."""
    present = {tuple(row) for row in db.session.execute(
        select(ItemArea.area_code, ItemLanguage.language, base.c.level).distinct()
        .join(base, base.c.id == ItemArea.item_id).join(ItemLanguage, ItemLanguage.item_id == base.c.id)
    )}
    return [(area, language, level) for area in areas for language in _gap_languages() for level in LEVELS
            if (area, language, level) not in present]


def _usage(out: Dashboard, base, today: date) -> None:
    out.usage_months = last_months(today, USAGE_MONTHS)
    first = month_key(out.usage_months[0])
    rows = dict((month, (v, d)) for month, v, d in db.session.execute(
        select(ItemUsage.month, func.sum(ItemUsage.views), func.sum(ItemUsage.downloads))
        .join(base, base.c.id == ItemUsage.item_id).where(ItemUsage.month >= first).group_by(ItemUsage.month)
    ))
    out.views = [int(rows.get(month_key(m), (0, 0))[0] or 0) for m in out.usage_months]
    out.downloads = [int(rows.get(month_key(m), (0, 0))[1] or 0) for m in out.usage_months]
    out.usage_countries = db.session.scalar(
        select(func.count(distinct(ItemUsage.country))).join(base, base.c.id == ItemUsage.item_id)
        .where(ItemUsage.month >= first, ItemUsage.country != NO_COUNTRY)) or 0
    downloads, views = func.sum(ItemUsage.downloads), func.sum(ItemUsage.views)
    out.top_downloaded = [
        (item_id, int(d), int(v)) for item_id, d, v in db.session.execute(
            select(ItemUsage.item_id, downloads, views).join(base, base.c.id == ItemUsage.item_id)
            .group_by(ItemUsage.item_id).having(downloads > 0)
            .order_by(downloads.desc(), views.desc(), ItemUsage.item_id).limit(TOP_CSV))
    ]


def _adoption(out: Dashboard, user) -> None:
    """Follow the adaptation lineage through readable items: a readable copy counts for
    its source and for each readable source further up the chain (a copy of a copy is an
    adoption of the original too). The chain stops at an item the viewer may not read,
    so nothing unreadable is counted or revealed. Copies made by the source's own
    academy are not adoptions."""
    copy = published_readable(user).with_only_columns(Item.id, Item.adapted_from_id, Item.owner_id)
    copies = {item_id: (source, owner) for item_id, source, owner in db.session.execute(
        copy.where(Item.adapted_from_id.is_not(None)))}
    if not copies:
        return
    copied = aliased(Item)  # an alias: the subquery must not correlate with the outer items
    readable_sources = set(db.session.scalars(
        published_readable(user).with_only_columns(Item.id)
        .where(Item.id.in_(select(copied.adapted_from_id).where(copied.adapted_from_id.is_not(None))))))
    owners = dict(db.session.execute(select(Item.id, Item.owner_id).where(Item.id.in_(readable_sources))).all())
    countries = dict(db.session.execute(select(Organisation.id, Organisation.country_code)
                                        .where(Organisation.kind == "academy")).all())
    credited: dict[int, dict] = defaultdict(lambda: {"copies": 0, "academies": set()})
    for item_id, (source, owner) in copies.items():
        seen = {item_id}
        node = source
        while node in readable_sources and node not in seen:
            seen.add(node)
            if owner != owners[node] and owner in countries:
                entry = credited[node]
                entry["copies"] += 1
                entry["academies"].add(owner)
            node = copies[node][0] if node in copies else None
    ranked = sorted(credited.items(), key=lambda kv: (-len(kv[1]["academies"]), -kv[1]["copies"], kv[0]))
    out.adapted = [(item_id, e["copies"], len(e["academies"]),
                    len({countries[a] for a in e["academies"] if countries.get(a)}))
                   for item_id, e in ranked[:TOP_CSV]]
    academies = set().union(*(e["academies"] for e in credited.values())) if credited else set()
    out.adoption = (len(credited), len(academies), len({countries[a] for a in academies if countries.get(a)}))


def dashboard(user) -> Dashboard:
    """The dashboard for `user`: the richer version for signed-in members."""
    member = bool(user is not None and getattr(user, "is_authenticated", False))
    name = "overview-member" if member else "overview-public"
    return counts.cached(name, user, lambda: compute(user, member))


def items_by_id(ids: list[int]) -> dict[int, Item]:
    """The listed items, to show their titles (ids from a dashboard of this viewer)."""
    if not ids:
        return {}
    stmt = select(Item).where(Item.id.in_(ids)).options(joinedload(Item.owner), selectinload(Item.translations))
    return {item.id: item for item in db.session.scalars(stmt).unique()}


def item_usage(item_id: int) -> tuple[int, int, int]:
    """All-time views, downloads and countries of viewing academies of one item (for
    its owner's editors; the caller asks can(user, "view_statistics", item))."""
    views, downloads, countries = db.session.execute(
        select(func.coalesce(func.sum(ItemUsage.views), 0), func.coalesce(func.sum(ItemUsage.downloads), 0),
               func.count(distinct(func.nullif(ItemUsage.country, NO_COUNTRY))))
        .where(ItemUsage.item_id == item_id)
    ).one()
    return int(views), int(downloads), int(countries)
