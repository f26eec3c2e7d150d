"""Safe query parsing, snippets and spelling corrections (matching and counting: engine.py).

Everything the user sees is computed from the documents matching
`user query AND principals filter AND facet filters`:
- counts and facet counts from the matched documents (engine.py);
- snippets from the stored title and summary of the hits shown;
- suggestions are titles of readable items;
- "did you mean" words are proposed only when documents the user may read contain them,
  ranked by how many of those do.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from math import ceil

from whoosh.qparser import AndGroup, MultifieldParser, plugins
from whoosh.query import And, NullQuery, Or, Phrase, Query, Term

from pan_platform.search import engine
from pan_platform.search.analysis import (
    FIELD_LANGUAGES,
    OTHER,
    WORD_PATTERN,
    analyzer_for,
    field_language,
    plain_words,
)
from pan_platform.search.schema import (
    AREA_FIELD,
    FILTER_FIELDS,
    NEUTRAL_FIELD,
    body_field,
    summary_field,
    title_field,
)

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
MAX_PAGE = 50  # 1,000 results deep is enough for people; deeper pages cost a full sort
SUMMARY_SNIPPET_CHARS = 240
SNIPPET_SOURCE_CHARS = 2_000  # stored summaries and outcomes beyond this are not highlighted
SORTS = ("relevance", "date")
# Fields a user may address with "name:" in the query box (documented on the search page).
_USER_FIELD_RE = re.compile(r'(?<!\w)(title|keyword):\s*("[^"]*"|[^\s"]+)', re.IGNORECASE)
# Wildcards, fuzzy, boost and range syntax are not offered: their characters are dropped.
_STRIP_CHARS = str.maketrans({c: " " for c in "*?~^[]{}\\"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Language groups whose content is written in another script than Latin: a Latin-script
# query typed under these interfaces is most likely English (the network's common language).
_NON_LATIN_GROUPS = frozenset({"ru", "ar"})


@dataclass
class SearchResult:
    query: str
    ids: list[int] = field(default_factory=list)  # this page, in rank order
    total: int = 0
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    snippets: dict[int, dict] = field(default_factory=dict)
    corrected: str | None = None
    notices: list[str] = field(default_factory=list)  # message codes, see NOTICES

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, ceil(self.total / self.per_page)))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# -- cleaning and parsing -----------------------------------------------------------


def clean_text(text: str | None) -> tuple[str, list[str]]:
    """Drop control characters and unsupported syntax, cap the length. Returns notices."""
    notices: list[str] = []
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in (text or ""))
    if len(text) > MAX_QUERY_CHARS:
        text, notices = text[:MAX_QUERY_CHARS], ["shortened"]
    stripped = text.translate(_STRIP_CHARS)
    if stripped != text:
        notices.append("syntax")
    text = stripped
    if text.count('"') % 2:  # an unbalanced quote: drop the last one
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    words = text.split()
    if len(words) > MAX_WORDS:
        words = words[:MAX_WORDS]
        if text.count('"') != " ".join(words).count('"') or " ".join(words).count('"') % 2:
            words = [w.replace('"', "") for w in words]
        if "shortened" not in notices:
            notices.append("shortened")
    return " ".join(words), notices


def query_languages(ui_lang: str | None, filter_lang: str | None, text: str) -> list[str]:
    """Language groups whose summary and body fields a query searches: interface and filter
    languages, the language of the query's script when the interface language is written
    in another one (Russian for Cyrillic; English for Latin under a Cyrillic or unstemmed
    interface such as Russian or Arabic), and always the unstemmed group.

    Each extra group costs query time (two more posting lists per word, one of them over
    long bodies), so a Latin query under a French interface does not also search English
    bodies; titles are searched in every language anyway."""
    ui_group = field_language(ui_lang)
    groups = [ui_group, field_language(filter_lang) if filter_lang else None]
    if _CYRILLIC.search(text):
        groups.append("ru")
    if _ARABIC.search(text):
        groups.append("ar")
    if (ui_group in _NON_LATIN_GROUPS or ui_group == OTHER) and _LATIN.search(text):
        groups.append("en")
    groups.append(OTHER)
    return [g for g in FIELD_LANGUAGES if g in groups]


def _parser(fieldnames: list[str], schema) -> MultifieldParser:
    parser = MultifieldParser(fieldnames, schema, group=AndGroup)
    for plugin in (
        plugins.FieldsPlugin, plugins.WildcardPlugin, plugins.RangePlugin, plugins.BoostPlugin,
        plugins.EveryPlugin, plugins.FuzzyTermPlugin, plugins.RegexPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


def _no_phrase_on_positionless(q: Query, schema) -> Query:
    """A phrase on a field without positions (the body) becomes "all these words"."""
    if isinstance(q, Phrase):
        fieldobj = schema[q.fieldname] if q.fieldname in schema else None
        if fieldobj is None or not fieldobj.format.supports("positions"):
            return And([Term(q.fieldname, w) for w in q.words])
        return q
    return q.apply(lambda sub: _no_phrase_on_positionless(sub, schema))


def parse_user_query(text: str, langs: list[str], schema) -> Query | None:
    """The user's words as a query over the user fields, or None for an empty query."""
    parts: list[Query] = []

    def take_field(match: re.Match) -> str:
        name, value = match.group(1).lower(), match.group(2)
        names = [title_field(g) for g in FIELD_LANGUAGES] if name == "title" else ["keywords"]
        sub = _parser(names, schema).parse(value)
        if sub is not NullQuery:
            parts.append(sub)
        return " "

    rest = _USER_FIELD_RE.sub(take_field, text)
    # Titles are short: searched in every language, so a word typed in any language finds
    # them. Summaries, outcomes and bodies in the query's languages (a field per language
    # costs query time: every field is one more posting list per word). The neutral field
    # (every text, unstemmed, lower weight) and the area labels in every language always.
    names = [title_field(g) for g in FIELD_LANGUAGES]
    names += [f(g) for g in langs for f in (summary_field, body_field)] + ["keywords", AREA_FIELD, NEUTRAL_FIELD]
    if rest.strip():
        main = _parser(names, schema).parse(rest)
        if main is not NullQuery:
            parts.append(main)
    if not parts:
        return None
    q = parts[0] if len(parts) == 1 else And(parts)
    q = _no_phrase_on_positionless(q, schema).normalize()
    return None if q is NullQuery else q


def completion_query(words: list[str]) -> Query:
    """Titles with words starting with each of `words` (the "complete" field holds starts)."""
    return And([Term("complete", w) for w in words])


def access_filter(principals: frozenset[str] | None) -> Query | None:
    """The documents these principals may read; None: no restriction (administrators)."""
    if principals is None:
        return None
    return Or([Term("principals", p) for p in sorted(principals)])


def restriction(principals: frozenset[str] | None, filters: dict[str, str | None]) -> Query | None:
    """Access filter AND facet filters, or None when nothing restricts the search."""
    parts = [access_filter(principals)]
    parts += [Term(FILTER_FIELDS[name], value) for name, value in filters.items() if value and name in FILTER_FIELDS]
    present = [p for p in parts if p is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else And(present)


# -- snippets ---------------------------------------------------------------------------


def _highlight_terms(words: list[str], group: str) -> set[str]:
    analyzer = analyzer_for(group)
    return {token.text for word in words for token in analyzer(word)}


_WORD = re.compile(WORD_PATTERN)


def _matches(text: str, group: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of `text` whose analysed form is one of `terms`.

    The same words and stems as the field's analyser, without building a token per word:
    snippets were a fifth of query time."""
    if not terms:
        return []
    analyzer = analyzer_for(group)
    stem, stops = analyzer.stem, analyzer.stop_words
    spans = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if (word if word in stops else stem(word)) in terms:  # stop words are not stemmed
            spans.append((match.start(), match.end()))
    return spans


def _marked(text: str, spans: list[tuple[int, int]], offset: int = 0) -> list[tuple[str, bool]]:
    """Text split into (piece, is_match) segments; the template escapes and marks them."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for start, end in spans:
        start, end = start - offset, end - offset
        if start < last or end > len(text):
            continue
        if start > last:
            pieces.append((text[last:start], False))
        pieces.append((text[start:end], True))
        last = end
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def _summary_snippet(text: str, group: str, terms: set[str]) -> list[tuple[str, bool]]:
    """Up to SUMMARY_SNIPPET_CHARS around the first match, cut at word boundaries."""
    text = text[:SNIPPET_SOURCE_CHARS]
    spans = _matches(text, group, terms)
    if len(text) <= SUMMARY_SNIPPET_CHARS:
        return _marked(text, spans)
    start = max(0, spans[0][0] - SUMMARY_SNIPPET_CHARS // 3) if spans else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + SUMMARY_SNIPPET_CHARS
    cut = text.rfind(" ", start, end)
    end = cut if cut > start + SUMMARY_SNIPPET_CHARS // 2 else end
    pieces = _marked(text[start:end], [sp for sp in spans if sp[0] >= start and sp[1] <= end], offset=start)
    if start:
        pieces.insert(0, ("… ", False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


def snippet(stored: dict, display_lang: str, words: list[str]) -> dict:
    """Highlighted title and summary of one hit, in the language the page shows it in."""
    group = field_language(display_lang)
    if group not in (stored.get("stored_langs") or ()) or (group == OTHER and stored.get("original") != OTHER):
        group = stored.get("original") or OTHER
    terms = _highlight_terms(words, group)
    title = stored.get(title_field(group)) or ""
    return {
        "title": _marked(title, _matches(title, group, terms)),
        "summary": _summary_snippet(stored.get(summary_field(group)) or "", group, terms),
        "group": group,
    }


def positive_words(text: str) -> list[str]:
    """Words the user looks for (not excluded ones, not operators), for highlighting."""
    words, skip = [], False
    for raw in re.findall(r'-?"[^"]*"|\S+', text):
        if raw in ("NOT", "ANDNOT"):
            skip = True
            continue
        if raw in ("AND", "OR", "ANDMAYBE"):
            continue
        if skip or raw.startswith("-"):
            skip = False
            continue
        words.extend(plain_words(_USER_FIELD_RE.sub(lambda m: m.group(2), raw)))
    return words


# -- spelling -------------------------------------------------------------------------------


def _readable_count(arrays, word: str, allowed) -> int:
    """How many documents the user may read (within the filters) contain `word`."""
    return engine.count(arrays.term_mask("spell", word) & allowed)


def correction(arrays, text: str, allowed) -> str | None:
    """A corrected query, or None. Candidates within two edits come from the spelling
    field's word list, but one is proposed only when documents the user may read contain
    it (`allowed`: the documents the user may read within the filters), ranked by how
    many of those do; a word found only in hidden items is never proposed and never
    influences the choice."""
    reader = arrays.searcher.reader()
    changed, out = False, text
    for word in dict.fromkeys(plain_words(text)):
        if len(word) < 3 or word.isdigit() or _readable_count(arrays, word, allowed):
            continue
        candidates: list[str] = []
        for maxdist in (1, 2):
            candidates = [c for c in reader.terms_within("spell", word, maxdist, prefix=1) if c != word][:20]
            if candidates:
                break
        scored = [(_readable_count(arrays, c, allowed), c) for c in candidates]
        scored = [(n, c) for n, c in scored if n > 0]
        if scored:
            best = max(scored, key=lambda nc: (nc[0], [-ord(ch) for ch in nc[1]]))[1]
            out = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", best, out)
            changed = True
    return out if changed else None
