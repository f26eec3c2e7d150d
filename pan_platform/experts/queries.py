"""What a viewer sees of the expert directory: every listing filters by
access.experts_readable_by(), every single profile goes through can()."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from pan_platform.access import can, experts_readable_by, readable_by
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS, area_label
from pan_platform.experts.models import ContactMessage, ExpertProfile
from pan_platform.extensions import db
from pan_platform.sharing.models import Notification
from pan_platform.thesaurus import lookup

FACETS = ("area", "language", "country", "organisation")


@dataclass(frozen=True)
class ExpertFilters:
    q: str = ""
    area: str = ""
    language: str = ""
    country: str = ""
    organisation: str = ""  # an organisation's slug

    @classmethod
    def read(cls, args) -> ExpertFilters:
        area = args.get("area", "")
        return cls(q=args.get("q", "")[:200].strip(), area=area if area in PRIORITY_AREAS else "",
                   language=args.get("language", "")[:8], country=args.get("country", "")[:2].upper(),
                   organisation=args.get("organisation", "")[:80])

    def without(self, name: str) -> dict:
        values = {k: getattr(self, k) for k in ("q", *FACETS) if getattr(self, k)}
        values.pop(name, None)
        return values


def _term(thesaurus, concept: str, language: str) -> str:
    entries = thesaurus.entries.get(concept, [])
    for lang in (language, "en"):
        for entry in entries:
            if entry.lang == lang and entry.preferred:
                return entry.term
    return concept


def topic_label(concept: str, language: str) -> str:
    """The thesaurus' preferred term of `concept` in `language`, else in English, else the code."""
    return _term(lookup.current(), concept, language)


def topic_labeller(language: str):
    """concept -> its label in `language`, from one read of the thesaurus (for lists)."""
    thesaurus = lookup.current()
    return lambda concept: _term(thesaurus, concept, language)


def topic_choices(language: str) -> list[tuple[str, str]]:
    thesaurus = lookup.current()
    return sorted(((c, _term(thesaurus, c, language)) for c in thesaurus.entries), key=lambda pair: pair[1].lower())


def _readable(user):
    return (select(ExpertProfile).where(experts_readable_by(user))
            .options(selectinload(ExpertProfile.shares), selectinload(ExpertProfile.organisation)))


def _haystack(profile: ExpertProfile, language: str, thesaurus) -> str:
    parts = [profile.name, profile.headline, profile.bio, profile.training, profile.organisation.name,
             profile.organisation.acronym, profile.organisation.name_in(language), profile.country_code]
    for text in (profile.translations or {}).values():
        parts.extend(text.values())
    parts.extend(area_label(code, language) for code in profile.areas or [])
    parts.extend(_term(thesaurus, code, language) for code in profile.topics or [])
    parts.extend(_term(thesaurus, code, "en") for code in profile.topics or [])
    return lookup.fold(" ".join(str(p) for p in parts if p))


def _matches(profile: ExpertProfile, filters: ExpertFilters, haystacks: dict, skip: str = "") -> bool:
    # JSON lists: filtered here, the same on SQLite and PostgreSQL.
    if filters.area and skip != "area" and filters.area not in (profile.areas or []):
        return False
    languages = set(profile.languages_spoken or []) | set(profile.languages_taught or [])
    if filters.language and skip != "language" and filters.language not in languages:
        return False
    if filters.country and skip != "country" and profile.country_code != filters.country:
        return False
    if filters.organisation and skip != "organisation" and profile.organisation.slug != filters.organisation:
        return False
    if filters.q:
        return all(word in haystacks[profile.id] for word in lookup.words(filters.q))
    return True


@dataclass
class Directory:
    profiles: list[ExpertProfile]
    facets: dict[str, list[tuple[str, int]]]


def _facet_values(profile: ExpertProfile, name: str) -> set[str]:
    if name == "area":
        return set(profile.areas or [])
    if name == "language":
        return set(profile.languages_spoken or []) | set(profile.languages_taught or [])
    if name == "country":
        return {profile.country_code} if profile.country_code else set()
    return {profile.organisation.slug}


def directory(user, filters: ExpertFilters, language: str) -> Directory:
    """The profiles the viewer may read that match, and facet counts over those same
    readable profiles (each facet counted with the other filters applied)."""
    readable = list(db.session.scalars(_readable(user).order_by(ExpertProfile.name, ExpertProfile.id)))
    thesaurus = lookup.current() if filters.q else None
    haystacks = {p.id: _haystack(p, language, thesaurus) for p in readable} if filters.q else {}
    found = [p for p in readable if _matches(p, filters, haystacks)]
    facets = {}
    for name in FACETS:
        counts: Counter = Counter()
        for profile in readable:
            if _matches(profile, filters, haystacks, skip=name):
                counts.update(_facet_values(profile, name))
        facets[name] = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return Directory(found, facets)


def matching(user, query: str, language: str, limit: int = 5) -> list[ExpertProfile]:
    """Experts matching a search of the main search page (what the viewer may read)."""
    if not lookup.words(query):
        return []
    return directory(user, ExpertFilters(q=query[:200]), language).profiles[:limit]


def get_readable(user, profile_id: int) -> ExpertProfile:
    """The profile, or 404 for a hidden one exactly as for a missing one."""
    profile = db.session.get(ExpertProfile, profile_id)
    if profile is None or not can(user, "read", profile):
        raise NotFound()
    return profile


def authored_items(user, profile: ExpertProfile, limit: int = 50) -> list[Item]:
    """Published items the person created or is credited on, that the viewer may read."""
    credited = [int(i) for i in profile.credited_item_ids or []]
    query = (
        select(Item)
        .where(or_(Item.created_by_id == profile.user_id, Item.id.in_(credited)),
               Item.state == "published", readable_by(user, Item.id))
        .order_by(Item.title).limit(limit)
    )
    return list(db.session.scalars(query))


def messages_for(user, limit: int = 200) -> list[ContactMessage]:
    """Messages the user received or sent, newest first."""
    return list(db.session.scalars(
        select(ContactMessage).where(or_(ContactMessage.recipient_id == user.id, ContactMessage.sender_id == user.id))
        .order_by(ContactMessage.created_at.desc(), ContactMessage.id.desc()).limit(limit)
    ))


def get_message(user, message_id: int) -> ContactMessage:
    message = db.session.get(ContactMessage, message_id)
    if message is None or not can(user, "read", message):
        raise NotFound()
    return message


def unread_total(user) -> int:
    """Unread notifications and messages together, for the menu's badge on every page a
    member sees: one statement."""
    if not getattr(user, "is_authenticated", False):
        return 0
    notifications = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).scalar_subquery()
    messages = select(func.count(ContactMessage.id)).where(
        ContactMessage.recipient_id == user.id, ContactMessage.read_at.is_(None)).scalar_subquery()
    return db.session.scalar(select(notifications + messages)) or 0

