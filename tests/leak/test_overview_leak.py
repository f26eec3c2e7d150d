"""The overview's cached figures never reach a viewer who may read less: the cache is
kept per reader key, and a change of sharing reaches every dataset at the next request.
(The per-item channels, the dashboard page, its CSV files and the item usage panel, are
in the leak matrix.)"""

from __future__ import annotations

import csv
import io
import re

from pan_platform.extensions import db
from pan_platform.overview import usage
from tests.conftest import sign_in
from tests.overview.world import build_world, readable

VIEWERS = ("admin", "at_trainer", "de_editor", "cepol_user", "fr_trainer", "anonymous")


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code in (302, 303)
    return client


def _total(client) -> int:
    body = client.get("/en/overview").get_data(as_text=True)
    return int(re.search(r'class="overview-total" data-count="(\d+)"', body).group(1))


def _csv_rows(client, name: str) -> list[list[str]]:
    response = client.get(f"/en/overview/{name}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]


def test_a_warm_cache_serves_each_viewer_only_what_they_may_read(app):
    w = build_world()
    clients = {name: _client(app, w["users"][name]) for name in VIEWERS}
    for _round in range(2):  # the second round is served from the cache
        for name in VIEWERS:
            user = w["users"][name]
            expected = readable(user)
            assert _total(clients[name]) == len(expected), name
            levels = _csv_rows(clients[name], "levels")
            assert sum(int(n) for _level, n in levels) == len(expected), name
            if user is not None:
                titles = {row[0] for row in _csv_rows(clients[name], "downloads")}
                assert titles == {i.title for i in expected}, name


def test_a_resource_made_private_leaves_every_dataset_at_once(app):
    w = build_world()
    public = w["items"]["public"]
    usage.add(public.id, downloads=10_000)
    db.session.commit()
    visitor, member = _client(app, None), _client(app, w["users"]["de_editor"])
    before = _total(visitor), _total(member)
    assert _csv_rows(member, "downloads")[0][0] == public.title
    assert public.title in {row[0] for row in _csv_rows(member, "adaptations")}

    public.visibility = "private"
    db.session.commit()
    assert (_total(visitor), _total(member)) == (before[0] - 1, before[1] - 1)
    assert public.title not in {row[0] for row in _csv_rows(member, "downloads")}
    assert public.title not in {row[0] for row in _csv_rows(member, "adaptations")}
    assert public.title not in member.get("/en/overview").get_data(as_text=True)
