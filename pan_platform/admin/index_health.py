"""The search index, seen from the console, /healthz and restore.

The search package offers `check(repair=False)` and `rebuild()`; when it is absent (a
deployment without search), everything here says so instead of failing.
"""

from __future__ import annotations

import importlib
import logging
import threading

from flask import current_app

log = logging.getLogger(__name__)


def _search():
    try:
        module = importlib.import_module("pan_platform.search")
    except ImportError:
        return None
    if not callable(getattr(module, "check", None)) or not callable(getattr(module, "rebuild", None)):
        return None
    return module


def available() -> bool:
    return _search() is not None


def check(repair: bool = False):
    """The search package's report, or None when there is no search index."""
    module = _search()
    return None if module is None else module.check(repair=repair)


# Up to this many items the console rebuilds within the request (seconds); beyond it, in
# a background thread, since a request would outlast the server's timeout.
INLINE_REBUILD_ITEMS = 2_000


def rebuild():
    module = _search()
    return None if module is None else module.rebuild()


def rebuild_running() -> bool:
    module = _search()
    running = getattr(module, "rebuild_running", None)
    return bool(callable(running) and running())


def rebuild_from_console() -> tuple[object, bool]:
    """(report, started in the background). Small catalogues are rebuilt at once."""
    module = _search()
    if module is None:
        return None, False
    count = getattr(module, "item_count", None)
    if not callable(count) or count() <= INLINE_REBUILD_ITEMS:
        return module.rebuild(), False
    _in_background("search-rebuild", lambda: module.rebuild(procs=None))
    return None, True


def reindex_in_background(ids: list[int]) -> threading.Thread | None:
    """Re-index these items in a background thread (the console's request returns at
    once); a failed write queues them like any other (`pan check-index --repair`)."""
    module = _search()
    if module is None or not ids:
        return None
    return _in_background("search-reindex", lambda: module.index_items(ids, with_descendants=False))


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


def reachable() -> str | None:
    """For /healthz (cheap): None without a search package, else "ok", "not built" (the search
    package builds it on first use) or "error" when the live index cannot be opened."""
    module = _search()
    if module is None:
        return None
    try:
        return module.ping()
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
