"""Sharing pages: "Shared with us", the academy's sharing page and download audit,
"who can see this, and why", access requests and notifications. Thin: operations decide."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from pan_platform.access import can, download_grants, read_grants
from pan_platform.catalogue.filters import read_filters
from pan_platform.catalogue.queries import get_readable
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations.models import Organisation
from pan_platform.sharing import operations, queries
from pan_platform.sharing.markings import MARKINGS, marking_of
from pan_platform.sharing.models import AccessRequest, AdaptationRequest, SharingAgreement
from pan_platform.sharing.vocab import REQUEST_STATES, SHARING_ACTIONS
from pan_platform.util import utcnow
from pan_platform.web import confirm
from pan_platform.web.ids import parse_id

bp = Blueprint("sharing", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    def org_by_label(label: str) -> Organisation | None:
        prefix, _sep, number = label.partition(":")
        return db.session.get(Organisation, int(number)) if prefix == "org" and number.isdigit() else None

    def my_pending_request(item) -> AccessRequest | None:
        if not current_user.is_authenticated or current_user.organisation_id is None:
            return None
        return operations.pending_request(item, current_user.organisation_id)

    return {
        "my_pending_request": my_pending_request,
        "MARKINGS": MARKINGS, "marking_of": marking_of,
        "org_by_label": org_by_label, "REQUEST_STATES": REQUEST_STATES,
        "SHARING_ACTIONS": SHARING_ACTIONS, "now": utcnow,
    }


def _date_arg(value: str | None) -> date | None:
    """A yyyy-mm-dd date from a form, or None when empty; a bad value is an error for the user."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise operations.SharingError(_("Please enter the date as YYYY-MM-DD.")) from error


def _managed_org(slug: str, action: str = "manage_sharing") -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not can(current_user, action, organisation):
        abort(404)
    return organisation


# -- "Shared with us" ------------------------------------------------------------------

@bp.route("/shared-with-us")
@login_required
def shared_with_us():
    filters = read_filters(request.args)
    only_new = request.args.get("new") == "1"
    scope = request.args.get("scope") if request.args.get("scope") in queries.SCOPES else None
    since = queries.record_visit(current_user)
    page = queries.shared_with(current_user, filters, since, only_new, scope=scope)
    return render_template(
        "sharing/shared.html", page=page, filters=filters, only_new=only_new, since=since, scope=scope,
        new_ids=queries.new_ids(current_user, page.items, since),
        named_ids=queries.named_ids(current_user, page.items),
        new_total=queries.count_new(current_user, since),
        options=queries.shared_options(current_user),
    )


# -- the academy's sharing page ---------------------------------------------------------

@bp.route("/organisations/<slug>/sharing")
def organisation_sharing(slug: str):
    organisation = _managed_org(slug)
    agreements = queries.agreements_of(organisation)
    return render_template(
        "sharing/organisation.html", organisation=organisation, agreements=agreements,
        covered={a.id: queries.items_covered(a) for a in agreements},
        pending=queries.requests_for(organisation, "pending"),
        decided=[r for r in queries.requests_for(organisation) if r.status != "pending"],
        partners=queries.partner_organisations(), history=queries.sharing_history(organisation),
        today=date.today().isoformat(),
    )


@bp.route("/organisations/<slug>/sharing/agreements", methods=["POST"])
def create_agreement(slug: str):
    organisation = _managed_org(slug)
    partner_value = request.form.get("partner", "")
    try:
        partner = None
        if partner_value != "all":
            partner_id = parse_id(partner_value)
            partner = db.session.get(Organisation, partner_id) if partner_id else None
            if partner is None:
                raise operations.SharingError(_("Choose a partner organisation."))
        operations.create_agreement(
            current_user, organisation, partner, request.form.getlist("areas"), _date_arg(request.form.get("until"))
        )
        flash(_("The agreement is in force. The items it covers are shared now."), "success")
    except OperationError as error:
        flash_error(error)
    return redirect(url_for(".organisation_sharing", slug=slug))


@bp.route("/organisations/<slug>/sharing/agreements/<int:agreement_id>/revoke", methods=["POST"])
def revoke_agreement(slug: str, agreement_id: int):
    organisation = _managed_org(slug)
    agreement = db.session.get(SharingAgreement, agreement_id)
    if agreement is None or agreement.owner_id != organisation.id:
        abort(404)
    try:
        operations.revoke_agreement(current_user, agreement)
        flash(_("The agreement is revoked. What it shared is no longer visible to the partner."), "success")
    except OperationError as error:
        flash_error(error)
    return redirect(url_for(".organisation_sharing", slug=slug))


def _owned_request(organisation, request_id: int) -> AccessRequest:
    """An access request for one of `organisation`'s items, or 404."""
    access_request = db.session.get(AccessRequest, request_id)
    if access_request is None or access_request.item.owner_id != organisation.id:
        abort(404)
    return access_request


@bp.route("/organisations/<slug>/sharing/requests/<int:request_id>", methods=["POST"])
def decide_request(slug: str, request_id: int):
    organisation = _managed_org(slug, "decide_requests")
    access_request = _owned_request(organisation, request_id)
    approve = request.form.get("decision") == "approve"
    if not approve and access_request.status == "pending":
        error = confirm.reason_error() if confirm.confirmed() else None
        if not confirm.confirmed() or error:
            return _confirm_refusal(slug, access_request, error)
    try:
        operations.decide_request(current_user, access_request, approve, _date_arg(request.form.get("until")),
                                  reason=confirm.given_reason())
        flash(_("Request approved: the organisation may now download the files.") if approve
              else _("Request refused."), "success")
    except OperationError as error:
        flash_error(error)
    return redirect(url_for(".organisation_sharing", slug=slug))


def _confirm_refusal(slug: str, access_request: AccessRequest, error: str | None):
    return confirm.confirmation_page(
        _("Refuse the request of %(organisation)s?", organisation=access_request.organisation.display_name),
        _("%(organisation)s will not receive the files of “%(title)s”. The person who asked is told, "
          "with your reason.", organisation=access_request.organisation.display_name,
          title=access_request.item.localized(_lang())["title"]),
        _("Refuse the request"),
        fallback=url_for(".organisation_sharing", slug=slug),
        reason_label=_("Reason for the refusal (sent to the person who asked)"),
        error=error,
    )


@bp.route("/organisations/<slug>/sharing/requests/<int:request_id>/withdraw", methods=["POST"])
def withdraw_access(slug: str, request_id: int):
    organisation = _managed_org(slug, "decide_requests")
    access_request = _owned_request(organisation, request_id)
    if access_request.status == "approved" and not confirm.confirmed():
        return confirm.confirmation_page(
            _("Withdraw the access of %(organisation)s?", organisation=access_request.organisation.display_name),
            _("%(organisation)s can no longer download the files of “%(title)s”. To give them back, the "
              "organisation has to ask again.", organisation=access_request.organisation.display_name,
              title=access_request.item.localized(_lang())["title"]),
            _("Withdraw access"),
            fallback=url_for(".organisation_sharing", slug=slug),
        )
    try:
        operations.withdraw_access(current_user, access_request)
        flash(_("Access withdrawn: the organisation can no longer download the files."), "success")
    except OperationError as error:
        flash_error(error)
    return redirect(url_for(".organisation_sharing", slug=slug))


def _lang() -> str:
    return str(get_locale() or "en")


@bp.route("/organisations/<slug>/downloads")
def organisation_downloads(slug: str):
    organisation = _managed_org(slug, "view_audit")
    return render_template(
        "sharing/downloads.html", organisation=organisation,
        by_organisation=queries.downloads_by_organisation(organisation),
        by_country=queries.downloads_by_country(organisation),
        recent=queries.recent_downloads(organisation),
    )


# -- one item: who can see it, handling, access requests ----------------------------------

@bp.route("/items/<int:item_id>/access", methods=["GET", "POST"])
def item_access(item_id: int):
    item = get_readable(current_user, item_id)
    if not can(current_user, "see_access", item) and not can(current_user, "share", item):
        abort(404)
    if request.method == "POST":
        try:
            operations.set_item_policy(
                current_user, item, request.form.get("marking"), request.form.get("files_access", "same")
            )
            flash(_("Handling settings saved."), "success")
        except OperationError as error:
            flash_error(error)
        return redirect(url_for(".item_access", item_id=item.id))
    return render_template(
        "sharing/item_access.html", item=item, grants=read_grants(item), files=download_grants(item),
        requests=sorted(item.access_requests, key=lambda r: r.created_at, reverse=True),
    )


@bp.route("/items/<int:item_id>/request-access", methods=["GET", "POST"])
@login_required
def request_access(item_id: int):
    item = get_readable(current_user, item_id)
    pending = operations.pending_request(item, current_user.organisation_id)
    if request.method == "POST":
        try:
            operations.request_access(current_user, item, request.form.get("reason", ""))
            flash(_("Your request has been sent to the academy. You will be notified of its decision."), "success")
            return redirect(url_for("catalogue.detail", item_id=item.id))
        except OperationError as error:
            flash_error(error)
    return render_template(
        "sharing/request_access.html", item=item, pending=pending,
        reason=request.form.get("reason", ""), max_reason=operations.MAX_REASON,
    )


# -- permission to adapt ------------------------------------------------------------------

@bp.route("/items/<int:item_id>/request-adaptation", methods=["GET", "POST"])
@login_required
def request_adaptation(item_id: int):
    item = get_readable(current_user, item_id)
    if request.method == "POST":
        try:
            operations.request_adaptation(current_user, item, request.form.get("reason", ""))
            flash(_("Your request has been sent to the owner academy. You will be notified of its decision."),
                  "success")
            return redirect(url_for("catalogue.detail", item_id=item.id))
        except OperationError as error:
            flash_error(error)
    return render_template(
        "sharing/request_adaptation.html", item=item,
        open_request=operations.open_adaptation_request(item, current_user.organisation_id),
        reason=request.form.get("reason", ""), max_reason=operations.MAX_REASON,
    ), 422 if request.method == "POST" else 200


def _my_academy() -> Organisation:
    """The signed-in editor's academy, whose requests the workspace lists (else 404)."""
    organisation = current_user.organisation
    if not can(current_user, "create_item", organisation):
        abort(404)
    return organisation


@bp.route("/workspace/requests")
@login_required
def adaptation_requests():
    organisation = _my_academy()
    return render_template("sharing/adaptation_requests.html", organisation=organisation,
                           rows=queries.adaptation_requests_for(organisation))


@bp.route("/workspace/requests/<int:request_id>", methods=["POST"])
@login_required
def decide_adaptation(request_id: int):
    organisation = _my_academy()
    adaptation_request = db.session.get(AdaptationRequest, request_id)
    if adaptation_request is None or adaptation_request.item.owner_id != organisation.id:
        abort(404)
    approve = request.form.get("decision") == "approve"
    try:
        operations.decide_adaptation(current_user, adaptation_request, approve)
        flash(_("Permission given: the academy may now adapt the item.") if approve
              else _("Request refused."), "success")
    except OperationError as error:
        flash_error(error)
    return redirect(url_for(".adaptation_requests"))


# -- notifications ----------------------------------------------------------------------

@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    if request.method == "POST":
        operations.mark_notifications_read(current_user)
        return redirect(url_for(".notifications"))
    return render_template("sharing/notifications.html", rows=queries.notifications_for(current_user))
