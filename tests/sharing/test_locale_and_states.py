"""Localised dates, sizes and names; the partner's and requester's states."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from pan_platform.extensions import db
from pan_platform.i18n import time_zone_choices
from pan_platform.sharing import operations
from pan_platform.sharing.models import Notification
from pan_platform.storage.files import add_version
from pan_platform.web.templating import file_size, join_list, when
from tests.conftest import sign_in
from tests.factories import make_item, make_user
from tests.sharing.test_sharing import THB, _pdf_bytes, world  # noqa: F401  (the fixture)

MOMENT = datetime(2026, 12, 2, 5, 38, 12)


def test_dates_sizes_and_lists_follow_the_locale(app):
    with app.test_request_context("/"):
        expected = {
            "en": ("Dec 2, 2026, 5:38", "1.2 MB", "a, b"),
            "de": ("02.12.2026, 05:38", "1,2 MB", "a, b"),
            "ru": ("2 дек. 2026\u202fг., 05:38", "1,2 МБ", "a, b"),
        }
        for language, (moment, size, joined) in expected.items():
            with force_locale(language):
                assert when(MOMENT).startswith(moment), (language, when(MOMENT))
                assert ":12" not in when(MOMENT)  # no seconds
                assert file_size(1_234_567) == size
                assert join_list(["a", "b"]) == joined
        with force_locale("ar"):
            assert "،" in when(MOMENT) and "2026" in when(MOMENT)
            assert join_list(["a", "b"]) == "a، b"


def test_arabic_page_isolates_names_and_joins_with_arabic_commas(world, client):  # noqa: F811
    w = world
    w["own"].name_translations = {"ru": "Собственная академия", "ar": "الأكاديمية الذاتية"}
    item = make_item(w["own"], visibility="public", areas=(THB, "organized-crime"), title="Public guide")
    item.keywords = ["ABC-12", "2022/12/RU · 12"]
    db.session.commit()
    page = client.get(f"/ar/items/{item.id}").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "<bdi>الأكاديمية الذاتية</bdi>" in page
    assert "<bdi>ABC-12</bdi>، <bdi>2022/12/RU · 12</bdi>" in page
    assert "Own Academy" not in page
    assert "<bdi>Собственная академия</bdi>" in client.get(f"/ru/items/{item.id}").get_data(as_text=True)
    assert ">Own Academy<" in client.get(f"/en/items/{item.id}").get_data(as_text=True).replace("<bdi>", "").replace("</bdi>", "")
    css = Path(client.application.static_folder, "css", "pan.css").read_text(encoding="utf-8")
    assert '[dir=rtl] .breadcrumb li + li::before { content: "‹"; }' in css  # the chevron mirrored


def test_time_zone_picker_is_grouped_by_region(app, world, client):  # noqa: F811
    with app.test_request_context("/"):
        groups = time_zone_choices()
        assert ("Europe/Vienna", "Europe — Vienna") in groups["Europe"]
        assert all(zone.startswith("America/") for zone, _name in groups["Americas"])
        assert not any(zone == "US/Eastern" for entries in groups.values() for zone, _name in entries)
        assert ("US/Eastern", "US/Eastern") in time_zone_choices("US/Eastern")["Other"]
    sign_in(client, w := world["cepol_user"])
    page = client.get("/ru/account").get_data(as_text=True)
    assert '<optgroup label="Европа">' in page and "Европа — Вена" in page
    assert w.time_zone in (None, "")


def test_shared_with_us_separates_named_from_network(world, client):  # noqa: F811
    w = world
    operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], None)
    open_item = make_item(w["own"], visibility="partners", partner_scope="all", title="For all partners")
    db.session.commit()
    sign_in(client, w["cepol_user"])
    everything = client.get("/shared-with-us").get_data(as_text=True)
    assert w["thb"].title in everything and open_item.title in everything
    assert "Shared with you by name" in everything and "Network or public" in everything
    named = client.get("/shared-with-us?scope=named").get_data(as_text=True)
    assert w["thb"].title in named and open_item.title not in named
    opened = client.get("/shared-with-us?scope=open").get_data(as_text=True)
    assert open_item.title in opened and w["thb"].title not in opened
    assert w["oc"].title not in everything + named + opened


def test_files_on_request_are_not_named_and_a_pending_request_says_when(world, client):  # noqa: F811
    w = world
    item = make_item(w["own"], visibility="partners", partner_scope="all", title="Requested PDF")
    add_version(item, io.BytesIO(_pdf_bytes()), "border-guide.pdf", "application/pdf")
    hidden = make_item(w["own"], visibility="private", title="Hidden PDF")
    add_version(hidden, io.BytesIO(_pdf_bytes()), "secret-plan.pdf", "application/pdf")
    db.session.commit()
    operations.set_item_policy(w["editor"], item, None, "request")
    sign_in(client, w["cepol_user"])
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "border-guide.pdf" not in page and "Request access to the files" in page
    assert client.get(f"/items/{hidden.id}").status_code == 404  # a hidden item shows nothing
    client.post(f"/items/{item.id}/request-access", data={"reason": "Course for border police"})
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "Request sent on" in page and "Request access to the files" not in page


def test_deciding_a_request_clears_every_owners_badge(world, client):  # noqa: F811
    w = world
    second_admin = make_user(w["own"], "org_admin")
    item = make_item(w["own"], visibility="partners", partner_scope="all", title="Badge PDF")
    add_version(item, io.BytesIO(_pdf_bytes()), "guide.pdf", "application/pdf")
    db.session.commit()
    operations.set_item_policy(w["editor"], item, None, "request")
    request = operations.request_access(w["cepol_user"], item, "Training")
    unread = select(Notification).where(Notification.kind == "request_new", Notification.read_at.is_(None))
    assert len(db.session.scalars(unread).all()) == 2
    operations.decide_request(w["admin"], request, False, reason="Not now")
    assert db.session.scalars(unread).all() == []
    assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == second_admin.id)) is not None
    # The requester's own notice of the refusal stays unread until they see it.
    assert db.session.scalar(select(Notification.read_at).where(Notification.kind == "request_refused")) is None
