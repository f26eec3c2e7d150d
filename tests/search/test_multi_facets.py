"""The search page's facets are the catalogue's: several values of one facet (any of
them), several facets (all of them), the same checkboxes (macros/facets.html)."""

from __future__ import annotations

import re

from pan_platform.extensions import db
from tests.search.conftest import make_text_item


def _titles(html: str) -> set[str]:
    found = re.findall(r'<h3><a href="/en/items/\d+"[^>]*>(.*?)</a>', html)
    return {re.sub(r"<[^>]+>", "", title) for title in found}  # the query's words are <mark>ed


def test_two_areas_are_either_and_a_language_narrows(client, world):
    make_text_item(world["academy"], "Patrol in terror cases", areas=("terrorism",))
    make_text_item(world["academy"], "Patrol in cyber cases", areas=("cybercrime",))
    make_text_item(world["academy"], "Patrol in drug cases", areas=("illicit-drugs",))
    make_text_item(world["other"], "Patrol bei Terror", areas=("terrorism",), language="de")
    make_text_item(world["academy"], "Patrol private", areas=("terrorism",), visibility="private")
    db.session.commit()

    html = client.get("/en/search?q=patrol&area=terrorism&area=cybercrime").get_data(as_text=True)
    assert _titles(html) == {"Patrol in terror cases", "Patrol in cyber cases", "Patrol bei Terror"}
    assert 'value="terrorism" checked' in html and 'value="cybercrime" checked' in html
    # The query and both areas are kept by the form.
    assert '<input type="hidden" name="q" value="patrol">' in html

    html = client.get("/en/search?q=patrol&area=terrorism&area=cybercrime&language=de").get_data(as_text=True)
    assert _titles(html) == {"Patrol bei Terror"}
    # No count anywhere includes the private item: terrorism has two readable items.
    html = client.get("/en/search?q=patrol").get_data(as_text=True)
    count = re.search(r'value="terrorism"[^>]*>\s*[^<]*</label>\s*<span class="count">(\d+)</span>', html)
    assert count and count.group(1) == "2"
