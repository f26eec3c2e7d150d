"""Accessibility: axe-core (served from the test's own copy, tests/browser/vendor/axe.min.js,
MPL-2.0, see axe-LICENSE.txt) finds no serious or critical violation on the main pages, in
English and Arabic, anonymous and signed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from pan_platform.alerts.models import SavedSearch
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from tests.browser.test_phones import sign_in
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture
def site(live_server):
    academy = make_org(slug="north-academy", name="North Police Academy")
    admin = make_user(academy, "org_admin", email="chief@north.example")
    curriculum = make_item(academy, kind="curriculum", title="Border checks")
    module = make_item(academy, kind="module", parent=curriculum, title="Documents")
    material = make_item(academy, parent=module, title="Forged passports", areas=("human-trafficking",))
    collection = Collection(owner_id=admin.id, organisation_id=academy.id, title="Reading list", visibility="network")
    collection.entries = [CollectionEntry(item_id=material.id, position=1, note="Start here")]
    db.session.add_all([collection, SavedSearch(user_id=admin.id, name="Passports", query="passports", filters={},
                                                frequency="weekly")])
    db.session.commit()
    return {"base": live_server, "admin": admin, "curriculum": curriculum, "material": material,
            "collection": collection}


def _violations(page, url: str) -> list[str]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    return [f"{url}: {v}" for v in page.evaluate(RUN)]


@pytest.fixture
def axe_page(browser):
    """A page whose Content-Security-Policy lets the test add axe-core's script (the portal's
    own policy allows no inline script, rightly)."""
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_check_reports_a_serious_violation(axe_page):
    """The check itself: a page with an image without a text alternative fails it."""
    axe_page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>')
    axe_page.add_script_tag(path=str(AXE))
    assert any(v.startswith("image-alt (critical)") for v in axe_page.evaluate(RUN))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_main_pages_have_no_serious_violation(site, axe_page, lang):
    browser_page = axe_page
    base = site["base"]
    public = ["/", "/catalogue", "/search?q=passports", f"/items/{site['curriculum'].id}",
              f"/items/{site['material'].id}", "/sign-in"]
    found = []
    for path in public:
        found += _violations(browser_page, f"{base}/{lang}{path}")
    sign_in(browser_page, base, site["admin"].email)
    for path in ["/workspace", "/account", f"/workspace/items/{site['material'].id}", "/shared",
                 "/start", "/collections", f"/collections/add?item_id={site['material'].id}",
                 f"/collections/{site['collection'].id}", "/saved-searches"]:
        found += _violations(browser_page, f"{base}/{lang}{path}")
    assert not found, "\n".join(found)
