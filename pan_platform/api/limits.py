"""Rate limits and CORS for the machine interfaces (API, OAI-PMH, feeds).

Rate limits are a fixed window per caller: per API token when one is sent, else per
client address. Counters live in the process: with several workers each worker counts
for itself, so the effective limit is at most `workers x limit`; that bounds abuse
without another service. Limits come from the configuration:

- PAN_API_RATE_LIMIT (default 600) requests per window for token holders,
- PAN_API_RATE_LIMIT_ANON (default 120) requests per window for anonymous callers,
- PAN_API_RATE_WINDOW (default 60) seconds.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, request


class FixedWindowLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str, limit: int, window: int, now: float | None = None) -> tuple[bool, int, int]:
        """Count one request; returns (allowed, remaining, seconds until the window resets)."""
        now = time.time() if now is None else now
        start = int(now // window) * window
        with self._lock:
            if len(self._windows) > 50_000:  # old windows of callers long gone
                self._windows = {k: v for k, v in self._windows.items() if v[0] == start}
            window_start, count = self._windows.get(key, (start, 0))
            if window_start != start:
                window_start, count = start, 0
            count += 1
            self._windows[key] = (window_start, count)
        reset = int(window_start + window - now) + 1
        return count <= limit, max(0, limit - count), reset

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


def limiter() -> FixedWindowLimiter:
    """One limiter per application (each test app starts with empty counters)."""
    return current_app.extensions["pan_rate_limiter"]


def check_rate(token_id: int | None) -> tuple[bool, dict]:
    """Count this request for its caller; returns (allowed, headers to send)."""
    config = current_app.config
    window = int(config.get("PAN_API_RATE_WINDOW", 60))
    if token_id is not None:
        key, limit = f"token:{token_id}", int(config.get("PAN_API_RATE_LIMIT", 600))
    else:
        key, limit = f"ip:{request.remote_addr}", int(config.get("PAN_API_RATE_LIMIT_ANON", 120))
    allowed, remaining, reset = limiter().hit(key, limit, window)
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }
    if not allowed:
        headers["Retry-After"] = str(reset)
    return allowed, headers


def cors_origins() -> set[str]:
    raw = current_app.config.get("PAN_CORS_ORIGINS") or ""
    if isinstance(raw, (list, tuple, set)):
        return {str(x).strip() for x in raw if str(x).strip()}
    return {x.strip() for x in str(raw).split(",") if x.strip()}


def add_cors_headers(response):
    """Only for configured origins, and never with credentials: tokens travel in headers."""
    origin = request.headers.get("Origin")
    allowed = cors_origins()
    if origin and (origin in allowed or "*" in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, PUT, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "X-RateLimit-Limit, X-RateLimit-Remaining, Link"
        response.headers["Access-Control-Max-Age"] = "600"
    return response
