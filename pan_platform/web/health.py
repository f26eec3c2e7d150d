"""/healthz: is the database answering, the file store writable, the search index reachable?"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from pan_platform.admin import index_health
from pan_platform.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 (any failure means unhealthy; details go to the log only)
        log.exception("health: database")
        db.session.rollback()
        return "error"


def _storage() -> str:
    try:
        base = Path(current_app.config["PAN_STORAGE_DIR"])
        base.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=base, prefix=".health-")
        os.close(fd)
        os.unlink(name)
        return "ok"
    except OSError:
        log.exception("health: storage")
        return "error"


def _index() -> str:
    try:
        status = index_health.reachable()
    except Exception:  # noqa: BLE001 (any failure means unhealthy; details go to the log only)
        log.exception("health: index")
        return "error"
    return status


@bp.route("/healthz")
def healthz():
    checks = {"database": _database(), "storage": _storage(), "index": _index()}
    # An index not built yet is healthy: the search package builds it on first use.
    healthy = all(value in ("ok", "not configured", "not built") for value in checks.values())
    return jsonify({"status": "ok" if healthy else "error", "checks": checks}), 200 if healthy else 503
