"""Saved searches (save from the search page, list, change, delete, open), the one-click
unsubscribe link of the digests, and the personal start page. Thin: operations write,
queries and the access module decide what is shown."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from pan_platform.access import can
from pan_platform.alerts import operations, start
from pan_platform.alerts.models import FREQUENCIES, SavedSearch
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error
from pan_platform.web import confirm

bp = Blueprint("alerts", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    return {"FREQUENCIES": FREQUENCIES}


def _lang() -> str:
    return str(get_locale() or "en")


def _mine(saved_id: int) -> SavedSearch:
    """The person's own saved search; 404 for any other, exactly as for a missing one."""
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != current_user.id or not can(current_user, "edit", saved):
        abort(404)
    return saved


def search_args(saved: SavedSearch) -> dict:
    """The search page's address arguments of a saved search (newest first)."""
    args: dict = {name: list(values) for name, values in operations.filters_of(saved).items()}
    if saved.query:
        args["q"] = saved.query
    args["sort"] = "date"
    return args


@bp.app_template_global()
def saved_search_url(saved: SavedSearch) -> str:
    return url_for("alerts.open_saved", saved_id=saved.id)


@bp.route("/start")
@login_required
def start_page():
    return render_template("alerts/start.html", overview=start.overview(current_user, _lang()))


@bp.route("/saved-searches")
@login_required
def index():
    rows = [start.SavedRow(saved, start.new_match_count(current_user, saved, _lang()))
            for saved in start.saved_searches(current_user)]
    return render_template("alerts/index.html", rows=rows, limit=start.MATCH_LIMIT)


@bp.route("/saved-searches", methods=["POST"])
@login_required
def save():
    """From the search page: its q and filters come as hidden fields."""
    form = request.form
    args = MultiDict([(k, v) for k, v in form.items(multi=True) if k not in ("csrf_token", "name", "frequency")])
    try:
        operations.save_search(current_user, args, form.get("name", ""), form.get("frequency", "weekly"))
    except OperationError as error:
        flash_error(error)
        return redirect(url_for("search.search_page", **args.to_dict(flat=False)), 303)
    flash(_("The search is saved. Find it on your start page and under “Saved searches”."), "success")
    return redirect(url_for("alerts.index"), 303)


@bp.route("/saved-searches/<int:saved_id>", methods=["POST"])
@login_required
def update(saved_id: int):
    saved = _mine(saved_id)
    try:
        operations.update_saved_search(current_user, saved, request.form.get("name", ""), request.form.get("frequency", ""))
    except OperationError as error:
        flash_error(error)
        return redirect(url_for("alerts.index"), 303)
    flash(_("The saved search is changed."), "success")
    return redirect(url_for("alerts.index"), 303)


@bp.route("/saved-searches/<int:saved_id>/delete", methods=["POST"])
@login_required
def delete(saved_id: int):
    saved = _mine(saved_id)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _("Delete the saved search “%(name)s”?", name=saved.name),
            _("Its e-mails stop; the items it found stay in the catalogue."),
            _("Delete the saved search"),
            fallback=url_for("alerts.index"),
        )
    operations.delete_saved_search(current_user, saved)
    flash(_("The saved search is deleted."), "success")
    return redirect(url_for("alerts.index"), 303)


@bp.route("/saved-searches/<int:saved_id>/open")
@login_required
def open_saved(saved_id: int):
    """Show the results (newest first); the new matches count from now on."""
    saved = _mine(saved_id)
    operations.mark_seen(current_user, saved)
    return redirect(url_for("search.search_page", **search_args(saved)))


@bp.route("/unsubscribe/<token>")
def unsubscribe(token: str):
    """One click from the e-mail, signed in or not: the signed token names the search."""
    saved = operations.saved_search_for_token(token[:300])
    if saved is None:
        return render_template("alerts/unsubscribe.html", saved=None), 404
    operations.unsubscribe(saved)
    return render_template("alerts/unsubscribe.html", saved=saved, token=token)


@bp.route("/unsubscribe/<token>", methods=["POST"])
def resubscribe(token: str):
    saved = operations.saved_search_for_token(token[:300])
    if saved is None:
        return render_template("alerts/unsubscribe.html", saved=None), 404
    try:
        operations.resubscribe(saved, request.form.get("frequency", ""))
    except OperationError as error:
        flash_error(error)
        return render_template("alerts/unsubscribe.html", saved=saved, token=token), 422
    return render_template("alerts/unsubscribe.html", saved=saved, token=token, resubscribed=True)
