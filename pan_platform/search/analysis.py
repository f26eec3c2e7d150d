"""Per-language analysers: tokenise, lowercase, drop stop words, stem.

English, Russian, French, German, Spanish and Italian get Snowball stemming and stop
words; every other language (Arabic, Turkish, Ukrainian, ...) gets the safe analyser:
Unicode word tokens, lowercased, nothing removed, nothing stemmed. An item's text is
indexed in the field of its language, and a query is analysed with the same analyser
for each language field it searches, so "Ermittlungen" finds "Ermittlung".
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter
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


class SnowballFilter(Filter):
    """Stems tokens with the snowballstemmer package, caching per word (bodies repeat words)."""

    is_morph = True

    def __init__(self, language: str, cachesize: int = 50_000) -> None:
        self.language = language
        self.cachesize = cachesize
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict:  # picklable for multi-process writers; the cache is not shipped
        return {"language": self.language, "cachesize": self.cachesize}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.language == self.language

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if self.language == "ru":
            word_ = word.replace("ё", "е")
            result = _russian_extra(_stemmer("ru").stemWord(word_))
        else:
            result = _stemmer(self.language).stemWord(word)
        if len(self._cache) >= self.cachesize:
            self._cache.clear()
        self._cache[word] = result
        return result

    def __call__(self, tokens):
        stem = self.stem
        for token in tokens:
            if not token.stopped:
                token.text = stem(token.text)
            yield token


def analyzer_for(language: str):
    """The analyser of one field group ('en', 'ru', ..., 'other')."""
    chain = RegexTokenizer(WORD_PATTERN) | LowercaseFilter()
    if language in STEMMED_LANGUAGES:
        chain = chain | StopFilter(stoplist=stopwords_for_language(language), minsize=1) | SnowballFilter(language)
    return chain


def plain_analyzer():
    """Lowercased words, for the spelling vocabulary and suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def plain_words(text: str) -> list[str]:
    return [token.text for token in plain_analyzer()(text or "")]
