"""Hardening across the portal: security headers, proxies, request logs, safe Markdown.

- a strict Content-Security-Policy: no inline scripts or styles anywhere, no framing;
- nosniff, a same-origin Referrer-Policy;
- ProxyFix for exactly PAN_TRUSTED_PROXIES proxies (0: no X-Forwarded-* header is trusted);
- one JSON log line per request (method, path, status, duration, user id);
- a `markdown` Jinja filter: Markdown rendered, then cleaned by nh3 (an allow-list sanitiser).
"""

from __future__ import annotations

import json
import logging
import time

import markdown as markdown_lib
import nh3
from flask import Flask, g, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# What Markdown may produce in descriptions: text structure and links, nothing active.
ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}

request_log = logging.getLogger("pan.requests")


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML. Raw HTML in the input is escaped, then nh3 keeps the allow-list."""
    if not text:
        return Markup("")
    html = markdown_lib.markdown(str(text), extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


def _set_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint and not request.endpoint.endswith("static") and "Cache-Control" not in response.headers:
        # Pages can hold private data: never kept by shared caches.
        response.headers["Cache-Control"] = "private, no-store" if _signed_in() else "no-cache"
    return response


def _signed_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 (no user loader context during some error responses)
        return False


def _start_timer() -> None:
    g.pan_request_started = time.perf_counter()


def _log_request(response):
    started = g.get("pan_request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    user_id = None
    if _signed_in():
        user_id = current_user.id
    request_log.info(json.dumps({
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": user_id,
        "ip": request.remote_addr,
    }, ensure_ascii=False))
    return response


def register(app: Flask) -> None:
    proxies = app.config["PAN_TRUSTED_PROXIES"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    if app.config["PAN_SECURE_COOKIES"] or app.config["SESSION_COOKIE_SECURE"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.before_request(_start_timer)
    app.after_request(_set_headers)
    app.after_request(_log_request)
    app.jinja_env.filters["markdown"] = render_markdown
