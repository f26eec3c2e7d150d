"""Fixtures of the i18n tests: an app rendering with freshly compiled catalogues, and
a small multilingual catalogue of content."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pan_platform.catalogue.language_versions import ItemLanguageVersion
from pan_platform.catalogue.models import ItemTranslation
from pan_platform.extensions import babel, db
from tests.conftest import make_app, running
from tests.factories import make_item, make_org, make_user
from tests.i18n.catalogues import compile_catalogues

# Content in each interface language (titles and summaries are content, not interface).
HANDBOOK = {
    "en": ("Handbook on trafficking in human beings", "For investigators and trainers."),
    "ru": ("Пособие по противодействию торговле людьми", "Для следователей и преподавателей."),
    "fr": ("Manuel sur la traite des êtres humains", "Pour les enquêteurs et les formateurs."),
    "de": ("Handbuch zum Menschenhandel", "Für Ermittler und Ausbilder."),
    "es": ("Manual sobre la trata de seres humanos", "Para investigadores y formadores."),
    "it": ("Manuale sulla tratta di esseri umani", "Per investigatori e formatori."),
    "ar": ("دليل مكافحة الاتجار بالبشر", "للمحققين والمدربين."),
}
MODULE = {
    "en": "Victim identification", "ru": "Выявление жертв", "fr": "Identification des victimes",
    "de": "Opferidentifizierung", "es": "Identificación de víctimas", "it": "Identificazione delle vittime",
    "ar": "تحديد هوية الضحايا",
}


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    """The current .po files compiled aside: the tests see exactly what is in the catalogues."""
    return compile_catalogues(tmp_path_factory.mktemp("translations"))


@pytest.fixture
def app(tmp_path, compiled_translations):
    with running(make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations))) as app:
        babel.domain_instance.cache.clear()  # translations are cached per process, not per app
        try:
            yield app
        finally:
            babel.domain_instance.cache.clear()


@dataclass
class Content:
    academy: object
    editor: object
    module: object
    handbook: object
    russian_edition: object


def _translate(item, texts: dict, original: str) -> None:
    for code, text in texts.items():
        if code != original:
            title, summary = text if isinstance(text, tuple) else (text, None)
            item.translations.append(ItemTranslation(language=code, title=title, summary=summary))
    item.refresh_languages()


@pytest.fixture
def content(app) -> Content:
    """A module and a handbook translated into all seven languages; a Russian edition
    of the handbook linked as its language version. Names avoid English words."""
    academy = make_org("academy", slug="siak", name="Sicherheitsakademie", acronym="SIAK", country="AT")
    editor = make_user(academy, "editor", email="redakteurin@siak.example")
    editor.name = "Anna Huber"
    module = make_item(academy, kind="module", title=MODULE["en"], audience="investigators", level="advanced",
                       delivery_mode="blended", duration_hours=12.5, licence="cc-by-4.0")
    _translate(module, MODULE, "en")
    handbook = make_item(academy, parent=module, title=HANDBOOK["en"][0], summary=HANDBOOK["en"][1],
                         learning_outcomes="Identify victims", resource_type="handbook")
    _translate(handbook, HANDBOOK, "en")
    edition = make_item(academy, title=HANDBOOK["ru"][0], summary=HANDBOOK["ru"][1], language="ru",
                        resource_type="handbook")
    _translate(edition, HANDBOOK, "ru")
    db.session.add_all([
        ItemLanguageVersion(item_id=handbook.id, group_id="handbook-thb"),
        ItemLanguageVersion(item_id=edition.id, group_id="handbook-thb"),
    ])
    db.session.commit()
    return Content(academy, editor, module, handbook, edition)
