"""Hardening: headers, CSRF, cookies, proxies, redirects, Markdown, error pages, health, logs."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from pan_platform.accounts.auth import safe_next
from pan_platform.extensions import db
from pan_platform.web.security import render_markdown
from tests.conftest import make_app, sign_in
from tests.factories import PASSWORD, make_org, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "pan_platform" / "templates"


def test_security_headers_on_pages_and_errors(client):
    for path in ("/", "/sign-in", "/no-such-page"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


def test_no_inline_scripts_or_styles_in_templates():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text, re.I) or re.search(r"\sstyle\s*=", text, re.I) \
                or re.search(r"<style", text, re.I) or re.search(r"\son[a-z]+\s*=", text, re.I):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


def test_post_without_csrf_token_is_refused(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        user = make_user(make_org(), "trainer")
        db.session.commit()
        client = app.test_client()
        refused = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
        assert refused.status_code == 400
        assert "The form expired" in refused.get_data(as_text=True)
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        accepted = client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert accepted.status_code == 302
        assert client.post("/sign-out").status_code == 400  # the sign-out form needs its token too
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
        "http:evil.example", "javascript:alert(1)", "JavaScript:alert(1)", " //evil.example",
        "/\t/evil.example", "/\r\n/evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example".replace("%2F", "/"),
        "\x00/evil", "", None,
    ],
)
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/catalogue", "/items/5?tab=files", "/ru/catalogue?q=a%2Fb", "/search?q=//x"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize(
    "raw",
    ["//evil.example", "////evil.example", "/%5Cevil.example", "%2F%2Fevil.example", "https://evil.example",
     "javascript:alert(1)", "%2F%5Cevil.example", "/%09/evil.example", "%252F%252Fevil.example"],
)
def test_sign_in_never_redirects_elsewhere(app, client, raw):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    response = client.post(f"/sign-in?next={raw}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    # Resolved the way a browser would, the target stays on this site.
    resolved = urlsplit(urljoin("http://pan.test/sign-in", location))
    assert (resolved.scheme, resolved.netloc) == ("http", "pan.test"), location
    assert not location.startswith("//") and "\\" not in location


def test_session_cookie_flags(tmp_path):
    plain = make_app(tmp_path / "a")
    secure = make_app(tmp_path / "b", PAN_SECURE_COOKIES=True)
    assert plain.config["SESSION_COOKIE_HTTPONLY"] and plain.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]
    with secure.app_context():
        db.create_all()
        user = make_user(make_org(), "trainer")
        db.session.commit()
        response = sign_in(secure.test_client(), user)
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        db.session.remove()
        db.engine.dispose()


def test_forwarded_headers_only_from_trusted_proxies(tmp_path):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "pan.example"}
    direct = make_app(tmp_path / "a")
    # A forwarded host is answered only when it is one of the portal's trusted names.
    behind = make_app(tmp_path / "b", PAN_TRUSTED_PROXIES=1, TRUSTED_HOSTS=["pan.example"])
    seen = {}
    for name, app in (("direct", direct), ("behind", behind)):
        @app.route("/whoami-for-test")
        def whoami():
            from flask import request

            return f"{request.remote_addr} {request.scheme} {request.host}"

        with app.app_context():
            db.create_all()
            seen[name] = app.test_client().get("/whoami-for-test", headers=headers).get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
    assert seen["direct"] == "127.0.0.1 http localhost"
    assert seen["behind"] == "203.0.113.9 https pan.example"


def test_markdown_is_sanitised():
    html = str(render_markdown(
        "# Title\n\n**bold** [ok](https://osce.org) [bad](javascript:alert(1))\n\n"
        "<script>alert(1)</script><img src=x onerror=alert(1)><iframe src=//evil></iframe>"
        '<a href="https://x.example" onclick="steal()">x</a>'
    ))
    assert "<strong>bold</strong>" in html
    assert 'href="https://osce.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    for bad in ("<script", "onerror", "<iframe", "javascript:", "onclick", "<img"):
        assert bad not in html
    assert str(render_markdown(None)) == ""


def test_markdown_filter_is_registered(app):
    rendered = app.jinja_env.from_string("{{ text | markdown }}").render(text="*hi* <b onclick=x>")
    assert "<em>hi</em>" in rendered and "onclick" not in rendered


def test_error_pages_reveal_nothing(app, client):
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret DSN postgresql://pan:hunter2@db/pan")

    response = client.get("/boom-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "Something went wrong" in body
    assert "Werkzeug" not in client.get("/nope").get_data(as_text=True)


def test_healthz(app, client, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["checks"]["database"] == "ok" and data["checks"]["storage"] == "ok"
    assert data["checks"]["index"] in ("ok", "not built", "not configured")

    app.config["PAN_STORAGE_DIR"] = "/proc/pan-not-writable"
    failing = client.get("/healthz")
    assert failing.status_code == 503
    assert failing.get_json()["checks"]["storage"] == "error"


def test_healthz_sees_a_built_index(app, client):
    from pan_platform.admin import index_health

    index_health.rebuild()
    assert client.get("/healthz").get_json()["checks"]["index"] == "ok"


def test_healthz_reports_an_unreachable_index(app, client, monkeypatch):
    from pan_platform.admin import index_health

    monkeypatch.setattr(index_health, "reachable", lambda: "error")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["index"] == "error"


def test_one_json_log_line_per_request(app, client, caplog):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    sign_in(client, user)
    # Alembic's fileConfig (migration tests earlier in the run) disables existing loggers.
    logging.getLogger("pan.requests").disabled = False
    with caplog.at_level(logging.INFO, logger="pan.requests"):
        client.get("/catalogue?q=x")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "pan.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert (line["method"], line["path"], line["status"], line["user_id"]) == ("GET", "/catalogue", 200, user.id)
    assert isinstance(line["duration_ms"], float)


def test_organisation_descriptions_are_rendered_as_safe_markdown(app, client):
    make_org(slug="md-academy", description="We teach **interviewing**. <script>alert(1)</script>")
    db.session.commit()
    body = client.get("/organisations/md-academy").get_data(as_text=True)
    assert "<strong>interviewing</strong>" in body and "<script>alert" not in body


def test_every_post_form_in_the_templates_carries_a_csrf_token():
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S | re.I):
            if re.search(r'method\s*=\s*"post"', form.group(1), re.I) and not re.search(
                    r"csrf_token|hidden_tag\(\)", form.group(2)):
                missing.append(f"{template.relative_to(TEMPLATES)}: <form{form.group(1)}>")
    assert missing == []


def test_every_post_route_is_csrf_protected(app):
    """Only machine endpoints (token-authenticated API, health) may be exempt from CSRF."""
    from pan_platform.extensions import csrf

    exempt = set(csrf._exempt_views) | {f"{getattr(bp, 'name', bp)}." for bp in csrf._exempt_blueprints}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        name = f"{view.__module__}.{view.__name__}"
        checked += 1
        if name in exempt or any(rule.endpoint.startswith(b) for b in exempt if b.endswith(".")):
            assert rule.endpoint.split(".")[0] in ("api", "oai"), rule.endpoint
    assert checked > 20
