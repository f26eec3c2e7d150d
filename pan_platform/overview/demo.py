"""Demo usage for `pan seed`: a year of views and downloads and a few adapted copies, so
that the dashboard of a demo portal has something to show (and still has gaps: only
the demo catalogue's own areas, languages and levels are covered).

Deterministic (a fixed random seed) and idempotent: usage is added only while the
usage table is empty, a copy only when its stable key is not there yet. Copies are
shared with the network (not the public), so what visitors see is unchanged.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from pan_platform.admin.trends import last_months
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.overview import usage
from pan_platform.overview.models import NO_COUNTRY, ItemUsage, month_key
from pan_platform.util import utcnow

SEED = 20261202
MONTHS = 12
COPIES = 10  # adapted copies made by other academies (one a copy of a copy)


def _published() -> list[Item]:
    return list(db.session.scalars(
        select(Item).where(Item.state == "published", Item.source_key.is_not(None)).order_by(Item.source_key)))


def seed_adaptations() -> int:
    """Copies of some shared resources made by other academies (the lineage's demo)."""
    rng = random.Random(SEED)
    academies = list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "academy").order_by(Organisation.slug)))
    sources = [i for i in _published() if i.visibility in ("public", "network") and i.kind != "curriculum"]
    if len(academies) < 2 or not sources:
        return 0
    made, previous = 0, None
    for number in range(COPIES):
        source = previous if number == COPIES - 1 and previous is not None else rng.choice(sources)
        adapter = rng.choice([a for a in academies if a.id != source.owner_id])
        key = f"demo-adaptation-{number}"
        previous, created = _copy(source, adapter, key)
        made += created
    return made


def _copy(source: Item, adapter: Organisation, key: str) -> tuple[Item, bool]:
    existing = db.session.scalar(select(Item).where(Item.source_key == key))
    if existing is not None:
        return existing, False
    copy = Item(
        kind=source.kind, source_key=key, owner=adapter, title=source.title, summary=source.summary,
        learning_outcomes=source.learning_outcomes, language=source.language, keywords=list(source.keywords or []),
        audience=source.audience, level=source.level, delivery_mode=source.delivery_mode,
        duration_hours=source.duration_hours, licence=source.licence, resource_type=source.resource_type,
        state="published", visibility="network", published_at=source.published_at,
        created_at=source.created_at, updated_at=source.updated_at, adapted_from=source,
    )
    copy.area_codes = source.area_codes
    copy.refresh_languages()
    db.session.add(copy)
    db.session.flush()
    return copy, True


def seed_usage(today: date | None = None) -> int:
    """A year of monthly views and downloads of every published demo resource, from a few
    countries each month; the number of rows added (0 when there is usage already)."""
    if db.session.scalar(select(func.count()).select_from(ItemUsage)):
        return 0
    rng = random.Random(SEED)
    countries = sorted({c for c in db.session.scalars(
        select(Organisation.country_code).where(Organisation.kind == "academy", Organisation.country_code.is_not(None)))})
    months = last_months(today or utcnow().date(), MONTHS)
    rows = 0
    for item in _published():
        appeal = rng.uniform(0.3, 3.0) * (2 if item.visibility == "public" else 1)
        downloadable = bool(item.file_versions)
        for age, month in enumerate(reversed(months)):
            if item.published_at is not None and month_key(item.published_at.date()) > month_key(month):
                continue
            growth = 1 + (MONTHS - age) / MONTHS  # more use in recent months
            for country in rng.sample(countries, k=min(len(countries), rng.randint(1, 3))) + [NO_COUNTRY]:
                views = int(rng.expovariate(1 / (4 * appeal * growth)))
                downloads = int(views * rng.uniform(0.1, 0.5)) if downloadable else 0
                if views or downloads:
                    usage.add(item.id, views=views, downloads=downloads, country=country, month=month_key(month))
                    rows += 1
    return rows
