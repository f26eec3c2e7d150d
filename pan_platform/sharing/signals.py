"""`access_changed`: sent after a commit changed who may read some items.

The search package keeps itself fresh from session events (reader-label rows
included), so a revocation reaches search results with its commit. Should a search
package without those handlers be installed, and nothing subscribe to the signal,
its `index_items(ids)` is called directly here.
"""

from __future__ import annotations

import logging

from blinker import Namespace
from flask import current_app

from pan_platform.extensions import db

log = logging.getLogger(__name__)
_signals = Namespace()

access_changed = _signals.signal("access-changed")  # sender: the app; item_ids: sorted list of ids


def _search_tracks_commits() -> bool:
    try:
        import pan_platform.search.handlers  # noqa: F401
    except ImportError:
        return False
    return True


def reindex(item_ids) -> None:
    """Re-index items whose indexed content depends on a sharing setting the search
    package does not watch (files on request hide file text from the index)."""
    _reindex_directly(sorted(set(item_ids)))


def _reindex_directly(item_ids: list[int]) -> None:
    try:
        from pan_platform import search
    except ImportError:
        return
    index_items = getattr(search, "index_items", None)
    if callable(index_items):
        index_items(item_ids)


def announce(item_ids) -> None:
    """Tell the index (and anyone listening) that these items' readers changed."""
    ids = sorted(set(item_ids))
    if not ids:
        return
    app = current_app._get_current_object()
    if access_changed.receivers:
        access_changed.send(app, item_ids=ids)
    elif not _search_tracks_commits():
        _reindex_directly(ids)


def announce_committed() -> list[int]:
    """Announce every item whose labels changed in the transactions committed so far."""
    from pan_platform.access.readers import take_committed_changes

    ids = sorted(take_committed_changes(db.session()))
    announce(ids)
    return ids


def commit_and_announce() -> list[int]:
    db.session.commit()
    return announce_committed()
