"""Principal labels: who may read an item, and which labels a user holds.

The index and the `item_readers` table store an item's labels; every listing, count
and search is filtered by the user's labels. This file is the only place that turns
visibility, inheritance, state, shares, agreements and access grants into labels.

`read_grants()` returns every (label, reason) pair; `read_principals()` is just its
labels, and the "who can see this, and why" page shows the same pairs, so the
explanation cannot drift from the decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, object_session, selectinload

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing.models import SharingAgreement
from pan_platform.util import utcnow

PUBLIC = "public"
NETWORK = "network"  # every member of an academy (and the secretariat)
PARTNERS = "partners"  # every member of a partner organisation

VISIBILITIES = ("private", "network", "partners", "public")
INHERIT = "inherit"
PARTNER_SCOPES = ("named", "all")
FILES_ACCESS = ("same", "request")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grant:
    """One label and the rule that grants it.

    reason: "owner" | "visibility" | "share" | "agreement" | "request"
    source: the item whose rule applies, the SharingAgreement or the AccessRequest
    """

    label: str
    reason: str
    source: object = None
    inherited: bool = False
    expires_at: datetime | None = None


def org(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def user_principals(user) -> frozenset[str]:
    """The labels a user holds. Anonymous visitors hold only `public`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset({PUBLIC})
    labels = {PUBLIC, org(user.organisation_id)}
    kind = user.organisation.kind
    if kind in ("academy", "secretariat"):
        labels.add(NETWORK)
    elif kind == "partner":
        labels.add(PARTNERS)
    return frozenset(labels)


def _rule_source(item):
    """The item whose visibility and shares apply: itself, or the nearest non-inheriting ancestor."""
    node, seen = item, set()
    while node.visibility == INHERIT:
        if node.parent is None or id(node) in seen:
            return None  # inherits from nothing: fail closed
        seen.add(id(node))
        node = node.parent
    return node


def _owner_id(item) -> int | None:
    if item.owner_id is not None:
        return item.owner_id
    return item.owner.id if item.owner is not None else None


def _session(item):
    return object_session(item) or db.session


def owner_agreements(session, owner_id: int) -> list:
    """The owner's non-revoked agreements, cached in the session until the next flush
    that touches an agreement, commit or rollback (one query per owner per transaction)."""
    cache = session.info.setdefault("pan_agreements", {})
    if owner_id not in cache:
        with session.no_autoflush:
            cache[owner_id] = list(
                session.scalars(
                    select(SharingAgreement)
                    .where(SharingAgreement.owner_id == owner_id, SharingAgreement.revoked_at.is_(None))
                    .order_by(SharingAgreement.id)
                )
            )
    return cache[owner_id]


def load_agreements(session, owner_ids) -> None:
    """Fill owner_agreements()' cache for several owners with one query (a list of items
    of many owners asks can() for each)."""
    cache = session.info.setdefault("pan_agreements", {})
    missing = sorted({owner_id for owner_id in owner_ids if owner_id is not None} - set(cache))
    if not missing:
        return
    found: dict[int, list] = {owner_id: [] for owner_id in missing}
    with session.no_autoflush:
        for agreement in session.scalars(
            select(SharingAgreement)
            .where(SharingAgreement.owner_id.in_(missing), SharingAgreement.revoked_at.is_(None))
            .order_by(SharingAgreement.id)
        ):
            found[agreement.owner_id].append(agreement)
    cache.update(found)


def read_loads() -> tuple:
    """Eager loads of what read_grants() reads (shares, areas, the ancestors a rule is
    inherited through), for a list of items each asked can(): a fixed number of queries
    whatever the list's length. Ancestors: a material's module and its curriculum, joined
    to the item's row (a many-to-one: no extra query)."""
    parent = joinedload(Item.parent)
    return (
        selectinload(Item.shares),
        selectinload(Item.area_rows),
        parent.selectinload(Item.shares),
        parent.joinedload(Item.parent).selectinload(Item.shares),
    )


def _visibility_grants(source, inherited: bool) -> list[Grant] | None:
    """Labels of a visibility; None for an unknown visibility or scope (fail closed)."""
    visibility = source.visibility

    def grant(label: str) -> Grant:
        return Grant(label, "visibility", source, inherited)

    if visibility == "private":
        return []
    if visibility == "network":
        return [grant(NETWORK)]
    if visibility == "partners":
        if source.partner_scope == "all":
            return [grant(NETWORK), grant(PARTNERS)]
        if source.partner_scope == "named":
            return [grant(NETWORK)]
        log.warning("item %s: unknown partner scope %r", source.id, source.partner_scope)
        return None
    if visibility == "public":
        return [grant(PUBLIC)]
    log.warning("item %s: unknown visibility %r", source.id, visibility)
    return None


def _agreement_grants(item, now: datetime) -> list[Grant]:
    owner_id = _owner_id(item)
    if owner_id is None:
        return []
    areas = item.area_codes
    grants = []
    for agreement in owner_agreements(_session(item), owner_id):
        if agreement.is_active(now) and agreement.covers(areas):
            label = org(agreement.partner_id) if agreement.partner_id else PARTNERS
            grants.append(Grant(label, "agreement", agreement, expires_at=agreement.valid_until))
    return grants


def read_grants(item, now: datetime | None = None) -> list[Grant]:
    """Every rule that lets someone read `item` (its description, and its files unless
    they are given on request).

    - the owner academy always reads its own items, whatever their state;
    - drafts and archived items: the owner academy only;
    - otherwise the visibility of the item, or of the ancestor it inherits from, plus
      that item's explicit shares; an inherited rule counts only while the ancestor it
      comes from (and every ancestor between) is published;
    - standing agreements of the owner whose priority areas meet the item's, while
      they are neither revoked nor expired (`now`);
    - an unknown visibility, state or scope grants nothing beyond the owner (fail closed).
    """
    now = now or utcnow()
    owner = [Grant(org(_owner_id(item)), "owner", item.owner)]
    if item.state != "published":
        return owner
    source = _rule_source(item)
    if source is None:
        return owner
    node = item
    while node is not source:  # every ancestor the rule passes through must be published
        node = node.parent
        if node.state != "published":
            return owner
    inherited = source is not item
    visibility = _visibility_grants(source, inherited)
    if visibility is None:
        return owner
    shares = [Grant(org(s.organisation_id), "share", source, inherited) for s in source.shares]
    return owner + visibility + shares + _agreement_grants(item, now)


def read_principals(item) -> frozenset[str]:
    """Labels that may read `item` now."""
    return frozenset(grant.label for grant in read_grants(item))


def files_on_request(item) -> bool:
    policy = getattr(item, "policy", None)
    return policy is not None and policy.files_access == "request"


def files_follow_description(item) -> bool:
    """True when whoever reads the description may download the files (the default), so
    file text may be indexed and shown with the description."""
    return not files_on_request(item)


def download_grants(item, now: datetime | None = None) -> list[Grant]:
    """Who may download the item's files: its readers, or — when files are given on
    request — the owner and the organisations whose request was approved (and not expired)."""
    now = now or utcnow()
    grants = read_grants(item, now)
    if not files_on_request(item):
        return grants
    owner = [g for g in grants if g.reason == "owner"]
    approved = [
        Grant(org(r.organisation_id), "request", r, expires_at=r.valid_until)
        for r in item.access_requests
        if r.grants_now(now)
    ]
    return owner + approved


def download_principals(item) -> frozenset[str]:
    return frozenset(grant.label for grant in download_grants(item))


def label_expiries(grants: list[Grant]) -> dict[str, datetime | None]:
    """Label -> when it lapses: None when any rule grants it without an end date,
    else the latest end date of the rules granting it."""
    out: dict[str, datetime | None] = {}
    for grant in grants:
        if grant.label in out and out[grant.label] is None:
            continue
        if grant.expires_at is None or grant.label not in out:
            out[grant.label] = grant.expires_at
        else:
            out[grant.label] = max(out[grant.label], grant.expires_at)
    return out
