"""The experts directory, profile pages, one's own profile (create, edit, export, delete),
confirmation by the academy, and messages relayed through the platform. Thin: queries
decide what is shown, operations what is written, access.can() who may."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from pan_platform.access import can
from pan_platform.catalogue import queries as catalogue_queries
from pan_platform.experts import operations, queries
from pan_platform.experts.forms import ContactForm, ProfileForm, ReplyForm
from pan_platform.experts.models import AVAILABILITY, ExpertProfile
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations.models import Country, Organisation
from pan_platform.web import confirm
from pan_platform.web.templating import country_name, language_name

bp = Blueprint("experts", __name__, template_folder="templates")


def _lang() -> str:
    return str(get_locale() or "en")


@bp.app_context_processor
def _helpers() -> dict:
    return {
        "EXPERT_AVAILABILITY": AVAILABILITY,
        "topic_label": queries.topic_label,
        "experts_matching": lambda q: queries.matching(current_user, q or "", _lang()),
        "unread_total": lambda: queries.unread_total(current_user),
        "contact_messages": lambda: queries.messages_for(current_user, limit=20),
        "address_revealed": operations.address_revealed,
    }


# -- the directory and the pages ------------------------------------------------------------

@bp.route("/experts")
def index():
    filters = queries.ExpertFilters.read(request.args)
    found = queries.directory(current_user, filters, _lang())
    names = {o.slug: o.display_name for o in db.session.scalars(
        select(Organisation).where(Organisation.slug.in_([slug for slug, _n in found.facets["organisation"]])))}
    return render_template("experts/index.html", directory=found, filters=filters, organisation_names=names,
                           mine=operations.own_profile(current_user))


@bp.route("/experts/<int:profile_id>")
def detail(profile_id: int):
    profile = queries.get_readable(current_user, profile_id)
    return render_template("experts/detail.html", profile=profile, text=profile.text(_lang()),
                           materials=queries.authored_items(current_user, profile))


@bp.route("/experts/<int:profile_id>/photo.jpg")
def photo(profile_id: int):
    profile = queries.get_readable(current_user, profile_id)
    data = operations.photo_bytes(profile)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# -- one's own profile ------------------------------------------------------------------------

def _partners() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "partner", Organisation.active.is_(True)).order_by(Organisation.name)
    ))


def _form(profile: ExpertProfile | None) -> ProfileForm:
    form = ProfileForm(obj=None if request.method == "POST" else _FormData(profile))
    countries = list(db.session.scalars(select(Country.code)))
    form.fill_choices(language_name, country_name, countries, queries.topic_choices(_lang()), _partners())
    form.remove_translations.choices = [(code, language_name(code)) for code in sorted((profile.translations or {}) if profile else {})]
    return form


class _FormData:
    """What the form shows: the stored profile, or for a new one the user's own details."""

    def __init__(self, profile: ExpertProfile | None) -> None:
        if profile is None:
            self.name = current_user.name
            self.country_code = current_user.organisation.country_code or ""
            self.language = _lang()
            self.visibility = "network"
            return
        for name in ("name", "headline", "bio", "training", "language", "areas", "topics", "languages_spoken",
                     "languages_taught", "availability", "shared_with"):
            setattr(self, name, getattr(profile, name))
        self.country_code = profile.country_code or ""
        self.visibility = profile.visibility if profile.visibility != "partners" else f"partners-{profile.partner_scope}"


def _upload() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read()


@bp.route("/account/expert-profile", methods=["GET", "POST"])
@login_required
def own():
    profile = operations.own_profile(current_user)
    if profile is None and not can(current_user, "create_expert_profile", current_user.organisation):
        abort(403)
    form = _form(profile)
    if form.validate_on_submit():
        try:
            if profile is None:
                profile = operations.create_profile(current_user, form.values(), form.consent.data, _upload())
            else:
                operations.update_profile(current_user, profile, form.values(), _upload(), form.remove_photo.data)
        except OperationError as error:
            for name, message in error.errors.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
            if not any(name in form for name in error.errors):
                flash_error(error)
        else:
            flash(_("Your expert profile is saved."), "success")
            return redirect(url_for(".detail", profile_id=profile.id))
    status = 200 if request.method == "GET" else 422
    return render_template("experts/form.html", form=form, profile=profile), status


@bp.route("/account/expert-profile/export")
@login_required
def export():
    profile = operations.own_profile(current_user)
    if profile is None:
        abort(404)
    body = json.dumps(operations.export_profile(current_user, profile), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="expert-profile.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/expert-profile/delete", methods=["POST"])
@login_required
def delete():
    profile = operations.own_profile(current_user)
    if profile is None:
        abort(404)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _("Delete your expert profile?"),
            _("Your profile disappears at once from the directory, the search and the API. "
              "Messages already exchanged stay in your messages."),
            _("Delete the profile"), fallback=url_for(".own"),
        )
    operations.delete_profile(current_user, profile)
    flash(_("Your expert profile is deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/experts/<int:profile_id>/confirm", methods=["POST"])
@login_required
def confirm_profile(profile_id: int):
    profile = queries.get_readable(current_user, profile_id)
    if not can(current_user, "confirm", profile):
        abort(403)
    operations.set_confirmed(current_user, profile, request.form.get("action") != "withdraw")
    flash(_("The profile is updated."), "success")
    return redirect(url_for(".detail", profile_id=profile.id))


# -- contact ------------------------------------------------------------------------------------

def _contact_page(form: ContactForm, heading: str, back: str, status: int = 200):
    return render_template("experts/contact.html", form=form, heading=heading, back=back), status


@bp.route("/experts/<int:profile_id>/contact", methods=["GET", "POST"])
@login_required
def contact(profile_id: int):
    profile = queries.get_readable(current_user, profile_id)  # hidden: the same 404 as the page
    if not can(current_user, "contact", profile):
        abort(403)
    form = ContactForm()
    back = url_for(".detail", profile_id=profile.id)
    if form.validate_on_submit():
        try:
            operations.contact_expert(current_user, profile, form.subject.data, form.body.data)
        except OperationError as error:
            flash_error(error)
            return _contact_page(form, _("Contact %(name)s", name=profile.name), back, error.status)
        flash(_("Your message is sent. Your e-mail address is not shown unless you receive an answer."), "success")
        return redirect(back)
    status = 200 if request.method == "GET" else 422
    return _contact_page(form, _("Contact %(name)s", name=profile.name), back, status)


@bp.route("/items/<int:item_id>/contact", methods=["GET", "POST"])
@login_required
def contact_owner(item_id: int):
    item = catalogue_queries.get_readable(current_user, item_id)  # hidden: the same 404 as the page
    if not can(current_user, "contact_owner", item):
        abort(403)
    form = ContactForm()
    back = url_for("catalogue.detail", item_id=item.id)
    heading = _("Contact %(organisation)s", organisation=item.owner.display_name)
    if form.validate_on_submit():
        try:
            operations.contact_owner(current_user, item, form.subject.data, form.body.data)
        except OperationError as error:
            flash_error(error)
            return _contact_page(form, heading, back, error.status)
        flash(_("Your message is sent. Your e-mail address is not shown unless you receive an answer."), "success")
        return redirect(back)
    status = 200 if request.method == "GET" else 422
    return _contact_page(form, heading, back, status)


# -- messages -----------------------------------------------------------------------------------

@bp.route("/messages")
@login_required
def messages():
    return render_template("experts/messages.html", rows=queries.messages_for(current_user))


@bp.route("/messages/<int:message_id>", methods=["GET", "POST"])
@login_required
def message(message_id: int):
    found = queries.get_message(current_user, message_id)
    form = ReplyForm()
    if request.method == "POST":
        if not can(current_user, "reply", found):
            abort(403)
        if form.validate_on_submit():
            try:
                operations.reply(current_user, found, form.body.data)
            except OperationError as error:
                flash_error(error)
                return render_template("experts/message.html", message=found, form=form), error.status
            flash(_("Your answer is sent."), "success")
            return redirect(url_for(".message", message_id=found.id))
        return render_template("experts/message.html", message=found, form=form), 422
    operations.mark_read(current_user, found)
    return render_template("experts/message.html", message=found, form=form)
