"""Safe query parsing, snippets and spelling corrections (matching and counting: engine.py).

Everything the user sees is computed from the documents matching
`user query AND principals filter AND facet filters`:
- counts and facet counts from the matched documents (engine.py);
- snippets from the stored title and summary of the hits shown;
- suggestions are titles of readable items;
- "did you mean" words are proposed only when documents the user may read contain them,
  ranked by how many of those do.

How the words of a query combine (see `_Clauses`): stop words of the query's languages
are never required; of the other plain words, all are needed up to two, then most of
them (`minimum_should_match`), documents matching more of them ranked first. Phrases,
`title:`/`keyword:` parts and explicit `AND`/`OR`/`NOT` groups stay required. A query
may be widened, always at a lower weight than the literal words, with near spellings of
words no readable document contains (`spelling`) and with related thesaurus terms
(`related_query`), both chosen only from what the user may read.
"""

from __future__ import annotations

import copy
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from math import ceil
from typing import ClassVar

import numpy as np
from whoosh.qparser import MultifieldParser, plugins, syntax
from whoosh.query import And, AndMaybe, DisjunctionMax, NullQuery, Or, Phrase, Query, Term

from pan_platform.catalogue.vocabularies import PRIORITY_AREA_ORIGINALS
from pan_platform.paging import Paged
from pan_platform.search import engine
from pan_platform.search.analysis import (
    FIELD_LANGUAGES,
    OTHER,
    STEMMED_LANGUAGES,
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
from pan_platform.thesaurus import lookup as thesaurus_lookup

log = logging.getLogger(__name__)

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
# Stop words of every stemmed language: one of another language than the query's counts
# towards the score when it matches but is never needed ("della" in an English search).
ALL_STOP_WORDS = frozenset(w for g in STEMMED_LANGUAGES for w in analyzer_for(g).stop_words)

# Fewer results than this and a word no readable document contains: near spellings are tried.
FEW_RESULTS = 5
# Weights relative to a literal word (1.0). A word no readable title, summary or keyword
# holds is most likely misspelt, and its stem may match by accident ("trafficing" stems
# to "traffic"), so the best near spelling outweighs it.
UNKNOWN_WORD_WEIGHT = 0.25
SPELLING_WEIGHT = 0.5
OTHER_SPELLING_WEIGHT = 0.25
SPELLING_CANDIDATES = 3  # near spellings searched per word
SPELLING_LOOKED_AT = 20  # near spellings whose readable documents are counted per word
# A word two edits away needs five times the readable documents to beat one one edit away.
SECOND_EDIT_FACTOR = 0.2
# "cybercrime" searched as "cyber crime" too (the same word, written apart): per half, as
# the two halves' scores add up.
COMPOUND_WEIGHT = 0.4
THESAURUS_WEIGHT = 0.3
# A related term in one of the query's own languages is a synonym the searcher could have
# typed: it weighs more than a translation, so the query's language still ranks first.
SAME_LANGUAGE_WEIGHT = 0.6
# A query naming a priority area (a thesaurus concept whose slug is the area's code)
# also finds the items tagged with the area, at a flat score about that of a weak word match.
AREA_TAG_WEIGHT = 1.0
RELATED_TERMS = 20


@dataclass
class SearchResult(Paged):
    query: str
    ids: list[int] = field(default_factory=list)  # this page, in rank order
    total: int = 0
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    snippets: dict[int, dict] = field(default_factory=dict)
    corrected: str | None = None  # the query with near spellings of unknown words
    corrected_applied: bool = False  # True: the results are for `corrected`; False: "did you mean"
    also_searched: list[tuple[str, str]] = field(default_factory=list)  # (term, language) from the thesaurus
    notices: list[str] = field(default_factory=list)  # message codes, see NOTICES
    max_pages: ClassVar[int] = MAX_PAGE  # pages, has_prev, has_next: the shared paginator's


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


def query_languages(ui_lang: str | None, filter_lang: str | tuple[str, ...] | None, text: str) -> list[str]:
    """Language groups whose summary and body fields a query searches: interface and filter
    languages, the language of the query's script when the interface language is written
    in another one (Russian for Cyrillic; English for Latin under a Cyrillic or unstemmed
    interface such as Russian or Arabic), and always the unstemmed group.

    Each extra group costs query time (two more posting lists per word, one of them over
    long bodies), so a Latin query under a French interface does not also search English
    bodies; titles are searched in every language anyway."""
    ui_group = field_language(ui_lang)
    filter_langs = (filter_lang,) if isinstance(filter_lang, str) else tuple(filter_lang or ())
    groups = [ui_group, *(field_language(code) for code in filter_langs)]
    if _CYRILLIC.search(text):
        groups.append("ru")
    if _ARABIC.search(text):
        groups.append("ar")
    if (ui_group in _NON_LATIN_GROUPS or ui_group == OTHER) and _LATIN.search(text):
        groups.append("en")
    groups.append(OTHER)
    return [g for g in FIELD_LANGUAGES if g in groups]


def minimum_should_match(count: int) -> int:
    """How many of `count` content words a document needs: all of one or two, then all
    but one, at most a quarter missing."""
    if count <= 2:
        return count
    return max(2, min(count - 1, ceil(0.75 * count)))


@dataclass
class Widening:
    """What a query is widened with beyond the user's literal words."""

    # word -> [(word or near spelling, weight)]: the word's clause searches all of them
    alternatives: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    related: Query | None = None  # thesaurus terms, an alternative to the plain words


def _word_text(node) -> str | None:
    """The word of a plain-word node (the parser makes one per field), else None."""
    if isinstance(node, syntax.WordNode):
        return node.text
    if isinstance(node, syntax.GroupNode) and node.nodes and all(isinstance(n, syntax.WordNode) for n in node.nodes):
        texts = {n.text for n in node.nodes}
        return texts.pop() if len(texts) == 1 else None
    return None


def _with_word(node, word: str):
    """A copy of a plain-word node searching another word in the same fields."""
    other = copy.deepcopy(node)
    for sub in other.nodes if isinstance(other, syntax.GroupNode) else [other]:
        sub.text = word
    return other


def _word_clause(parser, word: str, node) -> Query | None:
    """A word in every field, or its weighted alternatives (the word and near spellings)."""
    alternatives = parser.pan_widening.alternatives.get(word.lower())
    if not alternatives:
        return node.query(parser)
    parts = []
    for other, weight in alternatives:
        sub = (node if other == word.lower() else _with_word(node, other)).query(parser)
        if sub is not None and sub is not NullQuery:
            parts.append(sub.with_boost(sub.boost * weight))
    return DisjunctionMax(parts) if parts else None  # the best of them: a document holding both scores once


def _words_query(parser, words: list[tuple[str, object]]) -> Query | None:
    """Plain words: stop words of the query's languages are dropped, other languages' stop
    words only add to the score, and most of the rest are needed (see module docstring).
    A query of stop words alone searches them, as nothing else is left."""
    unique: dict[str, object] = {}
    for word, node in words:
        unique.setdefault(word.lower(), (word, node))
    content = [wn for key, wn in unique.items() if key not in ALL_STOP_WORDS]
    optional = [wn for key, wn in unique.items() if key in ALL_STOP_WORDS and key not in parser.pan_stops]
    if not content:
        content, optional = list(unique.values()), []
    clauses = [c for c in (_word_clause(parser, w, n) for w, n in content) if c is not None and c is not NullQuery]
    if not clauses:
        return None
    q: Query = engine.AtLeast(clauses, minimum=minimum_should_match(len(clauses)))
    extra = [c for c in (_word_clause(parser, w, n) for w, n in optional) if c is not None and c is not NullQuery]
    if extra:
        q = AndMaybe(q, Or(extra))
    return q


class _Clauses(syntax.GroupNode):
    """The query's top level and each parenthesised group. Plain words combine as
    `_words_query` says; everything else (phrases, explicit AND/OR groups, NOT) is
    required. The thesaurus alternative joins the words of the top level only."""

    qclass = And

    def query(self, parser):
        top = not getattr(parser, "pan_inside", False)
        parser.pan_inside = True
        words, required = [], []
        for node in self.nodes:
            word = _word_text(node)
            if word is not None:
                words.append((word, node))
                continue
            sub = node.query(parser)
            if sub is not None and sub is not NullQuery:
                required.append(sub)
        words_q = _words_query(parser, words)
        related = parser.pan_widening.related
        if top and related is not None and words_q is not None:
            # The better of the two, not their sum: related terms add nothing to a document
            # holding the words themselves, and one holding only them scores at their weight.
            words_q = DisjunctionMax([words_q, related])
        parts = [*required, words_q] if words_q is not None else required
        if not parts:
            return NullQuery
        return syntax.attach(parts[0] if len(parts) == 1 else And(parts, boost=self.boost), self)


def _stop_words(langs: list[str]) -> frozenset[str]:
    return frozenset(w for g in langs if g in STEMMED_LANGUAGES for w in analyzer_for(g).stop_words)


def _parser(fieldnames: list[str], schema, langs: list[str] | None = None,
            widening: Widening | None = None) -> MultifieldParser:
    parser = MultifieldParser(fieldnames, schema, group=_Clauses)
    for plugin in (
        plugins.FieldsPlugin, plugins.WildcardPlugin, plugins.RangePlugin, plugins.BoostPlugin,
        plugins.EveryPlugin, plugins.FuzzyTermPlugin, plugins.RegexPlugin,
    ):
        parser.remove_plugin_class(plugin)
    parser.pan_stops = _stop_words(langs or [])
    parser.pan_widening = widening or Widening()
    return parser


def _no_phrase_on_positionless(q: Query, schema) -> Query:
    """A phrase on a field without positions (the body) becomes "all these words"."""
    if isinstance(q, Phrase):
        fieldobj = schema[q.fieldname] if q.fieldname in schema else None
        if fieldobj is None or not fieldobj.format.supports("positions"):
            return And([Term(q.fieldname, w) for w in q.words])
        return q
    return q.apply(lambda sub: _no_phrase_on_positionless(sub, schema))


def parse_user_query(text: str, langs: list[str], schema, widening: Widening | None = None) -> Query | None:
    """The user's words as a query over the user fields, or None for an empty query;
    `widening`: near spellings and thesaurus terms to search as well, at lower weights."""
    parts: list[Query] = []

    def take_field(match: re.Match) -> str:
        name, value = match.group(1).lower(), match.group(2)
        names = [title_field(g) for g in FIELD_LANGUAGES] if name == "title" else ["keywords"]
        sub = _parser(names, schema, langs, Widening(alternatives=(widening or Widening()).alternatives)).parse(value)
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
        main = _parser(names, schema, langs, widening).parse(rest)
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


def _facet_filter(field: str, value: str | tuple[str, ...]) -> Query:
    """One facet filter: its value, or any of its values (a multi-select)."""
    if isinstance(value, str):
        return Term(field, value)
    terms = [Term(field, v) for v in value]
    return terms[0] if len(terms) == 1 else Or(terms)


def restriction(principals: frozenset[str] | None,
                filters: dict[str, str | tuple[str, ...] | None]) -> Query | None:
    """Access filter AND facet filters (several values of one facet: any of them), or None
    when nothing restricts the search."""
    parts = [access_filter(principals)]
    parts += [_facet_filter(FILTER_FIELDS[name], value) for name, value in filters.items()
              if value and name in FILTER_FIELDS]
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


def edit_distances(word: str, candidates: list[str], limit: int) -> np.ndarray:
    """Edits (insert, delete, replace, swap two neighbours) from `word` to each of
    `candidates`; a distance above `limit` is reported as limit + 1. The edit table is
    filled one cell column at a time for all candidates at once (shorter candidates are
    padded; each one's distance is read at its own length)."""
    size = max(len(c) for c in candidates)
    padded = "".join(c.ljust(size, "\0") for c in candidates)
    letters = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).reshape(len(candidates), size)
    lengths = np.array([len(c) for c in candidates])
    mine = [ord(c) for c in word]
    before = None
    row = np.tile(np.arange(size + 1, dtype=np.int32), (len(candidates), 1))
    for i, letter in enumerate(mine, 1):
        current = np.empty_like(row)
        current[:, 0] = i
        differs = (letters != letter).astype(np.int32)
        for j in range(1, size + 1):
            best = np.minimum(row[:, j] + 1, current[:, j - 1] + 1)
            np.minimum(best, row[:, j - 1] + differs[:, j - 1], out=best)
            if before is not None and j > 1:
                swapped = (letters[:, j - 2] == letter) & (letters[:, j - 1] == mine[i - 2])
                np.minimum(best, np.where(swapped, before[:, j - 2] + 1, limit + 1), out=best)
            current[:, j] = best
        before, row = row, current
    return np.minimum(row[np.arange(len(candidates)), lengths], limit + 1)


def _near_spellings(arrays, word: str, allowed) -> list[str]:
    """Words of the spelling vocabulary within one edit (two for words of five letters or
    more) that documents the user may read contain, best first: every distance is looked
    at, a second edit weighing SECOND_EDIT_FACTOR against the readable documents' count.
    Like Whoosh's `terms_within(prefix=1)`, candidates share the first letter."""
    limit = 2 if len(word) >= 5 else 1
    lengths = range(max(1, len(word) - limit), len(word) + limit + 1)
    candidates = sorted({
        c for words in arrays.vocabulary("spell") for n in lengths for c in words.get((word[:1], n), ())
        if c != word and not c.isdigit()
    })
    if not candidates:
        return []
    distances = edit_distances(word, candidates, limit).tolist()
    near = sorted((d, c) for c, d in zip(candidates, distances, strict=True) if d <= limit)[:SPELLING_LOOKED_AT]
    scored = []
    for distance, candidate in near:
        count = _readable_count(arrays, candidate, allowed)
        if count:
            scored.append((count * (1.0 if distance == 1 else SECOND_EDIT_FACTOR), candidate))
    scored.sort(key=lambda sc: (-sc[0], sc[1]))
    return [candidate for _score, candidate in scored]


@dataclass
class Spelling:
    text: str  # the query with each unknown word replaced by its best near spelling
    alternatives: dict[str, list[tuple[str, float]]]  # see Widening.alternatives


def spelling(arrays, text: str, allowed) -> Spelling | None:
    """Near spellings of the query's words that no document the user may read contains.

    Candidates come from the spelling field's word list, but one is used only when
    documents the user may read (`allowed`: within the filters) contain it, ranked by how
    many of those do; a word found only in hidden items is never proposed and never
    influences the choice."""
    alternatives: dict[str, list[tuple[str, float]]] = {}
    out = text
    for word in dict.fromkeys(positive_words(text)):
        if len(word) < 3 or word.isdigit() or word in ALL_STOP_WORDS or _readable_count(arrays, word, allowed):
            continue
        near = _near_spellings(arrays, word, allowed)[:SPELLING_CANDIDATES]
        if not near:
            continue
        alternatives[word] = [(word, UNKNOWN_WORD_WEIGHT), (near[0], SPELLING_WEIGHT)]
        alternatives[word] += [(other, OTHER_SPELLING_WEIGHT) for other in near[1:]]
        out = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", near[0], out)
    return Spelling(out, alternatives) if alternatives else None


def compound_splits(arrays, text: str, allowed) -> dict[str, str]:
    """Words of the query that documents the user may read hold written apart, as the
    two words they hold most often: "cybercrime" -> "cyber crime" (titles with "Cyber-crime")."""
    splits: dict[str, str] = {}
    for word in dict.fromkeys(positive_words(text)):
        if len(word) < 6 or word.isdigit() or word in ALL_STOP_WORDS:
            continue
        best = (0, "")
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            both = arrays.term_mask("spell", left) & arrays.term_mask("spell", right) & allowed
            best = max(best, (engine.count(both), f"{left} {right}"))
        if best[0]:
            splits[word] = best[1]
    return splits


# -- thesaurus --------------------------------------------------------------------------------


def thesaurus_terms(text: str) -> list:
    """Related terms (all languages) of the thesaurus concepts named in `text`; none when
    the thesaurus cannot answer (a search never fails for it)."""
    try:
        return list(thesaurus_lookup.related_terms(text, limit=RELATED_TERMS))
    except Exception:
        log.warning("thesaurus lookup failed for %r", text, exc_info=True)
        return []


def _all_words(fieldname: str, group: str, term: str) -> Query | None:
    """Every word of `term`, a hyphenated word by its parts only: the index holds the
    parts of every compound, while its joined form changes with the first part's ending
    ("программа-вымогатель" and "программы-вымогатели")."""
    analyzer = analyzer_for(group)
    words = [analyzer.stem(part) for parts, _joined, _start, _end in analyzer.words(analyzer.lower(term))
             for part in parts if part not in analyzer.stop_words]
    words = list(dict.fromkeys(words))
    if not words:
        return None
    return Term(fieldname, words[0]) if len(words) == 1 else And([Term(fieldname, w) for w in words])


def related_query(term: str, lang: str, langs: list[str]) -> Query | None:
    """A related term in its own language's fields, analysed with that language's
    analyser: all its words in one title, summary, keyword list or file text. The file
    text of the term's language is searched whatever the query's languages: a material
    in another language often names the concept only in its text. (`langs` is kept for
    callers; the query's languages decide the term's weight in `readable_related`.)"""
    group = field_language(lang)
    fields = [(title_field(group), group), (summary_field(group), group), ("keywords", OTHER),
              (body_field(group), group)]
    parts = [q for q in (_all_words(name, analysis, term) for name, analysis in fields) if q is not None]
    return Or(parts) if parts else None


def _area_codes() -> frozenset[str]:
    return frozenset(PRIORITY_AREA_ORIGINALS)


def readable_related(evaluator, text: str, langs: list[str], allowed) -> tuple[Query | None, list[tuple[str, str]]]:
    """The thesaurus terms related to `text` that documents the user may read contain:
    (their query, [(term, language)]), each term at THESAURUS_WEIGHT, or at
    SAME_LANGUAGE_WEIGHT in one of the query's languages; a concept that is a priority
    area adds the items tagged with it (AREA_TAG_WEIGHT). A term or area found only in
    hidden items is neither searched nor shown."""
    asked = {w.lower() for w in plain_words(text)}
    parts, shown, seen = [], [], set()
    related_terms = thesaurus_terms(text)
    for code in sorted({r.concept for r in related_terms} & _area_codes()):
        q = Term(FILTER_FIELDS["area"], code, boost=AREA_TAG_WEIGHT)
        if engine.count(evaluator.evaluate(q)[0] & allowed):
            parts.append(q)
    for related in related_terms:
        key = related.term.strip().lower()
        if not key or key in seen or key in asked:
            continue
        seen.add(key)
        q = related_query(related.term, related.lang, langs)
        if q is None or not engine.count(evaluator.evaluate(q)[0] & allowed):
            continue
        weight = SAME_LANGUAGE_WEIGHT if field_language(related.lang) in langs else THESAURUS_WEIGHT
        parts.append(q.with_boost(weight))
        shown.append((related.term, related.lang))
    if not parts:
        return None, []
    return Or(parts), shown
