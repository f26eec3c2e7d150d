"""The one JSON error format of the API: {"error": {"status", "title", "message"}}."""

from __future__ import annotations

from flask import jsonify

from pan_platform.i18n import _


class ApiError(Exception):
    """Raised by API views; rendered as the JSON error body with its status."""

    def __init__(
        self, status: int, message: str | None = None, headers: dict | None = None, details=None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.details = details


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Not authenticated"), _("The API token is missing, unknown, expired or revoked.")),
        403: (_("Access denied"), _("You do not have permission to do this.")),
        404: (_("Not found"), _("The resource does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This method is not available here.")),
        413: (_("File too large"), _("The file is larger than the platform accepts.")),
        415: (_("Unsupported media type"), _("Send the request body as JSON.")),
        422: (_("Invalid data"), _("Some fields are missing or not valid.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error occurred. It has been logged.")),
    }


def error_response(status: int, message: str | None = None, headers: dict | None = None, details=None):
    title, text = _titles().get(status, (_("Error"), _("The request could not be completed.")))
    body: dict = {"status": status, "title": title, "message": message or text}
    if details:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
