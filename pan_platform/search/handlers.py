"""Keep the index fresh: every committed change to an item reaches the index.

SQLAlchemy session events, so no operation can forget: after each flush the ids of
changed items (and of items whose shares, translations, files, areas, languages or
reader labels changed) are collected; after the commit they and their descendants are
re-indexed; after a rollback they are dropped. The database change stands whatever
happens to the index: a failed index write queues the ids for retry.
"""

from __future__ import annotations

import logging
import threading
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

IDS_KEY = "pan_search_ids"
ORGS_KEY = "pan_search_orgs"


def _tracked_types() -> tuple[type, ...]:
    from pan_platform.catalogue.models import ItemArea, ItemLanguage, ItemTranslation
    from pan_platform.sharing.models import ItemReader, ItemShare
    from pan_platform.storage.models import FileVersion

    return (ItemShare, ItemTranslation, FileVersion, ItemArea, ItemLanguage, ItemReader)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, flush_context) -> None:
    from pan_platform.catalogue.models import Item
    from pan_platform.organisations.models import Organisation

    tracked = _tracked_types()
    ids = session.info.setdefault(IDS_KEY, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Item):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, tracked):
            if obj.item_id is not None:
                ids.add(obj.item_id)
        elif isinstance(obj, Organisation) and obj in session.dirty and obj.id is not None:
            # Name or country of an academy: facets of all its items.
            session.info.setdefault(ORGS_KEY, set()).add(obj.id)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop(IDS_KEY, set())
    orgs = session.info.pop(ORGS_KEY, set())
    if not (ids or orgs) or not has_app_context():
        return
    app = current_app._get_current_object()
    if app.config.get("PAN_SEARCH_SYNC", True):
        _update(ids, orgs)
    else:
        # Off the request: the response does not wait for the index.
        def run() -> None:
            with app.app_context():
                _update(ids, orgs)

        threading.Thread(target=run, name="pan-search-index", daemon=True).start()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(IDS_KEY, None)
    session.info.pop(ORGS_KEY, None)


def _update(ids: set[int], orgs: set[int]) -> None:
    from pan_platform import search

    try:
        search.index_items(ids, with_descendants=True, owners=orgs)
    except Exception:  # never let the index undo or hide a committed change
        log.exception("search index update failed; ids queued for retry")
