"""Keep the index fresh: every committed change to an item reaches the index.

Run by the pipeline (`pan_platform/pipeline.py`) at every flush, commit and rollback, so
no operation can forget: after each flush the ids of changed items (and of items whose
shares, handling policy, translations, files, areas, languages or reader labels changed)
are collected; after the commit they and their descendants are re-indexed; after a
rollback they are dropped. The database change stands whatever happens to the index: a
failed index write queues the ids for retry.
"""

from __future__ import annotations

import logging
import threading
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from pan_platform import search
from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage, ItemTranslation
from pan_platform.organisations.models import Organisation
from pan_platform.sharing.models import ItemPolicy, ItemReader, ItemShare
from pan_platform.storage.models import FileVersion, MaterialFile

log = logging.getLogger(__name__)

IDS_KEY = "pan_search_ids"
ORGS_KEY = "pan_search_orgs"


# Rows whose change changes their item's document. ItemPolicy: "files on request" keeps
# file text out of the index.
TRACKED = (ItemShare, ItemPolicy, ItemTranslation, FileVersion, MaterialFile, ItemArea, ItemLanguage, ItemReader)


def collect_changes(session: Session) -> None:
    """After a flush: note the ids of the items this flush changed."""
    ids = session.info.setdefault(IDS_KEY, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Item):
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, TRACKED):
            if obj.item_id is not None:
                ids.add(obj.item_id)
        elif isinstance(obj, Organisation) and obj in session.dirty and obj.id is not None:
            # Name or country of an academy: facets of all its items.
            session.info.setdefault(ORGS_KEY, set()).add(obj.id)


def update_after_commit(session: Session) -> None:
    """After a commit: re-index the noted items (in a thread unless PAN_SEARCH_SYNC)."""
    ids = session.info.pop(IDS_KEY, set())
    orgs = session.info.pop(ORGS_KEY, set())
    if not (ids or orgs) or not has_app_context():
        return
    app = current_app._get_current_object()
    if app.config["PAN_SEARCH_SYNC"]:
        _update(ids, orgs)
    else:
        # Off the request: the response does not wait for the index.
        def run() -> None:
            with app.app_context():
                _update(ids, orgs)

        threading.Thread(target=run, name="pan-search-index", daemon=True).start()


def forget_changes(session: Session) -> None:
    """After a rollback: nothing of the failed transaction reaches the index."""
    session.info.pop(IDS_KEY, None)
    session.info.pop(ORGS_KEY, None)


def _update(ids: set[int], orgs: set[int]) -> None:
    try:
        search.index_items(ids, with_descendants=True, owners=orgs)
    except Exception:  # never let the index undo or hide a committed change
        log.exception("search index update failed; ids queued for retry")
