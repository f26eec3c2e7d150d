"""What the index holds for a sample corpus stays exactly what it was.

`fixtures/index_content.json` was written from this corpus before the indexing path was
made faster (one pass over each text, counted words, postings written by block), with
the analysers of schema version 2, and rewritten for schema version 3 (spelling words
gained the joined forms of hyphenated words and the area labels; nothing else changed). Every term of every field, with its documents,
weights and values, and every field length must come out the same, through the bulk
builder (rebuilds) and through Whoosh's own writer (saves), so a change that alters
what is found fails here rather than in a ranking somewhere.

To rewrite the fixture after a deliberate change of the analysers (and of
`SCHEMA_VERSION`): `.venv/bin/python -m tests.search.test_index_content --write`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from whoosh import index as whoosh_index

from pan_platform.search import bulk
from pan_platform.search.analysis import FIELD_LANGUAGES, NEUTRAL, LanguageTokenizer
from pan_platform.search.documents import build_document
from pan_platform.search.schema import build_schema

FIXTURE = Path(__file__).parent / "fixtures" / "index_content.json"
ROOT = Path(__file__).resolve().parents[2]

# Texts that exercise every rule of the analysers: joined words and their chains,
# identifiers, stop words, Turkish dotted capitals, Arabic vowel marks, French plurals
# in -u, Russian derivational suffixes, Greek final sigma, a body in a language
# without a stemmer, a body in another language than the item's.
EDGE_TEXTS = [
    ("en", "Cyber-crime for First Responders: the I-24/7 network",
     "INTERPOL's I-24/7 and the 2020-2021-2022-2023-2024 plans; cyber crime, cybercrime and e-mail.",
     "APAAN precursors, Hawala brokers; UNODC/УНП ООН co-operation. Well-known off-line tools."),
    ("tr", "İnsan Ticareti ve İstanbul", "İZMİR ılık IĞDIR: insan ticaretiyle mücadele.",
     "Siber-suç soruşturmaları; DİKKAT."),
    ("ar", "الإِرْهَاب وَالجَرِيمَة", "مكافحة الإرهاب والاتجار بالبشر — تدريب الشرطة",
     "الجرائم الإلكترونية، غسل الأموال عبر الحوالة (Hawala)."),
    ("fr", "Les détenus corrompus", "Individus corrompus, contenus abus, virus et processus; enquête-éclair.",
     "Coopération avec les organisations partenaires."),
    ("ru", "Борьба с торговлей людьми", "полицейских полиция ёлка Ёжик; УНП ООН и кибер-преступность.",
     "киберпреступность, наркоторговля, программа-вымогатель."),
    ("de", "Menschenhandels und Menschenhandel", "Straßenverkehr STRASSE Ermittlungen; E-Mail-Betrug.",
     "Zusammenarbeit der Polizei-Akademien."),
    ("uk", "Торгівля людьми", "Кіберзлочинність і протидія; ΟΔΟΣ ΣΟΦΟΣ.", "Співпраця з партнерами."),
]


def _edge_records() -> list[dict]:
    out = []
    for offset, (lang, title, summary, outcomes) in enumerate(EDGE_TEXTS):
        body_lang = "uk" if lang == "en" else lang
        out.append({
            "id": 1000 + offset, "kind": "material", "language": lang,
            "texts": [{"lang": lang, "title": title, "summary": summary, "outcomes": outcomes},
                      {"lang": "en", "title": f"{title} (en)", "summary": summary, "outcomes": ""}],
            "keywords": ["cyber-crime", "I-24/7", title.split()[0]],
            "body": " ".join([summary, outcomes, title] * 5), "body_lang": body_lang,
            "academy": "academy-1", "country": "AT", "areas": ["cybercrime", "human-trafficking"][: 1 + offset % 2],
            "area_labels": "en\tCyber-crime\nde\tCyberkriminalität\nru\tКиберпреступность\nar\tالجرائم الإلكترونية",
            "languages": sorted({lang, "en"}), "type": "handbook", "audience": None, "level": "advanced",
            "state": "published", "published": 1_600_000_000 + offset, "principals": ["public"],
        })
    return out


def sample_records() -> list[dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from search_bench import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return list(generate(16, seed=11, body_kb=2)) + _edge_records()


def index_content(path: Path) -> dict:
    """Every posting, field length and stored field, by item id, in JSON-able form."""
    reader = whoosh_index.open_dir(str(path)).reader()
    ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
    postings: dict[str, dict[str, list]] = {}
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        found = []
        while matcher.is_active():
            value = matcher.value()
            found.append([ids[matcher.id()], round(matcher.weight(), 4), value.hex() if value else ""])
            matcher.next()
        postings.setdefault(fieldname, {})[text.decode("utf-8")] = sorted(found)
    lengths = {
        name: {ids[d]: reader.doc_field_length(d, name) or 0 for d in sorted(ids)}
        for name in sorted(reader.schema.scorable_names())
    }
    stored = {ids[d]: {k: v for k, v in fields.items() if k != "stamp"} for d, fields in reader.iter_docs()}
    reader.close()
    return json.loads(json.dumps({"postings": postings, "lengths": lengths, "stored": stored}, sort_keys=True))


def _bulk_index(path: Path) -> Path:
    path.mkdir()
    whoosh_index.create_in(str(path), build_schema())
    bulk.build_segments(path, (build_document(r) for r in sample_records()), procs=1)
    return path


def _whoosh_index(path: Path) -> Path:
    path.mkdir()
    writer = whoosh_index.create_in(str(path), build_schema()).writer()
    for record in sample_records():
        writer.add_document(**build_document(record))
    writer.commit()
    return path


def _expected() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _assert_same(actual: dict, expected: dict) -> None:
    assert sorted(actual["postings"]) == sorted(expected["postings"])
    for fieldname, terms in expected["postings"].items():
        assert actual["postings"][fieldname] == terms, fieldname
    assert actual["lengths"] == expected["lengths"]
    assert actual["stored"] == expected["stored"]


def test_bulk_rebuild_indexes_the_same_terms_as_before(tmp_path):
    _assert_same(index_content(_bulk_index(tmp_path / "bulk")), _expected())


def test_saves_index_the_same_terms_as_before(tmp_path):
    _assert_same(index_content(_whoosh_index(tmp_path / "plain")), _expected())


def test_the_fixture_covers_the_relevance_fields():
    postings = _expected()["postings"]
    assert {"cybercrime", "i247", "24", "apaan", "istanbul", "οδοσ", "الارهاب"} <= set(postings["neutral"])
    assert "corrompu" in postings["summary_fr"] and "en:cyber" in postings["area_labels"]


def test_counted_terms_equal_the_terms_of_the_text():
    texts = [" ".join(edge[1:]) * 3 for edge in EDGE_TEXTS] + ["", "the of and", "a-b-c-d-e-f x-y"]
    for language in (*FIELD_LANGUAGES, NEUTRAL):
        analyzer = LanguageTokenizer(language, cachesize=50)  # small: its word cache is cleared too
        for text in texts:
            assert analyzer.term_counts(analyzer.words_of(text)) == Counter(analyzer.terms(text)), (language, text)


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        content = index_content(_whoosh_index(Path(tmp) / "plain"))
        assert content == index_content(_bulk_index(Path(tmp) / "bulk"))
    FIXTURE.write_text(json.dumps(content, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    print(f"written {FIXTURE}")
