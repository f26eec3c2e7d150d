"""The Whoosh schema: one document per item (curriculum, module or material).

Text fields exist once per language group (en, ru, fr, de, es, it, other) so each is
analysed with its own stemmer. Titles and summaries are short and stored: snippets
are highlighted from them. The extracted file text ("body") is indexed but neither
stored nor given positions: positions were ~74% of the index and phrase verification
over long bodies dominated query time, so a quoted phrase is matched exactly in titles,
summaries and outcomes, and as "all these words" in the body (see query.py).

Two fields hold text of every language: "neutral" (titles, summaries, outcomes,
keywords and extracted text, folded but not stemmed, searched by every query at a lower
weight, so acronyms and identifiers are found in any language's text) and "area_labels"
(the labels of the item's priority areas in every interface language).

Facet values live in one column per document ("facets"), read once per segment and
cached, so facet counts are computed from matched document numbers.

`SCHEMA_VERSION` changes whenever fields or analysers change: an index of another
version must be rebuilt (`pan reindex`; `pan reindex --if-missing` does it too).
"""

from __future__ import annotations

import logging
from pathlib import Path

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NGRAMWORDS, STORED, TEXT, Schema

from pan_platform.search import whoosh_internals
from pan_platform.search.analysis import FIELD_LANGUAGES, NEUTRAL, OTHER, AreaLabelTokenizer, analyzer_for

whoosh_internals.install_lengths_in_memory()  # wherever the schema is used, field lengths are read from memory
if not whoosh_internals.fast_paths_available():
    logging.getLogger(__name__).warning(
        "the installed Whoosh lacks internals the fast search paths use: searching works, more slowly"
    )

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
AREA_BOOST = 3.0  # an area's name is as telling as a keyword
# Below the body (1.0): a word found in the query language's fields ranks first.
NEUTRAL_BOOST = 0.5
NEUTRAL_FIELD, AREA_FIELD = "neutral", "area_labels"

# 2: Arabic and Turkish fields, "neutral" and "area_labels", joined hyphenated words,
# French plurals in -us. 3: spelling words include joined hyphenated words and area labels
# (documents change, so an index of an older version is rebuilt).
SCHEMA_VERSION = 3
VERSION_FILE = "pan-schema-version"


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
        # Every text of the item in one field, folded, no positions (like the body).
        NEUTRAL_FIELD: TEXT(analyzer=analyzer_for(NEUTRAL), phrase=False, field_boost=NEUTRAL_BOOST),
        # A query word matches a label in any of its forms (see AreaLabelTokenizer).
        AREA_FIELD: TEXT(analyzer=AreaLabelTokenizer(), phrase=False, field_boost=AREA_BOOST,
                         multitoken_query="or"),
    }
    for lang in FIELD_LANGUAGES:
        analyzer = analyzer_for(lang)
        fields[title_field(lang)] = TEXT(analyzer=analyzer, stored=True, field_boost=TITLE_BOOST)
        fields[summary_field(lang)] = TEXT(analyzer=analyzer, stored=True, field_boost=SUMMARY_BOOST)
        fields[body_field(lang)] = TEXT(analyzer=analyzer, stored=False, phrase=False)
    return Schema(**fields)


def mark_version(index_dir: Path) -> None:
    """Record the schema version in a new index directory."""
    (Path(index_dir) / VERSION_FILE).write_text(str(SCHEMA_VERSION), encoding="ascii")


def version_of(index_dir: Path) -> int:
    """The schema version an index directory was built with (0: before versions)."""
    try:
        return int((Path(index_dir) / VERSION_FILE).read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return 0
