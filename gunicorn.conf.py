"""Gunicorn settings for `make serve` on a small host (2 cores, a few GB of memory).

- gthread workers: 3 processes x 1 thread. Several threads per process (THREADS=4 measured
  faster) crash a worker with SIGSEGV under load on the catalogue page (bench/load.py, see
  docs/performance.md): some native code the portal loads is not safe with threads, and
  until it is found each process serves one request at a time. Rendering is CPU-bound, so
  more than ~2 x cores processes would only queue on the CPU.
- keep-alive 5 s (KEEPALIVE overrides). A gthread worker keeps every connection it
  accepted and, with one thread, serves them one request at a time: when 32 clients
  connect at once the first worker ready may take most of them while the others idle
  (bench/load.py: home 880 req/s against 1,500 with KEEPALIVE=0, at the same CPU per
  request). Without keep-alive the load spreads evenly but every request pays a new
  connection and, without Redis, each worker fills its own page cache; over a whole bench
  run neither setting was better (docs/performance.md), so the default stays. Behind a
  reverse proxy it does not matter: nginx opens one upstream connection per request by
  default and keeps the browsers' connections itself.
- timeout 60 s: a worker whose main loop is stuck that long is replaced. With gthread a
  long download does not count against it (the main loop keeps beating), unlike sync
  workers, which are killed mid-download when one response takes longer than the timeout.
- max_requests with jitter: each worker is replaced after ~20,000-22,000 requests, so slow
  growth of memory (fragmentation) is bounded; the jitter keeps the three from restarting
  at the same moment. Not fewer: kept pages answer in a few milliseconds, so at 1,000 a
  worker was replaced every few seconds under load, each time with an empty page cache and
  its kept-alive connections closed; that, not the work per page, made most of the slow
  tail (bench/load.py: home p95 327 -> 65 ms, see docs/performance.md). The caches are
  bounded by their entry counts, so memory does not grow with requests (workers stayed
  under 180 MB). MAX_REQUESTS in the environment overrides it (for the bench).
- preload_app: the application is imported once in the master and forked. Safe here:
  creating the app opens no database connection, no search index, no thread (checked in
  tests/web/test_serving.py); the database engine and Redis client open their connections
  lazily in each worker, and post_fork drops any pooled connection inherited anyway.
  Replaced workers start in milliseconds instead of re-importing the application, and
  with every template already compiled (when_ready, in the master, before the first fork).

- post_worker_init: each worker loads the search index's facet and sort columns and the
  thesaurus before it accepts a connection (about half a second at 50,000 materials, which
  its first visitors, and everyone queued behind them, would otherwise wait for).

- RecyclingThreadWorker: gunicorn's gthread worker, except that once it has decided to exit
  (max_requests reached) it accepts no new connection. Upstream (gunicorn 23, issues #3038 and
  #3380) it may still accept one in its last loop and then exit without reading it: the client
  gets a connection reset on a fresh connection, which no client retries. Left in the shared
  listen queue, the connection is served by another worker.

WORKERS and THREADS in the environment (or `make serve WORKERS=5`) override the counts.
"""

import os
import sys

from gunicorn.workers.gthread import ThreadWorker


class RecyclingThreadWorker(ThreadWorker):
    """gthread that stops accepting as soon as it is leaving (see the module docstring)."""

    def accept(self, server, listener):
        if not self.alive:
            return
        super().accept(server, listener)


workers = int(os.environ.get("WORKERS", "3"))
worker_class = RecyclingThreadWorker
threads = int(os.environ.get("THREADS", "1"))  # see above before raising it
timeout = 60
graceful_timeout = 30
keepalive = int(os.environ.get("KEEPALIVE", "5"))  # see above
max_requests = int(os.environ.get("MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
preload_app = True
accesslog = None  # the application logs one JSON line per request (pan.requests)


def when_ready(server):
    """In the master, before it forks: compile the templates once for every worker."""
    app_module = sys.modules.get("wsgi")
    if app_module is None:
        return
    from pan_platform.web.templating import compile_templates

    compiled = compile_templates(app_module.app)
    server.log.info("compiled %d templates before forking the workers", compiled)


def post_worker_init(worker):
    """In each worker, before it accepts connections: load what every search reads first
    (search.warm_up), so a new or replaced worker's first visitors do not wait for it. A
    failure is logged and the worker serves anyway (a search then loads what it needs)."""
    app_module = sys.modules.get("wsgi")
    if app_module is None:
        return
    from pan_platform.search import warm_up

    try:
        with app_module.app.app_context():
            warm_up()
    except Exception:  # noqa: BLE001 (never keep a worker from serving)
        worker.log.exception("search warm-up failed; the first searches load what they need")


def post_fork(server, worker):
    """Connections are never shared across fork: drop pooled ones the master may hold
    (close=False: the master's sockets stay untouched for the master)."""
    app_module = sys.modules.get("wsgi")
    if app_module is None:
        return
    from pan_platform.extensions import db

    with app_module.app.app_context():
        db.engine.dispose(close=False)
