"""The search page and the suggestions endpoint. Thin: the search package decides."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from pan_platform import search as search_service
from pan_platform.access import can
from pan_platform.catalogue.language_versions import prefer_language
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.queries import short_code, slug_or_none
from pan_platform.catalogue.vocabularies import (
    AUDIENCES,
    ITEM_KINDS,
    LEVELS,
    PRIORITY_AREAS,
    RESOURCE_TYPES,
)
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation

bp = Blueprint("search", __name__, template_folder="templates")

_VOCABULARY_FILTERS = {
    "area": PRIORITY_AREAS, "type": RESOURCE_TYPES, "audience": AUDIENCES, "level": LEVELS, "kind": ITEM_KINDS,
}


def read_filters(args) -> dict[str, str]:
    """Filters from the query string, each checked against its vocabulary (junk is ignored)."""
    filters = {name: args.get(name) for name, vocab in _VOCABULARY_FILTERS.items() if args.get(name) in vocab}
    filters["language"] = short_code(args.get("language"))
    filters["country"] = short_code(args.get("country"), upper=True)
    filters["academy"] = slug_or_none(args.get("academy"))
    return {k: v for k, v in filters.items() if v}


def _page(args) -> int:
    try:
        return max(1, int(args.get("page", 1)))
    except ValueError:
        return 1


def _items_in_order(ids: list[int]) -> list[Item]:
    """Rows reloaded by id, in rank order; anything unreadable now is dropped (the index
    may lag a commit by milliseconds)."""
    if not ids:
        return []
    rows = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows and can(current_user, "read", rows[i])]


NOTICES = {
    "shortened": lambda: _("Your search was long, so only its beginning was used."),
    "syntax": lambda: _("Wildcards and special characters are not supported and were ignored."),
    "no_words": lambda: _("Your search holds only very common words. Please add a more specific word."),
    "unparsable": lambda: _("Part of your search could not be understood; it was searched as plain words."),
    "failed": lambda: _("This search could not be completed. Please try different words."),
}


def _facet_labels(facets: dict) -> dict[str, str]:
    """Academy slug -> name for the academies in the facet counts."""
    slugs = [value for value, _count in facets.get("academy", [])]
    if not slugs:
        return {}
    orgs = db.session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))
    return {org.slug: org.name for org in orgs}


@bp.route("/search")
def search_page():
    lang = str(get_locale() or "en")
    query = request.args.get("q", "")
    filters = read_filters(request.args)
    sort = request.args.get("sort", "relevance")
    literal = request.args.get("literal") == "1"  # no near spellings, no related terms
    result = search_service.search(
        current_user, query, filters=filters, page=_page(request.args), sort=sort, lang=lang,
        per_page=20, literal=literal,
    )
    # Versions of one work in several languages: the reader's own language first.
    items = prefer_language(_items_in_order(result.ids), lang)
    return render_template(
        "search/search.html",
        result=result,
        items=items,
        filters=filters,
        raw_query=query,
        literal=literal,
        academy_names=_facet_labels(result.facets),
        notices=[NOTICES[code]() for code in dict.fromkeys(result.notices) if code in NOTICES],
        vocabularies=_VOCABULARY_FILTERS,
    )


@bp.route("/search/suggest")
def suggest():
    lang = str(get_locale() or "en")
    ids = search_service.suggest(current_user, request.args.get("q", ""))
    items = _items_in_order(ids)
    return jsonify({
        "suggestions": [
            {"title": item.localized(lang)["title"], "url": url_for("catalogue.detail", item_id=item.id)}
            for item in items
        ]
    })
