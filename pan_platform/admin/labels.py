"""Priority-area labels: the catalogue's translated label, unless the secretariat overrode it.

Overrides are read once per request (a small table), so every worker shows a change at
its next request.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from pan_platform.admin.models import LabelOverride
from pan_platform.audit.models import record
from pan_platform.extensions import db
from pan_platform.util import utcnow

AREAS = "priority_area"
COMMAND_CACHE_SECONDS = 10
log = logging.getLogger(__name__)


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


def _overrides() -> dict[tuple[str, str], str]:
    """Cached for one request (keyed by it: an app context may outlive several requests), or
    for a few seconds in commands (a reindex asks for labels thousands of times)."""
    if has_request_context():
        owner = id(request._get_current_object())
    else:
        owner = ("command", int(time.monotonic() // COMMAND_CACHE_SECONDS))
    cached = g.get("pan_label_overrides")
    if cached is None or cached[0] != owner:
        cached = g.pan_label_overrides = (owner, _read_overrides())
    return cached[1]


def override_for(code: str, language: str | None = None) -> str | None:
    if not has_app_context():
        return None
    try:
        language = language or str(get_locale() or "en")
    except RuntimeError:
        language = current_app.config["PAN_LANGUAGES"][0]
    return _overrides().get((code, language))


def area_label(code: str, language: str) -> str:
    """The label shown for `code` in `language` (override, else the catalogue's translation)."""
    override = _overrides().get((code, language))
    return override or catalogue_label(code, language)


def catalogue_label(code: str, language: str) -> str:
    """The catalogue's own translation, ignoring overrides."""
    from pan_platform.catalogue.vocabularies import PRIORITY_AREA_ORIGINALS

    with force_locale(language):
        return str(PRIORITY_AREA_ORIGINALS.get(code, code))


def save(actor, values: dict[tuple[str, str], str]) -> int:
    """Store the submitted labels: an empty value or the catalogue's own label removes the override."""
    existing = {
        (row.code, row.language): row
        for row in db.session.scalars(select(LabelOverride).where(LabelOverride.vocabulary == AREAS))
    }
    changed, codes = 0, set()
    for (code, language), text in values.items():
        text = (text or "").strip()[:200]
        row = existing.get((code, language))
        if not text or text == catalogue_label(code, language):
            if row is not None:
                db.session.delete(row)
                changed += 1
                codes.add(code)
        elif row is None:
            db.session.add(LabelOverride(vocabulary=AREAS, code=code, language=language, label=text,
                                         updated_by_id=actor.id))
            changed += 1
            codes.add(code)
        elif row.label != text:
            row.label, row.updated_at, row.updated_by_id = text, utcnow(), actor.id
            changed += 1
            codes.add(code)
    if changed:
        record("taxonomy.labels", actor, changed=changed)
    db.session.commit()
    g.pop("pan_label_overrides", None)
    if codes:
        _reindex_tagged(codes)
    return changed


def _reindex_tagged(codes: set[str]) -> None:
    """The search index holds every item's area labels: re-index the items tagged with
    a changed area, in the background (thousands of items may carry one area)."""
    from pan_platform.admin import index_health
    from pan_platform.catalogue.models import ItemArea

    ids = sorted(set(db.session.scalars(select(ItemArea.item_id).where(ItemArea.area_code.in_(sorted(codes))))))
    index_health.reindex_in_background(ids)
