"""Country index, profile pages and the profile's writing and review. Thin: queries decide
what is shown, operations what is written, access.can() who may."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from pan_platform.access import can
from pan_platform.catalogue.vocabularies import CONTENT_LANGUAGES
from pan_platform.countries import operations, queries
from pan_platform.countries.models import PROFILE_STATES
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error

bp = Blueprint("countries", __name__)

GROUPS = ("participating", "partner")


@bp.app_context_processor
def _helpers() -> dict:
    return {"PROFILE_STATES": PROFILE_STATES}


def _lang() -> str:
    return str(get_locale() or "en")


def _by_name(countries):
    return sorted(countries, key=lambda c: c.name)


@bp.route("/countries")
def index():
    countries = queries.all_countries()
    reviewer = bool(countries) and can(current_user, "review_profile", countries[0])
    return render_template(
        "countries/index.html",
        groups=[(kind, _by_name(c for c in countries if c.kind == kind)) for kind in GROUPS],
        counts=queries.country_counts(current_user), academies=queries.academy_counts(),
        published=queries.published_codes(), waiting=queries.waiting_for_review() if reviewer else [],
    )


@bp.route("/countries/<code>")
def profile(code: str):
    country = queries.get_country(code)
    published = operations.published_version(country)
    pending = operations.open_version(country) if can(current_user, "view_profile_history", country) else None
    counts = queries.country_counts(current_user)
    return render_template(
        "countries/profile.html", country=country, published=published, pending=pending,
        description=published.description_in(_lang()) if published else None,
        organisations=queries.organisations(country), area_counts=counts.of(country.code),
        total=counts.totals.get(country.code, 0),
        events=queries.events(current_user, country), reuse=queries.reuse(current_user, country),
    )


def _form_values() -> dict:
    form = request.form
    return {
        "language": form.get("language", ""),
        "descriptions": {code: form.get(f"description_{code}", "") for code in current_app.config["PAN_LANGUAGES"]},
        "languages": form.getlist("languages"),
        "contacts": form.get("contacts", ""),
    }


def _stored_values(country) -> dict:
    version = operations.open_version(country) or operations.published_version(country)
    if version is None:
        return {"language": _lang(), "descriptions": {}, "languages": [], "contacts": ""}
    return {"language": version.language, "descriptions": dict(version.descriptions or {}),
            "languages": list(version.languages or []), "contacts": version.contacts or ""}


@bp.route("/countries/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str):
    country = queries.get_country(code)
    if not can(current_user, "edit_profile", country):
        abort(403)
    pending = operations.open_version(country)
    errors: dict[str, str] = {}
    values = _stored_values(country)
    if request.method == "POST":
        values = _form_values()
        try:
            operations.save_draft(current_user, country, values, current_app.config["PAN_LANGUAGES"])
            if request.form.get("action") == "submit":
                operations.submit(current_user, country)
                flash(_("The profile is submitted to the secretariat for review."), "success")
            else:
                flash(_("The draft is saved."), "success")
        except OperationError as error:
            errors = error.errors
            if not errors:
                flash_error(error)
        else:
            return redirect(url_for("countries.profile", code=country.code))
    status = 200 if request.method == "GET" else 422
    return render_template(
        "countries/edit.html", country=country, values=values, errors=errors, pending=pending,
        content_languages=list(dict.fromkeys(CONTENT_LANGUAGES)),
    ), status


def _decided(country, done: str):
    flash(done, "success")
    return redirect(url_for("countries.profile", code=country.code))


def _refused(country, error: OperationError):
    flash_error(error)
    return redirect(url_for("countries.profile", code=country.code)), 303


def _decide(code: str, action: str, step, done: str):
    """One step of the review (submit, publish, send back): asked of the permission module,
    done by the operation, then back to the profile with a message."""
    country = queries.get_country(code)
    if not can(current_user, action, country):
        abort(403)
    try:
        step(country)
    except OperationError as error:
        return _refused(country, error)
    return _decided(country, done)


@bp.route("/countries/<code>/submit", methods=["POST"])
@login_required
def submit(code: str):
    return _decide(code, "submit_profile", lambda country: operations.submit(current_user, country),
                   _("The profile is submitted to the secretariat for review."))


@bp.route("/countries/<code>/publish", methods=["POST"])
@login_required
def publish(code: str):
    return _decide(code, "review_profile", lambda country: operations.publish(current_user, country),
                   _("The profile is published."))


@bp.route("/countries/<code>/send-back", methods=["POST"])
@login_required
def send_back(code: str):
    comment = request.form.get("comment", "")
    return _decide(code, "review_profile", lambda country: operations.send_back(current_user, country, comment),
                   _("The profile is sent back to the country's academies with your comment."))


@bp.route("/countries/<code>/history")
@login_required
def history(code: str):
    country = queries.get_country(code)
    if not can(current_user, "view_profile_history", country):
        abort(403)
    return render_template("countries/history.html", country=country, versions=queries.history(country))


@bp.route("/countries/<code>/history/<int:number>")
@login_required
def version(code: str, number: int):
    country = queries.get_country(code)
    if not can(current_user, "view_profile_history", country):
        abort(403)
    return render_template("countries/version.html", country=country, version=queries.version_of(country, number))
