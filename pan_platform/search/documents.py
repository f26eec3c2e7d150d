"""Item -> index document. The only place that decides what the index holds about an item.

`item_record()` reads the database objects into plain data (the same shape the bench
reads from JSONL), `build_document()` turns that into the Whoosh document.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache

from flask import current_app, has_app_context

from pan_platform.access import files_follow_description, read_grants
from pan_platform.access.principals import label_expiries
from pan_platform.catalogue.overrides import override_for
from pan_platform.catalogue.vocabularies import PRIORITY_AREA_ORIGINALS, catalogue_label
from pan_platform.search import labels
from pan_platform.search.analysis import OTHER, analyzer_for, field_language
from pan_platform.search.schema import (
    AREA_FIELD,
    FACET_SEPARATOR,
    NEUTRAL_FIELD,
    body_field,
    summary_field,
    title_field,
)

# Extracted file text indexed per item. 100,000 characters is about 40 A4 pages; a
# longer handbook is searchable by its first 40 pages, its title, summary, outcomes and
# keywords. The cap keeps a single huge file from dominating indexing time and memory.
MAX_BODY_CHARS = 100_000
# Words per item offered to the spelling vocabulary (from titles, summaries, keywords).
MAX_SPELL_WORDS = 300


def _timestamp(value: datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


@lru_cache(maxsize=256)
def _catalogue_label(code: str, language: str) -> str:
    return catalogue_label(code, language)


def area_labels(codes: list[str]) -> str:
    """The labels of these priority areas in every interface language, one per line as
    "<language>\t<label>": the catalogue's translation and the secretariat's override,
    so both the usual and the overridden name find the item. Outside an application
    (the benchmark) only the English originals."""
    if not has_app_context():
        return "\n".join(f"en\t{PRIORITY_AREA_ORIGINALS[c]}" for c in codes if c in PRIORITY_AREA_ORIGINALS)
    lines = []
    for code in codes:
        if code not in PRIORITY_AREA_ORIGINALS:
            continue
        for language in current_app.config["PAN_LANGUAGES"]:
            lines.append(f"{language}\t{_catalogue_label(code, language)}")
            override = override_for(code, language)
            if override:
                lines.append(f"{language}\t{override}")
    return "\n".join(dict.fromkeys(lines))


def item_record(item) -> dict:
    """Plain data about one item: every text in every language, facets and principals."""
    texts = [{
        "lang": item.language, "title": item.title, "summary": item.summary or "",
        "outcomes": item.learning_outcomes or "",
    }]
    texts += [
        {"lang": t.language, "title": t.title, "summary": t.summary or "", "outcomes": t.learning_outcomes or ""}
        for t in item.translations
        if t.language != item.language
    ]
    # The text of every file's current version, in the material's order.
    currents = item.current_files
    body = "\n\n".join(v.text for v in currents if v.text_status == "done" and v.text)
    body_lang = next((v.text_language for v in currents if v.text_language), None)
    if not files_follow_description(item):
        body = ""  # files given on request: their text must not reach readers of the description
    owner = item.owner
    return {
        "id": item.id,
        "kind": item.kind,
        "language": item.language,
        "texts": texts,
        "keywords": list(item.keywords or []),
        "body": body[:MAX_BODY_CHARS],
        "body_lang": body_lang or item.language,
        "academy": owner.slug if owner is not None else None,
        "country": owner.country_code if owner is not None else None,
        "areas": item.area_codes,
        "area_labels": area_labels(item.area_codes),
        "languages": item.languages,
        "type": item.resource_type,
        "audience": item.audience,
        "level": item.level,
        "state": item.state,
        "published": _timestamp(item.published_at),
        # Labels with their end dates: expiry is decided at query time (labels.py).
        "principals": labels.index_terms(label_expiries(read_grants(item))),
    }


def _facet_pairs(record: dict) -> list[str]:
    pairs = [f"area={code}" for code in record["areas"]]
    pairs += [f"language={code}" for code in record["languages"]]
    for facet in ("country", "academy", "type", "audience", "level", "kind"):
        if record.get(facet):
            pairs.append(f"{facet}={record[facet]}")
    return pairs


def _spell_terms(record: dict) -> str:
    """Words of the item's area labels, titles, summaries, outcomes and keywords, each
    hyphenated word also joined ("cyber-crime" -> "cybercrime", as the index holds it),
    so that a misspelt joined word or area name finds its correction."""
    words: list[str] = []
    seen: set[str] = set()
    labels = record["area_labels"] if "area_labels" in record else area_labels(record["areas"])
    sources = [labels] + [t[key] for t in record["texts"] for key in ("title", "summary", "outcomes")]
    text = " ".join(sources + record["keywords"]).lower()
    for parts, joined, _start, _end in analyzer_for(OTHER).words(text):
        for word in [*parts, *([joined] if joined else [])]:
            if len(word) >= 3 and not word.isdigit() and word not in seen:
                seen.add(word)
                words.append(word)
        if len(words) >= MAX_SPELL_WORDS:
            break
    return ",".join(words[:MAX_SPELL_WORDS])


def build_document(record: dict) -> dict:
    """The Whoosh document of one item record."""
    doc: dict = {
        "id": str(record["id"]),
        "original": field_language(record["language"]),
        "keywords": ", ".join(record["keywords"]),
        "areas": ",".join(record["areas"]),
        "languages": ",".join(record["languages"]),
        "principals": ",".join(record["principals"]),
        "published": int(record["published"] or 0),
        "item_id": int(record["id"]),
        "facets": FACET_SEPARATOR.join(_facet_pairs(record)).encode("utf-8"),
        "spell": _spell_terms(record),
        "complete": " ".join(t["title"] for t in record["texts"]),
    }
    for facet in ("country", "academy", "type", "audience", "level", "kind", "state"):
        if record.get(facet):
            doc[facet] = str(record[facet])
    # Several translations may share a language group ("other"): join them.
    grouped: dict[str, dict[str, list[str]]] = {}
    for text in record["texts"]:
        group = grouped.setdefault(field_language(text["lang"]), {"title": [], "summary": []})
        group["title"].append(text["title"])
        group["summary"].append("\n".join(x for x in (text["summary"], text["outcomes"]) if x))
    for lang, group in grouped.items():
        doc[title_field(lang)] = " / ".join(group["title"])
        doc[summary_field(lang)] = "\n".join(group["summary"])
    doc["stored_langs"] = sorted(grouped)
    if record["body"]:
        doc[body_field(field_language(record["body_lang"]))] = record["body"][:MAX_BODY_CHARS]
    doc[NEUTRAL_FIELD] = _neutral_text(record)
    labels = record["area_labels"] if "area_labels" in record else area_labels(record["areas"])
    if labels:
        doc[AREA_FIELD] = labels
    doc["stamp"] = stamp(doc)
    return doc


def _neutral_text(record: dict) -> str:
    """Every text of the item in any language, for the language-neutral field."""
    parts = [t[key] for t in record["texts"] for key in ("title", "summary", "outcomes") if t[key]]
    parts += record["keywords"]
    if record["body"]:
        parts.append(record["body"][:MAX_BODY_CHARS])
    return "\n".join(parts)


def stamp(doc: dict) -> str:
    """A digest of everything indexed, to compare the index with the database."""
    digest = hashlib.sha1(usedforsecurity=False)
    for key in sorted(k for k in doc if k != "stamp"):
        value = doc[key]
        digest.update(key.encode() + b"\0" + (value if isinstance(value, bytes) else repr(value).encode()) + b"\0")
    return digest.hexdigest()
