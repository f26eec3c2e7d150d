"""Safe query parsing, the access filter, facet counts, snippets, suggestions, corrections.

Everything the user sees is computed from the documents matching
`user query AND principals filter AND facet filters`:
- counts and facet counts from the matched document numbers;
- snippets from the stored title and summary of the hits shown;
- suggestions are titles of readable items;
- "did you mean" words are proposed only when documents the user may read contain them,
  ranked by how many of those do.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import chain
from math import ceil

from whoosh import collectors
from whoosh.qparser import AndGroup, MultifieldParser, plugins
from whoosh.query import And, Every, NullQuery, Or, Phrase, Query, Term

from pan_platform.search.analysis import (
    FIELD_LANGUAGES,
    OTHER,
    WORD_PATTERN,
    analyzer_for,
    field_language,
    plain_words,
)
from pan_platform.search.schema import (
    FACET_SEPARATOR,
    FACETS,
    FILTER_FIELDS,
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
USER_FIELDS = ("title", "keyword")
_USER_FIELD_RE = re.compile(r'(?<!\w)(title|keyword):\s*("[^"]*"|[^\s"]+)', re.IGNORECASE)
# Wildcards, fuzzy, boost and range syntax are not offered: their characters are dropped.
_STRIP_CHARS = str.maketrans({c: " " for c in "*?~^[]{}\\"})
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Language groups whose content is written in Cyrillic: a Latin-script query typed under
# these interfaces is most likely English (the network's common language).
_CYRILLIC_GROUPS = frozenset({"ru"})


class QueryProblem(Exception):
    """A query that cannot be run; `message` is shown to the user."""


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
    if (ui_group in _CYRILLIC_GROUPS or ui_group == OTHER) and _LATIN.search(text):
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
    # costs query time: every field is one more posting list per word).
    names = [title_field(g) for g in FIELD_LANGUAGES]
    names += [f(g) for g in langs for f in (summary_field, body_field)] + ["keywords"]
    if rest.strip():
        main = _parser(names, schema).parse(rest)
        if main is not NullQuery:
            parts.append(main)
    if not parts:
        return None
    q = parts[0] if len(parts) == 1 else And(parts)
    q = _no_phrase_on_positionless(q, schema).normalize()
    return None if q is NullQuery else q


def access_filter(principals: frozenset[str] | None) -> Query | None:
    """None means no restriction (platform administrators, explicitly)."""
    if principals is None:
        return None
    return Or([Term("principals", p) for p in sorted(principals)])


def filter_query(filters: dict[str, str | None]) -> list[Query]:
    return [Term(FILTER_FIELDS[name], value) for name, value in filters.items() if value and name in FILTER_FIELDS]


def combine(*parts: Query | None) -> Query:
    present = [p for p in parts if p is not None]
    if not present:
        return Every()
    return present[0] if len(present) == 1 else And(present)


# -- collecting -------------------------------------------------------------------------


class _TopAndAllCollector(collectors.TopCollector):
    """Top N by score, and every matched document number (for counts and facets), in one pass.

    Both of Whoosh's shortcuts are off: block-quality skipping and matcher replacement
    (`replace=0`). Replacement drops sub-matchers that can no longer reach the top N,
    so their documents never reached `_collect` and totals and facet counts of
    multi-word queries came out short (15 of the bench's 200 queries at 10,000)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)


def _docs(searcher, query: Query) -> frozenset[int]:
    """Live documents matching a filter query, cached on the searcher (a new searcher after
    every index change, so the cache can never be stale)."""
    cache = searcher.__dict__.setdefault("_pan_filter_docs", {})
    docs = cache.get(query)
    if docs is None:
        if len(cache) > 2_000:
            cache.clear()
        docs = cache[query] = frozenset(searcher.docs_for_query(query))
    return docs


def allowed_docs(searcher, principals: frozenset[str] | None, filters: dict[str, str]) -> set[int] | None:
    """Documents the user may read within the facet filters; None: no restriction at all.

    The access filter is the query object Or([Term("principals", p) ...]); it and each
    facet filter are evaluated once per index version and intersected as sets."""
    sets = [_docs(searcher, q) for q in [access_filter(principals), *filter_query(filters)] if q is not None]
    if not sets:
        return None
    sets.sort(key=len)
    allowed = set(sets[0])
    for other in sets[1:]:
        allowed &= other
    return allowed


def run(searcher, user_q: Query | None, allowed: set[int] | None, sort: str, limit: int) -> tuple[list[int], set[int]]:
    """(top document numbers in order, every matched document number)."""
    if allowed is not None and not allowed:
        # Nothing readable: stop here. (Whoosh's FilterCollector reads an empty allow
        # set as "no filter", which would show everything.)
        return [], set()
    if user_q is None:
        docset = allowed if allowed is not None else set(searcher.reader().all_doc_ids())
        return heapq.nlargest(limit, docset, key=_sort_table(searcher).__getitem__), docset
    if sort != "relevance":
        # Ordered by date: matching without scoring is enough (scores were most of the cost).
        docset = set(searcher.docs_for_query(user_q))
        if allowed is not None:
            docset &= allowed
        return heapq.nlargest(limit, docset, key=_sort_table(searcher).__getitem__), docset
    collector = _TopAndAllCollector(limit)
    wrapped = collector if allowed is None else collectors.FilterCollector(collector, allow=allowed)
    searcher.search_with_collector(user_q, wrapped)
    return [docnum for _score, docnum in collector.results().top_n], collector.docset


_segment_facets: OrderedDict = OrderedDict()  # segment id -> tuple per doc of "facet=value"
_SEGMENT_CACHE_SIZE = 64


def _facet_table(searcher) -> list[tuple[str, ...]]:
    """Facet pairs per global document number, read from the column once per segment."""
    table: list[tuple[str, ...]] = []
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = getattr(reader, "segment", None)
        key = segment().segment_id() if segment is not None else None
        values = _segment_facets.get(key) if key is not None else None
        if values is None:
            if reader.has_column("facets"):
                column = reader.column_reader("facets")
                values = [tuple(v.decode("utf-8").split(FACET_SEPARATOR)) if v else () for v in column]
            else:
                values = [()] * reader.doc_count_all()
            if key is not None:
                _segment_facets[key] = values
                while len(_segment_facets) > _SEGMENT_CACHE_SIZE:
                    _segment_facets.popitem(last=False)
        table.extend(values)
    return table


def _sort_table(searcher) -> list[tuple[int, int]]:
    """(published, item id) per global document number, newest first when reversed."""
    cache = searcher.__dict__.get("_pan_sort_table")
    if cache is not None:
        return cache
    table: list[tuple[int, int]] = []
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        columns = [
            list(reader.column_reader(name)) if reader.has_column(name) else [0] * reader.doc_count_all()
            for name in ("published", "item_id")
        ]
        table.extend(zip(*columns, strict=True))
    searcher.__dict__["_pan_sort_table"] = table
    return table


def facet_counts(searcher, docnums) -> dict[str, list[tuple[str, int]]]:
    table = _facet_table(searcher)
    counts = Counter(chain.from_iterable(map(table.__getitem__, docnums)))
    out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    for pair, count in counts.items():
        name, _, value = pair.partition("=")
        if name in out and value:
            out[name].append((value, count))
    for name in out:
        out[name].sort(key=lambda vc: (-vc[1], vc[0]))
    return out


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


def _readable_count(searcher, word: str, restrict: Query | None, limit: int = 50) -> int:
    """How many documents the user may read (within the filters) contain `word`, up to `limit`."""
    count = 0
    for _docnum in searcher.docs_for_query(combine(Term("spell", word), restrict)):
        count += 1
        if count >= limit:
            break
    return count


def correction(searcher, text: str, restrict: Query | None) -> str | None:
    """A corrected query, or None. Candidates within two edits come from the spelling
    field's word list, but one is proposed only when documents the user may read contain
    it (the access filter is part of `restrict`), ranked by how many of those do; a word
    found only in hidden items is never proposed and never influences the choice."""
    reader = searcher.reader()
    changed, out = False, text
    for word in dict.fromkeys(plain_words(text)):
        if len(word) < 3 or word.isdigit() or _readable_count(searcher, word, restrict, limit=1):
            continue
        candidates: list[str] = []
        for maxdist in (1, 2):
            candidates = [c for c in reader.terms_within("spell", word, maxdist, prefix=1) if c != word][:20]
            if candidates:
                break
        scored = [(_readable_count(searcher, c, restrict), c) for c in candidates]
        scored = [(n, c) for n, c in scored if n > 0]
        if scored:
            best = max(scored, key=lambda nc: (nc[0], [-ord(ch) for ch in nc[1]]))[1]
            out = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", best, out)
            changed = True
    return out if changed else None
