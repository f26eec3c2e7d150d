"""Open interfaces: REST API v1 with its OpenAPI document, OAI-PMH, Atom feeds, sitemap."""

from __future__ import annotations

from flask import Flask

# `models`: tables known to create_all and Alembic; `writes`, `events` and `experts` add routes to v1.
from pan_platform.api import events, experts, feeds, models, oai, sitemap, v1, writes  # noqa: F401
from pan_platform.api.auth import load_user_from_request
from pan_platform.api.limits import make_limiter
from pan_platform.extensions import csrf, login_manager


def register(app: Flask) -> None:
    """Blueprints, the bearer-token request loader, CSRF exemptions and defaults."""
    # Token-authenticated, cookie-less writes (API) and form-encoded POST harvests (OAI-PMH)
    # carry no CSRF token; a session cookie never authorises an API write (see api/auth.py).
    app.extensions["pan_rate_limiter"] = make_limiter(app.config)
    csrf.exempt(v1.bp)
    csrf.exempt(oai.bp)
    login_manager.request_loader(load_user_from_request)
    for blueprint in (v1.bp, oai.bp, feeds.bp, sitemap.bp):
        app.register_blueprint(blueprint)
