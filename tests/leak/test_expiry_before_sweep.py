"""The leak matrix's channels once an end date has passed and the expiry sweep has NOT run.

The sweep (access.expiry, run by the scheduler) refreshes stored labels once a minute, so
between an agreement's end and the sweep every channel must decide by the clock itself:
search results, counts, facets, suggestions, corrections, pages, API answers. Here the
end dates are set a few seconds ahead, the index is built with them, the clock passes
them, and no sweep runs; each channel must then agree with can() exactly.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from pan_platform.access import can
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.conftest import make_app, running
from tests.leak.test_leak_matrix import (
    CASES,
    CEPOL,
    CHANNELS,
    OWN,
    ROLES,
    SIGNED_IN,
    THB,
    Case,
    _agreement,
    _approved_request,
    _private,
    _require_endpoint,
    _user,
    _with_agreement,
    channel_mismatches,
    clients,  # noqa: F401  (the fixture, over this module's world)
)

SECONDS_LEFT = 4  # end dates this far ahead when the index is built
LATER = date.today() + timedelta(days=30)

# Readers once the end dates have passed.
ENDING: dict[str, Case] = {
    "agreement_ends_before_sweep": Case(_with_agreement(_private, _agreement("cepol", [THB], LATER)), OWN),
    "all_partners_agreement_ends_before_sweep": Case(
        _with_agreement(_private, _agreement(None, [], LATER)), OWN),
    "agreement_ends_but_share_stays": Case(  # the share grants the same label without an end
        _with_agreement(lambda o, w: _private(o, w, shares=(w["cepol"],)), _agreement("cepol", [THB], LATER)),
        OWN | CEPOL),
    "file_grant_ends_before_sweep": Case(lambda o, w: _approved_request(o, w, LATER), SIGNED_IN, OWN),
}
assert not set(ENDING) & set(CASES)


def _end_soon(owner_ids: list[int], item_ids: list[int], ends) -> None:
    """Every end date of these cases moves to `ends` (as if chosen so), before indexing."""
    for table, column, key, ids in (
        ("sharing_agreements", "valid_until", "owner_id", owner_ids),
        ("access_requests", "valid_until", "item_id", item_ids),
        ("item_readers", "expires_at", "item_id", item_ids),
    ):
        db.session.execute(
            db.text(f"UPDATE {table} SET {column} = :t WHERE {column} IS NOT NULL AND {key} IN :ids").bindparams(
                db.bindparam("ids", expanding=True)), {"t": ends, "ids": ids})
    db.session.commit()
    db.session.expire_all()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from pan_platform import search
    from tests.leak import test_leak_matrix as matrix

    tmp = tmp_path_factory.mktemp("expiry")
    # No sweep runs here: scheduled work never runs in a request (pan_platform/scheduler.py).
    app = make_app(tmp, PAN_API_RATE_LIMIT=10**6, PAN_API_RATE_LIMIT_ANON=10**6)
    with running(app):
        w = matrix._build_world(ENDING)
        ends = utcnow() + timedelta(seconds=SECONDS_LEFT)
        _end_soon([o.id for o in w["owners"].values()], [i.id for i in w["items"].values()], ends)
        search.rebuild()  # the index holds the end dates
        cepol = w["users"]["cepol_user"]
        item = w["items"]["agreement_ends_before_sweep"]
        # Before the end the partner finds the item (so the test below can fail).
        assert search.search(cepol, w["tokens"]["agreement_ends_before_sweep"]).ids == [item.id]
        time.sleep(max(0.0, (ends - utcnow()).total_seconds()) + 1)
        yield app, w


@pytest.mark.parametrize("name", list(ENDING))
def test_readers_after_the_end_date(world, name):
    """The oracle: can() applies the end dates at once."""
    _app, w = world
    item = db.session.get(Item, w["items"][name].id)
    case = ENDING[name]
    assert {r for r in ROLES if can(_user(w, name, r), "read", item)} == case.readers
    downloaders = case.downloaders if case.downloaders is not None else case.readers
    assert {r for r in ROLES if can(_user(w, name, r), "download", item)} == downloaders


@pytest.mark.parametrize("channel_name", list(CHANNELS))
@pytest.mark.parametrize("name", list(ENDING))
def test_channel_after_the_end_date_before_the_sweep(world, clients, name, channel_name):  # noqa: F811
    app, w = world
    chan = CHANNELS[channel_name]
    _require_endpoint(app, chan.needs)
    wrong = channel_mismatches(app, w, clients, chan, name)
    assert not wrong, f"{channel_name} / {name}: " + "; ".join(wrong)
    # The sweep really did not run: the stored labels still carry the passed end date.
    assert db.session.scalar(db.text("SELECT count(*) FROM item_readers WHERE expires_at <= :now"),
                             {"now": utcnow()}) > 0
