"""The secretariat's console: applications, organisations, users, labels, thesaurus, index, audit."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from pan_platform.access import can
from pan_platform.accounts import operations as account_ops
from pan_platform.accounts.forms import EmptyForm
from pan_platform.accounts.models import ROLES, User
from pan_platform.admin import index_health, labels, trends
from pan_platform.audit.labels import action_label, event_summary
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS, area_label, catalogue_label
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations import applications
from pan_platform.organisations.forms import DecisionForm
from pan_platform.organisations.models import (
    APPLICATION_STATES,
    ORGANISATION_KINDS,
    Organisation,
    OrganisationApplication,
)
from pan_platform.paging import Page, page_number, page_of, paginate
from pan_platform.thesaurus import operations as thesaurus_ops
from pan_platform.thesaurus.forms import ThesaurusUploadForm
from pan_platform.thesaurus.models import THESAURUS_LANGUAGES
from pan_platform.web import confirm
from pan_platform.web.templating import LANGUAGE_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.before_request
def _only_the_secretariat():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not can(current_user, "administer"):
        abort(404)  # the console does not exist for anyone else
    if not current_user.has_totp:
        flash(_("Platform administrators must set up two-factor authentication before using the console."), "info")
        return redirect(url_for("accounts.two_factor"))
    return None


def _paginate(stmt) -> Page:
    return paginate(stmt, page_number(request.args.get("page")), PAGE_SIZE)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _pager_args() -> dict:
    return {k: v for k, v in request.args.items() if k != "page"}


@bp.route("/")
def index():
    counts = {
        "pending": db.session.scalar(
            select(func.count(OrganisationApplication.id)).where(OrganisationApplication.state == "pending")
        ),
        "organisations": db.session.scalar(select(func.count(Organisation.id))),
        "users": db.session.scalar(select(func.count(User.id))),
    }
    titles = {"items": _("New items per month"), "users": _("New users per month"),
              "downloads": _("Downloads per month")}
    charts = [(titles[what], sum(values), trends.bar_chart(months, values, titles[what]))
              for what, months, values in trends.overview()]
    return render_template("admin/index.html", counts=counts, charts=charts)


# --- applications -----------------------------------------------------------------------

@bp.route("/applications")
def application_list():
    state = request.args.get("state", "pending")
    stmt = select(OrganisationApplication).order_by(OrganisationApplication.created_at.desc())
    if state in APPLICATION_STATES:
        stmt = stmt.where(OrganisationApplication.state == state)
    return render_template(
        "admin/applications.html", page=_paginate(stmt), state=state, states=APPLICATION_STATES,
        form=DecisionForm(), pager_args=_pager_args(),
    )


def _application(application_id: int) -> OrganisationApplication:
    application = db.session.get(OrganisationApplication, application_id)
    if application is None:
        abort(404)
    return application


@bp.route("/applications/<int:application_id>/approve", methods=["POST"])
def approve_application(application_id: int):
    application = _application(application_id)
    if DecisionForm().validate_on_submit():
        try:
            organisation = applications.approve(current_user, application)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("%(name)s has joined; its contact has been invited as administrator.", name=organisation.name), "success")
    return redirect(url_for("admin.application_list"))


@bp.route("/applications/<int:application_id>/refuse", methods=["POST"])
def refuse_application(application_id: int):
    application = _application(application_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            applications.refuse(current_user, application, form.reason.data or "")
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("The application has been refused and the contact informed."), "success")
    return redirect(url_for("admin.application_list"))


# --- organisations -------------------------------------------------------------------------

ORGANISATION_SORTS = {
    "name": Organisation.name,
    "kind": Organisation.kind,
    "created": Organisation.created_at.desc(),
}


@bp.route("/organisations")
def organisation_list():
    q = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind")
    sort = request.args.get("sort", "name")
    stmt = select(Organisation).order_by(ORGANISATION_SORTS.get(sort, Organisation.name), Organisation.id)
    if q:
        stmt = stmt.where(or_(Organisation.name.contains(q, autoescape=True),
                              Organisation.acronym.contains(q, autoescape=True),
                              Organisation.slug.contains(q, autoescape=True)))
    if kind in ORGANISATION_KINDS:
        stmt = stmt.where(Organisation.kind == kind)
    return render_template(
        "admin/organisations.html", page=_paginate(stmt), q=q, kind=kind, sort=sort,
        sorts=ORGANISATION_SORTS, form=EmptyForm(), pager_args=_pager_args(),
    )


@bp.route("/organisations/<int:organisation_id>/<any(suspend, reactivate):action>", methods=["POST"])
def organisation_active(organisation_id: int, action: str):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        return redirect(_back_to(url_for("admin.organisation_list")))
    if action == "suspend":
        error = confirm.reason_error() if confirm.confirmed() else None
        if not confirm.confirmed() or error:
            return _confirm_suspension(organisation, error)
    try:
        applications.set_organisation_active(current_user, organisation, action == "reactivate",
                                             reason=confirm.given_reason())
    except OperationError as error:
        flash_error(error)
    else:
        if action == "reactivate":
            flash(_("%(name)s is active again.", name=organisation.name), "success")
        else:
            flash(_("%(name)s is suspended: its members cannot sign in.", name=organisation.name), "success")
    return redirect(_back_to(url_for("admin.organisation_list")))


def _confirm_suspension(organisation: Organisation, error: str | None):
    members = db.session.scalar(select(func.count(User.id)).where(User.organisation_id == organisation.id,
                                                                  User.active.is_(True)))
    return confirm.confirmation_page(
        _("Suspend %(name)s?", name=organisation.name),
        _("Its %(num)d active members will no longer be able to sign in, until the organisation is "
          "reactivated. Its administrators receive the reason by e-mail.", num=members),
        _("Suspend the organisation"),
        fallback=url_for("admin.organisation_list"),
        reason_label=_("Reason for the suspension (recorded and sent to the organisation)"),
        error=error,
    )


def _back_to(fallback: str) -> str:
    return request.referrer if _same_site(request.referrer) else fallback


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url + "admin/")


# --- users -------------------------------------------------------------------------------------

USER_SORTS = {
    "name": User.name,
    "email": User.email,
    "created": User.created_at.desc(),
    "last_login": User.last_login_at.desc(),
}


@bp.route("/users")
def user_list():
    q = request.args.get("q", "").strip()[:200]
    organisation_id = _int_arg("organisation")
    role = request.args.get("role")
    status = request.args.get("status")
    sort = request.args.get("sort", "name")
    stmt = select(User).order_by(USER_SORTS.get(sort, User.name), User.id)
    if q:
        stmt = stmt.where(or_(User.name.contains(q, autoescape=True), User.email.contains(q.lower(), autoescape=True)))
    if organisation_id:
        stmt = stmt.where(User.organisation_id == organisation_id)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if status in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(status == "active"))
    return render_template(
        "admin/users.html", page=_paginate(stmt), q=q, organisation_id=organisation_id, role=role,
        status=status, sort=sort, sorts=USER_SORTS, roles=ROLES, form=EmptyForm(),
        organisations=db.session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        pager_args=_pager_args(),
    )


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
def user_active(user_id: int, action: str):
    target = db.session.get(User, user_id)
    if target is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        return redirect(_back_to(url_for("admin.user_list")))
    if action == "deactivate" and not confirm.confirmed():
        return confirm.deactivation_page(target, url_for("admin.user_list"))
    try:
        account_ops.set_active(current_user, target, action == "reactivate")
    except OperationError as error:
        flash_error(error)
    else:
        if action == "reactivate":
            flash(_("%(name)s can sign in again.", name=target.name), "success")
        else:
            flash(_("%(name)s can no longer sign in.", name=target.name), "success")
    return redirect(_back_to(url_for("admin.user_list")))


# --- taxonomy labels ---------------------------------------------------------------------------

@bp.route("/labels", methods=["GET", "POST"])
def label_editor():
    languages = current_app.config["PAN_LANGUAGES"]
    form = EmptyForm()
    if form.validate_on_submit():
        values = {
            (code, lang): request.form.get(f"label-{code}-{lang}", "")
            for code in PRIORITY_AREAS for lang in languages
        }
        changed = labels.save(current_user, values)
        flash(_("Labels saved (%(n)d changed).", n=changed), "success")
        return redirect(url_for("admin.label_editor"))
    rows = [
        (code, [(lang, area_label(code, lang), catalogue_label(code, lang)) for lang in languages])
        for code in PRIORITY_AREAS
    ]
    return render_template("admin/labels.html", rows=rows, languages=languages,
                           language_names=LANGUAGE_NAMES, form=form)


# --- search index --------------------------------------------------------------------------------

@bp.route("/index", methods=["GET", "POST"])
def index_status():
    form = EmptyForm()
    report, action = None, None
    if form.validate_on_submit():
        action = request.form.get("action")
        if action == "rebuild" and index_health.rebuild_running():
            flash(_("A rebuild is already running."), "info")
        elif action == "rebuild":
            report, started = index_health.rebuild_from_console()
            if started:
                flash(_("The rebuild has started. Searches use the current index until the new one is ready."),
                      "success")
            else:
                flash(_("The search index has been rebuilt."), "success")
        elif action == "repair":
            report = index_health.check(repair=True)
            flash(_("The search index has been checked and repaired."), "success")
        else:
            action = "check"
            report = index_health.check(repair=False)
    elif request.method == "GET":
        report = index_health.check_on_open()
        action = "check" if report is not None else None
    return render_template("admin/index_status.html", form=form, action=action,
                           rows=index_health.report_rows(report), running=index_health.rebuild_running())


# --- audit log ----------------------------------------------------------------------------------

AUDIT_SORTS = {"newest": AuditEvent.at.desc(), "oldest": AuditEvent.at.asc()}


@bp.route("/audit")
def audit():
    person = request.args.get("person", "").strip()[:200]
    organisation_id = _int_arg("organisation")
    item_id = _int_arg("item")
    action = request.args.get("action", "")
    sort = request.args.get("sort", "newest")
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    stmt = select(AuditEvent).order_by(AUDIT_SORTS.get(sort, AuditEvent.at.desc()), AuditEvent.id.desc())
    if person:
        people = select(User.id).where(or_(User.email.contains(person.lower(), autoescape=True),
                                           User.name.contains(person, autoescape=True)))
        stmt = stmt.where(AuditEvent.user_id.in_(people))
    if organisation_id:
        stmt = stmt.where(AuditEvent.organisation_id == organisation_id)
    if item_id:
        stmt = stmt.where(AuditEvent.item_id == item_id)
    if action in actions:
        stmt = stmt.where(AuditEvent.action == action)
    return render_template(
        "admin/audit.html", page=_paginate(stmt), person=person, organisation_id=organisation_id,
        item_id=item_id, action=action, actions=actions, sort=sort, action_label=action_label,
        event_summary=event_summary,
        organisations=db.session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        pager_args=_pager_args(),
    )


# --- thesaurus of search terms ------------------------------------------------------------------

@bp.route("/thesaurus")
def thesaurus():
    q = request.args.get("q", "").strip()[:200]
    area = request.args.get("area", "")
    lang = request.args.get("lang", "")
    # "none" lists the concepts outside the priority areas; an unknown value lists everything.
    area_filter = area if area in PRIORITY_AREAS else ("" if area == "none" else None)
    terms = thesaurus_ops.find_terms(q, area_filter, lang if lang in THESAURUS_LANGUAGES else None)
    listing = page_of(terms, page_number(request.args.get("page")), PAGE_SIZE)
    return render_template(
        "admin/thesaurus.html", page=listing, q=q, area=area, lang=lang, counts=thesaurus_ops.counts(),
        revision=thesaurus_ops.last_revision(), languages=THESAURUS_LANGUAGES, areas=PRIORITY_AREAS,
        language_names=LANGUAGE_NAMES, form=ThesaurusUploadForm(), pager_args=_pager_args(),
    )


@bp.route("/thesaurus.csv")
def thesaurus_export():
    return Response(thesaurus_ops.export_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=thesaurus.csv"})


@bp.route("/thesaurus", methods=["POST"])
def thesaurus_import():
    form = ThesaurusUploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors:
            flash(message, "error")
        return redirect(url_for("admin.thesaurus"))
    try:
        revision = thesaurus_ops.import_csv(form.file.data.stream, current_user)
    except thesaurus_ops.ThesaurusError as error:
        flash(_("The file was not imported; the thesaurus is unchanged."), "error")
        flash_error(error)
    else:
        flash(_("Thesaurus replaced: %(terms)d terms of %(concepts)d concepts.",
                terms=revision.terms, concepts=revision.concepts), "success")
    return redirect(url_for("admin.thesaurus"))
