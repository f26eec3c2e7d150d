"""HTTP caching (ETag, 304, Cache-Control, Vary), gzip and long-lived static assets."""

from __future__ import annotations

import gzip
import io
import re

from pan_platform.accounts.models import ApiToken
from pan_platform.extensions import db
from pan_platform.storage.files import add_version
from tests.conftest import make_app, running, sign_in
from tests.factories import make_item, make_org, make_user

ANONYMOUS_URLS = ("/", "/en/catalogue", "/sitemap.xml", "/feeds/materials.atom", "/oai?verb=Identify",
                  "/api/v1/priority-areas")


def _world():
    academy = make_org("academy", slug="caching-academy")
    public = make_item(academy, visibility="public", title="Openly shared handbook")
    private = make_item(academy, visibility="private", title="Restricted handbook")
    user = make_user(academy, "trainer")
    db.session.commit()
    return academy, public, private, user


def test_repeated_anonymous_request_gets_304(client, app):
    _world()
    for url in ANONYMOUS_URLS:
        first = client.get(url)
        etag = first.headers.get("ETag")
        assert first.status_code == 200 and etag, url
        assert "private" not in first.headers["Cache-Control"] and "no-store" not in first.headers["Cache-Control"]
        assert {"Cookie", "Authorization"} <= set(first.vary), url
        # A language prefix fixes the language; without one, Accept-Language chooses it.
        assert ("Accept-Language" in first.vary) == (url.split("/")[1] not in app.config["PAN_LANGUAGES"]), url
        again = client.get(url, headers={"If-None-Match": etag})
        if url.startswith("/oai") and again.status_code == 200:
            # OAI-PMH answers carry their responseDate: a new second is a new body
            assert again.headers["ETag"] != etag
            continue
        assert again.status_code == 304, url
        assert again.data == b"" and again.headers["ETag"] == etag
        changed = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.data
        if not url.startswith("/oai"):
            assert changed.data == first.data


def test_anonymous_answer_setting_a_cookie_is_private(tmp_path):
    with running(make_app(tmp_path, WTF_CSRF_ENABLED=True)) as app:
        client = app.test_client()
        response = client.get("/sign-in")  # its form's CSRF token starts a session
        assert response.status_code == 200 and "Set-Cookie" in response.headers
        assert response.headers["Cache-Control"] == "private, no-cache"
        answers = [client.get(url) for url in ("/", "/", "/en/catalogue")]
        for answer in answers:  # whenever a cookie is (re)written, the answer stays private
            assert ("Set-Cookie" in answer.headers) == (answer.headers["Cache-Control"] == "private, no-cache")
        # once the session settles, the same visitor's pages are shareable again
        assert "Set-Cookie" not in answers[-1].headers and answers[-1].headers["Cache-Control"] == "no-cache"


def test_etag_follows_the_body_language(client, app):
    _world()
    english, french = client.get("/en/catalogue"), client.get("/fr/catalogue")
    assert english.data != french.data
    assert english.headers["ETag"] != french.headers["ETag"]
    assert client.get("/fr/catalogue", headers={"If-None-Match": english.headers["ETag"]}).status_code == 200


def test_signed_in_pages_are_never_shared_cacheable(client, app):
    _academy, public, private, user = _world()
    anonymous = client.get(f"/items/{public.id}")
    assert sign_in(client, user).status_code in (302, 303)
    for url in ("/", f"/items/{public.id}", f"/items/{private.id}", "/en/catalogue", "/sitemap.xml",
                "/feeds/materials.atom"):
        response = client.get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "ETag" not in response.headers, url
        assert {"Cookie", "Authorization"} <= set(response.vary), url
    # the reader's page differs from the anonymous one, and never answers 304 to its ETag
    assert client.get(f"/items/{public.id}").data != anonymous.data


def test_api_token_answers_are_private(client, app):
    _academy, _public, _private, user = _world()
    token, clear = ApiToken.issue(user, "test")
    db.session.add(token)
    db.session.commit()
    anonymous = client.get("/api/v1/materials")
    response = client.get("/api/v1/materials", headers={"Authorization": f"Bearer {clear}",
                                                        "If-None-Match": anonymous.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers


def test_gzip_for_html_and_json_but_not_small_answers(client, app):
    _world()
    plain = client.get("/en/catalogue")
    zipped = client.get("/en/catalogue", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.vary
    assert gzip.decompress(zipped.data) == plain.data
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # another representation, another tag
    again = client.get("/en/catalogue", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    api = client.get("/api/v1/priority-areas", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get("/api/v1/priority-areas").headers  # not asked for
    small = client.get("/feeds/materials.atom", headers={"Accept-Encoding": "gzip"})
    assert len(small.data) < 1024 and "Content-Encoding" not in small.headers


def test_the_same_shareable_bytes_are_compressed_once_and_private_ones_each_time(client, app, monkeypatch):
    from pan_platform.web import caching

    _academy, _public, _private, user = _world()
    compressions, compress = [], gzip.compress

    def counting(body, compresslevel):
        compressions.append(len(body))
        return compress(body, compresslevel=compresslevel)

    monkeypatch.setattr(caching.gzip, "compress", counting)
    visitor = app.test_client(use_cookies=False)
    first = visitor.get("/en/catalogue", headers={"Accept-Encoding": "gzip"})
    second = visitor.get("/en/catalogue", headers={"Accept-Encoding": "gzip"})
    assert first.data == second.data and gzip.decompress(second.data) == visitor.get("/en/catalogue").data
    assert len(compressions) == 1  # the second answer, the same bytes, reused the first's gzip
    visitor.get("/en/", headers={"Accept-Encoding": "gzip"})
    assert len(compressions) == 2  # other bytes: compressed for themselves

    member = app.test_client()
    sign_in(member, user)
    pages = [member.get("/en/catalogue", headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
    assert all(page.headers["Content-Encoding"] == "gzip" for page in pages)
    assert "Restricted handbook" in gzip.decompress(pages[1].data).decode()
    assert len(compressions) == 4  # a member's own page: never taken from the shared memo


def test_gzip_never_for_downloads(client, app):
    _academy, public, _private, _user = _world()
    content = ("<html><body>" + "Lesson plan. " * 500 + "</body></html>").encode()
    version = add_version(public, io.BytesIO(content), "lesson.html", "text/html")
    db.session.commit()
    response = client.get(f"/files/{version.id}/download", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == content
    ranged = client.get(f"/files/{version.id}/download", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == content[:10]


def test_static_urls_carry_a_content_hash_and_are_immutable(client, app):
    body = client.get("/").get_data(as_text=True)
    url = re.search(r'href="([^"]*/static/css/pan\.css\?v=[0-9a-f]{12})"', body).group(1)
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    hashed.close()
    for stale in (url.split("?")[0], url.split("?")[0] + "?v=000000000000"):
        response = client.get(stale)
        assert "immutable" not in response.headers.get("Cache-Control", ""), stale
        response.close()
