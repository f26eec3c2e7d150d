"""The search index, seen from the console, /healthz and restore (the search package does the work)."""

from __future__ import annotations

import logging
import threading

from flask import current_app

from pan_platform import search

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


def report_rows(report) -> list[tuple[str, str]]:
    """Any report shape (mapping, object, text) as rows for a table."""
    if report is None:
        return []
    if isinstance(report, dict):
        return [(str(k), _short(v)) for k, v in report.items()]
    if hasattr(report, "__dict__"):
        return [(k, _short(v)) for k, v in vars(report).items() if not k.startswith("_")]
    return [("", str(report))]


def _short(value) -> str:
    if isinstance(value, (set, frozenset, list, tuple)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        text = ", ".join(str(v) for v in items[:20])
        return f"{len(items)}: {text}" + (" …" if len(items) > 20 else "") if items else "0"
    return str(value)
