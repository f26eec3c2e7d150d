"""Secretariat-maintained overrides of taxonomy labels, per language: the table and its reading.

The catalogue's vocabularies read overrides here; the console (admin/labels.py) writes them.
Overrides are read once per request (a small table), so every worker shows a change at
its next request.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.extensions import db
from pan_platform.util import utcnow

AREAS = "priority_area"
COMMAND_CACHE_SECONDS = 10
CACHE_KEY = "pan_label_overrides"
log = logging.getLogger(__name__)


class LabelOverride(db.Model):
    """When a row exists for (vocabulary, code, language), its label replaces the catalogue's."""

    __tablename__ = "label_overrides"
    __table_args__ = (UniqueConstraint("vocabulary", "code", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def _read_overrides() -> dict[tuple[str, str], str]:
    # Its own connection: never touches (or, on an error, rolls back) the caller's session.
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(LabelOverride.code, LabelOverride.language, LabelOverride.label).where(
                    LabelOverride.vocabulary == AREAS
                )
            )
            return {(code, lang): text for code, lang, text in rows}
    except SQLAlchemyError:  # a database without this table yet (before migrating)
        log.warning("label overrides unavailable", exc_info=True)
        return {}


def overrides() -> dict[tuple[str, str], str]:
    """Cached for one request (keyed by it: an app context may outlive several requests), or
    for a few seconds in commands (a reindex asks for labels thousands of times)."""
    if has_request_context():
        owner = id(request._get_current_object())
    else:
        owner = ("command", int(time.monotonic() // COMMAND_CACHE_SECONDS))
    cached = g.get(CACHE_KEY)
    if cached is None or cached[0] != owner:
        cached = (owner, _read_overrides())
        setattr(g, CACHE_KEY, cached)
    return cached[1]


def forget_cached() -> None:
    """After a change: the next read in this request sees it."""
    g.pop(CACHE_KEY, None)


def override_for(code: str, language: str | None = None) -> str | None:
    if not has_app_context():
        return None
    try:
        language = language or str(get_locale() or "en")
    except RuntimeError:
        language = current_app.config["PAN_LANGUAGES"][0]
    return overrides().get((code, language))
