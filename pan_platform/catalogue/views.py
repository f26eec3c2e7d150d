"""Catalogue pages: browse with filters, item detail, the licences. Thin: queries decide what is shown."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from pan_platform.catalogue import queries
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.filters import read_filters
from pan_platform.overview import usage

bp = Blueprint("catalogue", __name__, template_folder="templates")


@bp.route("/catalogue")
def browse():
    filters = read_filters(request.args, multi=True)
    page = queries.browse(current_user, filters)
    facets = queries.facet_counts(current_user)
    return render_template(
        "catalogue/browse.html",
        page=page,
        filters=filters,
        selected=filters.criteria(),
        facets=facets.values,
        academy_names=facets.academy_names,
    )


@bp.route("/items/<int:item_id>")
def detail(item_id: int):
    item = queries.get_readable(current_user, item_id, options=queries.detail_loads())
    page = render_template(
        "catalogue/detail.html",
        item=item,
        text=item.localized(str(get_locale())),
        ancestors=queries.readable_ancestors(current_user, item),
        children=queries.readable_children(current_user, item),
    )
    usage.record_view(current_user, item_id)  # after rendering: its commit expires the rows shown
    return page


@bp.route("/licences")
def licences():
    """What each licence of the catalogue lets other academies do with an item."""
    return render_template("catalogue/licences.html", terms=vocab.LICENCE_TERMS, no_licence=vocab.NO_LICENCE)


@bp.app_template_global()
def licence_url(code: str | None) -> str:
    """The text of a licence: its own page, else its entry on the portal's licences page."""
    url = vocab.licence_terms(code).url
    return url or url_for("catalogue.licences", _anchor=f"licence-{code or 'none'}")
