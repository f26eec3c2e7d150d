"""Cached counts (catalogue/counts.py) never cross from one set of reader labels to another,
and never outlive the change or the end date that alters them.

The home page's figures and the browse filters' academies are cached per reader labels.
Viewer A warms the cache; viewer B, with fewer labels, must see B's own counts. After a
revocation (through any worker) or once an agreement's end has passed (no sweep, no
commit), the next page shows the new counts.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select, update

from pan_platform.access import can
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing import operations as sharing_ops
from pan_platform.sharing.models import ItemReader, SharingAgreement
from pan_platform.util import utcnow
from tests.conftest import REDIS_URL, make_app, redis_config, running, sign_in
from tests.factories import make_item, make_org, make_user

AREA = "organized-crime"
OTHER_AREA = "cybercrime"
TOTAL = re.compile(r"(\d+) resources? available to you")
STORES = {
    "database": dict,
    "redis": redis_config,
    # A Redis that does not answer: nothing is cached, every count is exact.
    "redis_down": lambda: {"PAN_REDIS_URL": "redis://127.0.0.1:1/0"},
}


def _figures(client) -> tuple[int, str]:
    """The home page's total, and the area counts' part of the page."""
    page = client.get("/en/").get_data(as_text=True)
    total = TOTAL.search(page)
    assert total, page[:500]
    return int(total.group(1)), page[page.index("area-grid"):page.index("</ul>", page.index("area-grid"))]


def _readable_total(user) -> int:
    db.session.expire_all()
    items = db.session.scalars(select(Item).where(Item.state == "published"))
    return sum(1 for item in items if can(user, "read", item))


def _world():
    academy = make_org("academy", name="Counting academy")
    hidden_academy = make_org("academy", name="Network-only academy", country="DE")
    partner = make_org("partner", name="Counting partner", country="BE")
    for _ in range(3):
        make_item(academy, visibility="public", areas=(AREA,))
    for _ in range(2):
        make_item(academy, visibility="private", areas=(AREA,))  # the partner's by agreement
    make_item(academy, visibility="network", areas=(OTHER_AREA,))
    make_item(hidden_academy, visibility="network", areas=(OTHER_AREA,))
    admin = make_user(academy, "org_admin")
    member = make_user(academy, "trainer")
    partner_user = make_user(partner, "trainer")
    db.session.commit()
    agreement = sharing_ops.create_agreement(admin, academy, partner, [AREA], None)
    return academy, partner, admin, member, partner_user, agreement


def test_viewer_with_fewer_labels_gets_own_counts_after_a_warm_cache(client, app):
    _academy, _partner, _admin, member, partner_user, _agreement = _world()
    anonymous = app.test_client()
    member_client = app.test_client()
    sign_in(member_client, member)
    partner_client = app.test_client()
    sign_in(partner_client, partner_user)

    member_total, member_areas = _figures(member_client)  # A warms the cache
    assert member_client.get("/en/catalogue").status_code == 200
    assert member_total == _readable_total(member) == 7
    partner_total, partner_areas = _figures(partner_client)
    anonymous_total, anonymous_areas = _figures(anonymous)
    assert partner_total == _readable_total(partner_user) == 5
    assert anonymous_total == _readable_total(None) == 3
    assert len({member_areas, partner_areas, anonymous_areas}) == 3

    # The browse filter lists only academies whose items the viewer may read.
    assert "Network-only academy" in member_client.get("/en/catalogue").get_data(as_text=True)
    assert "Network-only academy" not in anonymous.get("/en/catalogue").get_data(as_text=True)
    assert "Network-only academy" not in partner_client.get("/en/catalogue").get_data(as_text=True)
    # And in the other order: B first, then A; each still gets its own.
    assert _figures(anonymous)[0] == 3 and _figures(member_client)[0] == 7


RESULTS = re.compile(r'id="results-heading">(\d+) results?<')


def _catalogue_total(client, query: str = "") -> int:
    found = RESULTS.search(client.get(f"/en/catalogue{query}").get_data(as_text=True))
    assert found
    return int(found.group(1))


def test_catalogue_totals_are_each_viewers_own_after_a_warm_cache(client, app):
    """The catalogue's total is cached per reader labels and filters (catalogue/queries.py
    browse): the member's warm total never reaches the partner or an anonymous visitor."""
    _academy, _partner, admin, member, partner_user, agreement = _world()
    anonymous, member_client, partner_client = app.test_client(), app.test_client(), app.test_client()
    sign_in(member_client, member)
    sign_in(partner_client, partner_user)
    assert _catalogue_total(member_client) == 7
    assert _catalogue_total(member_client, f"?area={AREA}") == 5
    assert _catalogue_total(partner_client) == 5
    assert _catalogue_total(partner_client, f"?area={OTHER_AREA}") == 0
    assert _catalogue_total(anonymous) == 3
    assert _catalogue_total(anonymous, f"?area={AREA}") == 3
    sharing_ops.revoke_agreement(admin, agreement)  # through the pipeline: the generation moves
    db.session.commit()
    assert _catalogue_total(partner_client) == 3  # the public ones only
    assert _catalogue_total(partner_client, f"?area={AREA}") == 3
    assert _catalogue_total(member_client) == 7


def test_platform_admin_bypass_is_its_own_cache_key(client, app):
    academy, *_rest = _world()
    make_item(academy, visibility="private", state="draft")  # nobody's count but the owner's
    secretariat = make_org("secretariat", name="Secretariat")
    admin = make_user(secretariat, "platform_admin")
    colleague = make_user(secretariat, "trainer")  # the same labels as the administrator
    make_item(make_org("academy", name="Other academy"), visibility="private")
    db.session.commit()
    colleague_client, admin_client = app.test_client(), app.test_client()
    sign_in(colleague_client, colleague)
    sign_in(admin_client, admin)
    assert _figures(colleague_client)[0] == _readable_total(colleague) == 5  # warms the labels' entry
    assert "Other academy" not in colleague_client.get("/en/catalogue").get_data(as_text=True)
    assert _figures(admin_client)[0] == 8  # every published item, the private one included
    assert "Other academy" in admin_client.get("/en/catalogue").get_data(as_text=True)
    assert _figures(colleague_client)[0] == 5


@pytest.mark.parametrize("store", list(STORES))
def test_revocation_changes_counts_at_once_in_every_worker(tmp_path, store):
    """Two applications on one database (and Redis) stand for two worker processes."""
    config = STORES[store]()
    try:
        _revoke_in_two_workers(tmp_path, config, store)
    finally:
        if store == "redis":  # the test's own keys only
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"{config['PAN_REDIS_KEY_PREFIX']}*"):
                client.delete(key)


def _revoke_in_two_workers(tmp_path, config: dict, store: str) -> None:
    first, second = make_app(tmp_path, **config), make_app(tmp_path, **config)
    with running(first):
        _academy, _partner, admin, _member, partner_user, agreement = _world()
        viewer_of_first, viewer_of_second = first.test_client(), second.test_client()
        sign_in(viewer_of_first, partner_user)
        with second.app_context():
            sign_in(viewer_of_second, partner_user)
            assert _figures(viewer_of_second)[0] == 5  # the second worker's cache is warm
        assert _figures(viewer_of_first)[0] == 5
        cache = first.extensions["pan_counts"]
        assert cache.generations.name == ("database" if store == "database" else "redis")
        assert bool(cache.entries) == (store != "redis_down")

        sharing_ops.revoke_agreement(admin, db.session.get(SharingAgreement, agreement.id))

        assert _figures(viewer_of_first)[0] == _readable_total(partner_user) == 3
        with second.app_context():
            assert _figures(viewer_of_second)[0] == 3
            db.session.remove()


def test_counts_end_with_the_agreement_before_any_sweep(client, app):
    academy, _partner, _admin, _member, partner_user, agreement = _world()
    partner_client = app.test_client()
    sign_in(partner_client, partner_user)
    # The end date a few seconds ahead, written as the pipeline would have (no bump: the
    # generation stays as it is, so only the entry's own end can end it).
    ends = utcnow() + timedelta(seconds=3)
    db.session.execute(update(SharingAgreement).where(SharingAgreement.id == agreement.id).values(valid_until=ends))
    db.session.execute(update(ItemReader).where(ItemReader.expires_at.is_(None), ItemReader.principal.like("org:%"),
                                                ItemReader.principal != f"org:{academy.id}").values(expires_at=ends))
    db.session.commit()
    before = _figures(partner_client)
    assert before[0] == 5
    assert _figures(partner_client) == before  # served from the cache
    time.sleep(max(0.0, (ends - utcnow()).total_seconds()) + 0.2)

    after = _figures(partner_client)  # no sweep ran, nothing was committed
    assert after[0] == _readable_total(partner_user) == 3
    assert after[1] != before[1]
