"""Per-language analysers: tokenise, lowercase, drop stop words, stem.

English, Russian, French, German, Spanish and Italian get Snowball stemming and stop
words; every other language (Arabic, Turkish, Ukrainian, ...) gets the safe analyser:
Unicode word tokens, lowercased, nothing removed, nothing stemmed. An item's text is
indexed in the field of its language, and a query is analysed with the same analyser
for each language field it searches, so "Ermittlungen" finds "Ermittlung".
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from whoosh.analysis import LowercaseFilter, RegexTokenizer, Token, Tokenizer
from whoosh.lang import stopwords_for_language

STEMMED_LANGUAGES = {
    "en": "english",
    "ru": "russian",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
}
OTHER = "other"
FIELD_LANGUAGES = (*STEMMED_LANGUAGES, OTHER)

# Unicode words, with inner dots/apostrophes/hyphens kept out (split on them).
WORD_PATTERN = r"\w+"


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


class LanguageTokenizer(Tokenizer):
    """Words -> lowercase -> stop words -> Snowball stem, fused in one loop.

    One generator instead of a chain of four: on 16 KB bodies the chain's per-token
    overhead dominated indexing time. Stems are cached per word (bodies repeat words).
    """

    def __init__(self, language: str, cachesize: int = 100_000) -> None:
        self.language = language
        self.cachesize = cachesize
        self._setup()

    def _setup(self) -> None:
        self._pattern = re.compile(WORD_PATTERN, re.UNICODE)
        self._stops = frozenset(stopwords_for_language(self.language)) if self.language in STEMMED_LANGUAGES else frozenset()
        self._cache: dict[str, str] = {}

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

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self.language not in STEMMED_LANGUAGES:
            result = word
        elif self.language == "ru":
            result = _russian_extra(_stemmer("ru").stemWord(word.replace("ё", "е")))
        else:
            result = _stemmer(self.language).stemWord(word)
        if len(self._cache) >= self.cachesize:
            self._cache.clear()
        self._cache[word] = result
        return result

    def terms(self, value: str) -> list[str]:
        """The indexed terms of `value`, without token objects: what `__call__` yields
        as token texts with stop words removed. For bulk indexing of long bodies."""
        stops, cache, stem = self._stops, self._cache, self.stem
        return [cache.get(w) or stem(w) for w in self._pattern.findall(value.lower()) if w not in stops]

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, stem = self._stops, self.stem
        if not tokenize:
            words = [(value.lower(), 0, len(value))]
        elif chars:
            words = ((m.group().lower(), m.start(), m.end()) for m in self._pattern.finditer(value))
        else:  # lowercase once: offsets are not needed
            words = ((w, 0, 0) for w in self._pattern.findall(value.lower()))
        pos = start_pos
        for word, start, end in words:
            stopped = word in stops
            if stopped and removestops:
                pos += 1  # keep the gap, as StopFilter does
                continue
            token.text = word if stopped else stem(word)
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            pos += 1
            yield token


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
