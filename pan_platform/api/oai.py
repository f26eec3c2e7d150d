"""OAI-PMH 2.0 at /oai: the six verbs, `oai_dc` and IEEE LOM, sets, resumption tokens.

- Records are the published items the harvester may read (`published_readable`):
  anonymous harvesters get public items; a token (`Authorization: Bearer pan_...`)
  harvests what its user may read. The datestamp is the item's `updated_at`.
- Sets: `area` and `area:<code>` (priority areas), `academy` and `academy:<slug>` (owner).
- Deleted records (`deletedRecord` = transient): an item that was public and no longer
  is (archived, hidden, deleted) keeps a tombstone and is reported as deleted to whoever
  cannot read it now. Items that were never public leave no trace, so a "deleted" header
  never reveals more than the public once saw; the flip side is that a partner is not told
  when a partners-only item disappears, which is why the support is "transient".
  Tombstones carry no sets: they come in harvests without a `set` argument.
- Resumption tokens are stateless: a signed, expiring cursor (verb, arguments, last id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from lxml import etree
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from pan_platform.access import readable_by
from pan_platform.api import metadata
from pan_platform.api.auth import InvalidToken, resolve_caller, token_id
from pan_platform.api.limits import check_rate
from pan_platform.api.models import OaiTombstone
from pan_platform.catalogue import queries
from pan_platform.catalogue.models import Item, ItemArea
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

bp = Blueprint("oai", __name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TOKEN_LIFETIME = timedelta(hours=24)
VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Listing:
    prefix: str
    set_spec: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_id: int = 0
    phase: str = "items"  # then "deleted"
    cursor: int = 0


# -- plumbing -----------------------------------------------------------------------------
def datestamp(value: datetime | None) -> str:
    return (value or utcnow()).replace(microsecond=0).isoformat() + "Z"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pan-oai-resumption")


def identifier_for(item_id: int) -> str:
    return f"oai:{repository_id()}:item/{item_id}"


def repository_id() -> str:
    return current_app.config["PAN_OAI_REPOSITORY_ID"]


def item_id_from(identifier: str) -> int | None:
    prefix = f"oai:{repository_id()}:item/"
    rest = identifier[len(prefix):] if identifier.startswith(prefix) else ""
    return int(rest) if rest.isdigit() and len(rest) < 10 else None


def _element(parent, name: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, f"{{{OAI_NS}}}{name}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _envelope(args: dict | None):
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    _element(root, "responseDate", datestamp(utcnow()))
    # After badVerb/badArgument the request element carries the base URL only.
    _element(root, "request", base_url(), **(args or {}))
    return root


def base_url() -> str:
    return url_for("oai.endpoint", _external=True)


def _respond(root, status: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    # Cache headers follow the caller (web/caching.py): anonymous harvests get an ETag,
    # token holders' answers are private.
    return Response(body, status=status, mimetype="text/xml")


# -- the endpoint ----------------------------------------------------------------------------
@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    try:
        user = resolve_caller()
    except InvalidToken:
        return Response("Unknown or revoked token.\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="pan"'})
    allowed, headers = check_rate(token_id())
    if not allowed:
        return Response("Too many requests.\n", status=429, mimetype="text/plain", headers=headers)
    source = request.form if request.method == "POST" else request.args
    try:
        args = _check_arguments(source)
    except OaiError as error:
        root = _envelope(None)
        _element(root, "error", error.message, code=error.code)
        return _respond(root)
    root = _envelope(args)
    try:
        HANDLERS[args["verb"]](user, args, root)
    except OaiError as error:
        for child in list(root)[2:]:
            root.remove(child)
        if error.code in ("badVerb", "badArgument"):
            root[1].attrib.clear()  # the request element then carries the base URL only
        _element(root, "error", error.message, code=error.code)
    return _respond(root)


def _check_arguments(source) -> dict:
    if any(len(source.getlist(key)) > 1 for key in source):
        raise OaiError("badArgument", "Arguments may not be repeated.")
    args = {key: source.get(key) for key in source}
    verb = args.pop("verb", None)
    if verb not in VERBS:
        raise OaiError("badVerb", "Missing or illegal verb.")
    required, optional, exclusive = VERBS[verb]
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", f"{exclusive} is an exclusive argument.")
        return {"verb": verb, **args}
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", "Illegal argument: " + ", ".join(sorted(unknown)))
    missing = required - set(args)
    if missing:
        raise OaiError("badArgument", "Missing argument: " + ", ".join(sorted(missing)))
    _check_dates(args.get("from"), args.get("until"))
    return {"verb": verb, **args}


def _parse_date(value: str, end: bool) -> datetime:
    if DAY.match(value):
        day = datetime.strptime(value, "%Y-%m-%d")
        return day + timedelta(days=1, microseconds=-1) if end else day
    if SECOND.match(value):
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        return moment + timedelta(seconds=1, microseconds=-1) if end else moment
    raise ValueError(value)


def _check_dates(since: str | None, until: str | None) -> None:
    try:
        first = _parse_date(since, False) if since else None
        last = _parse_date(until, True) if until else None
    except ValueError as error:
        raise OaiError("badArgument", "Dates use the form YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.") from error
    if since and until and len(since) != len(until):
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if first and last and first > last:
        raise OaiError("badArgument", "from is later than until.")


# -- verbs -------------------------------------------------------------------------------------
def identify(user, args: dict, root) -> None:
    node = _element(root, "Identify")
    _element(node, "repositoryName", current_app.config["PAN_OAI_REPOSITORY_NAME"])
    _element(node, "baseURL", base_url())
    _element(node, "protocolVersion", "2.0")
    _element(node, "adminEmail", current_app.config["PAN_ADMIN_EMAIL"])
    # Over what this harvester may see only: even a date must not hint at hidden items.
    stamps = [
        db.session.scalar(select(func.min(Item.updated_at)).where(Item.id.in_(published_ids(user)))),
        db.session.scalar(select(func.min(OaiTombstone.deleted_at))),
    ]
    earliest = min((stamp for stamp in stamps if stamp is not None), default=datetime(2000, 1, 1))
    _element(node, "earliestDatestamp", datestamp(earliest))
    _element(node, "deletedRecord", "transient")
    _element(node, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def list_metadata_formats(user, args: dict, root) -> None:
    if "identifier" in args:
        item_id = item_id_from(args["identifier"])
        if item_id is None or (_readable_item(user, item_id) is None and _tombstone(user, item_id) is None):
            raise OaiError("idDoesNotExist", "No such record.")
    node = _element(root, "ListMetadataFormats")
    for prefix, fmt in metadata.FORMATS.items():
        entry = _element(node, "metadataFormat")
        _element(entry, "metadataPrefix", prefix)
        _element(entry, "schema", fmt.schema)
        _element(entry, "metadataNamespace", fmt.namespace)


def all_sets() -> list[tuple[str, str]]:
    sets = [("area", "Priority areas")]
    sets += [(f"area:{code}", str(label)) for code, label in _english_areas().items()]
    sets.append(("academy", "Academies"))
    academies = db.session.scalars(
        select(Organisation).where(Organisation.kind == "academy", Organisation.active.is_(True))
        .order_by(Organisation.slug)
    )
    sets += [(f"academy:{org.slug}", org.name) for org in academies]
    return sets


def _english_areas() -> dict[str, str]:
    with force_locale("en"):
        return {code: str(label) for code, label in PRIORITY_AREAS.items()}


def list_sets(user, args: dict, root) -> None:
    if "resumptionToken" in args:  # the whole list always fits in one response
        raise OaiError("badResumptionToken", "This list has no continuation.")
    node = _element(root, "ListSets")
    for spec, name in all_sets():
        entry = _element(node, "set")
        _element(entry, "setSpec", spec)
        _element(entry, "setName", name)


def get_record(user, args: dict, root) -> None:
    fmt = _format(args["metadataPrefix"])
    item_id = item_id_from(args["identifier"])
    item = _readable_item(user, item_id) if item_id else None
    if item is not None:
        _record(_element(root, "GetRecord"), user, item, fmt)
        return
    tomb = _tombstone(user, item_id) if item_id else None
    if tomb is None:
        raise OaiError("idDoesNotExist", "No such record.")
    _deleted_header(_element(_element(root, "GetRecord"), "record"), tomb)


def list_records(user, args: dict, root) -> None:
    _list(user, args, root, with_metadata=True)


def list_identifiers(user, args: dict, root) -> None:
    _list(user, args, root, with_metadata=False)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# -- record selection ---------------------------------------------------------------------------
def _format(prefix: str):
    fmt = metadata.FORMATS.get(prefix)
    if fmt is None:
        raise OaiError("cannotDisseminateFormat", "This metadata format is not supported.")
    return fmt


def _readable_item(user, item_id: int) -> Item | None:
    try:
        item = queries.get_readable(user, item_id)
    except NotFound:
        return None
    return item if item.state == "published" else None


def published_ids(user):
    return select(Item.id).where(Item.state == "published", readable_by(user, Item.id))


def _tombstone(user, item_id: int) -> OaiTombstone | None:
    return db.session.scalar(
        select(OaiTombstone).where(OaiTombstone.item_id == item_id, OaiTombstone.item_id.not_in(published_ids(user)))
    )


def _listing_from(args: dict) -> Listing:
    if "resumptionToken" in args:
        return _decode_token(args["verb"], args["resumptionToken"])
    listing = Listing(prefix=args["metadataPrefix"], set_spec=args.get("set"))
    if args.get("from"):
        listing.since = _parse_date(args["from"], False)
    if args.get("until"):
        listing.until = _parse_date(args["until"], True)
    return listing


def _items_query(user, listing: Listing):
    stmt = queries.published_readable(user)
    if listing.since:
        stmt = stmt.where(Item.updated_at >= listing.since)
    if listing.until:
        stmt = stmt.where(Item.updated_at <= listing.until)
    spec = listing.set_spec
    if spec == "area":
        stmt = stmt.where(Item.area_rows.any())
    elif spec and spec.startswith("area:"):
        stmt = stmt.where(Item.area_rows.any(ItemArea.area_code == spec[5:]))
    elif spec == "academy":
        stmt = stmt.where(Item.owner.has(Organisation.kind == "academy"))
    elif spec and spec.startswith("academy:"):
        stmt = stmt.where(Item.owner.has(Organisation.slug == spec[8:]))
    return stmt


def _tombstones_query(user, listing: Listing):
    stmt = select(OaiTombstone).where(OaiTombstone.item_id.not_in(published_ids(user)))
    if listing.since:
        stmt = stmt.where(OaiTombstone.deleted_at >= listing.since)
    if listing.until:
        stmt = stmt.where(OaiTombstone.deleted_at <= listing.until)
    return stmt


def _check_set(spec: str | None) -> None:
    if spec is not None and spec not in {s for s, _name in all_sets()}:
        raise OaiError("badArgument", "Unknown set.")


def _list(user, args: dict, root, with_metadata: bool) -> None:
    listing = _listing_from(args)
    fmt = _format(listing.prefix)
    _check_set(listing.set_spec)
    size = int(current_app.config["PAN_OAI_PAGE_SIZE"])
    items_q = _items_query(user, listing)
    tombs_q = _tombstones_query(user, listing) if listing.set_spec is None else None
    total = db.session.scalar(select(func.count()).select_from(items_q.subquery())) or 0
    if tombs_q is not None:
        total += db.session.scalar(select(func.count()).select_from(tombs_q.subquery())) or 0

    page: list = []
    if listing.phase == "items":
        page = list(db.session.scalars(
            items_q.where(Item.id > listing.after_id).order_by(Item.id).limit(size + 1)
        ))
    if len(page) <= size and tombs_q is not None:
        after = listing.after_id if listing.phase == "deleted" else 0
        room = size + 1 - len(page)
        page += list(db.session.scalars(
            tombs_q.where(OaiTombstone.item_id > after).order_by(OaiTombstone.item_id).limit(room)
        ))
    more = len(page) > size
    page = page[:size]
    if not page:
        if listing.cursor == 0:
            raise OaiError("noRecordsMatch", "No records match.")
        raise OaiError("badResumptionToken", "The list has changed; start the harvest again.")

    node = _element(root, "ListRecords" if with_metadata else "ListIdentifiers")
    for entry in page:
        if isinstance(entry, OaiTombstone):
            target = _element(node, "record") if with_metadata else node
            _deleted_header(target, entry)
        elif with_metadata:
            _record(node, user, entry, fmt)
        else:
            _header(node, entry)
    if more or listing.cursor:
        last = page[-1]
        nxt = Listing(
            prefix=listing.prefix, set_spec=listing.set_spec, since=listing.since, until=listing.until,
            after_id=last.item_id if isinstance(last, OaiTombstone) else last.id,
            phase="deleted" if isinstance(last, OaiTombstone) else "items",
            cursor=listing.cursor + len(page),
        )
        _resumption(node, args["verb"], nxt if more else None, listing.cursor, total)


# -- resumption tokens ------------------------------------------------------------------------
def _encode_token(verb: str, listing: Listing) -> str:
    def stamp(value):
        return value.isoformat() if value else None

    return _serializer().dumps({
        "v": verb, "p": listing.prefix, "s": listing.set_spec, "f": stamp(listing.since),
        "u": stamp(listing.until), "a": listing.after_id, "ph": listing.phase, "c": listing.cursor,
    })


def _decode_token(verb: str, token: str) -> Listing:
    try:
        data = _serializer().loads(token, max_age=int(TOKEN_LIFETIME.total_seconds()))
    except (SignatureExpired, BadSignature) as error:
        raise OaiError("badResumptionToken", "The resumption token is invalid or has expired.") from error
    if not isinstance(data, dict) or data.get("v") != verb:
        raise OaiError("badResumptionToken", "The resumption token belongs to another request.")
    try:
        return Listing(
            prefix=str(data["p"]), set_spec=data["s"],
            since=datetime.fromisoformat(data["f"]) if data["f"] else None,
            until=datetime.fromisoformat(data["u"]) if data["u"] else None,
            after_id=int(data["a"]), phase=data["ph"] if data["ph"] in ("items", "deleted") else "items",
            cursor=int(data["c"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise OaiError("badResumptionToken", "The resumption token is invalid.") from error


def _resumption(node, verb: str, listing: Listing | None, cursor: int, total: int) -> None:
    if listing is None:  # the last part of a list: an empty token
        _element(node, "resumptionToken", "", completeListSize=str(total), cursor=str(cursor))
        return
    expires = datestamp(utcnow() + TOKEN_LIFETIME)
    _element(node, "resumptionToken", _encode_token(verb, listing), expirationDate=expires,
             completeListSize=str(total), cursor=str(cursor))


# -- records -------------------------------------------------------------------------------------
def set_specs(item: Item) -> list[str]:
    specs = []
    if item.area_codes:
        specs.append("area")
        specs += [f"area:{code}" for code in item.area_codes]
    if item.owner.kind == "academy":
        specs += ["academy", f"academy:{item.owner.slug}"]
    return specs


def _header(parent, item: Item) -> None:
    header = _element(parent, "header")
    _element(header, "identifier", identifier_for(item.id))
    _element(header, "datestamp", datestamp(item.updated_at))
    for spec in set_specs(item):
        _element(header, "setSpec", spec)


def _deleted_header(parent, tomb: OaiTombstone) -> None:
    header = _element(parent, "header", status="deleted")
    _element(header, "identifier", identifier_for(tomb.item_id))
    _element(header, "datestamp", datestamp(tomb.deleted_at))


def _record(parent, user, item: Item, fmt) -> None:
    record = _element(parent, "record")
    _header(record, item)
    meta = _element(record, "metadata")
    meta.append(fmt.build(user, item))
