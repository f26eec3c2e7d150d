"""Joining the network: apply, then the secretariat approves or refuses.

On approval the organisation is created and its contact is invited as its first
organisation administrator. Each step is an operation: it commits, or changes nothing
(`pan_platform/operations.py`).
"""

from __future__ import annotations

import logging
import re
import unicodedata

from flask import current_app
from sqlalchemy import select

from pan_platform import mail
from pan_platform.access import can
from pan_platform.accounts import operations as account_ops
from pan_platform.audit.models import record
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.organisations.models import APPLICATION_KINDS, Country, Organisation, OrganisationApplication
from pan_platform.util import utcnow

log = logging.getLogger(__name__)

# Slugs that are also fixed paths under /organisations/.
RESERVED_SLUGS = frozenset({"apply", "new"})


class ApplicationError(OperationError):
    """A refused step; str(error) is the translated message."""


@operation
def submit(name: str, kind: str, country_code: str | None, contact_name: str, contact_email: str,
           website: str | None = None, message: str | None = None, locale: str | None = None) -> OrganisationApplication:
    if kind not in APPLICATION_KINDS:
        raise ApplicationError(_("Please choose one of the offered kinds."))
    if country_code and db.session.get(Country, country_code) is None:
        raise ApplicationError(_("Please choose one of the offered countries."))
    if kind == "academy" and not country_code:
        raise ApplicationError(_("An academy must name its country."))
    application = OrganisationApplication(
        name=name.strip(), kind=kind, country_code=country_code or None, website=website or None,
        contact_name=contact_name.strip(), contact_email=account_ops.normalise_email(contact_email),
        message=(message or "").strip() or None, locale=locale,
    )
    db.session.add(application)
    record("organisation.apply", None, name=application.name, email=application.contact_email)
    after_commit(lambda: mail.send_template(
        application.contact_email, "application_received", locale, application=application))
    return application


def _unique_slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "organisation"
    slug, n = (base, 2) if base not in RESERVED_SLUGS else (f"{base}-2", 3)
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


@operation
def approve(actor, application: OrganisationApplication) -> Organisation:
    if not can(actor, "administer"):
        raise ApplicationError(_("You do not have permission to do this."))
    if application.state != "pending":
        raise ApplicationError(_("This application has already been decided."))
    if account_ops.find_user(application.contact_email) is not None:
        raise ApplicationError(_("The contact's e-mail address already belongs to a user; ask for another contact."))
    organisation = Organisation(
        slug=_unique_slug(application.name), kind=application.kind, name=application.name,
        country_code=application.country_code, website=application.website,
    )
    db.session.add(organisation)
    application.state, application.decided_at = "approved", utcnow()
    application.decided_by_id, application.organisation = actor.id, organisation
    db.session.flush()
    record("organisation.approve", actor, application_id=application.id, created_organisation_id=organisation.id)
    # invite() joins this unit of work: the organisation, the decision and the invitation
    # are committed together, and the invitation e-mail leaves after that commit.
    account_ops.invite(
        actor, organisation, application.contact_email, "org_admin", name=application.contact_name,
        locale=application.locale or current_app.config["PAN_LANGUAGES"][0], check=False,
    )
    return organisation


@operation
def refuse(actor, application: OrganisationApplication, reason: str) -> None:
    if not can(actor, "administer"):
        raise ApplicationError(_("You do not have permission to do this."))
    if application.state != "pending":
        raise ApplicationError(_("This application has already been decided."))
    if not (reason or "").strip():
        raise ApplicationError(_("Please give a reason: it is sent to the contact."))
    application.state, application.decided_at = "refused", utcnow()
    application.decided_by_id, application.reason = actor.id, reason.strip()
    record("organisation.refuse", actor, application_id=application.id)
    after_commit(lambda: mail.send_template(
        application.contact_email, "application_refused", application.locale, application=application))


@operation
def set_organisation_active(actor, organisation: Organisation, active: bool, reason: str = "") -> None:
    """Suspend or reactivate an organisation: its members cannot sign in while suspended.

    A suspension's reason is recorded and sent to the organisation's administrators."""
    if not can(actor, "administer"):
        raise ApplicationError(_("You do not have permission to do this."))
    if organisation.kind == "secretariat" and not active:
        raise ApplicationError(_("The secretariat cannot be suspended."))
    reason = (reason or "").strip()
    organisation.active = active
    if active:
        record("organisation.reactivate", actor, target_organisation_id=organisation.id)
        return
    record("organisation.suspend", actor, target_organisation_id=organisation.id, reason=reason)
    admins = [u for u in account_ops.members(organisation) if u.role == "org_admin" and u.active]
    after_commit(lambda: _mail_suspension(admins, organisation, reason))


def _mail_suspension(admins: list, organisation: Organisation, reason: str) -> None:
    """After the commit; a mail failure never undoes the suspension (it is logged)."""
    for admin in admins:
        try:
            mail.send_template(admin.email, "organisation_suspended", admin.locale, user=admin,
                               organisation=organisation, reason=reason)
        except Exception:
            log.exception("could not send the suspension e-mail to user %s", admin.id)
