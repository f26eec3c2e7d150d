"""Read-side queries of the sharing pages; every item list goes through readable_by()."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from pan_platform.access import org, user_principals
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue import counts
from pan_platform.catalogue.filters import Filters
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.queries import (
    apply_filters,
    card_loads,
    filter_options,
    load_for_reading,
    published_readable,
)
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.paging import paginate
from pan_platform.sharing.models import (
    AccessRequest,
    AdaptationRequest,
    ItemReader,
    Notification,
    SharedVisit,
    SharingAgreement,
)
from pan_platform.util import utcnow

# A visit within this time of the previous one keeps the same "new since" mark,
# so reloading the page or moving between its pages does not clear it.
VISIT_GAP = timedelta(minutes=30)


def record_visit(user) -> datetime | None:
    """Note this visit; returns the moment before which items are not "new"."""
    now = utcnow()
    visit = db.session.get(SharedVisit, user.id)
    if visit is None:
        visit = SharedVisit(user_id=user.id, seen_at=now, new_since=None)
        db.session.add(visit)
    elif now - visit.seen_at > VISIT_GAP:
        visit.new_since = visit.seen_at
    visit.seen_at = now
    db.session.commit()
    return visit.new_since


def _new_condition(user, since: datetime):
    """Published since, or made readable to the user's own labels (share, agreement) since."""
    own_labels = sorted(user_principals(user) - {"public"})
    return or_(
        Item.published_at > since,
        Item.id.in_(
            select(ItemReader.item_id).where(
                ItemReader.principal.in_(own_labels), ItemReader.created_at > since
            )
        ),
    )


# "Shared with us" shows everything, or only what is shared with the organisation by name
# (a share or an agreement naming it), or only what is open to the network or the public.
SCOPES = ("named", "open")


def _named_condition(user):
    """Readable because a share or agreement names the user's organisation."""
    return Item.id.in_(select(ItemReader.item_id).where(ItemReader.principal == org(user.organisation_id)))


def shared_with(user, filters: Filters, since: datetime | None, only_new: bool, per_page: int = 20,
                scope: str | None = None):
    """What the user's organisation may read from other organisations, filtered."""
    stmt = apply_filters(published_readable(user).where(Item.owner_id != user.organisation_id), filters)
    if scope == "named":
        stmt = stmt.where(_named_condition(user))
    elif scope == "open":
        stmt = stmt.where(~_named_condition(user))
    if only_new and since is not None:
        stmt = stmt.where(_new_condition(user, since))
    stmt = stmt.order_by(Item.published_at.desc(), Item.id.desc())
    page = paginate(stmt, filters.page, per_page, options=card_loads())
    load_for_reading(page.items)
    return page


def new_ids(user, items, since: datetime | None) -> set[int]:
    if since is None or not items:
        return set()
    ids = [item.id for item in items]
    return set(db.session.scalars(select(Item.id).where(Item.id.in_(ids), _new_condition(user, since))))


def named_ids(user, items) -> set[int]:
    """Which of `items` are shared with the user's organisation by name."""
    if not items:
        return set()
    ids = [item.id for item in items]
    return set(db.session.scalars(select(Item.id).where(Item.id.in_(ids), _named_condition(user))))


def count_new(user, since: datetime | None) -> int:
    if since is None:
        return 0
    stmt = published_readable(user).where(Item.owner_id != user.organisation_id, _new_condition(user, since))
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def shared_options(user) -> dict:
    """Filter values from what the user may read from others only (cached; the user's
    labels name the organisation, which is in the cache's name as well)."""
    return counts.cached(
        f"shared_options:{user.organisation_id}", user,
        lambda: filter_options(published_readable(user).where(Item.owner_id != user.organisation_id)),
    )


def agreements_of(owner: Organisation) -> list[SharingAgreement]:
    return list(db.session.scalars(
        select(SharingAgreement).where(SharingAgreement.owner_id == owner.id)
        .order_by(SharingAgreement.revoked_at.is_not(None), SharingAgreement.created_at.desc())
    ))


def items_covered(agreement: SharingAgreement) -> int:
    """How many items the agreement opens now (the readers table says, as for any listing)."""
    label = org(agreement.partner_id) if agreement.partner_id else "partners"
    return db.session.scalar(
        select(func.count(Item.id)).where(
            Item.owner_id == agreement.owner_id, Item.state == "published",
            Item.reader_rows.any(ItemReader.principal == label),
        )
    ) or 0


def requests_for(owner: Organisation, status: str | None = None) -> list[AccessRequest]:
    stmt = select(AccessRequest).join(Item, Item.id == AccessRequest.item_id).where(Item.owner_id == owner.id)
    if status:
        stmt = stmt.where(AccessRequest.status == status)
    return list(db.session.scalars(stmt.order_by(AccessRequest.created_at.desc()).limit(200)))


def adaptation_requests_for(owner: Organisation) -> list[AdaptationRequest]:
    """Requests to adapt the academy's items, the pending ones first, newest first."""
    stmt = (
        select(AdaptationRequest).join(Item, Item.id == AdaptationRequest.item_id)
        .where(Item.owner_id == owner.id)
        .order_by(AdaptationRequest.status != "pending", AdaptationRequest.created_at.desc(),
                  AdaptationRequest.id.desc())
    )
    return list(db.session.scalars(stmt.limit(200)))


def partner_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "partner", Organisation.active.is_(True))
        .order_by(Organisation.name)
    ))


def sharing_history(owner: Organisation, limit: int = 200) -> list[AuditEvent]:
    """Sharing changes of the academy: its own actions, and requests about its items."""
    stmt = (
        select(AuditEvent)
        .outerjoin(Item, Item.id == AuditEvent.item_id)
        .where(
            AuditEvent.action.like("sharing.%"),
            or_(AuditEvent.organisation_id == owner.id, Item.owner_id == owner.id),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def downloads_by_organisation(owner: Organisation) -> list[tuple]:
    """(organisation or None for anonymous, country code, downloads, last download) for the owner's items."""
    stmt = (
        select(AuditEvent.organisation_id, func.count(AuditEvent.id), func.max(AuditEvent.at))
        .join(Item, Item.id == AuditEvent.item_id)
        .where(AuditEvent.action == "download", Item.owner_id == owner.id)
        .group_by(AuditEvent.organisation_id)
        .order_by(func.count(AuditEvent.id).desc())
    )
    rows = db.session.execute(stmt).all()
    orgs = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_([r[0] for r in rows if r[0] is not None]))
    )}
    return [(orgs.get(oid), orgs[oid].country_code if oid in orgs else None, n, last) for oid, n, last in rows]


def downloads_by_country(owner: Organisation) -> list[tuple[str | None, int]]:
    stmt = (
        select(Organisation.country_code, func.count(AuditEvent.id))
        .select_from(AuditEvent)
        .join(Item, Item.id == AuditEvent.item_id)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .where(AuditEvent.action == "download", Item.owner_id == owner.id)
        .group_by(Organisation.country_code)
        .order_by(func.count(AuditEvent.id).desc())
    )
    return [(code, n) for code, n in db.session.execute(stmt).all()]


def recent_downloads(owner: Organisation, limit: int = 100) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent).join(Item, Item.id == AuditEvent.item_id)
        .where(AuditEvent.action == "download", Item.owner_id == owner.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    )
    return list(db.session.scalars(stmt))


def notifications_for(user, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))



