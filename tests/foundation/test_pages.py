"""Home, catalogue, detail, organisation and sign-in pages from each role's point of view."""

from __future__ import annotations

import re

import pytest

from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


@pytest.fixture
def catalogue(app):
    own = make_org("academy", slug="academy-austria", country="AT")
    other = make_org("academy", slug="academy-france", country="FR")
    cepol = make_org("partner", slug="cepol", country=None)
    public = make_item(own, title="Public handbook on victim identification", areas=("human-trafficking",))
    private = make_item(own, visibility="private", title="Private debriefing notes zebra", areas=("human-trafficking",))
    shared = make_item(own, visibility="partners", shares=(cepol,), title="Joint course shared with CEPOL", areas=("terrorism",))
    french = make_item(other, title="Police de proximité", language="fr", areas=("police-reform",))
    draft = make_item(own, state="draft", title="Draft lesson plan on drug precursors", areas=("illicit-drugs",))
    db.session.commit()
    return {
        "own": own, "other": other, "cepol": cepol, "public": public, "private": private,
        "shared": shared, "french": french, "draft": draft,
        "owner_trainer": make_user(own, "trainer"), "cepol_user": make_user(cepol, "trainer"),
        "other_trainer": make_user(other, "trainer"),
    }


def test_home_counts_only_what_the_visitor_may_read(client, catalogue):
    body = client.get("/").get_data(as_text=True)
    assert "2 resources available to you" in body  # public + french
    sign_in(client, catalogue["owner_trainer"])
    body = client.get("/").get_data(as_text=True)
    assert "4 resources available to you" in body  # + private + shared (drafts are not in the catalogue)


def test_catalogue_filters(client, catalogue):
    body = client.get("/catalogue?area=human-trafficking").get_data(as_text=True)
    assert "Public handbook on victim identification" in body
    assert "Police de proximité" not in body
    body = client.get("/catalogue?language=fr").get_data(as_text=True)
    assert "Police de proximité" in body and "victim identification" not in body
    body = client.get("/catalogue?country=FR").get_data(as_text=True)
    assert "Police de proximité" in body and "victim identification" not in body
    body = client.get("/catalogue?academy=academy-austria").get_data(as_text=True)
    assert "victim identification" in body and "Police de proximité" not in body
    assert "zebra" not in body and "Joint course" not in body


def test_the_filter_form_keeps_the_choices_and_offers_only_readable_values(client, catalogue):
    body = client.get("/catalogue?area=human-trafficking&language=fr&kind=material").get_data(as_text=True)

    def box(name: str, value: str) -> str | None:
        """The checkbox of one facet value: 'checked', 'unchecked', or None when not offered."""
        found = re.search(rf'<input type="checkbox" name="{name}" value="{re.escape(value)}"( checked)?\s*>', body)
        return None if found is None else ("checked" if found.group(1) else "unchecked")

    assert '<select id="f-sort" name="sort">' in body and '<label for="f-sort">' in body
    assert box("area", "human-trafficking") == "checked" and box("area", "terrorism") != "checked"
    assert box("language", "fr") == "checked" and box("kind", "material") == "checked"
    # Countries and academies come from what the visitor may read: both academies publish.
    assert box("academy", "academy-austria") == "unchecked" and box("country", "FR") == "unchecked"
    assert box("academy", "cepol") is None


@pytest.mark.parametrize(
    "query",
    ["?page=abc", "?page=-5", "?page=99999999999", "?area=<script>", "?language=%00", "?country=XXXXXXXXXXXX",
     "?academy=../../etc", "?sort=drop table", "?kind=secret", "?type=%ff"],
)
def test_junk_filters_never_fail(client, catalogue, query):
    response = client.get("/catalogue" + query)
    assert response.status_code == 200
    assert "zebra" not in response.get_data(as_text=True)


def test_partner_sees_what_was_shared_with_it(client, catalogue):
    sign_in(client, catalogue["cepol_user"])
    body = client.get("/catalogue").get_data(as_text=True)
    assert "Joint course shared with CEPOL" in body
    assert "zebra" not in body
    assert client.get(f"/items/{catalogue['shared'].id}").status_code == 200


def test_hidden_item_is_indistinguishable_from_missing(client, catalogue):
    hidden_id = catalogue["private"].id
    hidden = client.get(f"/items/{hidden_id}")
    missing = client.get("/items/987654")
    assert hidden.status_code == missing.status_code == 404
    # the id as a whole number only (static URLs carry content hashes that may hold its digits)
    def without(body: str, item_id: int) -> str:
        return re.sub(rf"(?<![\w]){item_id}(?![\w])", "ID", body)

    assert without(hidden.get_data(as_text=True), hidden_id) == without(missing.get_data(as_text=True), 987654)


def test_owner_sees_drafts_on_detail_but_others_do_not(client, catalogue):
    draft_id = catalogue["draft"].id
    assert client.get(f"/items/{draft_id}").status_code == 404
    sign_in(client, catalogue["other_trainer"])
    assert client.get(f"/items/{draft_id}").status_code == 404
    client.post("/sign-out")
    sign_in(client, catalogue["owner_trainer"])
    assert client.get(f"/items/{draft_id}").status_code == 200


def test_detail_lists_only_readable_children(client, catalogue):
    own = catalogue["own"]
    root = make_item(own, kind="curriculum", title="Curriculum on border policing")
    make_item(own, kind="module", parent=root, title="Open module on risk analysis")
    make_item(own, kind="module", parent=root, visibility="private", title="Closed module walrus")
    db.session.commit()
    body = client.get(f"/items/{root.id}").get_data(as_text=True)
    assert "Open module on risk analysis" in body
    assert "walrus" not in body


def test_organisation_page_lists_readable_items(client, catalogue):
    body = client.get("/organisations/academy-austria").get_data(as_text=True)
    assert "victim identification" in body and "zebra" not in body
    assert client.get("/organisations/no-such-academy").status_code == 404


def test_sign_in_and_out(client, catalogue):
    user = catalogue["owner_trainer"]
    response = sign_in(client, user)
    assert response.status_code == 302
    assert "Private debriefing notes zebra" in client.get(f"/items/{catalogue['private'].id}").get_data(as_text=True)
    client.post("/sign-out")
    assert client.get(f"/items/{catalogue['private'].id}").status_code == 404


def test_wrong_password_gives_a_message(client, catalogue):
    response = client.post("/sign-in", data={"email": catalogue["owner_trainer"].email, "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example", "////evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
               "/\r\nLocation: https://evil.example", "\\\\evil.example"],
)
def test_sign_in_never_redirects_off_site(client, catalogue, target):
    user = catalogue["owner_trainer"]
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"email": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location.split("?")[0]


def test_sign_in_follows_a_local_next(client, catalogue):
    user = catalogue["owner_trainer"]
    response = client.post(
        "/sign-in", query_string={"next": "/catalogue?area=terrorism"},
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/catalogue?area=terrorism"


def test_language_prefix_serves_the_same_page(client, catalogue):
    response = client.get("/ru/catalogue")
    assert response.status_code == 200
    assert '<html lang="ru"' in response.get_data(as_text=True)
    assert 'href="/ru/items/' in response.get_data(as_text=True)


def test_catalogue_pages_keep_the_filters(client, catalogue):
    for n in range(25):
        make_item(catalogue["own"], title=f"Border risk analysis lesson {n}", areas=("organized-crime",))
    db.session.commit()
    first = client.get("/catalogue?area=organized-crime").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'rel="next" href="/catalogue?area=organized-crime&amp;page=2"' in first
    second = client.get("/catalogue?area=organized-crime&page=2").get_data(as_text=True)
    assert 'rel="prev" href="/catalogue?area=organized-crime&amp;page=1"' in second and 'rel="next"' not in second
