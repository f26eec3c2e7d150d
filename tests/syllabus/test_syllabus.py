"""Syllabus (page, print stylesheet, PDF) and offline packages of curricula and modules."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from datetime import timedelta

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import update

from pan_platform import scheduler
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.extensions import db
from pan_platform.sharing import operations as sharing
from pan_platform.storage.files import add_version
from pan_platform.syllabus import packages
from pan_platform.syllabus.models import OfflinePackage
from pan_platform.syllabus.render import StaticOnlyFetcher
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


def _translate(item: Item, language: str, title: str, outcomes: str | None = None) -> None:
    item.translations.append(ItemTranslation(language=language, title=title, learning_outcomes=outcomes))
    item.refresh_languages()


@pytest.fixture
def world(app):
    """A public curriculum (with a German translation), a public module, a private module,
    an open material and a material whose files are given on request."""
    owner = make_org("academy", slug="owner-academy")
    other = make_org("academy", slug="other-academy", country="DE")
    w = {
        "owner": make_user(owner, "editor"),
        "other": make_user(other, "trainer"),
    }
    cur = make_item(owner, kind="curriculum", visibility="public", title="Border Policing Curriculum",
                    learning_outcomes="Recognise forged documents\nInterview travellers",
                    audience="border-police", level="intermediate", duration_hours=40)
    _translate(cur, "de", "Lehrplan Grenzpolizei", "Gefälschte Dokumente erkennen")
    module = make_item(owner, kind="module", parent=cur, title="Document Checks Module", duration_hours=16)
    _translate(module, "de", "Modul Dokumentenprüfung")
    hidden = make_item(owner, kind="module", parent=cur, visibility="private", title="Internal Tactics Module")
    open_material = make_item(owner, parent=module, title="Open Handout", licence="cc-by-4.0")
    add_version(open_material, io.BytesIO(b"open handout text\n"), "open-handout.txt", "text/plain")
    restricted = make_item(owner, parent=module, title="Restricted Handout", licence="all-rights-reserved")
    add_version(restricted, io.BytesIO(b"restricted handout text\n"), "restricted.txt", "text/plain")
    secret = make_item(owner, parent=hidden, title="Tactics Sheet")
    add_version(secret, io.BytesIO(b"tactics\n"), "tactics.txt", "text/plain")
    db.session.commit()
    sharing.set_item_policy(w["owner"], restricted, None, "request")
    w.update(cur=cur, module=module, hidden=hidden, open=open_material, restricted=restricted, secret=secret)
    return w


def _client(app, user=None):
    client = app.test_client()
    g.pop("_login_user", None)
    if user is not None:
        assert sign_in(client, user).status_code in (302, 303)
        g.pop("_login_user", None)
    return client


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def _offline(client, item: Item, **form) -> zipfile.ZipFile:
    response = client.post(f"/items/{item.id}/offline/request", data=form)
    assert response.status_code == 303
    return _zip(client.get(response.headers["Location"]))


# -- the syllabus ----------------------------------------------------------------------------

def test_syllabus_pdf_in_two_languages(app, world):
    client = _client(app)
    english = client.get(f"/items/{world['cur'].id}/syllabus.pdf?lang=en")
    german = client.get(f"/items/{world['cur'].id}/syllabus.pdf?lang=de")
    for response in (english, german):
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
    text_en, text_de = _pdf_text(english.data), _pdf_text(german.data)
    assert "Border Policing Curriculum" in text_en and "Document Checks Module" in text_en
    assert "Recognise forged documents" in text_en and "Open Handout" in text_en
    assert "Lehrplan Grenzpolizei" in text_de and "Modul Dokumentenprüfung" in text_de
    assert "Lernergebnisse" in text_de or "Lernziele" in text_de  # headings in the syllabus language
    assert "Lehrplan Grenzpolizei" not in text_en
    assert "40" in text_en and "16" in text_en  # hours of the curriculum and the module


def test_syllabus_leaves_out_children_the_viewer_cannot_read(app, world):
    anonymous = _pdf_text(_client(app).get(f"/items/{world['cur'].id}/syllabus.pdf").data)
    owner = _pdf_text(_client(app, world["owner"]).get(f"/items/{world['cur'].id}/syllabus.pdf").data)
    assert "Internal Tactics Module" not in anonymous and "Tactics Sheet" not in anonymous
    assert "Internal Tactics Module" in owner and "Tactics Sheet" in owner
    page = _client(app).get(f"/items/{world['cur'].id}/syllabus").get_data(as_text=True)
    assert "Document Checks Module" in page and "Internal Tactics Module" not in page


def test_print_stylesheet_hides_navigation_and_the_page_shows_its_address(app, world):
    client = _client(app)
    page = client.get(f"/items/{world['cur'].id}/syllabus")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<link rel="stylesheet" href="/static/css/print.css(\?v=\w+)?" media="print">', body)
    assert f"http://127.0.0.1:5000/en/items/{world['cur'].id}" in body  # the page address
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "@media print" in css
    hidden_rule = css[css.index("@media print"):css.index("display: none")]
    for selector in (".site-header", ".main-nav", ".site-footer", ".language-switcher"):
        assert selector in hidden_rule
    assert ".page-address" in css


def test_detail_page_offers_the_three_buttons_on_curricula_and_modules_only(app, world):
    client = _client(app, world["owner"])
    for item in (world["cur"], world["module"]):
        body = client.get(f"/items/{item.id}").get_data(as_text=True)
        assert f'href="/items/{item.id}/syllabus"' in body and "Print syllabus" in body
        assert f'href="/items/{item.id}/syllabus.pdf"' in body and "Download syllabus (PDF)" in body
        assert f'action="/items/{item.id}/offline/request"' in body and "Download for offline use" in body
    assert "Print syllabus" not in client.get(f"/items/{world['open'].id}").get_data(as_text=True)
    # Anonymous visitors get a link to the package page: no form, so no session cookie on a public page.
    g.pop("_login_user", None)
    anonymous = _client(app).get(f"/items/{world['cur'].id}")
    body = anonymous.get_data(as_text=True)
    assert f'href="/items/{world["cur"].id}/offline"' in body and "csrf_token" not in body
    assert "Set-Cookie" not in anonymous.headers and anonymous.headers.get("ETag")


def test_pdf_fetcher_serves_only_the_apps_static_files(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    assert b"@page" in fetcher.fetch("pan-static:css/syllabus.css").read()
    for url in ("http://127.0.0.1:9/x.css", "https://example.org/font.woff2", "file:///etc/passwd",
                "pan-static:../../config.py", "pan-static:/etc/passwd", "pan-static:css/missing.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# -- offline packages -------------------------------------------------------------------------

def _links_resolve(archive: zipfile.ZipFile) -> int:
    names, checked = set(archive.namelist()), 0
    for name in names:
        if not name.endswith(".html"):
            continue
        html = archive.read(name).decode()
        assert "<script" not in html and "src=" not in html  # nothing loaded from anywhere
        assert 'href="style.css"' in html or 'href="../style.css"' in html
        for href in re.findall(r'href="([^"]+)"', html):
            assert not href.startswith(("http:", "https:", "/")), (name, href)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href))
            assert target in names, (name, href)
            checked += 1
    return checked


def test_owner_package_holds_every_file_and_its_links_resolve(app, world):
    archive = _offline(_client(app, world["owner"]), world["cur"])
    names = archive.namelist()
    assert "index.html" in names
    for key in ("module", "hidden", "open", "restricted", "secret"):
        assert f"items/{world[key].id}.html" in names
    files = sorted(n for n in names if n.startswith("files/"))
    assert [archive.read(n) for n in files] == [b"open handout text\n", b"restricted handout text\n", b"tactics\n"]
    assert _links_resolve(archive) >= 8
    index = archive.read("index.html").decode()
    assert "Recognise forged documents" in index and "Border Policing Curriculum" in index
    page = archive.read(f"items/{world['open'].id}.html").decode()
    assert "CC BY 4.0" in page and "open-handout.txt" in page


def test_other_academy_trainer_gets_no_file_given_on_request(app, world):
    archive = _offline(_client(app, world["other"]), world["cur"])
    names = archive.namelist()
    assert f"items/{world['hidden'].id}.html" not in names and f"items/{world['secret'].id}.html" not in names
    assert [archive.read(n) for n in names if n.startswith("files/")] == [b"open handout text\n"]
    page = archive.read(f"items/{world['restricted'].id}.html").decode()
    assert "given on request" in page and "restricted.txt" not in page
    assert "Internal Tactics" not in "".join(archive.read(n).decode() for n in names if n.endswith(".html"))
    _links_resolve(archive)


def test_a_package_is_never_served_to_other_rights(app, world):
    owner, other = _client(app, world["owner"]), _client(app, world["other"])
    _offline(owner, world["cur"])
    assert db.session.query(OfflinePackage).count() == 1
    g.pop("_login_user", None)
    # Only the owner's package exists: the other trainer is sent to the status page, not given it.
    response = other.get(f"/items/{world['cur'].id}/offline.zip")
    assert response.status_code == 302 and "/offline.zip" not in response.headers["Location"]
    g.pop("_login_user", None)
    assert "restricted.txt" not in " ".join(_offline(other, world["cur"]).namelist())
    assert db.session.query(OfflinePackage).count() == 2


def test_a_change_makes_the_package_stale(app, world):
    owner = _client(app, world["owner"])
    _offline(owner, world["cur"])
    world["open"].title = "Open Handout, second edition"
    db.session.commit()
    g.pop("_login_user", None)
    response = owner.get(f"/items/{world['cur'].id}/offline.zip")
    assert response.status_code == 302  # the old package holds the old title: not served
    g.pop("_login_user", None)
    archive = _offline(owner, world["cur"])
    assert "second edition" in archive.read(f"items/{world['open'].id}.html").decode()


def test_big_packages_build_in_the_background_with_progress(app, world):
    app.config["PAN_PACKAGE_INLINE_FILES"] = 0  # everything counts as big
    client = _client(app, world["owner"])
    response = client.post(f"/items/{world['cur'].id}/offline/request")
    assert response.status_code == 303 and "/offline?" in response.headers["Location"]
    package = db.session.query(OfflinePackage).one()
    assert (package.status, package.done, package.total) == ("queued", 0, 3)
    g.pop("_login_user", None)
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Files done: 0 of 3" in status and '<progress max="100" value="0">' in status
    assert 'http-equiv="refresh"' in status
    g.pop("_login_user", None)
    assert client.get(f"/items/{world['cur'].id}/offline.zip").status_code == 302  # not ready yet

    seen = []
    original = packages.write_zip

    def watching(outline, language, target, progress):
        def recorded(done):
            progress(done)
            seen.append(db.session.get(OfflinePackage, package.id).done)
        original(outline, language, target, recorded)

    packages.write_zip = watching
    try:
        job = next(job for job in scheduler.JOBS if job.name == "build-packages")
        assert scheduler.run_once(app, [job]) == {"build-packages": True}
    finally:
        packages.write_zip = original
    assert seen == [1, 2, 3]
    db.session.expire_all()
    package = db.session.get(OfflinePackage, package.id)
    assert (package.status, package.done, package.percent) == ("ready", 3, 100)
    g.pop("_login_user", None)
    status = client.get(f"/items/{world['cur'].id}/offline").get_data(as_text=True)
    assert "Download the package" in status and 'http-equiv="refresh"' not in status
    g.pop("_login_user", None)
    assert len([n for n in _zip(client.get(f"/items/{world['cur'].id}/offline.zip")).namelist()
                if n.startswith("files/")]) == 3


def test_clean_up_removes_old_and_superseded_packages(app, world):
    owner = _client(app, world["owner"])
    _offline(owner, world["cur"])
    world["open"].title = "Changed"
    db.session.commit()
    g.pop("_login_user", None)
    _offline(owner, world["cur"])
    g.pop("_login_user", None)
    _offline(owner, world["module"])
    directory = packages.package_dir()
    (directory / "package-unknown.zip").write_bytes(b"left behind")
    rows = db.session.query(OfflinePackage).order_by(OfflinePackage.id).all()
    rows[2].created_at -= timedelta(hours=25)
    db.session.commit()
    assert packages.remove_old_packages() == 2  # the superseded one and the old one
    kept = db.session.query(OfflinePackage).one()
    assert sorted(p.name for p in directory.iterdir()) == [kept.file_name]
    g.pop("_login_user", None)
    assert owner.get(f"/items/{world['cur'].id}/offline.zip").status_code == 200


@pytest.mark.parametrize("path", [
    "/items/{id}/syllabus", "/items/{id}/syllabus.pdf", "/items/{id}/offline", "/items/{id}/offline.zip",
])
def test_unknown_hidden_or_material_ids_answer_404(app, world, path):
    anonymous = _client(app)
    for item_id in (987654, world["hidden"].id, world["open"].id):
        g.pop("_login_user", None)
        assert anonymous.get(path.format(id=item_id)).status_code == 404
    for item_id in (987654, world["hidden"].id):
        g.pop("_login_user", None)
        assert anonymous.post(f"/items/{item_id}/offline/request").status_code == 404
    assert db.session.query(OfflinePackage).count() == 0
    g.pop("_login_user", None)
    odd = anonymous.get(path.format(id=world["cur"].id) + "?lang=%00zz" + "x" * 300)
    assert odd.status_code in (200, 302)


def test_junk_language_falls_back_to_one_the_curriculum_has(app, world):
    client = _client(app)
    response = client.post(f"/items/{world['cur'].id}/offline/request", data={"lang": "../../etc"})
    assert response.status_code == 303 and "lang=en" in response.headers["Location"]
    assert _pdf_text(client.get(f"/items/{world['cur'].id}/syllabus.pdf?lang=xx").data).count("Border Policing") >= 1


def test_syllabus_page_links_the_readable_language_versions(app, world):
    from pan_platform.catalogue.language_versions import link_versions

    owner = world["cur"].owner
    russian = make_item(owner, kind="curriculum", visibility="public", title="Программа погранполиции", language="ru")
    private = make_item(owner, kind="curriculum", visibility="private", title="Programme interne", language="fr")
    db.session.commit()
    link_versions(world["owner"], world["cur"], russian)
    link_versions(world["owner"], world["cur"], private)
    page = _client(app).get(f"/items/{world['cur'].id}/syllabus").get_data(as_text=True)
    assert f'href="/items/{russian.id}/syllabus"' in page and "Программа погранполиции" in page
    assert f"/items/{private.id}/syllabus" not in page and "Programme interne" not in page


class _ProcessKilled(BaseException):
    """What a build sees of SIGKILL or a lost machine: nothing after it runs, no clean-up."""


def test_a_build_whose_process_died_fails_and_can_be_asked_for_again(app, world):
    app.config["PAN_PACKAGE_INLINE_FILES"] = 0  # built by the job
    client = _client(app, world["owner"])
    status_url = f"/items/{world['cur'].id}/offline"
    assert client.post(f"{status_url}/request").status_code == 303
    package = db.session.query(OfflinePackage).one()

    original = packages.write_zip

    def dies_after_one_file(outline, language, target, progress):
        progress(1)
        raise _ProcessKilled

    packages.write_zip = dies_after_one_file
    try:
        with pytest.raises(_ProcessKilled):
            packages.build_queued()
    finally:
        packages.write_zip = original
    db.session.rollback()
    db.session.expire_all()
    package = db.session.get(OfflinePackage, package.id)
    assert (package.status, package.done) == ("building", 1)  # what the dead process left
    g.pop("_login_user", None)
    assert 'http-equiv="refresh"' in client.get(status_url).get_data(as_text=True)  # not stalled yet

    # No progress for longer than PAN_PACKAGE_STALL_SECONDS: the status page stops waiting
    # at once (even before a job runs) and offers to try again.
    package.heartbeat_at -= timedelta(seconds=app.config["PAN_PACKAGE_STALL_SECONDS"] + 1)
    db.session.commit()
    g.pop("_login_user", None)
    status = client.get(status_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in status and "Files done" not in status
    assert "The package could not be prepared" in status and ">Try again</button>" in status
    g.pop("_login_user", None)
    assert client.get(f"{status_url}.zip").status_code == 302

    # The job fails it for good; asking again builds a new package.
    job = next(job for job in scheduler.JOBS if job.name == "build-packages")
    assert scheduler.run_once(app, [job]) == {"build-packages": True}
    db.session.expire_all()
    assert db.session.get(OfflinePackage, package.id).status == "failed"
    g.pop("_login_user", None)
    assert client.post(f"{status_url}/request").status_code == 303
    assert scheduler.run_once(app, [job]) == {"build-packages": True}
    db.session.expire_all()
    rows = db.session.query(OfflinePackage).order_by(OfflinePackage.id).all()
    assert [(p.status, p.done) for p in rows] == [("failed", 1), ("ready", 3)]
    g.pop("_login_user", None)
    assert "Download the package" in client.get(status_url).get_data(as_text=True)
    g.pop("_login_user", None)
    assert len([n for n in _zip(client.get(f"{status_url}.zip")).namelist() if n.startswith("files/")]) == 3


def test_a_build_taken_for_dead_is_not_served_when_it_finishes_after_all(app, world):
    app.config["PAN_PACKAGE_INLINE_FILES"] = 0
    client = _client(app, world["owner"])
    assert client.post(f"/items/{world['cur'].id}/offline/request").status_code == 303
    package_id = db.session.query(OfflinePackage).one().id
    original = packages.write_zip

    def slow(outline, language, target, progress):
        original(outline, language, target, progress)
        # Meanwhile another process found no heartbeat for too long and failed the build.
        db.session.execute(update(OfflinePackage).where(OfflinePackage.id == package_id).values(status="failed"))
        db.session.commit()

    packages.write_zip = slow
    try:
        assert packages.build_queued() == 0
    finally:
        packages.write_zip = original
    db.session.expire_all()
    package = db.session.get(OfflinePackage, package_id)
    assert package.status == "failed" and not packages.package_path(package).exists()
