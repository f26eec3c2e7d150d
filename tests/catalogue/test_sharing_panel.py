"""The sharing panel of the workspace: visibility, partner choices, marking and files on request."""

from __future__ import annotations

import re

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item


def _marked(panel: str, value: str, word: str) -> bool:
    """An <input> or <option> of this value carries `checked`/`selected` (in any attribute order)."""
    return any(f'value="{value}"' in tag and word in tag for tag in re.findall(r"<(?:input|option)[^>]*>", panel))


def _panel(page: str) -> str:
    return page[page.index('id="sharing-heading"'):]


def test_panel_holds_partner_choices_in_their_own_block_and_the_handling(app, client, world):
    item = make_item(world["austria"], title="Handbook")
    db.session.commit()
    sign_in(client, world["editor"])
    panel = _panel(client.get(f"/workspace/items/{item.id}").get_data(as_text=True))
    block = panel[panel.index('class="partner-options"'):panel.index('name="marking"')]
    assert 'name="partner_scope"' in block and 'name="shares"' in block
    assert 'name="marking"' in panel and 'name="files_access"' in panel
    assert _marked(panel, "same", "checked") and not _marked(panel, "request", "checked")


def test_marking_and_files_on_request_saved_with_the_visibility(app, client, world):
    item = make_item(world["austria"], title="Handbook")
    db.session.commit()
    sign_in(client, world["editor"])
    response = client.post(f"/workspace/items/{item.id}/sharing", data={
        "visibility": "network", "partner_scope": "named", "marking": "law-enforcement-only",
        "files_access": "request"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Item, item.id)
    assert saved.visibility == "network"
    assert (saved.policy.marking, saved.policy.files_access) == ("law-enforcement-only", "request")
    panel = _panel(client.get(f"/workspace/items/{item.id}").get_data(as_text=True))
    assert _marked(panel, "law-enforcement-only", "selected") and _marked(panel, "request", "checked")


def test_an_unknown_marking_changes_nothing(app, client, world):
    item = make_item(world["austria"], title="Handbook")
    db.session.commit()
    before = item.visibility
    assert before != "network"
    sign_in(client, world["editor"])
    response = client.post(f"/workspace/items/{item.id}/sharing", data={
        "visibility": "network", "partner_scope": "named", "marking": "top-secret", "files_access": "same"})
    assert response.status_code == 400
    db.session.expire_all()
    saved = db.session.get(Item, item.id)
    assert saved.visibility == before and saved.policy is None


def test_a_post_without_the_handling_fields_keeps_them(app, client, world):
    item = make_item(world["austria"], title="Handbook")
    db.session.commit()
    sign_in(client, world["editor"])
    client.post(f"/workspace/items/{item.id}/sharing", data={
        "visibility": "network", "partner_scope": "named", "marking": "training-use-only", "files_access": "request"})
    client.post(f"/workspace/items/{item.id}/sharing", data={"visibility": "public", "partner_scope": "named"})
    db.session.expire_all()
    saved = db.session.get(Item, item.id)
    assert saved.visibility == "public" and saved.policy.marking == "training-use-only"
