"""REST API v1: the experts directory (list with filters, one profile). The same queries as
the pages: a list holds only profiles the caller may read, and a hidden profile gives the
same 404 as a missing one."""

from __future__ import annotations

import math

from flask import jsonify, url_for

from pan_platform.api.auth import resolve_caller
from pan_platform.api.openapi import Param
from pan_platform.api.serialize import KIND_PATHS, org_ref, timestamp
from pan_platform.api.spec import INT, LANG_PATTERN, LINKS, META, NSTR, ORG_REF, STR, STR_LIST, obj, spec
from pan_platform.api.v1 import LANG, PER_PAGE, bp, page_links, requested_language
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.experts import queries
from pan_platform.experts.models import AVAILABILITY, ExpertProfile

_AREAS = {"type": "array", "items": {"type": "string", "enum": list(PRIORITY_AREAS)}}
_EXPERT_PROPS = {
    "id": INT,
    "name": STR,
    "headline": NSTR,
    "organisation": ORG_REF,
    "country": NSTR,
    "priority_areas": _AREAS,
    "topics": {"type": "array", "items": obj({"code": STR, "label": STR})},
    "languages_spoken": STR_LIST,
    "languages_taught": STR_LIST,
    "availability": {"type": "array", "items": {"type": "string", "enum": list(AVAILABILITY)}},
    "confirmed_by_academy": {"type": "boolean"},
    "updated_at": {"type": "string", "format": "date-time", "nullable": True},
    "web_url": STR,
    "api_url": STR,
}
EXPERT_SUMMARY = spec.schema("ExpertSummary", obj(_EXPERT_PROPS))
EXPERT_DETAIL = spec.schema("ExpertDetail", obj({
    **_EXPERT_PROPS,
    "language": STR,
    "bio": NSTR,
    "training": NSTR,
    "photo_url": NSTR,
    "materials": {"type": "array", "items": obj({"id": INT, "title": STR, "web_url": STR, "api_url": STR}),
                  "description": "Published items the expert created or is credited on that the caller may read"},
}))
EXPERT_LIST = spec.schema("ExpertList", obj({
    "data": {"type": "array", "items": EXPERT_SUMMARY}, "meta": META, "links": LINKS,
    "facets": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": INT}},
}))

EXPERT_FILTERS = (
    Param("q", {"type": "string", "maxLength": 200}, "Words in the name, texts, areas and topics."),
    Param("area", {"type": "string", "enum": list(PRIORITY_AREAS)}, "Priority area code."),
    Param("language", {"type": "string", "pattern": LANG_PATTERN}, "Speaks or teaches in this language."),
    Param("country", {"type": "string", "pattern": r"^[A-Za-z]{2}$"}, "Country (ISO 3166 alpha-2)."),
    Param("organisation", {"type": "string", "pattern": r"^[A-Za-z0-9-]{1,80}$"}, "Organisation's slug."),
)
FILTER_NAMES = ("q", "area", "language", "country", "organisation")


def _summary(profile: ExpertProfile, language: str, label) -> dict:
    text = profile.text(language)
    return {
        "id": profile.id, "name": profile.name, "headline": text["headline"],
        "organisation": org_ref(profile.organisation), "country": profile.country_code,
        "priority_areas": list(profile.areas or []),
        "topics": [{"code": code, "label": label(code)} for code in profile.topics or []],
        "languages_spoken": list(profile.languages_spoken or []),
        "languages_taught": list(profile.languages_taught or []),
        "availability": list(profile.availability or []),
        "confirmed_by_academy": profile.confirmed_at is not None,
        "updated_at": timestamp(profile.updated_at),
        "web_url": url_for("experts.detail", profile_id=profile.id, _external=True),
        "api_url": url_for("api.experts_detail", expert_id=profile.id, _external=True),
    }


@spec.operation(
    bp, "/experts", summary="Experts and trainers you may see, with filters and facets", tag="Experts",
    params=(*EXPERT_FILTERS, Param("page", {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1},
                                   "Page number."), PER_PAGE, LANG),
    responses={200: ("A page of experts", EXPERT_LIST)},
)
def experts_list(query: dict):
    language = requested_language(query)
    filters = queries.ExpertFilters.read({k: str(query[k]) for k in FILTER_NAMES if query.get(k)})
    found = queries.directory(resolve_caller(), filters, language)
    per_page, page = query["per_page"], query["page"]
    total = len(found.profiles)
    pages = max(math.ceil(total / per_page), 1)
    rows = found.profiles[(page - 1) * per_page: page * per_page]
    label = queries.topic_labeller(language)
    args = {k: query[k] for k in (*FILTER_NAMES, "lang") if query.get(k)}
    if per_page != PER_PAGE.schema["default"]:
        args["per_page"] = per_page
    return jsonify({
        "data": [_summary(profile, language, label) for profile in rows],
        "meta": {"total": total, "page": page, "per_page": per_page, "pages": pages},
        "links": page_links(page, pages, args),
        "facets": {name: {str(value): int(count) for value, count in values} for name, values in found.facets.items()},
    })


@spec.operation(
    bp, "/experts/<int:expert_id>", summary="One expert or trainer", tag="Experts",
    params=(LANG,), responses={200: ("The expert", EXPERT_DETAIL)},
    description="Hidden and non-existent profiles give the same 404.",
)
def experts_detail(query: dict, expert_id: int):
    user = resolve_caller()
    language = requested_language(query)
    profile = queries.get_readable(user, expert_id)
    text = profile.text(language)
    materials = [
        {"id": item.id, "title": item.localized(language)["title"],
         "web_url": url_for("catalogue.detail", item_id=item.id, _external=True),
         "api_url": url_for(f"api.{KIND_PATHS[item.kind]}_detail", item_id=item.id, _external=True)}
        for item in queries.authored_items(user, profile)
    ]
    return jsonify({
        **_summary(profile, language, queries.topic_labeller(language)), "language": text["language"], "bio": text["bio"], "training": text["training"],
        "photo_url": url_for("experts.photo", profile_id=profile.id, _external=True) if profile.photo else None,
        "materials": materials,
    })
