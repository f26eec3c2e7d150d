"""Error pages in the user's language that reveal nothing about what failed."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from pan_platform.api.errors import error_response
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you entered and try again.")),
        403: (_("Access denied"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("The page or item you asked for does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This action is not available here.")),
        413: (_("File too large"), _("The file is larger than the platform accepts. Please upload a smaller file.")),
        422: (_("Invalid data"), _("Some fields are missing or not valid.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again later.")),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, message: str | None = None):
    title, text = _messages().get(code, (_("Error"), _("The request could not be completed.")))
    if _wants_json():
        return jsonify({"error": {"status": code, "title": title, "message": message or text}}), code
    return render_template("errors/error.html", code=code, title=title, text=message or text, error_page=True), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, _("The form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: Flask builds no URLs for such a request, so the page
        # template (full of links) cannot be used; a plain answer names no host at all.
        if _wants_json():
            return render_error(400)
        title, text = _messages()[400]
        return Response(f"{title}\n\n{text}\n", 400, mimetype="text/plain")

    @app.errorhandler(OperationError)
    def _refused(error: OperationError):
        # A refused operation no view caught: it changed nothing (see pan_platform/operations.py);
        # its message is shown in the same page or JSON body as any other error.
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if request.path.startswith("/api/v1/"):
            # An address no API route matches (an unknown path, an id no row can have):
            # the API's own error body, the same as its views give for a missing item.

            return error_response(error.code or 500)
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(InternalServerError.code)
