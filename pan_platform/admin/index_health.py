"""The search index, seen from the console, /healthz and restore (the search package does the work)."""

from __future__ import annotations

import logging
import threading

from flask import current_app
from flask_babel import format_decimal

from pan_platform import search
from pan_platform.i18n import _, _l

log = logging.getLogger(__name__)


def check(repair: bool = False):
    """The search package's report on the index (repaired when asked)."""
    return search.check(repair=repair)


# Up to this many items the console rebuilds within the request (seconds); beyond it, in
# a background thread, since a request would outlast the server's timeout.
INLINE_REBUILD_ITEMS = 2_000


def rebuild():
    return search.rebuild()


def rebuild_running() -> bool:
    return search.rebuild_running()


def rebuild_from_console() -> tuple[object, bool]:
    """(report, started in the background). Small catalogues are rebuilt at once."""
    if search.item_count() <= INLINE_REBUILD_ITEMS:
        return search.rebuild(), False
    _in_background("search-rebuild", lambda: search.rebuild(procs=None))
    return None, True


def reindex_in_background(ids: list[int]) -> threading.Thread | None:
    """Re-index these items in a background thread (the console's request returns at
    once); a failed write queues them like any other (`pan check-index --repair`)."""
    if not ids:
        return None
    return _in_background("search-reindex", lambda: search.index_items(ids, with_descendants=False))


def _in_background(name: str, work) -> threading.Thread:
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                log.exception("background %s failed", name)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def reachable() -> str:
    """For /healthz (cheap): "ok", "not built" (the search package builds it on first use)
    or "error" when the live index cannot be opened."""
    try:
        return search.ping()
    except Exception:
        log.exception("search index health check failed")
        return "error"


# Up to this many items the console checks the index as its page opens (a check reads every
# item's document: well under a second for these); beyond it, only on the button.
INLINE_CHECK_ITEMS = 2_000


def check_on_open():
    """The check's report when it is cheap enough to run on opening the page, else None."""
    if rebuild_running() or search.item_count() > INLINE_CHECK_ITEMS:
        return None
    return check(repair=False)


# The check report's fields, in the order a reader wants them.
REPORT_LABELS = {
    "in_database": _l("Items in the database"),
    "in_index": _l("Items in the search index"),
    "missing": _l("Missing from the index"),
    "stale": _l("Out of date in the index"),
    "extra": _l("In the index but no longer in the database"),
    "pending": _l("Waiting to be indexed"),
    "deleted": _l("Removed documents not yet compacted"),
    "schema_outdated": _l("Built with an older schema"),
    "damaged": _l("Damaged index files"),
    "unsealed": _l("Index parts without checksums"),
    "repaired": _l("Repaired"),
    "seconds": _l("Time taken (seconds)"),
}


def report_rows(report) -> list[tuple[str, str]]:
    """Any report shape (mapping, object, text) as rows for a table, with readable names."""
    if report is None:
        return []
    if isinstance(report, dict):
        values = report
    elif hasattr(report, "__dict__"):
        values = {k: v for k, v in vars(report).items() if not k.startswith("_")}
    else:
        return [(str(_("Items indexed")), _short(report))]
    known = [(str(label), _short(values[key])) for key, label in REPORT_LABELS.items() if key in values]
    return known + [(str(k), _short(v)) for k, v in values.items() if k not in REPORT_LABELS]


def _short(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return format_decimal(round(value, 2))
    if isinstance(value, int):
        return format_decimal(value)
    if isinstance(value, (set, frozenset, list, tuple)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        text = ", ".join(str(v) for v in items[:20])
        return f"{len(items)}: {text}" + (" …" if len(items) > 20 else "") if items else "0"
    return str(value)
