"""The API's component schemas, declared once and referenced by every operation."""

from __future__ import annotations

from pan_platform.api.openapi import ApiSpec
from pan_platform.catalogue.vocabularies import (
    AUDIENCES,
    DELIVERY_MODES,
    FILE_ROLES,
    ITEM_KINDS,
    LEVELS,
    LICENCES,
    PRIORITY_AREAS,
    RESOURCE_TYPES,
)

spec = ApiSpec("PAN Platform API", "1.0.0", "/api/v1")

STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
INT = {"type": "integer"}
DATETIME = {"type": "string", "format": "date-time", "nullable": True}
STR_LIST = {"type": "array", "items": STR}
LANG_PATTERN = r"^[a-z]{2,3}(-[a-zA-Z0-9]{2,8})?$"


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


ERROR = spec.schema("Error", obj({
    "error": obj({
        "status": INT, "title": STR, "message": STR,
        "details": {"type": "object", "additionalProperties": STR},
    }, ["status", "title", "message"]),
}))

LINKS = spec.schema("Links", obj({
    "self": STR, "first": STR, "last": STR,
    "next": {"type": "string", "nullable": True}, "prev": {"type": "string", "nullable": True},
}))
META_PROPS = {"total": INT, "page": INT, "per_page": INT, "pages": INT}
META = spec.schema("PageMeta", obj(META_PROPS))

ORG_REF = spec.schema("OrganisationRef", obj({
    "id": INT, "slug": STR, "name": STR, "kind": {"type": "string", "enum": ["academy", "partner", "secretariat"]},
    "country": NSTR,
}))

_SUMMARY_PROPS = {
    "id": INT,
    "kind": {"type": "string", "enum": list(ITEM_KINDS)},
    "title": STR,
    "summary": STR,
    "language": STR,
    "languages": STR_LIST,
    "priority_areas": {"type": "array", "items": {"type": "string", "enum": list(PRIORITY_AREAS)}},
    "resource_type": NSTR,
    "audience": NSTR,
    "level": NSTR,
    "owner": ORG_REF,
    "state": {"type": "string", "enum": ["draft", "published", "archived"]},
    "published_at": DATETIME,
    "updated_at": DATETIME,
    "web_url": STR,
    "api_url": STR,
}
ITEM_SUMMARY = spec.schema("ItemSummary", obj(_SUMMARY_PROPS))

TRANSLATION = spec.schema("Translation", obj({
    "language": STR, "title": STR, "summary": NSTR, "learning_outcomes": STR_LIST,
}))
FILE_VERSION = spec.schema("FileVersion", obj({
    "id": INT, "file_id": INT, "number": INT, "original_name": STR, "mime_type": STR, "size": INT, "sha256": STR,
    "uploaded_at": DATETIME, "download_url": STR,
    "thumbnail_url": {"type": "string", "nullable": True,
                      "description": "The version's thumbnail (WebP), once made; null before"},
}))
FILE_ROLE = {"type": "string", "enum": list(FILE_ROLES)}
MATERIAL_FILE = spec.schema("MaterialFile", obj({
    "id": INT, "role": FILE_ROLE, "language": STR, "position": INT, "title": NSTR, "version_count": INT,
    "current": FILE_VERSION, "versions": {"type": "array", "items": FILE_VERSION},
}))
# Nullable objects are inlined: "nullable" beside a $ref is ignored by OpenAPI 3.0 tools.
SHARING = {**obj({
    "visibility": {"type": "string", "enum": ["inherit", "private", "network", "partners", "public"]},
    "partner_scope": {"type": "string", "enum": ["named", "all"]},
    "shared_with": STR_LIST,
}), "nullable": True}
ITEM_DETAIL = spec.schema("ItemDetail", obj({
    **_SUMMARY_PROPS,
    "learning_outcomes": STR_LIST,
    "keywords": STR_LIST,
    "delivery_mode": NSTR,
    "duration_hours": {"type": "number", "nullable": True},
    "licence": NSTR,
    "external_url": NSTR,
    "parent_id": {"type": "integer", "nullable": True},
    "children": {"type": "array", "items": INT},
    "translations": {"type": "array", "items": TRANSLATION},
    "files": {"type": "array", "items": FILE_VERSION,
              "description": "Every version of every file; empty for callers who may not download the files"},
    "material_files": {"type": "array", "items": MATERIAL_FILE,
                       "description": "The files in their order, with role, language and versions; "
                                      "empty for callers who may not download the files"},
    "files_on_request": {"type": "boolean",
                         "description": "The item has files the caller may ask the owner academy for"},
    "thumbnail_url": {"type": "string", "nullable": True,
                      "description": "A material's thumbnail (its first file's first page, WebP); null until "
                                     "made, and for callers who may not download the files"},
    "sharing": SHARING,
}))
ITEM_LIST = spec.schema("ItemList", obj({"data": {"type": "array", "items": ITEM_SUMMARY}, "meta": META, "links": LINKS}))

ORGANISATION = spec.schema("Organisation", obj({
    "id": INT, "slug": STR, "name": STR, "acronym": NSTR,
    "kind": {"type": "string", "enum": ["academy", "partner", "secretariat"]},
    "country": NSTR, "website": NSTR, "description": NSTR, "web_url": STR,
}))
ORGANISATION_LIST = spec.schema("OrganisationList", obj({"data": {"type": "array", "items": ORGANISATION}}))

COUNTRY = spec.schema("Country", obj({
    "code": STR, "kind": {"type": "string", "enum": ["participating", "partner"]}, "name": STR,
}))
COUNTRY_LIST = spec.schema("CountryList", obj({"language": STR, "data": {"type": "array", "items": COUNTRY}}))

AREA = spec.schema("PriorityArea", obj({
    "code": {"type": "string", "enum": list(PRIORITY_AREAS)}, "position": INT,
    "labels": {"type": "object", "additionalProperties": STR},
}))
AREA_LIST = spec.schema("PriorityAreaList", obj({"data": {"type": "array", "items": AREA}}))

SEARCH_HIT = spec.schema("SearchHit", obj({**_SUMMARY_PROPS, "snippet": NSTR}))
SEARCH_RESULT = spec.schema("SearchResult", obj({
    "query": STR,
    "data": {"type": "array", "items": SEARCH_HIT},
    "meta": spec.schema("SearchMeta", obj({
        **META_PROPS,
        # Near spellings of words no readable item contains: applied (the results are
        # for `corrected`; `literal=true` searches `original` only) or only proposed.
        "spelling": {**obj({"original": STR, "corrected": STR, "applied": {"type": "boolean"}}), "nullable": True},
        # Related thesaurus terms searched as well, at a lower weight.
        "also_searched": {"type": "array", "items": obj({"term": STR, "lang": STR})},
    })),
    "links": LINKS,
    "facets": {"type": "object", "additionalProperties": {
        "type": "object", "additionalProperties": INT,
    }},
}))

ME = spec.schema("Me", obj({
    "authenticated": {"type": "boolean"},
    "user": {**obj({"id": INT, "name": STR, "role": STR, "organisation": ORG_REF}), "nullable": True},
}))

# -- request bodies -------------------------------------------------------------------
_EDITABLE = {
    "title": {"type": "string", "minLength": 1, "maxLength": 300},
    "summary": {"type": "string", "maxLength": 20_000},
    "learning_outcomes": {"type": "array", "items": {"type": "string", "maxLength": 1000}, "maxItems": 50},
    "language": {"type": "string", "pattern": LANG_PATTERN},
    "keywords": {"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 50},
    "priority_areas": {"type": "array", "items": {"type": "string", "enum": list(PRIORITY_AREAS)}, "maxItems": 8},
    "audience": {"type": "string", "enum": list(AUDIENCES)},
    "level": {"type": "string", "enum": list(LEVELS)},
    "delivery_mode": {"type": "string", "enum": list(DELIVERY_MODES)},
    "duration_hours": {"type": "number", "minimum": 0, "maximum": 10_000},
    "licence": {"type": "string", "enum": list(LICENCES)},
    "resource_type": {"type": "string", "enum": list(RESOURCE_TYPES)},
    "external_url": {"type": "string", "maxLength": 500, "pattern": r"^https://[^\s]+$"},
}
ITEM_CREATE = spec.schema("ItemCreate", {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": list(ITEM_KINDS)},
        "parent_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        **_EDITABLE,
    },
    "required": ["kind", "title"],
    "additionalProperties": False,
})
ITEM_UPDATE = spec.schema("ItemUpdate", {
    "type": "object", "properties": _EDITABLE, "additionalProperties": False, "minProperties": 1,
})
SHARING_UPDATE = spec.schema("SharingUpdate", {
    "type": "object",
    "properties": {
        "visibility": {"type": "string", "enum": ["inherit", "private", "network", "partners", "public"]},
        "partner_scope": {"type": "string", "enum": ["named", "all"]},
        "shared_with": {"type": "array", "items": {"type": "string", "pattern": r"^[a-z0-9-]{1,80}$"}, "maxItems": 100},
    },
    "required": ["visibility"],
    "additionalProperties": False,
})
STATE_CHANGE = spec.schema("StateChange", {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["publish", "archive", "draft"]},
        "with_children": {"type": "boolean"},
    },
    "required": ["action"],
    "additionalProperties": False,
})
ITEM_IDS = spec.schema("ItemIds", obj({"changed": {"type": "array", "items": INT}}))
FILE_UPLOAD = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "note": {"type": "string", "maxLength": 1000},
        "file_id": {"type": "integer", "description": "Add a new version of this file of the material"},
        "role": {**FILE_ROLE, "description": "Add a new file with this role (default other)"},
        "language": {"type": "string", "description": "The new file's language (default: the material's)"},
        "title": {"type": "string", "maxLength": 300, "description": "The new file's title"},
    },
    "required": ["file"],
}
