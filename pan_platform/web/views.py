"""Home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from pan_platform.catalogue import queries

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    figures = queries.home_figures(current_user)
    return render_template(
        "home.html",
        area_counts=figures.area_counts,
        total=figures.total,
        recent=queries.recent(current_user),
    )
