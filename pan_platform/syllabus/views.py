"""Syllabus (page, print, PDF) and offline package of a curriculum or module.

Hidden, missing and non-syllabus items all answer 404, the same as the item page.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.syllabus import packages
from pan_platform.syllabus.outline import build_outline, syllabus_languages
from pan_platform.syllabus.render import choose_language, render_body, render_pdf

bp = Blueprint("syllabus", __name__)


def _item(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if not packages.packable(current_user, item):
        abort(404)
    return item


def _private(response):
    # What one viewer may read: never stored by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/items/<int:item_id>/syllabus")
def syllabus_page(item_id: int):
    item = _item(item_id)
    language = choose_language(item, request.args.get("lang"))
    outline = build_outline(current_user, item, language)
    return _private(make_response(render_template(
        "syllabus/syllabus.html", outline=outline, language=language, body=render_body(outline, language),
        languages_available=syllabus_languages(item),
    )))


@bp.route("/items/<int:item_id>/syllabus.pdf")
def syllabus_pdf(item_id: int):
    item = _item(item_id)
    language = choose_language(item, request.args.get("lang"))
    response = make_response(render_pdf(build_outline(current_user, item, language), language))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="syllabus-{item.id}-{language}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# Its own path: a path served by one rule per method answers 405, not 404, for an id no row
# can have (the GET rule's converter refuses it, then the POST rule matches all but the method).
@bp.post("/items/<int:item_id>/offline/request")
def request_offline(item_id: int):
    """Ask for the package: small ones are built now, bigger ones in the background."""
    item = _item(item_id)
    language = choose_language(item, request.form.get("lang"))
    package = packages.request_package(current_user, item, language)
    if package.status == "queued" and packages.is_small(build_outline(current_user, item, language)):
        packages.build_package(package.id)
        db.session.refresh(package)
    if package.status == "ready":
        return redirect(url_for("syllabus.offline_download", item_id=item.id, lang=language), code=303)
    return redirect(url_for("syllabus.offline_status", item_id=item.id, lang=language), code=303)


@bp.route("/items/<int:item_id>/offline")
def offline_status(item_id: int):
    item = _item(item_id)
    language = choose_language(item, request.args.get("lang"))
    package = packages.current_package(current_user, item, language)
    return _private(make_response(render_template(
        "syllabus/offline_status.html", item=item, text=item.localized(language), package=package,
        language=language, ready=packages.ready_package(current_user, item, language) is not None,
        failed=package is None and packages.last_attempt_failed(current_user, item, language),
    )))


@bp.route("/items/<int:item_id>/offline.zip")
def offline_download(item_id: int):
    item = _item(item_id)
    language = choose_language(item, request.args.get("lang"))
    package = packages.ready_package(current_user, item, language)
    if package is None:  # not built (or no longer current for these rights): the status page
        return redirect(url_for("syllabus.offline_status", item_id=item.id, lang=language))
    packages.record_package_download(current_user, package, build_outline(current_user, item, language))
    response = send_file(
        packages.package_path(package), mimetype="application/zip", as_attachment=True,
        download_name=f"offline-{item.id}-{language}.zip", max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _private(response)
