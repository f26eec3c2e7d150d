"""Per-language analysers: tokenise, lowercase, drop stop words, stem.

English, Russian, French, German, Spanish, Italian, Arabic and Turkish get Snowball
stemming (and stop words where Whoosh has a list); every other language (Ukrainian, ...)
gets the safe analyser: Unicode word tokens, lowercased, nothing removed, nothing
stemmed. An item's text is indexed in the field of its language, and a query is
analysed with the same analyser for each language field it searches, so "Ermittlungen"
finds "Ermittlung".

Two more analysers serve fields that hold text of every language:
- `neutral`: words lowercased and folded (accents and Arabic vowel marks removed),
  nothing removed, nothing stemmed: acronyms and identifiers typed in any language;
- `AreaLabelTokenizer`: priority-area labels, each in its own language.

Hyphenated words (and words joined by "/", as in "I-24/7") are indexed as their parts
and as the joined form, so "cybercrime", "cyber-crime" and "cyber crime" find each
other; a hyphenated query word is looked up by its joined form.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import LowercaseFilter, RegexTokenizer, Token, Tokenizer
from whoosh.lang import has_stopwords, stopwords_for_language

STEMMED_LANGUAGES = {
    "en": "english",
    "ru": "russian",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "ar": "arabic",
    "tr": "turkish",
}
OTHER = "other"
NEUTRAL = "neutral"
FIELD_LANGUAGES = (*STEMMED_LANGUAGES, OTHER)

# Unicode words, with inner dots/apostrophes/hyphens kept out (split on them). Combining
# marks (Arabic vowel marks, decomposed accents) belong to the word they sit on.
WORD_PATTERN = r"[\w\u0300-\u036f\u064b-\u065f\u0670]+"
# A word, or words joined by hyphens or slashes ("cyber-crime", "I-24/7").
_JOINERS = "-\u2010\u2011/"
COMPOUND_PATTERN = rf"{WORD_PATTERN}(?:[{_JOINERS}]{WORD_PATTERN})*"
# Only joined words; the look-behind makes the search skip the inside of plain words fast,
# and the possessive "++" stops it from retrying every shorter start of a word that no
# joiner follows (the same matches, in half the time on long bodies).
_COMPOUND_ONLY = rf"(?<!{WORD_PATTERN[:-1]}){WORD_PATTERN[:-1]}++(?:[{_JOINERS}]{WORD_PATTERN[:-1]}++)+"
_MAX_JOINED_PARTS = 4  # longer chains ("2020-2021-2022-...") are not worth a joined term


def field_language(code: str | None) -> str:
    """The index field group for a content language code."""
    code = (code or "").lower()[:2]
    return code if code in STEMMED_LANGUAGES else OTHER


@lru_cache(maxsize=8)
def _stemmer(language: str):
    return snowballstemmer.stemmer(STEMMED_LANGUAGES[language])


# Russian adjectives derived from nouns keep a "-ск-" suffix that Snowball leaves in place
# ("полицейских" -> "полицейск", "полиция" -> "полиц"). Trainers search with either form,
# so the derivational suffix is removed too when a reasonable stem remains.
_RU_DERIVATIONAL = ("ейск", "ийск", "ск")


def _russian_extra(stem: str) -> str:
    for suffix in _RU_DERIVATIONAL:
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
            return stem[: -len(suffix)]
    return stem


# French Snowball keeps the plural "s" after "u" ("corrompus" -> "corrompus", but
# "corrompu" -> "corrompu"), so participles and nouns in -u lose their plurals
# ("détenus", "individus", "contenus"). The "s" is dropped before stemming, except in
# words whose singular ends in -us.
_FR_INVARIANT_US = frozenset(
    "abus refus virus campus corpus processus consensus bonus plus confus diffus inclus exclus "
    "intrus obtus reclus obus jus bus dessus dessous talus cactus blocus prospectus terminus "
    "rébus surplus rictus tonus fœtus foetus humus mucus lotus chorus papyrus détritus hiatus "
    "eucalyptus cursus motus minus modus opus statut status stimulus lapsus sinus thymus "
    "typhus utérus sus pus anus".split()
)


def _french_plural(word: str) -> str:
    if len(word) >= 5 and word.endswith("us") and word[-3] not in "aeiouéè" and word not in _FR_INVARIANT_US:
        return word[:-1]
    return word


_COMBINING = re.compile(r"[\u0300-\u036f\u064b-\u065f\u0670\u0640]")


def fold(word: str) -> str:
    """Lowercase, accents and Arabic vowel marks (and tatweel) removed: "Enquête" -> "enquete"."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", word.casefold()))


class LanguageTokenizer(Tokenizer):
    """Words -> lowercase -> stop words -> Snowball stem, fused in one loop.

    One generator instead of a chain of four: on 16 KB bodies the chain's per-token
    overhead dominated indexing time. Stems are cached per word (bodies repeat words).
    The `neutral` tokenizer folds instead of stemming and keeps every word.
    """

    def __init__(self, language: str, cachesize: int = 100_000) -> None:
        self.language = language
        self.cachesize = cachesize
        self._setup()

    def _setup(self) -> None:
        self._pattern = re.compile(COMPOUND_PATTERN, re.UNICODE)
        self._word = re.compile(WORD_PATTERN, re.UNICODE)
        self._compound = re.compile(_COMPOUND_ONLY, re.UNICODE)
        stops = stopwords_for_language(self.language) if self.language in STEMMED_LANGUAGES and has_stopwords(
            self.language) else ()
        self._stops = frozenset(stops)
        self._cache: dict[str, str] = {}
        self._term_of: dict[str, str | None] = {}  # word -> indexed term, None for a stop word

    def __getstate__(self) -> dict:  # picklable for multi-process writers; caches are rebuilt
        return {"language": self.language, "cachesize": self.cachesize}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._setup()

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.language == self.language

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stops

    def lower(self, text: str) -> str:
        # Turkish dotted capital I lowercases to "i" + combining dot in Python.
        return text.lower().replace("i\u0307", "i") if self.language == "tr" else text.lower()

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self.language == NEUTRAL:
            result = fold(word)
        elif self.language not in STEMMED_LANGUAGES:
            result = word
        elif self.language == "ru":
            result = _russian_extra(_stemmer("ru").stemWord(word.replace("ё", "е")))
        elif self.language == "fr":
            result = _stemmer("fr").stemWord(_french_plural(word))
        else:
            result = _stemmer(self.language).stemWord(word)
        if len(self._cache) >= self.cachesize:
            self._cache.clear()
        self._cache[word] = result
        return result

    def words(self, text: str, query: bool = False) -> list[tuple[list[str], str | None, int, int]]:
        """(words, joined form or None, start, end) per word or compound of lowercased
        `text`: a compound's parts and its joined form, or for a query only the joined form."""
        found = []
        for match in self._pattern.finditer(text):
            chunk = match.group()
            if chunk.isalnum() or not any(c in _JOINERS for c in chunk):
                found.append(([chunk], None, match.start(), match.end()))
                continue
            parts = self._word.findall(chunk)
            joined = "".join(parts) if len(parts) <= _MAX_JOINED_PARTS else None
            if query and joined is not None:
                parts = []
            found.append((parts, joined, match.start(), match.end()))
        return found

    def terms(self, value: str) -> list[str]:
        """The indexed terms of `value`, without token objects: what `__call__` yields
        as token texts with stop words removed, in another order. For bulk indexing of
        long bodies: two passes of the regular expression engine instead of a Python
        test per word."""
        stops, cache, stem = self._stops, self._cache, self.stem
        return [cache.get(w) or stem(w) for w in self.words_of(value) if w not in stops]

    def words_of(self, value: str) -> list[str]:
        """The lowercased words of `value` and the joined forms of its hyphenated words,
        stop words included: the words `terms` stems, found once. Bulk indexing derives
        both a body field's terms and the neutral field's from one list."""
        value = self.lower(value)
        word = self._word
        words = word.findall(value)
        if any(joiner in value for joiner in _JOINERS):  # no joiner in the text: no scan
            for compound in self._compound.findall(value):
                parts = word.findall(compound)
                if len(parts) <= _MAX_JOINED_PARTS:
                    words.append("".join(parts))
        return words

    def term_counts(self, words: list[str]) -> Counter:
        """Indexed term -> frequency for `words` (from `words_of`), the same as
        `Counter(self.terms(value))`: each distinct new word is stemmed once, then the
        words are mapped to their terms and counted in C, without a Python step per word."""
        lookup = self._term_of
        new = set(words).difference(lookup)
        if new:
            if len(lookup) + len(new) > self.cachesize:
                lookup.clear()
                new = set(words)
            stops, stem = self._stops, self.stem
            for word in new:
                lookup[word] = None if word in stops else stem(word)  # None: a stop word
        counts = Counter(map(lookup.__getitem__, words))
        counts.pop(None, None)
        return counts

    def lowercases_like(self, other: LanguageTokenizer) -> bool:
        """Whether both analysers see the same lowercased words in a text (all but Turkish),
        so one `words_of` serves both."""
        return (self.language == "tr") == (other.language == "tr")

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, stem = self._stops, self.stem
        if not tokenize:
            entries = [([self.lower(value)], None, 0, len(value))]
        else:
            entries = self.words(self.lower(value), query=mode == "query")
        pos = start_pos
        for words, joined, start, end in entries:
            first = pos
            for word in words:
                stopped = word in stops
                if stopped and removestops:
                    pos += 1  # keep the gap, as StopFilter does
                    continue
                yield self._token(token, word if stopped else stem(word), stopped, word, pos, start_char + start,
                                  start_char + end, keeporiginal)
                pos += 1
            if joined is not None:
                # The joined form stands at the first part's position and, for phrases, at
                # the last one's too, so "new cyber-crime" and "cyber-crime training"
                # both match as phrases. A query word holds only the joined form.
                last = max(first, pos - 1)
                for place in [first] if not positions or last == first else [first, last]:
                    yield self._token(token, stem(joined), False, joined, place, start_char + start,
                                      start_char + end, keeporiginal)
                pos = max(pos, first + 1)

    @staticmethod
    def _token(token: Token, text: str, stopped: bool, original: str, pos: int, startchar: int, endchar: int,
               keeporiginal: bool) -> Token:
        token.text, token.stopped, token.boost = text, stopped, 1.0
        if keeporiginal:
            token.original = original
        if token.positions:
            token.pos = pos
        if token.chars:
            token.startchar, token.endchar = startchar, endchar
        return token


_LATIN_LANGUAGES = tuple(lang for lang in STEMMED_LANGUAGES if lang not in ("ru", "ar"))


def _languages_of_script(word: str) -> tuple[str, ...]:
    """The stemmed languages written in the script of `word` (each form looked up costs
    query time)."""
    first = word[:1]
    if "\u0400" <= first <= "\u04ff":
        return ("ru",)
    if "\u0600" <= first <= "\u06ff":
        return ("ar",)
    return () if first.isdigit() else _LATIN_LANGUAGES


class AreaLabelTokenizer(Tokenizer):
    """Priority-area labels, one per line as "<language>\t<label>": each word is indexed
    folded and as its stem in the label's language ("de:menschenhandel"). A query word
    is looked up folded and as its stem in every stemmed language, any of them matching
    (the field's queries are "or" over a word's forms), so "Menschenhandels" finds the
    German label and "إرهاب" the Arabic one."""

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        forms = self.query_forms(value) if mode == "query" else self.label_forms(value)
        for offset, text in enumerate(forms):
            token.text, token.stopped, token.boost = text, False, 1.0
            if positions:
                token.pos = start_pos + offset
            if chars:
                token.startchar = token.endchar = start_char
            yield token

    @staticmethod
    def query_forms(value: str) -> list[str]:
        neutral = analyzer_for(NEUTRAL)
        forms = []
        for parts, joined, _start, _end in neutral.words(value.lower(), query=True):
            for word in [*parts, *([joined] if joined else [])]:
                forms.append(neutral.stem(word))
                for lang in _languages_of_script(word):
                    analyzer = analyzer_for(lang)
                    forms.append(f"{lang}:{analyzer.stem(analyzer.lower(word))}")
        return list(dict.fromkeys(forms))

    @staticmethod
    def label_forms(value: str) -> list[str]:
        neutral = analyzer_for(NEUTRAL)
        forms = []
        for line in value.splitlines():
            lang, _tab, label = line.partition("\t")
            group = field_language(lang)
            analyzer = analyzer_for(group)
            for parts, joined, _start, _end in neutral.words(analyzer.lower(label)):
                for word in [*parts, *([joined] if joined else [])]:
                    if word in analyzer.stop_words:  # "in", "and": not worth finding an area by
                        continue
                    forms.append(neutral.stem(word))
                    if group in STEMMED_LANGUAGES:
                        forms.append(f"{group}:{analyzer.stem(word)}")
        return forms


@lru_cache(maxsize=16)
def analyzer_for(language: str) -> LanguageTokenizer:
    """The analyser of one field group ('en', 'ru', ..., 'other'); one shared instance per
    process, so its stem cache serves indexing, queries and snippets alike."""
    return LanguageTokenizer(language)


def plain_analyzer():
    """Lowercased words, for the spelling vocabulary and suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def plain_words(text: str) -> list[str]:
    return [token.text for token in plain_analyzer()(text or "")]
