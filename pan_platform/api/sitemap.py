"""/sitemap.xml: the public pages in every interface language (/<lang>/...).

Items are those an anonymous visitor may read (`published_readable(anonymous)`), so the
sitemap can never name a hidden item.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from flask_login import AnonymousUserMixin
from lxml import etree
from sqlalchemy import select

from pan_platform.catalogue import queries
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation

bp = Blueprint("sitemap", __name__)

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000  # the protocol's limit for one file


def public_items() -> list[Item]:
    stmt = queries.published_readable(AnonymousUserMixin()).order_by(Item.id)
    return list(db.session.scalars(stmt))


def _pages() -> list[tuple[str, str | None]]:
    """(path without language prefix, lastmod) of every public page."""
    pages = [(url_for("main.home"), None), (url_for("catalogue.browse"), None),
             (url_for("organisations.index"), None)]
    for org in db.session.scalars(select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.slug)):
        pages.append((url_for("organisations.detail", slug=org.slug), None))
    for item in public_items():
        pages.append((url_for("catalogue.detail", item_id=item.id), item.updated_at.date().isoformat()))
    return pages


@bp.route("/sitemap.xml")
def sitemap():
    root_url = request.host_url.rstrip("/")
    prefix = request.script_root  # a language prefix of this request, if any
    languages = current_app.config["PAN_LANGUAGES"]
    urlset = etree.Element(f"{{{NS}}}urlset", nsmap={None: NS, "xhtml": XHTML})
    count = 0
    for path, lastmod in _pages():
        bare = path[len(prefix):] if prefix and path.startswith(prefix) else path
        for lang in languages:
            if count >= MAX_URLS:
                break
            entry = etree.SubElement(urlset, f"{{{NS}}}url")
            etree.SubElement(entry, f"{{{NS}}}loc").text = f"{root_url}/{lang}{bare}"
            if lastmod:
                etree.SubElement(entry, f"{{{NS}}}lastmod").text = lastmod
            for other in languages:
                etree.SubElement(entry, f"{{{XHTML}}}link", rel="alternate", hreflang=other,
                                 href=f"{root_url}/{other}{bare}")
            count += 1
    body = etree.tostring(urlset, xml_declaration=True, encoding="UTF-8")
    return Response(body, mimetype="application/xml")
