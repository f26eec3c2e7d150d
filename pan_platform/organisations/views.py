"""Organisation directory and profile pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from pan_platform.catalogue import queries
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations import applications
from pan_platform.organisations.forms import ApplicationForm
from pan_platform.organisations.models import ORGANISATION_KINDS, Country, Organisation

bp = Blueprint("organisations", __name__, template_folder="templates")


@bp.route("/organisations")
def index():
    kind = request.args.get("kind")
    stmt = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    if kind in ORGANISATION_KINDS:
        stmt = stmt.where(Organisation.kind == kind)
    return render_template("organisations/index.html", organisations=db.session.scalars(stmt).all(), kind=kind)


@bp.route("/organisations/<slug>")
def detail(slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not organisation.active:
        abort(404)
    items = db.session.scalars(
        queries.published_readable(current_user)
        .where(Item.owner_id == organisation.id, Item.parent_id.is_(None))
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(50)
    ).all()
    return render_template("organisations/detail.html", organisation=organisation, items=items)


@bp.route("/organisations/apply", methods=["GET", "POST"])
def apply():
    """An academy or partner organisation applies to join the network."""
    form = ApplicationForm()
    countries = sorted(db.session.scalars(select(Country)), key=lambda c: c.name)
    form.country.choices = [("", "—")] + [(c.code, c.name) for c in countries]
    if form.validate_on_submit():
        try:
            applications.submit(
                form.name.data, form.kind.data, form.country.data or None, form.contact_name.data,
                form.contact_email.data, website=form.website.data, message=form.message.data,
                locale=str(get_locale()),
            )
        except applications.ApplicationError as error:
            form.country.errors = [*form.country.errors, str(error)]
        else:
            flash(_("Thank you. The secretariat will review your application and write to the contact address."), "success")
            return redirect(url_for("main.home"))
    return render_template("organisations/apply.html", form=form)
