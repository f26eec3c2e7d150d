"""The secretariat's thesaurus page: counts, filter, download, upload; nobody else gets in."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from pan_platform.thesaurus import operations
from pan_platform.thesaurus.models import ThesaurusTerm
from tests.accounts.helpers import admin_client
from tests.conftest import sign_in
from tests.factories import make_org, make_user
from tests.thesaurus.helpers import load_sample

GOOD = "concept,area,lang,term,preferred\nransomware,cybercrime,en,ransomware,1\nransomware,cybercrime,de,Erpressungssoftware,1\n"


@pytest.fixture
def console(app, client):
    admin = make_user(make_org("secretariat", slug="secretariat", country=None), "platform_admin")
    db.session.commit()
    load_sample()
    return admin_client(app, client, admin)


def _upload(client, text: str, name: str = "thesaurus.csv"):
    return client.post("/admin/thesaurus", data={"file": (io.BytesIO(text.encode("utf-8")), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_the_page_shows_counts_and_filters_terms(console):
    page = console.get("/admin/thesaurus").get_data(as_text=True)
    assert "Cyber-crime" in page and "Illicit drugs and chemical precursors" in page  # area rows
    assert "наркоторговля" in page and 'href="/admin/thesaurus"' in page
    filtered = console.get("/admin/thesaurus?q=STUPEFIANTS&lang=fr").get_data(as_text=True)
    assert "trafic de stupéfiants" in filtered and "Drogenhandel" not in filtered
    by_area = console.get("/admin/thesaurus?area=state-cooperation").get_data(as_text=True)
    assert "gemeinsame Ermittlungsgruppe" in by_area and "наркоторговля" not in by_area
    assert console.get("/admin/thesaurus?area=bogus&lang=xx&page=abc").status_code == 200


def test_download_gives_the_csv(console):
    response = console.get("/admin/thesaurus.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == operations.export_csv()


def test_upload_replaces_the_thesaurus(console):
    page = _upload(console, GOOD).get_data(as_text=True)
    assert "Thesaurus replaced: 2 terms of 1 concepts." in page
    assert db.session.scalars(select(ThesaurusTerm.term).order_by(ThesaurusTerm.id)).all() == [
        "ransomware", "Erpressungssoftware"]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "thesaurus.import")) == 2


def test_a_bad_upload_is_refused_with_its_line_and_changes_nothing(console):
    before = operations.export_csv()
    page = _upload(console, GOOD + "ransomware,cybercrime,xx,rançongiciel,1\n").get_data(as_text=True)
    assert "the thesaurus is unchanged" in page and "Line 4:" in page
    assert operations.export_csv() == before
    page = _upload(console, "").get_data(as_text=True)
    assert "first line" in page
    assert console.post("/admin/thesaurus", data={}, follow_redirects=True).status_code == 200
    assert operations.export_csv() == before


def test_the_page_is_translated(console):
    page = console.get("/ru/admin/thesaurus").get_data(as_text=True)
    assert "Тезаурус" in page and "Заменить тезаурус" in page


@pytest.mark.parametrize("role", ["trainer", "org_admin", None])
def test_others_cannot_see_or_change_the_thesaurus(app, client, role):
    load_sample()
    if role:
        sign_in(client, make_user(make_org(), role))
        db.session.commit()
    before = operations.export_csv()
    response = client.post("/admin/thesaurus", data={"file": (io.BytesIO(GOOD.encode()), "t.csv")},
                           content_type="multipart/form-data")
    if role:
        assert response.status_code == 404  # the console does not exist for them
    else:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert operations.export_csv() == before
    assert client.get("/admin/thesaurus.csv").status_code in (302, 404)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "thesaurus.import")) == 1


def test_the_upload_needs_the_form_token(app, console):
    app.config["WTF_CSRF_ENABLED"] = True
    before = operations.export_csv()
    refused = console.post("/admin/thesaurus", data={"file": (io.BytesIO(GOOD.encode()), "t.csv")},
                           content_type="multipart/form-data")
    assert refused.status_code == 400
    assert operations.export_csv() == before
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      console.get("/admin/thesaurus").get_data(as_text=True)).group(1)
    accepted = console.post("/admin/thesaurus", data={"file": (io.BytesIO(GOOD.encode()), "t.csv"), "csrf_token": token},
                            content_type="multipart/form-data")
    assert accepted.status_code == 302
    assert operations.export_csv() != before
