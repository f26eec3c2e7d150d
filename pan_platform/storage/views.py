"""Authorised downloads of stored file versions, and their preview images."""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file, url_for
from flask_login import current_user

from pan_platform.access import can
from pan_platform.extensions import db
from pan_platform.sharing.markings import apply_marking, marking_headers, record_download
from pan_platform.storage import previews, store
from pan_platform.storage.models import FileVersion

bp = Blueprint("storage", __name__)


@bp.route("/files/<int:version_id>/download")
def download(version_id: int):
    version = db.session.get(FileVersion, version_id)
    # Hidden and missing give the same 404.
    if version is None or not can(current_user, "download", version.item):
        abort(404)
    path = store.path_for(version.sha256)
    if not path.is_file():
        abort(404)
    record_download(current_user, version)
    response = send_file(
        apply_marking(version, path),
        mimetype=version.mime_type,
        as_attachment=True,
        download_name=version.original_name,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers.update(marking_headers(version))
    return response


def _send_image(path) -> Response:
    response = send_file(path, mimetype="image/webp", conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Revalidated on every view: access may end, and the route asks can() each time.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/files/<int:version_id>/thumbnail")
def thumbnail(version_id: int):
    path = previews.servable(current_user, version_id, previews.THUMBNAIL)
    if path is None:  # hidden, missing and not (yet) made give the same 404
        abort(404)
    return _send_image(path)


@bp.route("/files/<int:version_id>/pages/<int:number>")
def page_image(version_id: int, number: int):
    path = previews.servable(current_user, version_id, previews.page_path(version_id, number).name)
    if path is None:
        abort(404)
    return _send_image(path)


# A generic picture per resource type: what readers who may not download see instead.
TYPE_ICONS = {"slide-deck": "slides", "video": "video", "e-learning": "file"}


@bp.app_context_processor
def _preview_helpers() -> dict:
    return {
        "preview_of": lambda item: previews.shown_preview(current_user, item),
        "file_previews_of": lambda item: previews.shown_file_previews(current_user, item),
        "type_icon": lambda item: url_for(
            "static", filename=f"icons/{TYPE_ICONS.get(item.resource_type or '', 'document')}.svg"),
    }
