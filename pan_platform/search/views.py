"""The search page and the suggestions endpoint. Thin: the search package decides."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from pan_platform import search as search_service
from pan_platform.catalogue.filters import VOCABULARY_FILTERS, read_filters, values_of
from pan_platform.catalogue.language_versions import prefer_language
from pan_platform.events import queries as event_queries
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation
from pan_platform.search.hits import readable_hits, readable_items

bp = Blueprint("search", __name__, template_folder="templates")

NOTICES = {
    "shortened": lambda: _("Your search was long, so only its beginning was used."),
    "syntax": lambda: _("Wildcards and special characters are not supported and were ignored."),
    "no_words": lambda: _("Your search holds only very common words. Please add a more specific word."),
    "unparsable": lambda: _("Part of your search could not be understood; it was searched as plain words."),
    "failed": lambda: _("This search could not be completed. Please try different words."),
}


def _facet_labels(facets: dict, chosen: tuple[str, ...]) -> dict[str, str]:
    """Academy slug -> name for the academies in the facet counts and those chosen."""
    slugs = [value for value, _count in facets.get("academy", [])] + list(chosen)
    if not slugs:
        return {}
    orgs = db.session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))
    return {org.slug: org.name for org in orgs}


@bp.route("/search")
def search_page():
    lang = str(get_locale() or "en")
    query = request.args.get("q", "")
    parsed = read_filters(request.args, sorts=search_service.SORTS, multi=True)
    filters = parsed.criteria()
    literal = request.args.get("literal") == "1"  # no near spellings, no related terms
    found = search_service.search(
        current_user, query, filters=filters, page=parsed.page, sort=parsed.sort, lang=lang,
        per_page=20, literal=literal,
    )
    hits = readable_hits(current_user, found)
    # Versions of one work in several languages: the reader's own language first.
    items = prefer_language(hits.items, lang)
    return render_template(
        "search/search.html",
        events=_events(query, filters, parsed.page),
        result=hits.result,
        items=items,
        filters=filters,
        raw_query=query,
        literal=literal,
        academy_names=_facet_labels(hits.result.facets, filters.get("academy") or ()),
        notices=[NOTICES[code]() for code in dict.fromkeys(hits.result.notices) if code in NOTICES],
        vocabularies=VOCABULARY_FILTERS,
    )


# Filters that also mean something for events; any other filter (kind, type, level ...)
# asks for catalogue items only, and the events block is left out.
EVENT_FILTERS = ("area", "language")


def _events(query: str, filters: dict, page: int) -> list:
    """Upcoming events the viewer may read that hold the words, on the first page only."""
    if page != 1 or not query.strip() or set(filters) - set(EVENT_FILTERS):
        return []
    return event_queries.search(current_user, query, areas=values_of(filters.get("area")),
                                languages=values_of(filters.get("language")))


@bp.route("/search/suggest")
def suggest():
    lang = str(get_locale() or "en")
    ids = search_service.suggest(current_user, request.args.get("q", ""))
    items = readable_items(current_user, ids)
    return jsonify({
        "suggestions": [
            {"title": item.localized(lang)["title"], "url": url_for("catalogue.detail", item_id=item.id)}
            for item in items
        ]
    })
