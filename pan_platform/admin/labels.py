"""The console's label editor: stores the secretariat's overrides of priority-area labels.

Reading them is the catalogue's (catalogue/overrides.py, catalogue/vocabularies.py).
"""

from __future__ import annotations

from sqlalchemy import select

from pan_platform.admin import index_health
from pan_platform.audit.models import record
from pan_platform.catalogue.models import ItemArea
from pan_platform.catalogue.overrides import AREAS, LabelOverride, forget_cached
from pan_platform.catalogue.vocabularies import catalogue_label
from pan_platform.extensions import db
from pan_platform.util import utcnow


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
    forget_cached()
    if codes:
        _reindex_tagged(codes)
    return changed


def _reindex_tagged(codes: set[str]) -> None:
    """The search index holds every item's area labels: re-index the items tagged with
    a changed area, in the background (thousands of items may carry one area)."""
    ids = sorted(set(db.session.scalars(select(ItemArea.item_id).where(ItemArea.area_code.in_(sorted(codes))))))
    index_health.reindex_in_background(ids)
