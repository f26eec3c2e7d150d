"""Related terms for query expansion: which thesaurus concepts a text names, and their other terms.

The whole thesaurus (a few thousand short rows) is held in memory per application and
process. Every call compares a cheap version (highest revision id, term count, highest term
id) with the cached copy, so an import in any process is seen by all at their next call.

Matching compares word sequences after folding: case-folded, accents and Arabic diacritics
removed, and the words of a term joined without separators, so "cyber-crime", "cyber crime"
and "cybercrime" are one key. A second key per term, made of the stems of its words (the
search analysers for en ru fr de es it, a light prefix stripper for Arabic), lets inflected
forms match: "наркоторговли" finds "наркоторговля".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from pan_platform.extensions import db
from pan_platform.search.analysis import STEMMED_LANGUAGES, analyzer_for
from pan_platform.thesaurus.models import THESAURUS_LANGUAGES, ThesaurusRevision, ThesaurusTerm

log = logging.getLogger(__name__)

EXACT = ""  # the key variant of folded words, without stemming
ARABIC = "ar"
VARIANTS = (EXACT, *STEMMED_LANGUAGES, ARABIC)
MAX_TEXT_WORDS = 64  # a search query is short; a longer text is cut, never slow
MIN_STEM_KEY = 4  # shorter stems collide too easily ("arm", "org")
_WORD = re.compile(r"\w+")
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_CACHE_KEY = "pan_thesaurus"


class RelatedTerm(NamedTuple):
    term: str  # as written in the thesaurus
    lang: str  # its language code
    concept: str  # the concept slug


_BREVE = "\u0306"


def fold(text: str) -> str:
    """Case-folded, without accents or Arabic diacritics and tatweel. The Cyrillic "й" is
    a letter of its own, not an accented "и": it is kept, or Russian stems would differ
    from the search analyser's ("программой" would stem as "программо")."""
    letters: list[str] = []
    for c in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(c):
            if c == _BREVE and letters and letters[-1] == "\u0438":
                letters[-1] = "\u0439"
            continue
        if c != "\u0640":
            letters.append(c)
    return "".join(letters)


def words(text: str) -> list[str]:
    """The folded words of `text`; hyphens, apostrophes and punctuation separate words."""
    return _WORD.findall(fold(text))


def _arabic_stem(word: str) -> str:
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word


def _stem(variant: str, word: str) -> str:
    if variant == ARABIC:
        return _arabic_stem(word)
    return analyzer_for(variant).stem(word)


def _stem_key(lang: str, term_words: list[str]) -> tuple[str, str] | None:
    if lang not in STEMMED_LANGUAGES and lang != ARABIC:
        return None
    key = "".join(_stem(lang, w) for w in term_words)
    return (lang, key) if len(key) >= MIN_STEM_KEY else None


@dataclass(frozen=True)
class _Entry:
    term: str
    lang: str
    concept: str
    preferred: bool
    position: int  # the row's place in the thesaurus, to keep its order among equals
    key: str
    stem_key: tuple[str, str] | None

    def sort_key(self, concept_rank: int) -> tuple:
        lang_rank = THESAURUS_LANGUAGES.index(self.lang) if self.lang in THESAURUS_LANGUAGES else 99
        return (not self.preferred, concept_rank, lang_rank, self.position)


@dataclass
class _Thesaurus:
    index: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (variant, key) -> concepts
    entries: dict[str, list[_Entry]] = field(default_factory=dict)  # concept -> its terms
    longest: int = 1  # the most text words one term may span

    def add(self, row_id: int, concept: str, lang: str, term: str, preferred: bool) -> None:
        term_words = words(term)
        if not term_words:
            return
        entry = _Entry(term, lang, concept, preferred, row_id, "".join(term_words), _stem_key(lang, term_words))
        self.entries.setdefault(concept, []).append(entry)
        self.index.setdefault((EXACT, entry.key), set()).add(concept)
        if entry.stem_key:
            self.index.setdefault(entry.stem_key, set()).add(concept)
        # Joined spelling ("cybercrime") may meet a text that splits it, so allow a little slack.
        self.longest = max(self.longest, len(term_words) + 2)


def _version(conn) -> tuple:
    return tuple(conn.execute(select(
        select(func.max(ThesaurusRevision.id)).scalar_subquery(),
        select(func.count(ThesaurusTerm.id)).scalar_subquery(),
        select(func.max(ThesaurusTerm.id)).scalar_subquery(),
    )).one())


def _load(conn) -> _Thesaurus:
    thesaurus = _Thesaurus()
    rows = conn.execute(select(ThesaurusTerm.id, ThesaurusTerm.concept, ThesaurusTerm.lang, ThesaurusTerm.term,
                               ThesaurusTerm.preferred).order_by(ThesaurusTerm.id))
    for row_id, concept, lang, term, preferred in rows:
        thesaurus.add(row_id, concept, lang, term, bool(preferred))
    return thesaurus


def current() -> _Thesaurus:
    """The cached thesaurus of this application, reloaded when the database holds another version."""
    cached = current_app.extensions.get(_CACHE_KEY)
    try:
        # Its own connection: never touches (or, on an error, rolls back) the caller's session.
        with db.engine.connect() as conn:
            version = _version(conn)
            if cached is None or cached[0] != version:
                cached = (version, _load(conn))
                current_app.extensions[_CACHE_KEY] = cached
    except SQLAlchemyError:  # a database without the thesaurus tables yet (before migrating)
        log.warning("thesaurus unavailable", exc_info=True)
        return _Thesaurus()
    return cached[1]


def clear_cache() -> None:
    current_app.extensions.pop(_CACHE_KEY, None)


def _text_keys(tokens: list[str], longest: int) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """For every window of up to `longest` words: its key in every variant."""
    variants = {EXACT: tokens}
    for variant in VARIANTS[1:]:
        variants[variant] = [_stem(variant, w) for w in tokens]
    windows: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for start in range(len(tokens)):
        for size in range(1, min(longest, len(tokens) - start) + 1):
            windows[(start, size)] = [
                (variant, "".join(parts[start:start + size])) for variant, parts in variants.items()
            ]
    return windows


def _whole_keys(tokens: list[str]) -> list[tuple[str, str]]:
    """The key of the whole text in every variant (a text longer than any term)."""
    return [(EXACT, "".join(tokens))] + [(v, "".join(_stem(v, w) for w in tokens)) for v in VARIANTS[1:]]


def _matched_concepts(thesaurus: _Thesaurus, tokens: list[str], windows: dict) -> list[str]:
    """Concepts named in the text, in order, scanning left to right; the longest match wins."""
    found: list[str] = []
    start = 0
    while start < len(tokens):
        for size in range(min(thesaurus.longest, len(tokens) - start), 0, -1):
            concepts = set()
            for variant, key in windows[(start, size)]:
                if variant == EXACT or len(key) >= MIN_STEM_KEY:
                    concepts |= thesaurus.index.get((variant, key), set())
            if concepts:
                found += sorted(c for c in concepts if c not in found)
                start += size
                break
        else:
            start += 1
    return found


def related_terms(text: str, limit: int = 20) -> list[RelatedTerm]:
    """Other terms (all languages) of every concept one of whose terms occurs in `text`
    as a whole word or whole word sequence, compared case- and accent-insensitively
    (and hyphen/space-insensitively: "cyber-crime" == "cyber crime" == "cybercrime").
    A term spelling the whole text (or its stems) is left out. Preferred terms first. Needs an app context."""
    tokens = words(text or "")[:MAX_TEXT_WORDS]
    if not tokens or limit <= 0:
        return []
    thesaurus = current()
    if not thesaurus.entries:
        return []
    windows = _text_keys(tokens, thesaurus.longest)
    # Only a term spelling the whole text is left out: the text's own words search it. A
    # term naming a part of a longer text ("Menschenhandel" in "Bekämpfung des
    # Menschenhandels") is kept, as most of the text's words are needed to match it.
    whole = windows.get((0, len(tokens)))
    present = set(whole if whole is not None else _whole_keys(tokens))
    concepts = _matched_concepts(thesaurus, tokens, windows)
    ranked = [(entry.sort_key(rank), entry) for rank, concept in enumerate(concepts)
              for entry in thesaurus.entries.get(concept, [])]
    ranked.sort(key=lambda pair: pair[0])
    result: list[RelatedTerm] = []
    seen: set[str] = set()
    for _, entry in ranked:
        if (EXACT, entry.key) in present or entry.stem_key in present or entry.key in seen:
            continue
        seen.add(entry.key)  # the same spelling in several languages is one expansion
        result.append(RelatedTerm(entry.term, entry.lang, entry.concept))
        if len(result) >= limit:
            break
    return result
