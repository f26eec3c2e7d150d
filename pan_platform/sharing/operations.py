"""Sharing operations: each checks can() itself and commits (the rule of
`pan_platform/operations.py`; the pipeline then refreshes reader labels and the search
index); e-mails leave after the commit.

Bad input raises SharingError with a message in the user's language; nothing is
written in that case.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from sqlalchemy import select

from pan_platform import mail
from pan_platform.access import FILES_ACCESS, can
from pan_platform.accounts.models import User
from pan_platform.accounts.operations import link_for
from pan_platform.audit.models import record
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.organisations.models import Organisation
from pan_platform.sharing.markings import MARKINGS
from pan_platform.sharing.models import (
    AccessRequest,
    AdaptationRequest,
    ItemPolicy,
    Notification,
    SharingAgreement,
)
from pan_platform.util import utcnow

log = logging.getLogger(__name__)
MAX_REASON = 2000


class SharingError(OperationError):
    """A refused or invalid sharing action; str(error) is for the user."""


def _require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise SharingError(_("You do not have permission to do this."))


def end_of_day(day: date | None) -> datetime | None:
    """"Until 31 May" means through the whole of 31 May (UTC)."""
    return datetime.combine(day, time(23, 59, 59)) if day else None


def _future(day: date | None) -> datetime | None:
    until = end_of_day(day)
    if until is not None and until <= utcnow():
        raise SharingError(_("The end date must be in the future."))
    return until


# -- standing agreements -----------------------------------------------------------

@operation
def create_agreement(
    user, owner: Organisation, partner: Organisation | None, areas: list[str], until: date | None
) -> SharingAgreement:
    """Share every published item of `owner` in `areas` (empty: all) with `partner` (None: all partners)."""
    _require(user, "manage_sharing", owner)
    if owner.kind != "academy":
        raise SharingError(_("Only academies make sharing agreements."))
    if partner is not None and (partner.kind != "partner" or not partner.active):
        raise SharingError(_("Choose a partner organisation."))
    unknown = [code for code in areas if code not in PRIORITY_AREAS]
    if unknown:
        raise SharingError(_("Unknown priority area."))
    agreement = SharingAgreement(
        owner=owner, partner=partner, areas=sorted(set(areas)), valid_until=_future(until),
        created_by_id=user.id,
    )
    db.session.add(agreement)
    db.session.flush()
    record(
        "sharing.agreement_created", user, None, owner_id=owner.id, agreement=agreement.id,
        partner=partner.display_name if partner else None, areas=agreement.areas,
        valid_until=agreement.valid_until.isoformat() if agreement.valid_until else None,
    )
    return agreement


@operation
def revoke_agreement(user, agreement: SharingAgreement) -> None:
    _require(user, "manage_sharing", agreement.owner)
    if agreement.revoked_at is not None:
        raise SharingError(_("This agreement was already revoked."))
    agreement.revoked_at = utcnow()
    agreement.revoked_by_id = user.id
    record(
        "sharing.agreement_revoked", user, None, owner_id=agreement.owner_id, agreement=agreement.id,
        partner=agreement.partner.display_name if agreement.partner else None, areas=agreement.areas,
    )


# -- per-item handling ---------------------------------------------------------------

@operation
def set_item_policy(user, item, marking: str | None, files_access: str) -> None:
    """Set an item's handling marking and whether its files are given on request."""
    _require(user, "share", item)
    marking = marking or None
    if marking is not None and marking not in MARKINGS:
        raise SharingError(_("Unknown handling marking."))
    if files_access not in FILES_ACCESS:
        raise SharingError(_("Unknown choice for the files."))
    policy = item.policy or ItemPolicy(item=item)
    before = (policy.marking, policy.files_access)
    policy.marking, policy.files_access = marking, files_access
    db.session.add(policy)
    if before != (marking, files_access):
        record("sharing.policy_changed", user, item, owner_id=item.owner_id, marking=marking,
               files_access=files_access)
    # The pipeline re-indexes after the commit: "files on request" hides file text.


# -- access requests ----------------------------------------------------------------

def _org_admins(organisation_id: int) -> list:
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.role == "org_admin",
                           User.active.is_(True))
    ))


def _notify(users, kind: str, request: AccessRequest) -> None:
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, item=request.item, request=request))


def _link(endpoint: str, locale: str | None, **values) -> str:
    """An absolute link in the recipient's language, from PAN_BASE_URL (never the request's Host)."""
    return link_for(endpoint, locale, **values)


def _mail(users, kind: str, request: AccessRequest) -> None:
    """E-mail after the commit; a mail failure never undoes the decision (it is logged)."""
    for user in users:
        if kind == "request_new":
            link = _link("sharing.organisation_sharing", user.locale, slug=request.item.owner.slug)
        else:
            link = _link("catalogue.detail", user.locale, item_id=request.item_id)
        try:
            mail.send_template(user.email, f"sharing_{kind}", user.locale, request=request, user=user, link=link)
        except Exception:
            log.exception("could not send the %s e-mail to user %s", kind, user.id)


def _handled(request_column, request_id: int) -> None:
    """A decided request's "new request" notifications are read for every owner who got
    one, so their badges clear whoever of them decided."""
    now = utcnow()
    for row in db.session.scalars(
        select(Notification).where(request_column == request_id, Notification.read_at.is_(None),
                                   Notification.kind.in_(("request_new", "adaptation_new")))
    ):
        row.read_at = now


def pending_request(item, organisation_id: int) -> AccessRequest | None:
    return next(
        (r for r in item.access_requests if r.organisation_id == organisation_id and r.status == "pending"),
        None,
    )


@operation
def request_access(user, item, reason: str) -> AccessRequest:
    _require(user, "request_access", item)
    reason = (reason or "").strip()
    if not reason:
        raise SharingError(_("Please say why your organisation needs these files."))
    if len(reason) > MAX_REASON:
        raise SharingError(_("Please keep the reason under %(max)d characters.", max=MAX_REASON))
    if pending_request(item, user.organisation_id) is not None:
        raise SharingError(_("Your organisation has already asked for these files; the request is pending."))
    request = AccessRequest(item=item, user_id=user.id, organisation_id=user.organisation_id, reason=reason)
    db.session.add(request)
    db.session.flush()
    admins = _org_admins(item.owner_id)
    _notify(admins, "request_new", request)
    record("sharing.access_requested", user, item, owner_id=item.owner_id, request=request.id)
    after_commit(lambda: _mail(admins, "request_new", request))
    return request


@operation
def decide_request(user, request: AccessRequest, approve: bool, until: date | None = None,
                   reason: str = "") -> None:
    """Approve or refuse; a refusal's reason is kept on the request and sent to the requester."""
    _require(user, "decide_requests", request.item.owner)
    if request.status != "pending":
        raise SharingError(_("This request has already been decided."))
    if len(reason or "") > MAX_REASON:
        raise SharingError(_("Please keep the reason under %(max)d characters.", max=MAX_REASON))
    request.decision_reason = None if approve else ((reason or "").strip() or None)
    request.valid_until = _future(until) if approve else None
    request.status = "approved" if approve else "refused"
    request.decided_at = utcnow()
    request.decided_by_id = user.id
    _handled(Notification.request_id, request.id)
    requester = [request.user] if request.user is not None and request.user.active else []
    kind = "request_approved" if approve else "request_refused"
    _notify(requester, kind, request)
    record(
        "sharing.access_" + request.status, user, request.item, owner_id=request.item.owner_id,
        request=request.id, organisation=request.organisation.display_name,
        valid_until=request.valid_until.isoformat() if request.valid_until else None,
        reason=request.decision_reason,
    )
    after_commit(lambda: _mail(requester, kind, request))


@operation
def withdraw_access(user, request: AccessRequest) -> None:
    """End an approved grant before its date (or one without a date)."""
    _require(user, "decide_requests", request.item.owner)
    if request.status != "approved":
        raise SharingError(_("Only approved requests can be withdrawn."))
    request.status = "withdrawn"
    request.decided_at = utcnow()
    request.decided_by_id = user.id
    record("sharing.access_withdrawn", user, request.item, owner_id=request.item.owner_id, request=request.id,
           organisation=request.organisation.display_name)


# -- permission to adapt ---------------------------------------------------------------

def _academy_editors(organisation_id: int) -> list:
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.role.in_(("editor", "org_admin")),
                           User.active.is_(True))
    ))


def _notify_adaptation(users, kind: str, request: AdaptationRequest) -> None:
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, item=request.item, adaptation_request=request))


def open_adaptation_request(item, organisation_id: int | None) -> AdaptationRequest | None:
    """The academy's pending or approved request to adapt `item`, if any."""
    return next(
        (r for r in item.adaptation_requests
         if r.organisation_id == organisation_id and r.status in ("pending", "approved")),
        None,
    )


@operation
def request_adaptation(user, item, reason: str) -> AdaptationRequest:
    """Ask the owner academy for permission to adapt an item whose licence does not allow it."""
    _require(user, "request_adaptation", item)
    if can(user, "adapt", item):  # a platform administrator, who needs no permission
        raise SharingError(_("Your academy may already adapt this item."))
    reason = (reason or "").strip()
    if not reason:
        raise SharingError(_("Please say how your academy means to adapt this item."))
    if len(reason) > MAX_REASON:
        raise SharingError(_("Please keep the reason under %(max)d characters.", max=MAX_REASON))
    if open_adaptation_request(item, user.organisation_id) is not None:
        raise SharingError(_("Your academy has already asked for permission to adapt this item; "
                             "the request is pending."))
    request = AdaptationRequest(item=item, user_id=user.id, organisation_id=user.organisation_id, reason=reason)
    db.session.add(request)
    db.session.flush()
    _notify_adaptation(_academy_editors(item.owner_id), "adaptation_new", request)
    record("sharing.adaptation_requested", user, item, owner_id=item.owner_id, request=request.id,
           licence=item.licence)
    return request


@operation
def decide_adaptation(user, request: AdaptationRequest, approve: bool) -> None:
    """The owner academy's editor or admin approves (the academy may then adapt) or refuses."""
    _require(user, "decide_adaptation", request.item)
    if request.status != "pending":
        raise SharingError(_("This request has already been decided."))
    request.status = "approved" if approve else "refused"
    request.decided_at = utcnow()
    request.decided_by_id = user.id
    _handled(Notification.adaptation_request_id, request.id)
    requester = [request.user] if request.user is not None and request.user.active else []
    _notify_adaptation(requester, "adaptation_" + request.status, request)
    record("sharing.adaptation_" + request.status, user, request.item, owner_id=request.item.owner_id,
           request=request.id, organisation=request.organisation.display_name)


@operation
def mark_notifications_read(user) -> int:
    rows = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ))
    now = utcnow()
    for row in rows:
        row.read_at = now
    return len(rows)
