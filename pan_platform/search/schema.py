"""The Whoosh schema: one document per item (curriculum, module or material).

Text fields exist once per language group (en, ru, fr, de, es, it, other) so each is
analysed with its own stemmer. Titles and summaries are short and stored: snippets
are highlighted from them. The extracted file text ("body") is indexed but neither
stored nor given positions: positions were ~74% of the index and phrase verification
over long bodies dominated query time, so a quoted phrase is matched exactly in titles,
summaries and outcomes, and as "all these words" in the body (see query.py).

Facet values live in one column per document ("facets"), read once per segment and
cached, so facet counts are computed from matched document numbers.
"""

from __future__ import annotations

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NGRAMWORDS, STORED, TEXT, Schema

from pan_platform.search import lengths
from pan_platform.search.analysis import FIELD_LANGUAGES, OTHER, analyzer_for

lengths.install()  # wherever the schema is used, field lengths are read from memory

# Facets shown on the search page, in display order. Values are vocabulary codes.
FACETS = ("area", "language", "country", "academy", "type", "audience", "level", "kind")
# Filter fields (indexed, not scored) for each facet.
FILTER_FIELDS = {
    "area": "areas",
    "language": "languages",
    "country": "country",
    "academy": "academy",
    "type": "type",
    "audience": "audience",
    "level": "level",
    "kind": "kind",
}
FACET_SEPARATOR = "\x1f"
TITLE_BOOST, SUMMARY_BOOST, KEYWORD_BOOST = 4.0, 2.0, 3.0


def title_field(lang: str) -> str:
    return f"title_{lang}"


def summary_field(lang: str) -> str:
    return f"summary_{lang}"


def body_field(lang: str) -> str:
    return f"body_{lang}"


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True),
        "original": STORED(),  # the item's original language group, for snippets
        "stored_langs": STORED(),  # language groups that have a stored title
        "stamp": STORED(),  # digest of the document, to find drift (check-index)
        # Keywords in any language: plain words, not stemmed, positions kept for phrases.
        "keywords": TEXT(analyzer=analyzer_for(OTHER), field_boost=KEYWORD_BOOST),
        "areas": KEYWORD(commas=True),
        "languages": KEYWORD(commas=True),
        "principals": KEYWORD(commas=True),
        "country": ID(),
        "academy": ID(),
        "type": ID(),
        "audience": ID(),
        "level": ID(),
        "kind": ID(),
        "state": ID(),
        # Sort key only (no range queries): a column, no index terms.
        "published": COLUMN(NumericColumn("q", default=0)),
        "item_id": COLUMN(NumericColumn("q", default=0)),  # tie-break: newest id first
        "facets": COLUMN(VarBytesColumn()),
        # Unstemmed words of titles, summaries and keywords: spelling candidates. A
        # candidate is only ever proposed after a query with the user's principals filter
        # found it in a document the user may read (query.correction).
        "spell": KEYWORD(commas=True, scorable=False),
        # Word starts of titles, for suggestions while typing.
        "complete": NGRAMWORDS(minsize=2, maxsize=15, at="start"),
    }
    for lang in FIELD_LANGUAGES:
        analyzer = analyzer_for(lang)
        fields[title_field(lang)] = TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST)
        fields[summary_field(lang)] = TEXT(analyzer=analyzer, stored=True, field_boost=SUMMARY_BOOST)
        fields[body_field(lang)] = TEXT(analyzer=analyzer, stored=False, phrase=False)
    return Schema(**fields)
