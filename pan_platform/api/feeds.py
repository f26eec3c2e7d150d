"""Atom feeds of new and updated materials.

Public feeds (overall, per priority area, academy and language) are built for an
anonymous reader whoever asks, so a feed URL shared or cached anywhere never carries
private items. A private feed URL holds a revocable secret (stored hashed) and lists what
its owner may read; it is managed on /feeds by the signed-in user.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import AnonymousUserMixin, current_user, login_required
from lxml import etree
from sqlalchemy import select

from pan_platform.api.limits import check_rate
from pan_platform.api.metadata import xml_text
from pan_platform.api.models import FeedToken
from pan_platform.api.serialize import timestamp
from pan_platform.catalogue import queries
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.filters import read_filters
from pan_platform.catalogue.models import Item, ItemArea, ItemLanguage
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow
from pan_platform.web.templating import language_name

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"


def _limit():
    allowed, headers = check_rate(None)
    if not allowed:
        return Response("Too many requests.\n", status=429, mimetype="text/plain", headers=headers)
    return None


bp.before_request(_limit)


# -- selection -------------------------------------------------------------------------------
def feed_items(user, area: str | None = None, academy: str | None = None, language: str | None = None) -> list[Item]:
    stmt = queries.published_readable(user).where(Item.kind == "material")
    if area:
        stmt = stmt.where(Item.area_rows.any(ItemArea.area_code == area))
    if academy:
        stmt = stmt.where(Item.owner.has(Organisation.slug == academy))
    if language:
        stmt = stmt.where(Item.language_rows.any(ItemLanguage.language == language))
    stmt = stmt.order_by(Item.updated_at.desc(), Item.id.desc()).limit(int(current_app.config["PAN_FEED_SIZE"]))
    return list(db.session.scalars(stmt))


# -- Atom ----------------------------------------------------------------------------------------
def _add(parent, name: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        node.text = xml_text(text)
    return node


def atom(items: list[Item], title: str, self_url: str, feed_id: str) -> Response:
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _add(root, "id", feed_id)
    _add(root, "title", title)
    _add(root, "updated", timestamp(max((i.updated_at for i in items), default=None) or utcnow()))
    _add(root, "link", rel="self", href=self_url, type="application/atom+xml")
    _add(root, "link", rel="alternate", href=url_for("catalogue.browse", _external=True), type="text/html")
    _add(_add(root, "author"), "name", "PAN Platform")
    _add(root, "generator", "PAN Platform")
    for item in items:
        url = url_for("catalogue.detail", item_id=item.id, _external=True)
        entry = _add(root, "entry")
        _add(entry, "id", url)
        title_node = _add(entry, "title", item.title)
        title_node.set("{http://www.w3.org/XML/1998/namespace}lang", item.language)
        _add(entry, "updated", timestamp(item.updated_at))
        if item.published_at:
            _add(entry, "published", timestamp(item.published_at))
        _add(entry, "link", rel="alternate", href=url, type="text/html")
        _add(_add(entry, "author"), "name", item.owner.name)
        for code in item.area_codes:
            _add(entry, "category", term=code, label=vocab.label(vocab.PRIORITY_AREAS, code))
        if item.summary:
            _add(entry, "summary", item.summary, type="text")
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store" if "/private/" in self_url else "public, max-age=300"
    return response


def _public_feed(title: str, **filters) -> Response:
    items = feed_items(AnonymousUserMixin(), **filters)
    return atom(items, title, request.base_url, request.base_url)


@bp.route("/feeds/materials.atom")
def materials():
    return _public_feed(_("New and updated materials"))


@bp.route("/feeds/areas/<code>.atom")
def by_area(code: str):
    if code not in vocab.PRIORITY_AREAS:
        abort(404)
    return _public_feed(_("Materials: %(area)s", area=vocab.label(vocab.PRIORITY_AREAS, code)), area=code)


@bp.route("/feeds/academies/<slug>.atom")
def by_academy(slug: str):
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug, Organisation.kind == "academy"))
    if org is None or not org.active:
        abort(404)
    return _public_feed(_("Materials: %(academy)s", academy=org.name), academy=slug)


@bp.route("/feeds/languages/<code>.atom")
def by_language(code: str):
    if code not in vocab.CONTENT_LANGUAGES:
        abort(404)
    return _public_feed(_("Materials in %(language)s", language=language_name(code)), language=code)


# -- private feeds -------------------------------------------------------------------------------
def user_for_feed_token(clear: str):
    if not clear.startswith("feed_") or len(clear) > 100:
        return None
    token = db.session.scalar(
        select(FeedToken).where(FeedToken.token_hash == FeedToken.hash_token(clear), FeedToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user


@bp.route("/feeds/private/<token>/materials.atom")
def private(token: str):
    user = user_for_feed_token(token)
    if user is None:
        abort(404)  # the same answer as any unknown URL
    filters = read_filters(request.args, names=("area", "academy", "language"))
    items = feed_items(user, area=filters.area, academy=filters.academy, language=filters.language)
    return atom(items, _("Materials shared with %(org)s", org=user.organisation.name), request.url,
                f"urn:pan:private-feed:{user.id}")


# -- the page listing feeds, with the private feed's secret management -------------------------------
def _active_token(user) -> FeedToken | None:
    return db.session.scalar(
        select(FeedToken).where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
    )


def _page(new_url: str | None = None):
    areas = list(vocab.PRIORITY_AREAS)
    academies = db.session.scalars(
        select(Organisation).where(Organisation.kind == "academy", Organisation.active.is_(True))
        .order_by(Organisation.name)
    ).all()
    token = _active_token(current_user) if current_user.is_authenticated else None
    return render_template(
        "api/feeds.html", areas=areas, academies=academies, languages=current_app.config["PAN_LANGUAGES"],
        token=token, new_url=new_url,
    )


@bp.route("/feeds")
def index():
    return _page()


@bp.route("/feeds/private-token", methods=["POST"])
@login_required
def create_token():
    """A new secret URL; the previous one stops working at once."""
    for old in db.session.scalars(
        select(FeedToken).where(FeedToken.user_id == current_user.id, FeedToken.revoked_at.is_(None))
    ):
        old.revoked_at = utcnow()
    token, clear = FeedToken.issue(current_user)
    db.session.add(token)
    db.session.commit()
    # Shown once, in this response only: never flashed into the session cookie.
    return _page(url_for("feeds.private", token=clear, _external=True))


@bp.route("/feeds/private-token/revoke", methods=["POST"])
@login_required
def revoke_token():
    for old in db.session.scalars(
        select(FeedToken).where(FeedToken.user_id == current_user.id, FeedToken.revoked_at.is_(None))
    ):
        old.revoked_at = utcnow()
    db.session.commit()
    return _page()
