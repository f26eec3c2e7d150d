"""Country profiles and the country index for every viewer: the counts per priority area
and in all, the events and the reuse of the country's items by other countries show
exactly what access.can(viewer, "read") allows; texts not yet published show nowhere."""

from __future__ import annotations

import re

import pytest

from pan_platform.access import can
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.countries.helpers import make_version
from tests.events.helpers import make_event
from tests.factories import make_item, make_org, make_user

THB, OC, CY = "human-trafficking", "organized-crime", "cybercrime"
VIEWERS = ("anonymous", "own_trainer", "other_academy", "named_partner", "other_partner", "platform_admin")


@pytest.fixture
def world(app):
    own = make_org("academy", country="AT")
    own_second = make_org("academy", country="AT")
    other = make_org("academy", country="DE")
    third = make_org("academy", country="FR")
    named = make_org("partner", country="BE")
    unnamed = make_org("partner", country="BE")
    secretariat = make_org("secretariat", country="AT")
    viewers = {
        "anonymous": None,
        "own_trainer": make_user(own, "trainer"),
        "other_academy": make_user(other, "trainer"),
        "named_partner": make_user(named, "trainer"),
        "other_partner": make_user(unnamed, "trainer"),
        "platform_admin": make_user(secretariat, "platform_admin"),
    }
    items = [
        make_item(own, visibility="private", areas=(THB,), title="Zorblat private"),
        make_item(own, visibility="network", areas=(THB, OC), title="Zorblat network"),
        make_item(own, visibility="partners", shares=(named,), areas=(OC,), title="Zorblat named"),
        make_item(own, visibility="partners", partner_scope="all", areas=(CY,), title="Zorblat partners"),
        make_item(own, visibility="public", areas=(CY, THB), title="Zorblat public"),
        make_item(own, visibility="public", state="draft", areas=(CY,), title="Zorblat draft"),
        make_item(own_second, visibility="public", areas=(OC,), title="Zorblat second academy"),
        make_item(other, visibility="public", areas=(OC,), title="Quennix other country"),
    ]
    # Copies by other countries (and a copy of a copy), each of its own original.
    copies = []
    for n, (original_vis, copy_vis) in enumerate(
        [("public", "public"), ("network", "network"), ("public", "private"), ("private", "public"), ("public", "partners")]
    ):
        original = make_item(own, kind="curriculum", visibility=original_vis, title=f"Origa{n} source")
        copies.append(make_item(other, kind="curriculum", visibility=copy_vis, adapted_from=original, title=f"Kopix{n} copy"))
    second_hop = make_item(third, kind="curriculum", visibility="public", adapted_from=copies[1], title="Kopix9 copy of a copy")
    copies.append(second_hop)
    same_country = make_item(own_second, kind="curriculum", visibility="public", adapted_from=copies[0].adapted_from,
                             title="Kopix8 same country")
    events = [make_event(own, vis, scope, shares=(named,), title=f"Evento {vis} {scope}")
              for vis, scope in (("network", "named"), ("partners", "named"), ("partners", "all"), ("public", "named"))]
    make_version("AT", "superseded", number=1, en="Plimbo old text")
    make_version("AT", "published", number=2, en="Plimbo published text")
    make_version("AT", "submitted", number=3, en="Plimbo text in review")
    make_version("DE", "draft", number=1, en="Plimbo draft of another country")
    db.session.commit()
    return viewers, items, copies, same_country, events


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
    return client


def _readable(user, items):
    return [i for i in items if i.state == "published" and can(user, "read", i)]


def _area_cells(page: str) -> dict[str, int]:
    return {code: int(n) for code, n in re.findall(r'data-area="([^"]+)">(?:<a [^>]*>)?(\d+)', page)}


def _index_total(page: str, code: str) -> int:
    card = re.search(rf'id="country-{code}">(.*?)</li>', page, re.S).group(1)
    return int(re.search(r'class="country-items">(\d+)', card).group(1))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_profile_and_index_show_exactly_what_the_viewer_may_read(app, world, viewer):
    viewers, items, copies, same_country, events = world
    user = viewers[viewer]
    client = _client(app, user)
    page = client.get("/en/countries/AT").get_data(as_text=True)
    index = client.get("/en/countries").get_data(as_text=True)

    own_items = [i for i in items if i.owner.country_code == "AT"] + [c.adapted_from for c in copies[:5]] + [same_country]
    readable = _readable(user, own_items)
    cells = _area_cells(page)
    assert cells, "the profile shows counts per priority area"
    for area, shown in cells.items():
        assert shown == sum(1 for i in readable if area in i.area_codes), (viewer, area)
    assert _index_total(index, "AT") == len(readable)
    de_items = [i for i in items if i.owner.country_code == "DE"] + copies[:5]
    assert _index_total(index, "DE") == len(_readable(user, de_items))

    # Item titles are not listed on the profile, except in the reuse section.
    for copy in copies:
        visible = bool(_readable(user, [copy]))
        assert (copy.title in page) == visible, (viewer, copy.title)
        original = copy.adapted_from
        if original.owner.country_code == "AT":
            assert (original.title in page) == (visible and can(user, "read", original)), (viewer, original.title)
    assert same_country.title not in page  # reuse in the same country is not reuse elsewhere
    assert "Zorblat" not in page and "Quennix" not in page

    for event in events:
        assert (event.title in page) == can(user, "read", event), (viewer, event.title)

    assert "Plimbo published text" in page
    for hidden in ("Plimbo old text", "Plimbo text in review", "Plimbo draft of another country"):
        assert hidden not in page and hidden not in index
    assert "Plimbo draft" not in client.get("/en/countries/DE").get_data(as_text=True)


def test_counts_follow_a_change_of_what_may_be_read(app, world):
    _viewers, items, copies, same_country, _events = world
    own_items = [i for i in items if i.owner.country_code == "AT"] + [c.adapted_from for c in copies[:5]] + [same_country]
    client = app.test_client()
    before = _area_cells(client.get("/en/countries/AT").get_data(as_text=True))
    private = items[0]
    private.visibility = "public"
    db.session.commit()
    after = _area_cells(client.get("/en/countries/AT").get_data(as_text=True))
    assert after[THB] == before[THB] + 1 and after[OC] == before[OC]
    assert _index_total(client.get("/en/countries").get_data(as_text=True), "AT") == len(_readable(None, own_items))
