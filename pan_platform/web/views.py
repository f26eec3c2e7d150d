"""Home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from pan_platform.catalogue import queries

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template(
        "home.html",
        area_counts=queries.area_counts(current_user),
        total=queries.count_readable(current_user),
        recent=queries.recent(current_user),
    )
