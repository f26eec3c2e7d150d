"""The application factory: settings, extensions, blueprints, commands and request hooks."""

from __future__ import annotations

import logging

from flask import Flask, g

from config import load_config
from pan_platform import api, cli, models, pipeline, scheduler  # noqa: F401  (models: every table known to Alembic and create_all)
from pan_platform.accounts.auth import load_user
from pan_platform.accounts.views import bp as accounts_bp
from pan_platform.admin import cli as admin_cli  # noqa: F401  (feature commands join the `pan` group)
from pan_platform.admin.views import bp as admin_bp
from pan_platform.alerts import cli as alerts_cli  # noqa: F401
from pan_platform.alerts.views import bp as alerts_bp
from pan_platform.catalogue import cli as catalogue_cli  # noqa: F401
from pan_platform.catalogue.editor_views import bp as editor_bp
from pan_platform.catalogue.translation_views import bp as translations_bp
from pan_platform.catalogue.views import bp as catalogue_bp
from pan_platform.collections.views import bp as collections_bp
from pan_platform.countries.views import bp as countries_bp
from pan_platform.events.views import bp as events_bp
from pan_platform.experts.views import bp as experts_bp
from pan_platform.extensions import babel, csrf, db, login_manager, migrate
from pan_platform.history.views import bp as history_bp
from pan_platform.i18n import select_locale
from pan_platform.organisations.views import bp as organisations_bp
from pan_platform.overview.views import bp as overview_bp
from pan_platform.search import cli as search_cli  # noqa: F401
from pan_platform.search.views import bp as search_bp
from pan_platform.sharing import cli as sharing_cli  # noqa: F401
from pan_platform.sharing.views import bp as sharing_bp
from pan_platform.storage.views import bp as storage_bp
from pan_platform.syllabus.views import bp as syllabus_bp
from pan_platform.thesaurus import cli as thesaurus_cli  # noqa: F401
from pan_platform.web import caching, errors, page_cache, security, templating
from pan_platform.web.health import bp as health_bp
from pan_platform.web.ids import IdConverter
from pan_platform.web.language import LanguagePrefixMiddleware
from pan_platform.web.views import bp as main_bp

BLUEPRINTS = (main_bp, accounts_bp, catalogue_bp, translations_bp, organisations_bp, editor_bp, storage_bp, search_bp,
              sharing_bp, admin_bp, health_bp, syllabus_bp, history_bp, events_bp, countries_bp, experts_bp,
              collections_bp, alerts_bp, overview_bp)


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    app = Flask("pan_platform", instance_path=config["INSTANCE_DIR"])
    app.config.update(config)
    # Before any route is added: every `<int:...>` id is bounded to what a row can have.
    app.url_map.converters["int"] = IdConverter
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    _init_extensions(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    api.register(app)  # REST API, OAI-PMH, feeds, sitemap
    app.cli.add_command(cli.pan)
    errors.register(app)
    templating.register(app)
    app.wsgi_app = LanguagePrefixMiddleware(app.wsgi_app, app.config["PAN_LANGUAGES"])
    security.register(app)  # after the language prefix: ProxyFix must wrap everything
    caching.register(app)  # its after_request runs before the security headers are added
    page_cache.register(app)  # its after_request runs before caching's
    # Periodic jobs run in `flask pan worker`; in-process only when configured (`make run`).
    if app.config["PAN_INPROCESS_SCHEDULER"]:
        scheduler.start_in_process(app)
    return app


def _init_extensions(app: Flask) -> None:
    pipeline.install()  # what runs after every flush, commit and rollback
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.user_loader(load_user)
    # First hook of every request: the user Flask-Login caches on `g` belongs to one request.
    # `g` lives in the application context, which a script or test may push once around
    # many requests; a bearer-token user must never carry over to the next request.
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)


def _forget_cached_user() -> None:
    g.pop("_login_user", None)
