"""Organisation directory and profile pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from pan_platform.catalogue import queries
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import ORGANISATION_KINDS, Organisation

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
