"""REST API v1: read endpoints. Every list goes through `published_readable`/`browse`,
every single item through `get_readable` (hidden and missing give the same 404)."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, NotFound

from pan_platform import search as search_service
from pan_platform.api import serialize
from pan_platform.api.auth import InvalidToken, resolve_caller, token_id
from pan_platform.api.errors import ApiError, error_response
from pan_platform.api.limits import add_cors_headers, check_rate
from pan_platform.api.openapi import Param
from pan_platform.api.spec import (
    AREA_LIST,
    COUNTRY_LIST,
    ITEM_DETAIL,
    ITEM_LIST,
    LANG_PATTERN,
    ME,
    ORGANISATION,
    ORGANISATION_LIST,
    SEARCH_RESULT,
    spec,
)
from pan_platform.catalogue import counts, queries
from pan_platform.catalogue.filters import read_filters
from pan_platform.catalogue.models import PriorityArea
from pan_platform.catalogue.vocabularies import AUDIENCES, LEVELS, PRIORITY_AREAS, RESOURCE_TYPES
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError
from pan_platform.organisations.models import Country, Organisation
from pan_platform.search.hits import readable_hits

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100


# -- request plumbing -------------------------------------------------------------------
def guard_request():
    """Authenticate, then count the request against the caller's rate limit."""
    if request.method == "OPTIONS":
        return None
    try:
        resolve_caller()
    except InvalidToken:
        return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="pan"'})
    allowed, headers = check_rate(token_id())
    request.environ["pan.rate_headers"] = headers
    if not allowed:
        return error_response(429, headers=headers)
    return None


def finish_response(response):
    for name, value in request.environ.get("pan.rate_headers", {}).items():
        response.headers.setdefault(name, value)
    return add_cors_headers(response)


bp.before_request(guard_request)
bp.after_request(finish_response)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.message, error.headers, error.details)


@bp.errorhandler(OperationError)
def _operation_error(error: OperationError):
    """A refused operation: its translated message and field messages, in the API's format."""
    return error_response(error.status, None if error.errors else error.message, details=error.errors or None)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return error_response(error.code or 500)


# -- helpers ------------------------------------------------------------------------------
def page_links(page: int, pages: int, args: dict) -> dict:
    def link(number: int) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, page=number, _external=True)

    last = max(pages, 1)
    return {
        "self": link(page),
        "first": link(1),
        "last": link(last),
        "next": link(page + 1) if page < pages else None,
        "prev": link(min(page - 1, last)) if page > 1 else None,
    }


def requested_language(query: dict) -> str:
    """?lang=, else Accept-Language, else the default: always one of the configured languages."""
    languages = current_app.config["PAN_LANGUAGES"]
    if query.get("lang") in languages:
        return query["lang"]
    return request.accept_languages.best_match(languages) or languages[0]


PAGE = Param("page", {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1}, "Page number.")
PER_PAGE = Param(
    "per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}, "Items per page."
)
LANG = Param("lang", {"type": "string", "pattern": LANG_PATTERN}, "Language of the labels and texts.")
LIST_FILTERS = (
    Param("area", {"type": "string", "enum": list(PRIORITY_AREAS)}, "Priority area code."),
    Param("language", {"type": "string", "pattern": LANG_PATTERN}, "Available in this language."),
    Param("country", {"type": "string", "pattern": r"^[A-Za-z]{2}$"}, "Owner's country (ISO 3166 alpha-2)."),
    Param("academy", {"type": "string", "pattern": r"^[A-Za-z0-9-]{1,80}$"}, "Owner academy's slug."),
    Param("type", {"type": "string", "enum": list(RESOURCE_TYPES)}, "Resource type."),
    Param("sort", {"type": "string", "enum": list(queries.SORTS), "default": "newest"}, "Order."),
    PAGE,
    PER_PAGE,
)
FILTER_NAMES = ("area", "language", "country", "academy", "type", "sort")


# -- catalogue ----------------------------------------------------------------------------
def _list_view(kind: str):
    def view(query: dict):
        # The schema has checked the values; the shared parser normalises them like the pages do.
        filters = read_filters({**query, "kind": kind}, sorts=queries.SORTS,
                               names=("area", "language", "country", "academy", "kind", "type"))
        result = queries.browse(resolve_caller(), filters, per_page=query["per_page"])
        args = {k: query[k] for k in FILTER_NAMES if query.get(k)}
        if query["per_page"] != PER_PAGE.schema["default"]:
            args["per_page"] = query["per_page"]
        return jsonify({
            "data": [serialize.item_summary(item) for item in result.items],
            "meta": {"total": result.total or 0, "page": result.page, "per_page": result.per_page,
                     "pages": result.pages},
            "links": page_links(result.page, result.pages, args),
        })

    return view


def _detail_view(kind: str):
    def view(query: dict, item_id: int):
        item = queries.get_readable(resolve_caller(), item_id)
        if item.kind != kind:
            raise NotFound()
        return jsonify(serialize.item_detail(resolve_caller(), item))

    return view


for _kind, _path in serialize.KIND_PATHS.items():
    _list = _list_view(_kind)
    _list.__name__ = f"{_path}_list"
    spec.operation(
        bp, f"/{_path}", summary=f"List published {_path} you may read", tag="Catalogue",
        params=LIST_FILTERS, responses={200: ("A page of items", ITEM_LIST)},
    )(_list)
    _detail = _detail_view(_kind)
    _detail.__name__ = f"{_path}_detail"
    spec.operation(
        bp, f"/{_path}/<int:item_id>", summary=f"One {_kind}, with translations, children and files",
        tag="Catalogue", responses={200: ("The item", ITEM_DETAIL)},
        description="Hidden and non-existent items give the same 404.",
    )(_detail)


# -- reference data -------------------------------------------------------------------------
@spec.operation(
    bp, "/organisations", summary="Active organisations", tag="Reference data",
    params=(Param("kind", {"type": "string", "enum": ["academy", "partner", "secretariat"]}),),
    responses={200: ("Organisations", ORGANISATION_LIST)},
)
def organisations_list(query: dict):
    stmt = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    if query.get("kind"):
        stmt = stmt.where(Organisation.kind == query["kind"])
    return jsonify({"data": [serialize.organisation(o) for o in db.session.scalars(stmt)]})


@spec.operation(
    bp, "/organisations/<slug>", summary="One organisation", tag="Reference data",
    responses={200: ("The organisation", ORGANISATION)},
)
def organisations_detail(query: dict, slug: str):
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None or not org.active:
        raise NotFound()
    return jsonify(serialize.organisation(org))


@spec.operation(
    bp, "/countries", summary="Countries, names in the requested language", tag="Reference data",
    params=(LANG,), responses={200: ("Countries", COUNTRY_LIST)},
)
def countries_list(query: dict):
    language = requested_language(query)
    try:
        locale = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    english = Locale("en")
    countries = db.session.scalars(select(Country).order_by(Country.code)).all()
    data = [
        {"code": c.code, "kind": c.kind,
         "name": locale.territories.get(c.code) or english.territories.get(c.code, c.code)}
        for c in countries
    ]
    return jsonify({"language": language, "data": sorted(data, key=lambda row: row["name"])})


@spec.operation(
    bp, "/priority-areas", summary="The eight priority areas, labelled in every language",
    tag="Reference data", responses={200: ("Priority areas", AREA_LIST)},
)
def priority_areas_list(query: dict):
    positions = dict(db.session.execute(select(PriorityArea.code, PriorityArea.position)).all())
    labels: dict[str, dict[str, str]] = {code: {} for code in PRIORITY_AREAS}
    for language in current_app.config["PAN_LANGUAGES"]:
        with force_locale(language):
            for code, label in PRIORITY_AREAS.items():
                labels[code][language] = str(label)
    data = [
        {"code": code, "position": positions.get(code, index), "labels": labels[code]}
        for index, code in enumerate(PRIORITY_AREAS)
    ]
    return jsonify({"data": data})


# -- search --------------------------------------------------------------------------------------
SEARCH_PARAMS = (
    Param("q", {"type": "string", "maxLength": 500}, "Words, \"phrases\", -excluded words."),
    *[p for p in LIST_FILTERS if p.name in ("area", "language", "country", "academy", "type")],
    Param("kind", {"type": "string", "enum": list(serialize.KIND_PATHS)}, "Kind of item."),
    Param("audience", {"type": "string", "enum": list(AUDIENCES)}, "Target audience."),
    Param("level", {"type": "string", "enum": list(LEVELS)}, "Level."),
    Param("sort", {"type": "string", "enum": list(search_service.SORTS), "default": "relevance"}, "Order."),
    Param("page", {"type": "integer", "minimum": 1, "maximum": 50, "default": 1}, "Page number."),
    Param("literal", {"type": "boolean", "default": False},
          "Search the words as typed: no near spellings, no related thesaurus terms."),
    PER_PAGE,
    LANG,
)
SEARCH_FILTERS = ("area", "language", "country", "academy", "type", "kind", "audience", "level")


def _snippet_text(snippet: dict | None) -> str | None:
    if not snippet:
        return None
    return "".join(piece for piece, _match in snippet.get("summary", [])) or None


@spec.operation(
    bp, "/search", summary="Full-text search with filters and facets, over what you may read",
    tag="Catalogue", params=SEARCH_PARAMS, responses={200: ("Results in rank order", SEARCH_RESULT)},
)
def search(query: dict):
    """The answer is the same for every caller with the same reader labels, so it is kept
    for them (counts.answers_cache) until the index, the counts' generation or one of
    those labels changes, at most PAN_PAGE_CACHE_SECONDS."""
    user = resolve_caller()
    lang = requested_language(query)
    index = search_service.index_version()
    if current_app.config["PAN_PAGE_CACHE_SECONDS"] <= 0 or index is None:
        return jsonify(_search_answer(user, query, lang))
    key = ("api_search", request.host_url, request.full_path, lang, index)
    return jsonify(counts.cached(key, user, lambda: _search_answer(user, query, lang), counts.answers_cache()))


def _search_answer(user, query: dict, lang: str) -> dict:
    # The schema has checked the values; the shared parser normalises them like the search page.
    parsed = read_filters(query, sorts=search_service.SORTS, names=SEARCH_FILTERS)
    found = search_service.search(
        user, query.get("q", ""), filters=parsed.criteria(), page=parsed.page, sort=parsed.sort,
        lang=lang, per_page=query["per_page"], literal=query["literal"],
    )
    # The same post-filter as the search page: rows and meta.total agree.
    hits = readable_hits(user, found)
    result = hits.result
    args = {k: query[k] for k in ("q", *SEARCH_FILTERS, "sort", "lang") if query.get(k)}
    if query["literal"]:
        args["literal"] = "true"
    if query["per_page"] != PER_PAGE.schema["default"]:
        args["per_page"] = query["per_page"]
    return {
        "query": result.query,
        "data": [
            {**serialize.item_summary(item), "snippet": _snippet_text(result.snippets.get(item.id))}
            for item in hits.items
        ],
        "meta": {
            "total": result.total, "page": result.page, "per_page": result.per_page, "pages": result.pages,
            "spelling": {"original": result.query, "corrected": result.corrected, "applied": result.corrected_applied}
            if result.corrected else None,
            "also_searched": [{"term": term, "lang": lang} for term, lang in result.also_searched],
        },
        "links": page_links(result.page, result.pages, args),
        "facets": {name: {str(value): int(count) for value, count in values}
                   for name, values in result.facets.items()},
    }


@spec.operation(bp, "/me", summary="Who the API sees you as", tag="Account", responses={200: ("You", ME)})
def me(query: dict):
    user = resolve_caller()
    if not user.is_authenticated:
        return jsonify({"authenticated": False, "user": None})
    return jsonify({
        "authenticated": True,
        "user": {"id": user.id, "name": user.name, "role": user.role,
                 "organisation": serialize.org_ref(user.organisation)},
    })


# -- the document and its page ----------------------------------------------------------------
@bp.route("/openapi.json")
def openapi_json():
    return jsonify(spec.document(url_for("api.root", _external=True).rstrip("/")))


@bp.route("/")
def root():
    return jsonify({
        "name": spec.title,
        "version": spec.version,
        "openapi": url_for("api.openapi_json", _external=True),
        "docs": url_for("api.docs", _external=True),
    })


@bp.route("/docs")
def docs():
    document = spec.document(url_for("api.root", _external=True).rstrip("/"))
    response = current_app.make_response(
        render_template("api/docs.html", document=document, prefix=spec.prefix, title=_("API documentation"))
    )
    return response
