"""Collection pages: my collections, one collection (its shared link), and the owner's
changes (add, move up or down, note, remove, settings, delete). Thin: queries decide what
is shown, operations what is written, access.can() who may. Every change is a plain form
POST, so ordering works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pan_platform.access import can
from pan_platform.accounts.auth import safe_next
from pan_platform.catalogue.queries import get_readable as get_readable_item
from pan_platform.collections import operations, queries
from pan_platform.collections.models import COLLECTION_VISIBILITIES, Collection
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error, transaction
from pan_platform.web import confirm
from pan_platform.web.ids import parse_id

bp = Blueprint("collections", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    return {"COLLECTION_VISIBILITIES": COLLECTION_VISIBILITIES}


def _values() -> dict:
    return {name: request.form.get(name, "") for name in ("title", "description", "visibility")}


def _detail(collection: Collection):
    return redirect(url_for("collections.detail", collection_id=collection.id), 303)


def _item_id() -> int | None:
    return parse_id(request.form.get("item_id"))


@bp.route("/collections")
@login_required
def index():
    mine = queries.mine(current_user)
    shared = queries.shared_with(current_user)
    return render_template("collections/index.html", mine=mine, shared=shared,
                           counts=queries.readable_counts(current_user, mine + shared))


@bp.route("/collections", methods=["POST"])
@login_required
def create():
    try:
        collection = operations.create_collection(current_user, _values())
    except OperationError as error:
        flash_error(error)
        mine = queries.mine(current_user)
        shared = queries.shared_with(current_user)
        return render_template("collections/index.html", mine=mine, shared=shared, values=_values(),
                               counts=queries.readable_counts(current_user, mine + shared)), 422
    flash(_("The collection is made."), "success")
    return _detail(collection)


@bp.route("/collections/<int:collection_id>")
def detail(collection_id: int):
    collection = queries.get_readable(current_user, collection_id)
    return render_template(
        "collections/detail.html", collection=collection, shown=queries.shown_entries(current_user, collection),
        editable=can(current_user, "edit", collection),
        share_url=url_for("collections.detail", collection_id=collection.id, _external=True),
    )


@bp.route("/collections/<int:collection_id>/settings", methods=["POST"])
@login_required
def settings(collection_id: int):
    collection = queries.get_editable(current_user, collection_id)
    try:
        operations.update_collection(current_user, collection, _values())
    except OperationError as error:
        flash_error(error)
        return _detail(collection)
    flash(_("The collection is saved."), "success")
    return _detail(collection)


@bp.route("/collections/<int:collection_id>/delete", methods=["POST"])
@login_required
def delete(collection_id: int):
    collection = queries.get_editable(current_user, collection_id)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _("Delete the collection “%(title)s”?", title=collection.title),
            _("The collection and its notes are deleted; the items themselves stay in the catalogue. "
              "Its link stops working for everyone it was shared with."),
            _("Delete the collection"),
            fallback=url_for("collections.detail", collection_id=collection.id),
        )
    operations.delete_collection(current_user, collection)
    flash(_("The collection is deleted."), "success")
    return redirect(url_for("collections.index"), 303)


@bp.route("/collections/<int:collection_id>/items/<int:item_id>/<action>", methods=["POST"])
@login_required
def change_item(collection_id: int, item_id: int, action: str):
    collection = queries.get_editable(current_user, collection_id)
    try:
        if action == "up" or action == "down":
            operations.move_item(current_user, collection, item_id, action)
        elif action == "note":
            operations.set_note(current_user, collection, item_id, request.form.get("note", ""))
            flash(_("The note is saved."), "success")
        elif action == "remove":
            operations.remove_item(current_user, collection, item_id)
            flash(_("The item is taken out of the collection."), "success")
        else:
            abort(404)
    except OperationError as error:
        flash_error(error)
    return redirect(url_for("collections.detail", collection_id=collection.id, _anchor=f"entry-{item_id}"), 303)


@bp.route("/collections/<int:collection_id>/order", methods=["POST"])
@login_required
def reorder(collection_id: int):
    """A new order from dragging (collection-order.js): item ids separated by commas."""
    collection = queries.get_editable(current_user, collection_id)
    parts = request.form.get("order", "").split(",")[: operations.MAX_ENTRIES]
    item_ids = [number for number in map(parse_id, parts) if number is not None]
    operations.reorder(current_user, collection, item_ids)
    return redirect(url_for("collections.detail", collection_id=collection.id), 303)


@bp.route("/collections/add")
@login_required
def choose():
    """Which collection: one of mine, or a new one (the item's page and search results link here)."""
    item_id = parse_id(request.args.get("item_id"))
    if item_id is None:
        abort(404)
    item = get_readable_item(current_user, item_id)
    back = safe_next(request.args.get("next"), url_for("catalogue.detail", item_id=item.id))
    return render_template("collections/choose.html", item=item, mine=queries.mine(current_user),
                           holding=queries.containing(current_user, item.id), back=back)


@bp.route("/collections/add", methods=["POST"])
@login_required
def add():
    """From an item's page or a search result: into one of my collections, or a new one."""
    item_id = _item_id()
    back = safe_next(request.form.get("next"), url_for("collections.index"))
    if item_id is None:
        flash(_("Please choose an item."), "error")
        return redirect(back, 303)
    item = get_readable_item(current_user, item_id)  # 404 for a hidden item, as for a missing one
    chosen = request.form.get("collection_id", "")
    new_title = request.form.get("new_title", "").strip()
    try:
        with transaction():
            if new_title:
                collection = operations.create_collection(current_user, {"title": new_title, "visibility": "private"})
            elif parse_id(chosen) is not None:
                collection = queries.get_editable(current_user, parse_id(chosen))
            else:
                flash(_("Please choose a collection or name a new one."), "error")
                return redirect(back, 303)
            operations.add_item(current_user, collection, item, request.form.get("note", ""))
    except OperationError as error:
        flash_error(error)
        return redirect(back, 303)
    flash(_("Added to the collection “%(title)s”.", title=collection.title), "success")
    return redirect(back, 303)
