"""One Redis connection per worker process, opened at first use.

The stores that workers share through Redis (counts generations, rate counters, the
double-click window, kept pages) each hold one of these. A connection is never
inherited across fork: the first call in a new process opens its own. Timeouts are
short, so a Redis that is down costs a request half a second at most; each caller
decides what to do without it.
"""

from __future__ import annotations

import os

import redis

TIMEOUT_SECONDS = 0.5


class ProcessClient:
    """Call it for this process's client of the Redis at `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: redis.Redis | None = None
        self._pid: int | None = None

    def __call__(self) -> redis.Redis:
        if self._client is None or self._pid != os.getpid():
            self._client = redis.Redis.from_url(
                self.url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
            self._pid = os.getpid()
        return self._client
