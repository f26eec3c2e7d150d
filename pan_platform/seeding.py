"""Load reference data and the demo catalogue from `seed_data/` (idempotent)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from pan_platform.access import can
from pan_platform.accounts.models import User
from pan_platform.alerts.models import SavedSearch
from pan_platform.catalogue.models import Item, ItemTranslation, PriorityArea
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.countries.seed import load_country_profiles
from pan_platform.events.models import Event, EventShare
from pan_platform.events.operations import to_utc, zone_of
from pan_platform.experts.seed import load_experts
from pan_platform.extensions import db
from pan_platform.organisations.models import Country, Organisation
from pan_platform.overview import demo as overview_demo
from pan_platform.sharing.models import ItemShare
from pan_platform.storage.files import add_version_from_path
from pan_platform.util import utcnow


def ensure_priority_areas() -> None:
    have = set(db.session.scalars(select(PriorityArea.code)))
    for position, code in enumerate(PRIORITY_AREAS):
        if code not in have:
            db.session.add(PriorityArea(code=code, position=position))


def load_countries(seed_dir: Path) -> int:
    have = set(db.session.scalars(select(Country.code)))
    added = 0
    with open(seed_dir / "countries.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] not in have:
                db.session.add(Country(code=row["code"], kind=row["kind"]))
                added += 1
    return added


def load_organisations(seed_dir: Path) -> int:
    data = json.loads((seed_dir / "organisations.json").read_text(encoding="utf-8"))
    have = set(db.session.scalars(select(Organisation.slug)))
    added = 0
    for row in data:
        if row["slug"] in have:
            continue
        db.session.add(
            Organisation(
                slug=row["slug"], kind=row["kind"], name=row["name"], acronym=row.get("acronym"),
                country_code=row.get("country"), website=row.get("website"),
                description=row.get("description"),
            )
        )
        added += 1
    _load_name_translations(seed_dir)
    return added


def _load_name_translations(seed_dir: Path) -> None:
    """Names of the demo organisations in other languages; a translation already stored
    (perhaps edited since) is kept."""
    path = seed_dir / "organisation_names.json"
    if not path.exists():
        return
    names = json.loads(path.read_text(encoding="utf-8"))
    db.session.flush()
    for organisation in db.session.scalars(select(Organisation).where(Organisation.slug.in_(list(names)))):
        organisation.name_translations = {**names[organisation.slug], **(organisation.name_translations or {})}


def _org_by_slug() -> dict[str, Organisation]:
    return {o.slug: o for o in db.session.scalars(select(Organisation))}


def load_users(seed_dir: Path) -> int:
    data = json.loads((seed_dir / "users.json").read_text(encoding="utf-8"))
    orgs = _org_by_slug()
    have = set(db.session.scalars(select(User.email)))
    added = 0
    for row in data:
        if row["email"].lower() in have:
            continue
        added += 1
        user = User(email=row["email"].lower(), name=row["name"], organisation=orgs[row["org"]], role=row["role"])
        user.set_password(row["password"])
        db.session.add(user)
    return added


def _parse_date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _build_item(node: dict, orgs: dict, seed_dir: Path, parent: Item | None, position: int) -> int:
    if db.session.scalar(select(Item.id).where(Item.source_key == node["key"])) is not None:
        return 0
    item = Item(
        kind=node["kind"], source_key=node["key"], owner=orgs[node["owner"]], parent=parent,
        position=position, title=node["title"], summary=node.get("summary"),
        learning_outcomes="\n".join(node.get("learning_outcomes", [])),
        language=node.get("language", "en"), keywords=node.get("keywords", []),
        audience=node.get("audience"), level=node.get("level"), delivery_mode=node.get("delivery_mode"),
        duration_hours=node.get("duration_hours"), licence=node.get("licence"),
        resource_type=node.get("resource_type"), external_url=node.get("external_url"),
        state=node.get("state", "published"), visibility=node.get("visibility", "inherit" if parent else "private"),
        partner_scope=node.get("partner_scope", "named"),
    )
    published = _parse_date(node.get("published"))
    if published:
        item.created_at = item.updated_at = published
        if item.state != "draft":
            item.published_at = published
    item.area_codes = node.get("priority_areas", [])
    for language, tr in (node.get("translations") or {}).items():
        item.translations.append(
            ItemTranslation(
                language=language, title=tr["title"], summary=tr.get("summary"),
                learning_outcomes="\n".join(tr.get("learning_outcomes", [])),
            )
        )
    item.refresh_languages()
    for slug in node.get("shares", []):
        item.shares.append(ItemShare(organisation=orgs[slug]))
    db.session.add(item)
    if node.get("file"):
        add_version_from_path(item, seed_dir / node["file"], note="Demo file")
    count = 1
    for child_position, child in enumerate(node.get("children", [])):
        count += _build_item(child, orgs, seed_dir, item, child_position)
    return count


def load_catalogue(seed_dir: Path) -> int:
    orgs = _org_by_slug()
    added = 0
    for path in sorted((seed_dir / "catalogue").glob("*.json")):
        for position, node in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            added += _build_item(node, orgs, seed_dir, None, position)
    return added


def _event(row: dict, orgs: dict) -> Event:
    """Demo events are dated relative to today, so the calendar always has past and upcoming ones."""
    zone = zone_of(row["time_zone"])
    day = utcnow().date() + timedelta(days=row["start_in_days"])
    starts = datetime.combine(day, time.fromisoformat(row["start_time"]))
    ends = datetime.combine(day + timedelta(days=row.get("days", 0)), time.fromisoformat(row["end_time"]))
    item_ids = {i.source_key: i.id for i in db.session.scalars(select(Item).where(Item.source_key.in_(row.get("related", []))))}
    visibility, _sep, scope = row.get("visibility", "network").partition("-")
    return Event(
        source_key=row["key"], owner=orgs[row["owner"]], title=row["title"], description=row.get("description"),
        kind=row["kind"], time_zone=zone.key, starts_at=to_utc(starts, zone), ends_at=to_utc(ends, zone),
        application_deadline=to_utc(starts - timedelta(days=7), zone) if row["start_in_days"] > 7 else None,
        place=row.get("place"), online_url=row.get("online_url"), languages=row.get("languages", []),
        areas=row.get("areas", []), audience=row.get("audience"), seats=row.get("seats"),
        related_item_ids=sorted(item_ids.values()), contact=row.get("contact"),
        visibility=visibility, partner_scope=scope or "named",
        cancelled_at=utcnow() if row.get("cancelled") else None,
        shares=[EventShare(organisation_id=orgs[slug].id) for slug in row.get("shares", [])],
    )


def load_events(seed_dir: Path) -> int:
    path = seed_dir / "events.json"
    if not path.exists():
        return 0
    orgs = _org_by_slug()
    have = set(db.session.scalars(select(Event.source_key)))
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        if row["key"] not in have:
            db.session.add(_event(row, orgs))
            added += 1
    return added


def _collections_data(seed_dir: Path) -> tuple[dict, dict[str, User]]:
    path = seed_dir / "collections.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data, {u.email: u for u in db.session.scalars(select(User))}


def load_collections(seed_dir: Path) -> int:
    """Demo collections of demo users (each once: by owner and title). An item goes into a
    collection only when its owner may read it."""
    data, users = _collections_data(seed_dir)
    added = 0
    for row in data.get("collections", []):
        owner = users.get(row["owner"])
        if owner is None or db.session.scalar(select(Collection.id).where(
                Collection.owner_id == owner.id, Collection.title == row["title"])) is not None:
            continue
        collection = Collection(owner_id=owner.id, organisation_id=owner.organisation_id, title=row["title"],
                                description=row.get("description"), visibility=row.get("visibility", "private"))
        for key, note in row.get("items", []):
            item = db.session.scalar(select(Item).where(Item.source_key == key))
            if item is not None and can(owner, "read", item):
                collection.entries.append(CollectionEntry(item_id=item.id, position=len(collection.entries) + 1,
                                                          note=note or None))
        db.session.add(collection)
        added += 1
    return added


def load_saved_searches(seed_dir: Path) -> int:
    """Demo saved searches of demo users (each once: by user and name)."""
    data, users = _collections_data(seed_dir)
    added = 0
    for row in data.get("saved_searches", []):
        user = users.get(row["user"])
        if user is None or db.session.scalar(select(SavedSearch.id).where(
                SavedSearch.user_id == user.id, SavedSearch.name == row["name"])) is not None:
            continue
        # Seen and sent at the row's "since" (default: a week ago), so that the start page and
        # the first digest have new matches to show.
        since = row.get("since")
        before = datetime.fromisoformat(since) if since else utcnow() - timedelta(days=7)
        db.session.add(SavedSearch(user_id=user.id, name=row["name"], query=row.get("query", ""),
                                   filters=row.get("filters", {}), frequency=row.get("frequency", "none"),
                                   sent_until=before, seen_until=before))
        added += 1
    return added


def seed_all(seed_dir: Path) -> dict[str, int]:
    """Reference data, organisations, demo users and catalogue, in one transaction."""
    ensure_priority_areas()
    counts = {"countries": load_countries(seed_dir)}
    db.session.flush()
    counts["organisations"] = load_organisations(seed_dir)
    db.session.flush()
    counts["users"] = load_users(seed_dir)
    db.session.flush()
    counts["items"] = load_catalogue(seed_dir)
    db.session.flush()
    counts["events"] = load_events(seed_dir)
    counts["country_profiles"] = load_country_profiles(seed_dir)
    db.session.flush()
    counts["experts"] = load_experts(seed_dir)
    db.session.flush()
    counts["collections"] = load_collections(seed_dir)
    counts["saved_searches"] = load_saved_searches(seed_dir)
    db.session.flush()
    counts["adaptations"] = overview_demo.seed_adaptations()
    counts["usage"] = overview_demo.seed_usage()  # the dashboard's demo period: the last 12 months
    db.session.commit()
    return counts
