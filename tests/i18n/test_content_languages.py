"""Content in many languages: translations edited side by side, language versions linked."""

from __future__ import annotations

import re

from sqlalchemy import select

from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.language_versions import ItemLanguageVersion, readable_versions
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


def _setup():
    academy = make_org("academy", name="Sicherheitsakademie")
    other_academy = make_org("academy", name="Akademiya MVD")
    editor = make_user(academy, "editor")
    trainer = make_user(academy, "trainer")
    outsider = make_user(other_academy, "editor")
    item = make_item(academy, title="Handbook on trafficking in human beings", summary="For investigators.",
                     learning_outcomes="Identify victims\nInterview victims")
    db.session.commit()
    return academy, editor, trainer, outsider, item


def test_editor_adds_a_translation_side_by_side(app, client):
    _, editor, _, _, item = _setup()
    sign_in(client, editor)
    page = client.get(f"/workspace/items/{item.id}/translations/ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Handbook on trafficking in human beings" in html  # the original beside the form
    assert 'lang="ru"' in html and 'name="title"' in html

    saved = client.post(f"/workspace/items/{item.id}/translations/ru", data={
        "title": "  Пособие по\x00 торговле людьми ", "summary": "Для\x07 следователей.\r\n",
        "learning_outcomes": "Выявлять жертв\n\n  Опрашивать жертв  ",
    })
    assert saved.status_code == 302
    db.session.expire_all()
    tr = item.translation("ru")
    assert tr.title == "Пособие по торговле людьми"
    assert tr.summary == "Для следователей."
    assert tr.learning_outcomes == "Выявлять жертв\nОпрашивать жертв"
    assert item.languages == ["en", "ru"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "translate")).one()
    assert event.item_id == item.id and event.details == {"language": "ru", "change": "added"}

    russian = client.get(f"/ru/items/{item.id}").get_data(as_text=True)
    assert "Пособие по торговле людьми" in russian and "Опрашивать жертв" in russian
    english = client.get(f"/en/items/{item.id}").get_data(as_text=True)
    assert "Handbook on trafficking in human beings" in english and "Пособие" not in english
    french = client.get(f"/fr/items/{item.id}").get_data(as_text=True)
    assert "Handbook on trafficking in human beings" in french  # the original, with a note
    assert 'class="note"' in french


def test_arabic_translation_fields_are_right_to_left(app, client):
    _, editor, _, _, item = _setup()
    sign_in(client, editor)
    html = client.get(f"/workspace/items/{item.id}/translations/ar").get_data(as_text=True)
    title_input = re.search(r"<input[^>]*name=\"title\"[^>]*>", html).group(0)
    assert 'dir="rtl"' in title_input and 'lang="ar"' in title_input


def test_editing_and_deleting_a_translation(app, client):
    _, editor, _, _, item = _setup()
    sign_in(client, editor)
    client.post(f"/workspace/items/{item.id}/translations/de", data={"title": "Handbuch"})
    client.post(f"/workspace/items/{item.id}/translations/de", data={"title": "Handbuch Menschenhandel"})
    db.session.expire_all()
    assert item.translation("de").title == "Handbuch Menschenhandel"
    assert len(item.translations) == 1
    client.post(f"/workspace/items/{item.id}/translations/de/delete")
    db.session.expire_all()
    assert item.translation("de") is None and item.languages == ["en"]
    changes = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "translate")).all()
    assert [c["change"] for c in changes] == ["added", "updated", "deleted"]


def test_bad_input_is_refused_with_a_message_and_nothing_saved(app, client):
    _, editor, _, _, item = _setup()
    sign_in(client, editor)
    empty = client.post(f"/workspace/items/{item.id}/translations/fr", data={"title": "   "})
    assert empty.status_code == 200 and "Please enter the translated title." in empty.get_data(as_text=True)
    too_long = client.post(f"/workspace/items/{item.id}/translations/fr", data={"title": "x" * 301})
    assert too_long.status_code == 200 and "too long" in too_long.get_data(as_text=True)
    kept = client.post(f"/workspace/items/{item.id}/translations/fr", data={"title": "Manuel", "summary": "s" * 20_001})
    assert kept.status_code == 200 and 'value="Manuel"' in kept.get_data(as_text=True)  # nothing lost
    db.session.expire_all()
    assert item.translations == []
    # The original language and unknown codes are not translation targets.
    assert client.get(f"/workspace/items/{item.id}/translations/en").status_code == 404
    assert client.get(f"/workspace/items/{item.id}/translations/zz").status_code == 404
    assert client.post(f"/workspace/items/{item.id}/translations/%2A%2A/delete").status_code == 404


def test_only_editors_of_the_owner_may_translate(app, client):
    _, _, trainer, outsider, item = _setup()
    hidden = make_item(item.owner, visibility="private", title="Internal")
    db.session.commit()
    url = f"/workspace/items/{item.id}/translations/ru"
    assert client.get(url).status_code == 302  # anonymous: sign in first
    sign_in(client, trainer)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"title": "x"}).status_code == 403
    client.post("/sign-out")
    sign_in(client, outsider)
    assert client.get(url).status_code == 403
    # Hidden and missing items answer alike.
    assert client.get(f"/workspace/items/{hidden.id}/translations/ru").status_code == 404
    assert client.get("/workspace/items/999999/translations/ru").status_code == 404
    db.session.expire_all()
    assert item.translations == []


def test_detail_page_links_editors_to_the_translation_page(app, client):
    _, editor, trainer, _, item = _setup()
    link = f"/workspace/items/{item.id}/translations"
    sign_in(client, trainer)
    assert link not in client.get(f"/items/{item.id}").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, editor)
    assert link in client.get(f"/items/{item.id}").get_data(as_text=True)
    assert client.get(link).status_code == 302


def test_language_versions_are_linked_and_shown_to_readers_only(app, client):
    academy, editor, _, outsider, english = _setup()
    russian = make_item(academy, title="Пособие по торговле людьми", language="ru")
    arabic = make_item(academy, title="دليل الاتجار بالبشر", language="ar", visibility="private")
    db.session.commit()
    sign_in(client, editor)
    client.post(f"/workspace/items/{english.id}/versions", data={"other": f"http://pan.example/ru/items/{russian.id}"})
    arabic_digits = str(arabic.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    client.post(f"/workspace/items/{english.id}/versions", data={"other": arabic_digits})
    groups = {row.item_id: row.group_id for row in db.session.scalars(select(ItemLanguageVersion))}
    assert set(groups) == {english.id, russian.id, arabic.id} and len(set(groups.values())) == 1

    as_editor = client.get(f"/ru/items/{english.id}").get_data(as_text=True)
    assert f"/ru/items/{russian.id}" in as_editor and f"/ru/items/{arabic.id}" in as_editor
    client.post("/sign-out")
    anonymous = client.get(f"/ru/items/{english.id}").get_data(as_text=True)
    assert f"/ru/items/{russian.id}" in anonymous  # "this also exists in your language"
    assert f"/items/{arabic.id}" not in anonymous and "دليل" not in anonymous  # private: not shown
    on_russian = client.get(f"/en/items/{russian.id}").get_data(as_text=True)
    assert f"/en/items/{english.id}" in on_russian

    sign_in(client, outsider)
    versions = readable_versions(outsider, english, "ru")
    assert [v.id for v in versions] == [russian.id]


def test_language_version_links_refused_clearly(app, client):
    academy, editor, _, outsider, item = _setup()
    foreign = make_item(outsider.organisation, title="Other academy's handbook", language="ru")
    module = make_item(academy, kind="module", title="A module", language="ru")
    db.session.commit()
    sign_in(client, editor)
    cases = {
        str(foreign.id): "allowed to edit",
        str(module.id): "same kind",
        str(item.id): "of itself",
        "999999": "No item with this number",
        "not an item": "No item with this number",
        "http://[": "No item with this number",
        "²": "No item with this number",
        "/items/٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣": "No item with this number",
        "9" * 40: "No item with this number",
        "": "Please enter the number",
    }
    for reference, message in cases.items():
        page = client.post(f"/workspace/items/{item.id}/versions", data={"other": reference})
        html = page.get_data(as_text=True)
        assert page.status_code == 422 and message in html, reference
        assert f'value="{reference}"' in html or not reference  # what was typed is kept
    assert db.session.scalars(select(ItemLanguageVersion)).all() == []


def test_unlinking_and_merging_groups(app, client):
    academy, editor, _, _, a = _setup()
    b, c, d = (make_item(academy, title=t, language=lang) for t, lang in (("B", "ru"), ("C", "fr"), ("D", "de")))
    db.session.commit()
    sign_in(client, editor)
    client.post(f"/workspace/items/{a.id}/versions", data={"other": str(b.id)})
    client.post(f"/workspace/items/{c.id}/versions", data={"other": str(d.id)})
    client.post(f"/workspace/items/{a.id}/versions", data={"other": str(c.id)})  # merges both groups
    assert {v.id for v in readable_versions(editor, d)} == {a.id, b.id, c.id}
    assert "already linked" in client.post(
        f"/workspace/items/{b.id}/versions", data={"other": str(d.id)}, follow_redirects=True
    ).get_data(as_text=True)
    client.post(f"/workspace/items/{a.id}/versions/{b.id}/remove")
    assert readable_versions(editor, b) == []
    assert {v.id for v in readable_versions(editor, a)} == {c.id, d.id}
    client.post(f"/workspace/items/{c.id}/versions/{a.id}/remove")
    client.post(f"/workspace/items/{c.id}/versions/{d.id}/remove")
    assert db.session.scalars(select(ItemLanguageVersion)).all() == []  # no group of one remains
