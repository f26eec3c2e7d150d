"""Queries that once failed on the demo data (`pan seed`): a misspelling, and Russian
queries with small words."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from config import BASE_DIR
from pan_platform import search
from pan_platform.access import can
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.seeding import seed_all
from pan_platform.thesaurus.operations import seed_if_empty
from tests.conftest import make_app, running


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo catalogue and thesaurus, seeded once for this module."""
    with running(make_app(tmp_path_factory.mktemp("demo"))) as app:
        seed_all(BASE_DIR / "seed_data")
        seed_if_empty(BASE_DIR / "seed_data" / "thesaurus.csv")
        db.session.commit()
        yield app


def _readable(title_pattern: str, language: str) -> set[int]:
    """Ids of the items anonymous visitors may read whose title in `language` matches."""
    found = set()
    for item in db.session.scalars(select(Item)).all():
        titles = [item.title] if item.language == language else []
        titles += [t.title for t in item.translations if t.language == language]
        if can(None, "read", item) and any(re.search(title_pattern, t, re.IGNORECASE) for t in titles):
            found.add(item.id)
    return found


def test_trafficing_shows_results_for_trafficking(demo):
    trafficking = _readable(r"\btrafficking\b", "en")
    assert trafficking  # the demo has public trafficking items
    result = search.search(None, "trafficing", lang="en")
    assert result.corrected == "trafficking" and result.corrected_applied
    assert trafficking <= set(result.ids)
    assert set(result.ids[: len(trafficking)]) == trafficking  # before the "traffic" items
    page = demo.test_client().get("/search", query_string={"q": "trafficing"}).get_data(as_text=True)
    assert "Showing results for" in page and "<strong>trafficking</strong>" in page


@pytest.mark.parametrize("text", ["торговля людьми", "борьба с торговлей людьми"])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_russian_queries_find_the_russian_trafficking_items(demo, text, lang):
    russian = _readable(r"торговл\w* людьми", "ru")
    assert russian
    assert russian <= set(search.search(None, text, lang=lang).ids)
