"""Authorised downloads of stored file versions."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from flask_login import current_user

from pan_platform.access import can
from pan_platform.extensions import db
from pan_platform.sharing.markings import apply_marking, marking_headers, record_download
from pan_platform.storage import store
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
