"""Related terms: whole-word matching, folding, longest match, order, and the cache."""

from __future__ import annotations

from sqlalchemy import insert

from pan_platform.extensions import db
from pan_platform.thesaurus.lookup import RelatedTerm, related_terms
from pan_platform.thesaurus.models import ThesaurusRevision, ThesaurusTerm
from tests.thesaurus.helpers import SAMPLE, load_sample


def _terms(text: str, limit: int = 20) -> list[str]:
    return [r.term for r in related_terms(text, limit)]


def test_a_multi_word_term_brings_the_other_terms_of_its_concept(app):
    load_sample()
    result = related_terms("training on drug trafficking routes")
    assert RelatedTerm("наркоторговля", "ru", "drug-trafficking") in result
    # "drug trafficking" names only part of the text: it is searched on its own as well.
    assert {r.term for r in result} == {
        "drug trafficking", "narcotrafficking", "наркоторговля", "trafic de stupéfiants", "Drogenhandel", "narcotráfico",
        "traffico di stupefacenti", "الاتجار بالمخدرات",
    }
    assert {r.concept for r in result} == {"drug-trafficking"}


def test_the_longest_match_wins(app):
    load_sample()
    # "drug trafficking" is one concept; the shorter "drugs" (by its stem) is not matched as well.
    assert "narcotics" not in _terms("drug trafficking")
    assert "narcotics" in _terms("drugs")
    # "human trafficking" belongs to THB alone.
    assert set(_terms("human trafficking")) == {"trafficking in human beings", "THB", "Menschenhandel"}


def test_hyphens_and_spaces_do_not_matter(app):
    load_sample()
    for text in ("cyber-crime", "cyber crime", "cybercrime", "CYBER-CRIME training", "Cyber Crime"):
        assert "киберпреступность" in _terms(text), text
    # The text's own spelling, in any variant, is not suggested back.
    assert "cyber-crime" not in _terms("cybercrime")


def test_case_and_accents_do_not_matter(app):
    load_sample()
    assert "Drogenhandel" in _terms("TRAFIC DE STUPEFIANTS")
    assert "drug trafficking" in _terms("Narcotrafico")
    assert "drug trafficking" in _terms("الاتِّجار بالمخدِّرات")  # with Arabic diacritics
    assert "JIT" in _terms("equipe commune d’enquete")


def test_only_whole_words_match(app):
    load_sample()
    assert _terms("cyber") == []
    assert _terms("thbx jitter") == []
    assert _terms("drugstore") == []
    assert "joint investigation team" in _terms("a JIT agreement")


def test_inflected_forms_match_by_stem(app):
    load_sample()
    assert "drug trafficking" in _terms("борьба с наркоторговлей")
    # The inflected form counts as present: the base form is not suggested back.
    assert "наркоторговля" not in _terms("наркоторговли")
    assert "illicit drugs" in _terms("Drogen")


def test_preferred_terms_come_first_and_limit_applies(app):
    load_sample()
    result = related_terms("cybercrime and joint investigation teams")
    preferred = [r for r in result if r.term not in ("cibercrimen", "JIT", "ECE")]
    assert result[: len(preferred)] == preferred
    assert {r.concept for r in result} == {"cybercrime", "jit"}
    assert len(related_terms("cybercrime and joint investigation teams", limit=3)) == 3
    assert related_terms("cybercrime", limit=0) == []


def test_empty_text_and_empty_thesaurus(app):
    assert related_terms("cybercrime") == []
    load_sample()
    assert related_terms("") == []
    assert related_terms("   ---   ") == []


def test_an_import_is_seen_at_the_next_call(app):
    load_sample()
    assert "Menschenhandel" in _terms("THB")
    load_sample(SAMPLE.replace("Menschenhandel", "Handel mit Menschen"))
    result = _terms("THB")
    assert "Handel mit Menschen" in result and "Menschenhandel" not in result


def test_a_change_made_by_another_process_is_seen(app):
    """Another worker's import shows as a new revision: the cache is reloaded without being cleared here."""
    load_sample()
    assert "Europol" not in _terms("drug trafficking")
    with db.engine.begin() as conn:
        conn.execute(insert(ThesaurusTerm).values(concept="drug-trafficking", area="illicit-drugs", lang="en",
                                                  term="Europol", preferred=False))
        conn.execute(insert(ThesaurusRevision).values(terms=1, concepts=1, at=db.func.now()))
    assert "Europol" in _terms("drug trafficking")
