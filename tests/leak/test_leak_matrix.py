"""The leak matrix: role x sharing case x channel.

For every role and every sharing case, each channel (a page, a download, a count, a
search feature, an API, a feed, a harvest) must show the case's item exactly when the
access module's can() says so, and a hidden item must answer exactly like an item
that does not exist. Each item carries a unique made-up word in its title and summary,
so a leak anywhere in a response body is caught.

ADDING A CHANNEL: write one function `(probe, item) -> bool` ("is the item visible to
this caller through this channel?") and decorate it with @channel(...). Give `needs=`
the endpoint it requires: while that endpoint does not exist the channel fails (it is
never skipped, so a renamed or removed endpoint cannot quietly end a channel's checks).
`action` is the can() action the channel must agree with ("read", or "download" for
files); `applies` limits the channel to the items and callers it lists at all (e.g.
browse pages list published items only).

The world is built once per module (one app, one database, one index): every case has
its own owner academy, so agreements of one case cannot touch another.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import current_app, g
from flask_login import AnonymousUserMixin
from pypdf import PdfReader
from sqlalchemy import func, select

from pan_platform.access import can, files_follow_description
from pan_platform.alerts.digests import send_digests
from pan_platform.alerts.models import SavedSearch
from pan_platform.catalogue.models import Item
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from pan_platform.history.models import ItemChange
from pan_platform.mail import outbox
from pan_platform.overview import usage
from pan_platform.sharing import operations
from pan_platform.storage import store
from pan_platform.storage.files import add_version, new_file
from pan_platform.storage.previews import request_preview
from pan_platform.util import utcnow
from tests.conftest import make_app, running, sign_in
from tests.factories import make_item, make_org, make_user

THB = "human-trafficking"
OC = "organized-crime"
MISSING_ID = 987654

ROLES = (
    "anonymous", "own_trainer", "own_editor", "own_admin", "other_trainer", "other_editor",
    "cepol_user", "interpol_user", "platform_admin",
)
OWN = frozenset({"own_trainer", "own_editor", "own_admin", "platform_admin"})
OTHER_ACADEMY = frozenset({"other_trainer", "other_editor"})
NETWORK = OWN | OTHER_ACADEMY
SIGNED_IN = NETWORK | {"cepol_user", "interpol_user"}
EVERYONE = SIGNED_IN | {"anonymous"}
CEPOL = frozenset({"cepol_user"})


# -- the cases: (build, readers, downloaders); build(owner, world) -> item; phase 2 runs
# -- after the search index exists, so revocations and expiries must reach the index ----

@dataclass
class Case:
    build: Callable
    readers: frozenset
    downloaders: frozenset | None = None  # None: same as readers
    after_index: Callable | None = None  # (item, owner, world) -> item, run after indexing


def _private(owner, w, areas=(THB,), **kw):
    return make_item(owner, visibility="private", areas=areas, **kw)


def _under(owner, parent_vis, child_vis=None, parent_state="published"):
    parent = make_item(owner, kind="curriculum", visibility=parent_vis, state=parent_state)
    return make_item(owner, kind="module", parent=parent, visibility=child_vis)


def _grandchild(owner, w):
    root = make_item(owner, kind="curriculum", visibility="partners", shares=(w["cepol"],))
    module = make_item(owner, kind="module", parent=root)
    return make_item(owner, kind="material", parent=module)


def _agreement(partner_key, areas, until=None):
    def make(owner, w):
        admin = w["users"][owner.id]["own_admin"]
        partner = w[partner_key] if partner_key else None
        operations.create_agreement(admin, owner, partner, list(areas), until)
    return make


def _with_agreement(item_factory, agreement):
    def build(owner, w):
        item = item_factory(owner, w)
        db.session.commit()
        agreement(owner, w)
        return item
    return build


def _remove_share(item, owner, w):
    item.shares = [s for s in item.shares if s.organisation_id != w["cepol"].id]
    db.session.commit()
    return item


def _revoke_all(item, owner, w):
    admin = w["users"][owner.id]["own_admin"]
    for agreement in operations_agreements(owner):
        operations.revoke_agreement(admin, agreement)
    return item



def _expire_behind_the_orm(item, owner, w):
    """The clock passes an end date: written with SQL, as time would, with no refresh."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(db.text("UPDATE sharing_agreements SET valid_until = :t WHERE owner_id = :o"),
                       {"t": past, "o": owner.id})
    db.session.execute(db.text("UPDATE item_readers SET expires_at = :t WHERE item_id = :i AND expires_at IS NOT NULL"),
                       {"t": past, "i": item.id})
    db.session.execute(db.text("UPDATE access_requests SET valid_until = :t WHERE item_id = :i"),
                       {"t": past, "i": item.id})
    db.session.commit()
    db.session.expire_all()
    return item


def _new_item_after_agreement(item, owner, w):
    return make_item(owner, visibility="private", areas=(THB,))


def _change_areas(item, owner, w):
    item.area_codes = [OC]
    db.session.commit()
    return item


def _files_on_request(vis="partners", scope="all"):
    def build(owner, w):
        item = make_item(owner, visibility=vis, partner_scope=scope)
        db.session.commit()
        operations.set_item_policy(w["users"][owner.id]["own_editor"], item, "law-enforcement-only", "request")
        return item
    return build


def _files_on_request_in_module(approved_for: str | None = None):
    """A material given on request inside a module others may adapt (and so copy)."""
    def build(owner, w):
        module = make_item(owner, kind="module", visibility="partners", partner_scope="all")
        item = make_item(owner, parent=module)
        db.session.commit()
        operations.set_item_policy(w["users"][owner.id]["own_editor"], item, "law-enforcement-only", "request")
        if approved_for:
            request = operations.request_access(w["users"][approved_for], item, "Course for investigators")
            operations.decide_request(w["users"][owner.id]["own_admin"], request, True)
        return item
    return build


def _approved_request(owner, w, until=None):
    item = _files_on_request()(owner, w)
    request = operations.request_access(w["users"]["cepol_user"], item, "Course for investigators")
    operations.decide_request(w["users"][owner.id]["own_admin"], request, True, until)
    return item


CASES: dict[str, Case] = {
    "public": Case(lambda o, w: make_item(o, visibility="public"), EVERYONE),
    "network": Case(lambda o, w: make_item(o, visibility="network"), NETWORK),
    "partners_all": Case(lambda o, w: make_item(o, visibility="partners", partner_scope="all"), SIGNED_IN),
    "partners_named_cepol": Case(
        lambda o, w: make_item(o, visibility="partners", partner_scope="named", shares=(w["cepol"],)), NETWORK | CEPOL),
    "private": Case(lambda o, w: _private(o, w), OWN),
    "private_shared_cepol": Case(lambda o, w: _private(o, w, shares=(w["cepol"],)), OWN | CEPOL),
    "draft_public": Case(lambda o, w: make_item(o, visibility="public", state="draft"), OWN),
    "archived_public": Case(lambda o, w: make_item(o, visibility="public", state="archived"), OWN),
    "inherits_public_parent": Case(lambda o, w: _under(o, "public"), EVERYONE),
    "inherits_draft_parent": Case(lambda o, w: _under(o, "public", parent_state="draft"), OWN),
    "private_override_under_public": Case(lambda o, w: _under(o, "public", "private"), OWN),
    "public_override_under_private": Case(lambda o, w: _under(o, "private", "public"), EVERYONE),
    "grandchild_inherits_named_share": Case(_grandchild, NETWORK | CEPOL),
    "share_removed_after_indexing": Case(
        lambda o, w: _private(o, w, shares=(w["cepol"],)), OWN, after_index=_remove_share),
    "agreement_cepol_thb": Case(_with_agreement(_private, _agreement("cepol", [THB])), OWN | CEPOL),
    "agreement_other_area": Case(
        _with_agreement(lambda o, w: _private(o, w, areas=(OC,)), _agreement("cepol", [THB])), OWN),
    "agreement_all_partners_all_areas": Case(
        _with_agreement(lambda o, w: _private(o, w, areas=(OC,)), _agreement(None, [])),
        OWN | {"cepol_user", "interpol_user"}),
    "agreement_draft_item": Case(
        _with_agreement(lambda o, w: _private(o, w, state="draft"), _agreement("cepol", [THB])), OWN),
    "agreement_until_future": Case(
        _with_agreement(_private, _agreement("cepol", [THB], date.today() + timedelta(days=30))), OWN | CEPOL),
    "agreement_revoked_after_indexing": Case(
        _with_agreement(_private, _agreement("cepol", [THB])), OWN, after_index=lambda i, o, w: _revoke_all(i, o, w)),
    "agreement_expired_after_indexing": Case(
        _with_agreement(_private, _agreement("cepol", [THB], date.today() + timedelta(days=30))), OWN,
        after_index=_expire_behind_the_orm),
    "agreement_covers_item_published_later": Case(
        lambda o, w: _agreement("cepol", [THB])(o, w) or make_item(o, visibility="private", state="draft"),
        OWN | CEPOL, after_index=_new_item_after_agreement),
    "agreement_item_leaves_its_areas": Case(
        _with_agreement(_private, _agreement("cepol", [THB])), OWN, after_index=_change_areas),
    "files_on_request": Case(_files_on_request(), SIGNED_IN, OWN),
    "files_on_request_approved_for_cepol": Case(_approved_request, SIGNED_IN, OWN | CEPOL),
    "files_on_request_in_module": Case(_files_on_request_in_module(), SIGNED_IN, OWN),
    "files_on_request_in_module_approved_for_other_academy": Case(
        _files_on_request_in_module("other_editor"), SIGNED_IN, OWN | OTHER_ACADEMY),
    "files_on_request_grant_expired": Case(
        lambda o, w: _approved_request(o, w, date.today() + timedelta(days=5)), SIGNED_IN, OWN,
        after_index=_expire_behind_the_orm),
}


def _revoke_targets(owner):
    from pan_platform.sharing.queries import agreements_of

    return [a for a in agreements_of(owner) if a.revoked_at is None]


operations_agreements = _revoke_targets  # noqa: F811  (the helper used by _revoke_all)


# -- the world ---------------------------------------------------------------------------

def _token(rng: random.Random) -> str:
    """A made-up word no analyser stems and no other item shares."""
    return "zq" + "".join(rng.choice("bcdfghjkmnpqrtvwxz") for _ in range(9))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("leak")
    app = make_app(tmp, PAN_API_RATE_LIMIT=10**6, PAN_API_RATE_LIMIT_ANON=10**6,
                   PAN_RATE_LIMIT_STORE="memory",  # limits are not under test here
                   PAN_EXTRACT_SYNC=True,  # previews are made before the world is probed
                   PAN_PAGE_CACHE_SECONDS=60)  # cookie-less pages are kept, as in production
    with running(app):
        yield app, _build_world()


def _build_world(cases: dict[str, Case] = CASES) -> dict:
    rng = random.Random(20261129)
    w: dict = {"cepol": make_org("partner", slug="cepol", country=None, name="CEPOL"),
               "interpol": make_org("partner", slug="interpol", country=None, name="INTERPOL")}
    other = make_org("academy", slug="other-academy", country="DE")
    secretariat = make_org("secretariat", slug="secretariat", country=None)
    users = {
        "anonymous": None,
        "other_trainer": make_user(other, "trainer"),
        "other_editor": make_user(other, "editor"),
        "cepol_user": make_user(w["cepol"], "trainer"),
        "interpol_user": make_user(w["interpol"], "trainer"),
        "platform_admin": make_user(secretariat, "platform_admin"),
    }
    w["users"] = users
    w["owners"], w["items"], w["tokens"], w["derived"], w["file_tokens"] = {}, {}, {}, {}, {}
    w["file_titles"] = {}
    for name, case in cases.items():
        owner = make_org("academy", slug=f"owner-{name.replace('_', '-')}", country="AT")
        users[owner.id] = {role: make_user(owner, role.removeprefix("own_").replace("admin", "org_admin"))
                           for role in ("own_trainer", "own_editor", "own_admin")}
        db.session.commit()
        w["owners"][name] = owner
        w["items"][name] = case.build(owner, w)
        db.session.commit()
    from pan_platform import search

    search.rebuild()  # the index exists before phase 2: changes must reach it
    for name, case in cases.items():
        if case.after_index is not None:
            w["items"][name] = case.after_index(w["items"][name], w["owners"][name], w)
            db.session.commit()
    w["old_tokens"] = {}
    for name, item in w["items"].items():  # an earlier value that only the item's history keeps
        w["old_tokens"][name] = _token(rng)
        item.learning_outcomes = f"Earlier outcome {w['old_tokens'][name]}"
    db.session.commit()
    for name, item in w["items"].items():
        _dress(item, _token(rng), w, name)
    db.session.commit()
    # A history entry whose old title is the current one: restoring it changes nothing, so
    # the restore channel can be probed without changing the world (item_history_restore).
    for item in w["items"].values():
        item.title += " (draft)"
    db.session.commit()
    w["noop_entries"] = {name: db.session.scalar(select(func.max(ItemChange.id)).where(ItemChange.item_id == item.id))
                         for name, item in w["items"].items()}
    for item in w["items"].values():
        item.title = item.title.removesuffix(" (draft)")
    db.session.commit()
    return w


def _picture() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), "teal").save(out, "PNG")
    return out.getvalue()


_PICTURE = _picture()


def _dress(item: Item, token: str, w: dict, name: str) -> None:
    """Title, summary and files carrying the token; an adapted copy pointing at the item."""
    item.title = f"{token} {item.kind} for {name.replace('_', ' ')}"
    item.summary = f"Summary of {token}: a training resource."
    item.learning_outcomes = "Listen before you ask."
    w["tokens"][name] = token
    if item.kind == "material":
        add_version(item, io.BytesIO(b"version 1\n"), "file-1.txt", "text/plain")
        # The current file is a picture, so that it has a thumbnail and a page image.
        version = add_version(item, io.BytesIO(_PICTURE), "file-2.png", "image/png")
        request_preview(version)
        # The file's text carries its own word: it may be found only by those who may download.
        w["file_tokens"][name] = _token(random.Random(token))
        version.text, version.text_status = f"Handout text {w['file_tokens'][name]} for trainers.", "done"
        # A second file of the material, with a title of its own: listed only to those who may download.
        w["file_titles"][name] = f"Annex {_token(random.Random(token + 'annex'))}"
        annex = new_file(item, role="handout", title=w["file_titles"][name])
        add_version(item, io.BytesIO(b"annex\n"), "annex.txt", "text/plain", material_file=annex)
    copy_owner = make_org("academy", slug=f"adapter-{name.replace('_', '-')}", country="FR")
    w["derived"][name] = make_item(copy_owner, visibility="public", title=f"Adapted copy for case {len(w['derived'])}",
                                   adapted_from_id=item.id)


# -- probes and channels --------------------------------------------------------------------

@dataclass
class Probe:
    """One caller: a role, its user and a client signed in as that user."""

    app: object
    world: dict
    role: str
    user: object
    client: object
    name: str = ""
    # Per-user answers that do not depend on the case (the world is fixed once built):
    # whole-site counts, full harvests, the sitemap, a feed token.
    cache: dict = field(default_factory=dict)

    def get(self, url: str, **kw):
        # The module's app context is shared by every request, and with it `g`, where
        # Flask-Login caches the signed-in user: forget it, so each request loads its own.
        g.pop("_login_user", None)
        if self.user is None:  # anonymous visitors arrive without a session (no stored messages)
            self.client._cookies.clear()
        return self.client.get(url, **kw)

    def post(self, url: str, **kw):
        g.pop("_login_user", None)
        if self.user is None:
            self.client._cookies.clear()
        return self.client.post(url, **kw)

    def token(self, item: Item) -> str:
        return self.world["tokens"][self.name]


@dataclass
class Channel:
    name: str
    probe: Callable[[Probe, Item], bool]
    action: str = "read"
    applies: Callable[[Probe, Item], bool] = lambda p, i: True
    needs: str | None = None


CHANNELS: dict[str, Channel] = {}


def channel(name: str, action: str = "read", applies=None, needs: str | None = None):
    def register(fn):
        CHANNELS[name] = Channel(name, fn, action, applies or (lambda p, i: True), needs)
        return fn
    return register


_VOLATILE = [re.compile(p) for p in (r'nonce="[^"]*"', r'name="csrf_token" value="[^"]*"', r"csrf_token=[\w.-]+",
                                          r"<responseDate>[^<]*</responseDate>")]


def _normalise(body: str, item_id: int) -> str:
    for pattern in _VOLATILE:
        body = pattern.sub("", body)
    # the id where URLs and identifiers hold it (also URL-encoded, as in ?next=)
    return re.sub(rf"(?:(?<=/)|(?<=%2F)){item_id}(?=[\"'/?&<\s#%]|$)", "<ID>", body)


def hidden_like_missing(p: Probe, url_for_id: Callable[[int], str], item_id: int, response) -> None:
    """A hidden item's answer must equal a non-existent one's (status, type, body)."""
    missing = p.get(url_for_id(MISSING_ID))
    assert response.status_code == missing.status_code, (response.status_code, missing.status_code)
    assert response.mimetype == missing.mimetype
    hidden_body = _normalise(response.get_data(as_text=True), item_id)
    missing_body = _normalise(missing.get_data(as_text=True), MISSING_ID)
    if hidden_body != missing_body:
        diff = "\n".join(difflib.unified_diff(
            missing_body.replace(">", ">\n").splitlines(), hidden_body.replace(">", ">\n").splitlines(),
            "missing", "hidden", lineterm="", n=0))
        raise AssertionError(f"a hidden item answers differently from a missing one ({p.role}):\n{diff}")


def _published(p: Probe, item: Item) -> bool:
    return item.state == "published"


def _signed_in_outsider(p: Probe, item: Item) -> bool:
    return p.user is not None and p.user.organisation_id != item.owner_id and _published(p, item)


def _anonymous_published(p: Probe, item: Item) -> bool:
    return p.role == "anonymous" and _published(p, item)


def _with_token(response, token: str) -> bool:
    return response.status_code == 200 and token in response.get_data(as_text=True)


@channel("catalogue_browse", applies=_published)
def _browse(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/catalogue?academy={item.owner.slug}"), p.token(item))


@channel("organisation_page", applies=lambda p, i: _published(p, i) and i.parent_id is None)
def _organisation_page(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/organisations/{item.owner.slug}"), p.token(item))


@channel("detail_page")
def _detail(p: Probe, item: Item) -> bool:
    response = p.get(f"/items/{item.id}")
    if response.status_code != 200:
        hidden_like_missing(p, lambda i: f"/items/{i}", item.id, response)
    return _with_token(response, p.token(item))


def _download(p: Probe, item: Item, version) -> bool:
    response = p.get(f"/files/{version.id}/download")
    if response.status_code != 200:
        hidden_like_missing(p, lambda i: f"/files/{i}/download", version.id, response)
        return False
    return True


@channel("download_current", action="download", applies=lambda p, i: bool(i.file_versions))
def _download_current(p: Probe, item: Item) -> bool:
    return _download(p, item, item.file_versions[-1])


@channel("download_old_version", action="download", applies=lambda p, i: len(i.file_versions) > 1)
def _download_old(p: Probe, item: Item) -> bool:
    return _download(p, item, item.file_versions[0])


def _preview_image(p: Probe, url_for_id: Callable[[int], str], version_id: int) -> bool:
    response = p.get(url_for_id(version_id))
    if response.status_code != 200:
        hidden_like_missing(p, url_for_id, version_id, response)
        return False
    assert response.mimetype == "image/webp" and "private" in response.headers["Cache-Control"]
    return True


@channel("preview_thumbnail", action="download", applies=lambda p, i: bool(i.file_versions),
         needs="storage.thumbnail")
def _preview_thumbnail(p: Probe, item: Item) -> bool:
    return _preview_image(p, lambda i: f"/files/{i}/thumbnail", item.current_file.id)


@channel("preview_page_image", action="download", applies=lambda p, i: bool(i.file_versions),
         needs="storage.page_image")
def _preview_page(p: Probe, item: Item) -> bool:
    return _preview_image(p, lambda i: f"/files/{i}/pages/1", item.current_file.id)


@channel("preview_images_in_pages", action="download",
         applies=lambda p, i: bool(i.file_versions) and can(p.user, "read", i), needs="storage.thumbnail")
def _preview_in_pages(p: Probe, item: Item) -> bool:
    """A reader who may not download sees no thumbnail or page image of the file on the item's
    page nor in the catalogue list (a generic picture instead); one who may sees both."""
    version_id = item.current_file.id
    images = (f"/files/{version_id}/thumbnail", f"/files/{version_id}/pages/1")
    detail = p.get(f"/items/{item.id}").get_data(as_text=True)
    shown = [image in detail for image in images]
    assert all(shown) or not any(shown), shown
    if item.state == "published":
        listing = p.get(f"/catalogue?academy={item.owner.slug}").get_data(as_text=True)
        assert (images[0] in listing) == shown[0], "the list and the item page disagree"
    return shown[0]


@channel("download_second_file", action="download", applies=lambda p, i: len(i.files) > 1)
def _download_second_file(p: Probe, item: Item) -> bool:
    return _download(p, item, item.files[1].current)


@channel("detail_page_files", action="download", applies=lambda p, i: bool(i.files) and can(p.user, "read", i))
def _detail_page_files(p: Probe, item: Item) -> bool:
    """The item page lists the files (titles, roles, versions) only to those who may download."""
    response = p.get(f"/items/{item.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    shown = p.world["file_titles"][p.name] in body
    assert shown or 'class="file-role"' not in body
    return shown


def _count_minus_others(p: Probe, item: Item, shown: int) -> bool:
    """Whether a count includes `item`: the shown count minus every other published item
    the caller may read (asked of can()) must be exactly 0 or 1."""
    others = p.cache.get("others")
    if others is None:
        from sqlalchemy import select

        published = db.session.scalars(select(Item).where(Item.state == "published")).all()
        others = p.cache["others"] = {i.id for i in published if can(p.user, "read", i)}
    rest = len(others - {item.id})
    assert shown - rest in (0, 1), f"count {shown} vs {rest} other readable items"
    return shown - rest == 1


@channel("home_page_count", applies=_published)
def _home_count(p: Probe, item: Item) -> bool:
    if "home_count" not in p.cache:
        body = p.get("/").get_data(as_text=True)
        match = re.search(r"(\d[\d,.\s]*)\s+resources?\s+available to you", body)
        assert match, "the home page shows no count"
        p.cache["home_count"] = int(re.sub(r"\D", "", match.group(1)))
    return _count_minus_others(p, item, p.cache["home_count"])


def _facet_count(body: str, name: str, value: str) -> int:
    """The count beside a facet's checkbox on the catalogue (0 when the value is not offered)."""
    match = re.search(rf'name="{name}" value="{re.escape(value)}"[^>]*>\s*[^<]*</label>\s*'
                      r'<span class="count">([\d,.\s]+)</span>', body)
    return int(re.sub(r"\D", "", match.group(1))) if match else 0


@channel("catalogue_facet_count", applies=_published)
def _catalogue_facet_count(p: Probe, item: Item) -> bool:
    """The academy facet of the catalogue counts the owner's items the caller may read:
    the shown count minus the owner's other readable published items must be 0 or 1."""
    if "catalogue_body" not in p.cache:
        p.cache["catalogue_body"] = p.get("/catalogue").get_data(as_text=True)
    shown = _facet_count(p.cache["catalogue_body"], "academy", item.owner.slug)
    from sqlalchemy import select

    siblings = db.session.scalars(
        select(Item).where(Item.state == "published", Item.owner_id == item.owner_id, Item.id != item.id)
    ).all()
    rest = sum(1 for other in siblings if can(p.user, "read", other))
    assert shown - rest in (0, 1), f"academy count {shown} vs {rest} other readable items of the owner"
    return shown - rest == 1


@channel("catalogue_multi_select", applies=_published)
def _catalogue_multi_select(p: Probe, item: Item) -> bool:
    """Two values of two facets (OR within, AND between), the item's among them."""
    areas = "&".join(f"area={code}" for code in (item.area_codes or [])[:1] + ["cybercrime"])
    url = f"/catalogue?academy={item.owner.slug}&academy=other-academy&{areas}&sort=downloads"
    if not item.area_codes:
        url = f"/catalogue?academy={item.owner.slug}&academy=other-academy&sort=updated"
    return _with_token(p.get(url), p.token(item))


@channel("shared_with_us", applies=_signed_in_outsider, needs="sharing.shared_with_us")
def _shared(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/shared-with-us?academy={item.owner.slug}"), p.token(item))


@channel("adapted_from_link", applies=lambda p, i: True)
def _adapted_from(p: Probe, item: Item) -> bool:
    copy = p.world["derived"][p.name]
    response = p.get(f"/items/{copy.id}")
    assert response.status_code == 200
    return p.token(item) in response.get_data(as_text=True)


def _links_to(response, item: Item) -> bool:
    """The body links to the item's page (the query itself is echoed in the search box)."""
    return response.status_code == 200 and re.search(
        rf'/items/{item.id}(?!\d)', response.get_data(as_text=True)) is not None


@channel("search_results", needs="search.search_page")
def _search(p: Probe, item: Item) -> bool:
    return _links_to(p.get(f"/search?q={p.token(item)}"), item)


@channel("search_counts_and_facets", needs="api.search")
def _search_counts(p: Probe, item: Item) -> bool:
    data = p.get(f"/api/v1/search?q={p.token(item)}").get_json()
    facet_total = sum(sum(values.values()) for values in data["facets"].values())
    visible = data["meta"]["total"] > 0
    assert visible == (facet_total > 0), data
    assert visible == (p.token(item) in json.dumps(data["data"]))
    return visible


# Files on request: their text is not indexed at all (see test_file_text_on_request_is_not_indexed).
@channel("search_file_text", action="download",
         applies=lambda p, i: i.kind == "material" and files_follow_description(i), needs="search.search_page")
def _search_file_text(p: Probe, item: Item) -> bool:
    word = p.world["file_tokens"][p.name]
    response = p.get(f"/search?q={word}")
    body = response.get_data(as_text=True)
    found = _links_to(response, item)
    assert found or "Handout" not in body, "a snippet of the file's text shows without its item"
    return found


@channel("search_suggestions", needs="search.suggest")
def _suggest(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/search/suggest?q={p.token(item)[:7]}"), p.token(item))


@channel("search_spelling_correction", needs="search.search_page")
def _spelling(p: Probe, item: Item) -> bool:
    token = p.token(item)
    typo = token[:-1] + ("b" if token[-1] != "b" else "c")
    response = p.get(f"/search?q={typo}")
    return _with_token(response, token) or _links_to(response, item)


def _page_channel(url: str, action: str, needs: str):
    """A page of one item: shown (200, with the item's word) exactly when can(action) says so;
    otherwise the same answer as for an id that does not exist."""
    def probe(p: Probe, item: Item) -> bool:
        response = p.get(url.format(id=item.id))
        if response.status_code != 200 and not can(p.user, "read", item):
            # a reader may be told "not allowed"; anyone else must learn nothing
            hidden_like_missing(p, lambda i: url.format(id=i), item.id, response)
        return _with_token(response, p.token(item))
    return probe


for _name, _url, _action, _needs in (
    ("who_can_see_this_page", "/items/{id}/access", "see_access", "sharing.item_access"),
    ("request_access_page", "/items/{id}/request-access", "read", "sharing.request_access"),
    ("request_adaptation_page", "/items/{id}/request-adaptation", "read", "sharing.request_adaptation"),
    ("workspace_item_page", "/workspace/items/{id}", "edit", "editor.manage"),
    ("workspace_preview", "/workspace/items/{id}/preview", "preview", "editor.preview"),
):
    channel(_name, action=_action, applies=(lambda p, i: p.user is not None) if _name.startswith("request_") else None,
            needs=_needs)(_page_channel(_url, _action, _needs))


SYLLABUS_KINDS = ("curriculum", "module")


def _syllabus_item(p: Probe, item: Item) -> bool:
    return item.kind in SYLLABUS_KINDS


def _in_readable_syllabus(p: Probe, item: Item) -> bool:
    """The item sits right under a curriculum or module the caller may read."""
    return item.parent is not None and item.parent.kind in SYLLABUS_KINDS and can(p.user, "read", item.parent)


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


@channel("syllabus_page", applies=_syllabus_item, needs="syllabus.syllabus_page")
def _syllabus_page(p: Probe, item: Item) -> bool:
    response = p.get(f"/items/{item.id}/syllabus")
    if response.status_code != 200:
        hidden_like_missing(p, lambda i: f"/items/{i}/syllabus", item.id, response)
    return _with_token(response, p.token(item))


@channel("syllabus_pdf", applies=_syllabus_item, needs="syllabus.syllabus_pdf")
def _syllabus_pdf(p: Probe, item: Item) -> bool:
    response = p.get(f"/items/{item.id}/syllabus.pdf")
    if response.status_code != 200:
        hidden_like_missing(p, lambda i: f"/items/{i}/syllabus.pdf", item.id, response)
        return False
    return p.token(item) in _pdf_text(response)


@channel("syllabus_pdf_of_parent", applies=_in_readable_syllabus, needs="syllabus.syllabus_pdf")
def _syllabus_pdf_of_parent(p: Probe, item: Item) -> bool:
    """A child shows in its parent's syllabus exactly when the caller may read the child."""
    return p.token(item) in _pdf_text(p.get(f"/items/{item.parent_id}/syllabus.pdf"))


def _offline_package(p: Probe, item_id: int) -> zipfile.ZipFile | None:
    """The caller's offline package of an item (built in the request: the world's are small);
    None when refused, which must answer exactly as for an item that does not exist."""
    response = p.post(f"/items/{item_id}/offline/request")
    if response.status_code != 303:
        missing = p.post(f"/items/{MISSING_ID}/offline/request")
        assert (response.status_code, response.mimetype) == (missing.status_code, missing.mimetype)
        hidden_like_missing(p, lambda i: f"/items/{i}/offline.zip", item_id, p.get(f"/items/{item_id}/offline.zip"))
        hidden_like_missing(p, lambda i: f"/items/{i}/offline", item_id, p.get(f"/items/{item_id}/offline"))
        return None
    download = p.get(response.headers["Location"])
    assert download.status_code == 200 and download.mimetype == "application/zip", download.status_code
    return zipfile.ZipFile(io.BytesIO(download.data))


def _package_pages(archive: zipfile.ZipFile) -> str:
    return " ".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".html"))


@channel("offline_package", applies=_syllabus_item, needs="syllabus.request_offline")
def _offline(p: Probe, item: Item) -> bool:
    archive = _offline_package(p, item.id)
    return archive is not None and p.token(item) in archive.read("index.html").decode()


@channel("offline_package_of_parent", applies=_in_readable_syllabus, needs="syllabus.request_offline")
def _offline_of_parent(p: Probe, item: Item) -> bool:
    archive = _offline_package(p, item.parent_id)
    assert archive is not None
    return p.token(item) in _package_pages(archive)


@channel("offline_package_files", action="download",
         applies=lambda p, i: bool(i.file_versions) and _in_readable_syllabus(p, i), needs="syllabus.request_offline")
def _offline_files(p: Probe, item: Item) -> bool:
    """The package holds the material's file exactly when the caller may download it; its
    text never shows without it."""
    archive = _offline_package(p, item.parent_id)
    assert archive is not None
    files = [name for name in archive.namelist() if name.startswith(f"files/{item.id}/")]
    current = sorted(store.path_for(v.sha256).read_bytes() for v in item.current_files)
    assert files == [] or sorted(archive.read(name) for name in files) == current, files
    assert files or p.world["file_tokens"][p.name] not in _package_pages(archive)
    return bool(files)


def _adaptation_requests(item: Item) -> list[int]:
    from pan_platform.sharing.models import AdaptationRequest

    db.session.expire_all()
    return list(db.session.scalars(db.select(AdaptationRequest.id).where(AdaptationRequest.item_id == item.id)))


@channel("request_adaptation_post", applies=lambda p, i: p.user is not None, needs="sharing.request_adaptation")
def _request_adaptation_post(p: Probe, item: Item) -> bool:
    """Asking for permission to adapt: whoever may not read the item gets the answer of a
    missing one and creates nothing (what a reader gets back shows the item)."""
    from pan_platform.sharing.models import AdaptationRequest

    before = _adaptation_requests(item)
    g.pop("_login_user", None)
    response = p.client.post(f"/items/{item.id}/request-adaptation", data={"reason": "Our own course"})
    g.pop("_login_user", None)
    made = [rid for rid in _adaptation_requests(item) if rid not in before]
    try:
        if not can(p.user, "read", item):
            assert not made, "a request was made for an item its maker may not read"
            missing = p.client.post(f"/items/{MISSING_ID}/request-adaptation", data={"reason": "Our own course"})
            g.pop("_login_user", None)
            assert (response.status_code, _normalise(response.get_data(as_text=True), item.id)) == (
                missing.status_code, _normalise(missing.get_data(as_text=True), MISSING_ID))
        return response.status_code != 404
    finally:
        if made:  # (a commit with nothing to write would still let the pipeline refresh labels)
            for rid in made:
                db.session.delete(db.session.get(AdaptationRequest, rid))
            db.session.commit()


@channel("adaptation_requests_page", action="decide_adaptation",
         applies=lambda p, i: p.user is not None and p.role != "platform_admin",
         needs="sharing.adaptation_requests")
def _adaptation_requests_page(p: Probe, item: Item) -> bool:
    """The workspace page of requests to adapt lists a request for the item to those who
    decide it: its owner academy's editors and admins. (A platform admin's workspace is
    the secretariat's, which owns no case item.)"""
    from pan_platform.sharing.models import AdaptationRequest

    asker = p.world["users"]["other_editor"]
    request = AdaptationRequest(item_id=item.id, organisation_id=asker.organisation_id, reason="Our own course")
    db.session.add(request)
    db.session.commit()
    try:
        return _with_token(p.get("/workspace/requests"), p.token(item))
    finally:
        db.session.delete(request)
        db.session.commit()


@channel("item_history_page", action="view_history", needs="history.item_history")
def _history_page(p: Probe, item: Item) -> bool:
    """The history shows old values: the item's earlier learning outcomes carry a word of
    their own, which must reach exactly those who may see the history."""
    url = f"/workspace/items/{item.id}/history"
    response = p.get(url)
    if response.status_code != 200 and not can(p.user, "read", item):
        hidden_like_missing(p, lambda i: f"/workspace/items/{i}/history", item.id, response)
    visible = _with_token(response, p.token(item))
    assert visible == (p.world["old_tokens"][p.name] in response.get_data(as_text=True)), "an old value shows alone"
    return visible


def _post(p: Probe, url: str):
    g.pop("_login_user", None)
    if p.user is None:
        p.client._cookies.clear()
    return p.client.post(url)


def _history_state(item_id: int) -> tuple:
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    count = db.session.scalar(select(func.count()).select_from(ItemChange).where(ItemChange.item_id == item_id))
    return item.title, item.summary, item.learning_outcomes, count


@channel("item_history_restore", action="view_history", needs="history.restore")
def _history_restore(p: Probe, item: Item) -> bool:
    """A restore is accepted exactly for those who may see the history, refused to everyone
    else with nothing changed, and for a hidden item answered as for a missing one. The
    entry restored holds the current title, so an accepted restore changes nothing either."""
    entry_id = p.world["noop_entries"][p.name]
    before = _history_state(item.id)
    response = _post(p, f"/workspace/items/{item.id}/history/{entry_id}/restore")
    assert _history_state(item.id) == before, "the restore changed something"
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path.endswith("/history"):
        return True
    assert response.status_code in (302, 403, 404), response.status_code
    if not can(p.user, "read", item):
        missing = _post(p, f"/workspace/items/{MISSING_ID}/history/{entry_id}/restore")
        assert response.status_code == missing.status_code
        assert _normalise(response.get_data(as_text=True), item.id) == \
            _normalise(missing.get_data(as_text=True), MISSING_ID)
    return False


def _adapt_copy_of(p: Probe, item: Item) -> Item:
    """The caller adapts the item's module; the copy of the item inside it."""
    response = p.client.post(f"/workspace/items/{item.parent_id}/adapt")
    g.pop("_login_user", None)
    assert response.status_code == 302, response.status_code
    copy_id = int(re.search(r"/workspace/items/(\d+)", response.headers["Location"]).group(1))
    db.session.expire_all()
    module_copy = db.session.get(Item, copy_id)
    return next(child for child in module_copy.children if child.adapted_from_id == item.id)


def _remove_copy(copy: Item) -> None:
    """Leave the world as it was for every other channel (counts, listings, search)."""
    db.session.rollback()
    root = db.session.get(Item, copy.id).parent
    for node in [*root.descendants(), root]:
        db.session.delete(node)
    db.session.commit()


def _anonymous_download(p: Probe, version_id: int) -> int:
    g.pop("_login_user", None)
    status = p.app.test_client().get(f"/files/{version_id}/download").status_code
    g.pop("_login_user", None)
    return status


@channel("adapt_then_download", action="download",
         applies=lambda p, i: i.kind == "material" and i.parent is not None and not files_follow_description(i)
         and can(p.user, "adapt", i.parent))
def _adapt_then_download(p: Probe, item: Item) -> bool:
    """Restricted files must not escape through "Adapt for my academy": the copy's file
    downloads exactly for those who may download the original's, keeps its marking, and
    stays closed to anonymous visitors once the copy is published to everyone."""
    copy = _adapt_copy_of(p, item)
    try:
        versions = [v.id for v in copy.file_versions]
        responses = [p.get(f"/files/{version_id}/download") for version_id in versions]
        seen = any(r.status_code == 200 for r in responses)
        unmarked = any(r.status_code == 200 and not r.headers.get("X-Handling-Marking") for r in responses)
        from pan_platform.catalogue import operations as catalogue

        root = copy.parent
        catalogue.set_sharing(p.user, root, "public")
        catalogue.set_state(p.user, root, "publish")
        catalogue.commit()
        assert can(None, "read", db.session.get(Item, copy.id))
        opened = [v for v in versions if _anonymous_download(p, v) == 200]
        assert not opened or can(None, "download", item), "an anonymous visitor downloads the adapted file"
        # (a download by someone who may not have the file is reported by the matrix itself)
        assert not (unmarked and can(p.user, "download", item)), "the copy lost the handling marking"
        return seen
    finally:
        _remove_copy(copy)


def _plural(item: Item) -> str:
    return {"curriculum": "curricula", "module": "modules", "material": "materials"}[item.kind]


@channel("api_list", applies=_published, needs="api.materials_list")
def _api_list(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/api/v1/{_plural(item)}?academy={item.owner.slug}&per_page=100"), p.token(item))


@channel("api_detail", needs="api.materials_detail")
def _api_detail(p: Probe, item: Item) -> bool:
    plural = _plural(item)
    response = p.get(f"/api/v1/{plural}/{item.id}")
    if response.status_code != 200:
        hidden_like_missing(p, lambda i: f"/api/v1/{plural}/{i}", item.id, response)
    return _with_token(response, p.token(item))


@channel("api_file_details", action="download", applies=lambda p, i: bool(i.file_versions) and can(p.user, "read", i),
         needs="api.materials_detail")
def _api_file_details(p: Probe, item: Item) -> bool:
    """Readers who may not download see no file names, sizes, hashes or links."""
    response = p.get(f"/api/v1/materials/{item.id}")
    assert response.status_code == 200
    answer = response.get_json()
    shown = bool(answer["files"])
    assert bool(answer["material_files"]) == shown
    body = response.get_data(as_text=True)
    assert shown or (item.file_versions[-1].sha256 not in body and p.world["file_titles"][p.name] not in body)
    return shown


@channel("api_thumbnail", action="download", applies=lambda p, i: bool(i.file_versions) and can(p.user, "read", i),
         needs="api.materials_detail")
def _api_thumbnail(p: Probe, item: Item) -> bool:
    """The item's thumbnail URL goes only to those who may download its file (the rule of the
    thumbnail route and the item page); others get null and no image address anywhere."""
    response = p.get(f"/api/v1/materials/{item.id}")
    assert response.status_code == 200
    url = response.get_json()["thumbnail_url"]
    if url is None:
        assert "/thumbnail" not in response.get_data(as_text=True)
        return False
    assert urlsplit(url).path == f"/files/{item.current_file.id}/thumbnail"
    assert p.get(urlsplit(url).path).status_code == 200
    return True


@channel("public_feed", applies=lambda p, i: _anonymous_published(p, i) and i.kind == "material",
         needs="feeds.by_academy")
def _feed(p: Probe, item: Item) -> bool:
    return _with_token(p.get(f"/feeds/academies/{item.owner.slug}.atom"), p.token(item))


@channel("private_feed", applies=lambda p, i: p.user is not None and _published(p, i) and i.kind == "material",
         needs="feeds.private")
def _private_feed(p: Probe, item: Item) -> bool:
    from pan_platform.api.models import FeedToken

    clear = p.cache.get("feed_token")
    if clear is None:
        token, clear = FeedToken.issue(p.user)
        db.session.add(token)
        db.session.commit()
        p.cache["feed_token"] = clear
    return _with_token(p.get(f"/feeds/private/{clear}/materials.atom?academy={item.owner.slug}"), p.token(item))


@channel("oai_get_record", applies=_published, needs="oai.endpoint")
def _oai_record(p: Probe, item: Item) -> bool:
    from pan_platform.api.oai import identifier_for

    def url(i: int) -> str:
        return f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier_for(i)}"

    response = p.get(url(item.id))
    if p.token(item) not in response.get_data(as_text=True):
        hidden_like_missing(p, url, item.id, response)
        return False
    return True


@channel("oai_list_records", applies=_published, needs="oai.endpoint")
def _oai_list(p: Probe, item: Item) -> bool:
    body = p.cache.get("oai_all")
    if body is None:
        parts, url = [], "/oai?verb=ListRecords&metadataPrefix=oai_dc"
        for _page in range(50):
            text = p.get(url).get_data(as_text=True)
            parts.append(text)
            match = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", text)
            if not match:
                break
            url = f"/oai?verb=ListRecords&resumptionToken={match.group(1)}"
        body = p.cache["oai_all"] = "".join(parts)
    return p.token(item) in body


@channel("sitemap", applies=_anonymous_published, needs="sitemap.sitemap")
def _sitemap(p: Probe, item: Item) -> bool:
    body = p.cache.get("sitemap") or p.get("/sitemap.xml").get_data(as_text=True)
    p.cache["sitemap"] = body
    return f"/items/{item.id}</loc>" in body


def _revalidated(p: Probe, url: str):
    """What the caller ends up with when its cache (or a shared one) holds the anonymous
    answer for this URL and revalidates it with that answer's ETag: the cached anonymous
    answer on 304, else the fresh one. A 304 is only right when the caller's own page is
    the very same."""
    g.pop("_login_user", None)
    cached = p.app.test_client().get(url)  # a fresh client: no session, no cookies
    etag = cached.headers.get("ETag")
    if cached.status_code == 200:
        assert etag and "no-store" not in cached.headers["Cache-Control"], "anonymous answers are revalidatable"
    response = p.get(url, headers={"If-None-Match": etag} if etag else {})
    if response.status_code != 304:
        assert p.user is None or "ETag" not in response.headers, "a signed-in answer carries an ETag"
        return response
    fresh = p.get(url)
    assert _timeless(fresh.get_data()) == _timeless(cached.get_data()), \
        f"304 given to a caller whose answer differs ({p.role})"
    return cached


def _timeless(body: bytes) -> bytes:
    # An OAI-PMH answer states the second it was made: a later fetch differs in that alone.
    return re.sub(rb"<responseDate>[^<]*</responseDate>", b"", body)


@channel("revalidated_detail_page")
def _revalidated_detail(p: Probe, item: Item) -> bool:
    return _with_token(_revalidated(p, f"/items/{item.id}"), p.token(item))


@channel("revalidated_oai_record", applies=_published, needs="oai.endpoint")
def _revalidated_oai(p: Probe, item: Item) -> bool:
    from pan_platform.api.oai import identifier_for

    url = f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier_for(item.id)}"
    return p.token(item) in _revalidated(p, url).get_data(as_text=True)


# -- collections and saved searches: they hold items, and show each viewer only the readable --

def _collection_of(p: Probe, owner, visibility: str) -> Collection:
    """A collection holding every case's item, each with a note naming its token. Rows are
    written directly: an owner may keep items they can no longer read (access taken away)."""
    key = ("collection", owner.id, visibility)
    if key not in p.world:
        collection = Collection(owner_id=owner.id, organisation_id=owner.organisation_id,
                                title=f"Probe collection {visibility}", visibility=visibility)
        for position, (name, case_item) in enumerate(sorted(p.world["items"].items()), start=1):
            collection.entries.append(CollectionEntry(item_id=case_item.id, position=position,
                                                      note=f"Note on {p.world['tokens'][name]}"))
        db.session.add(collection)
        db.session.commit()
        p.world[key] = collection.id
    return db.session.get(Collection, p.world[key])


def _collection_page(p: Probe, item: Item, collection: Collection) -> bool:
    response = p.get(f"/collections/{collection.id}")
    assert response.status_code == 200, (p.role, response.status_code)
    return _with_token(response, p.token(item))


@channel("collection_own", applies=lambda p, i: p.user is not None, needs="collections.detail")
def _collection_own(p: Probe, item: Item) -> bool:
    return _collection_page(p, item, _collection_of(p, p.user, "private"))


def _network_collection(p: Probe) -> Collection:
    return _collection_of(p, p.world["users"]["platform_admin"], "network")


@channel("collection_shared", applies=lambda p, i: can(p.user, "read", _network_collection(p)),
         needs="collections.detail")
def _collection_shared(p: Probe, item: Item) -> bool:
    return _collection_page(p, item, _network_collection(p))


def _probe_search(p: Probe, item: Item, **values) -> SavedSearch:
    long_ago = utcnow() - timedelta(days=3650)
    saved = SavedSearch(user_id=p.user.id, name=f"Probe {item.id}", query=p.token(item), filters={},
                        sent_until=long_ago, seen_until=long_ago, **values)
    db.session.add(saved)
    db.session.commit()
    return saved


def _forget(saved: SavedSearch) -> None:
    db.session.delete(saved)
    db.session.commit()


@channel("saved_search_digest", applies=lambda p, i: p.user is not None and _published(p, i),
         needs="alerts.unsubscribe")
def _saved_search_digest(p: Probe, item: Item) -> bool:
    """The e-mail of new matches, computed as the recipient at send time."""
    saved = _probe_search(p, item, frequency="daily")
    sent_before = len(outbox())
    send_digests(utcnow() + timedelta(days=1))
    mails = [m for m in outbox()[sent_before:] if m.to == p.user.email]
    _forget(saved)
    return any(re.search(rf"/items/{item.id}\b", m.body) or p.token(item) in (m.html or "") for m in mails)


@channel("start_page_new_matches", applies=lambda p, i: p.user is not None and _published(p, i),
         needs="alerts.start_page")
def _start_page_new_matches(p: Probe, item: Item) -> bool:
    """The count of new matches of a saved search on the start page."""
    saved = _probe_search(p, item, frequency="none")
    body = p.get("/start").get_data(as_text=True)
    _forget(saved)
    shown = re.search(rf"Probe {item.id}</a>\s*(<span class=\"badge badge-count\">(\d+) new)?", body)
    assert shown is not None, p.role
    return shown.group(2) == "1"

# -- the overview of the network: the dashboard, its CSV files and item usage -----------------

def _usage_for_every_item(w: dict) -> None:
    """Views and downloads of every case's item, so that the "most downloaded" and "most
    adapted" lists could name each; figures computed before are dropped."""
    if not w.get("usage_added"):
        for item in w["items"].values():
            usage.add(item.id, views=3, downloads=2, country="DE")
        db.session.commit()
        current_app.extensions.pop("pan_counts", None)
        w["usage_added"] = True


def _overview_text(p: Probe, url: str) -> str:
    key = f"overview:{url}"
    if key not in p.cache:
        _usage_for_every_item(p.world)
        response = p.get(url)
        assert response.status_code == 200
        p.cache[key] = response.get_data(as_text=True)
    return p.cache[key]


def _signed_in_published(p: Probe, item: Item) -> bool:
    return p.user is not None and _published(p, item)


@channel("overview_total", applies=_published, needs="overview.dashboard")
def _overview_total(p: Probe, item: Item) -> bool:
    match = re.search(r'class="overview-total" data-count="(\d+)"', _overview_text(p, "/en/overview"))
    assert match, "the overview shows no total"
    return _count_minus_others(p, item, int(match.group(1)))


@channel("overview_levels_csv", applies=_published, needs="overview.dataset_csv")
def _overview_levels_csv(p: Probe, item: Item) -> bool:
    rows = list(csv.reader(io.StringIO(_overview_text(p, "/en/overview/levels.csv").lstrip("\ufeff"))))
    return _count_minus_others(p, item, sum(int(n) for _level, n in rows[1:]))


@channel("overview_page_lists", applies=_signed_in_published, needs="overview.dashboard")
def _overview_page_lists(p: Probe, item: Item) -> bool:
    """The page lists the first 50 most downloaded and adapted: more than the world has."""
    assert len(p.world["items"]) < 50
    return p.token(item) in _overview_text(p, "/en/overview")


@channel("overview_downloads_csv", applies=_signed_in_published, needs="overview.dataset_csv")
def _overview_downloads_csv(p: Probe, item: Item) -> bool:
    return p.token(item) in _overview_text(p, "/en/overview/downloads.csv")


@channel("overview_adaptations_csv", applies=_signed_in_published, needs="overview.dataset_csv")
def _overview_adaptations_csv(p: Probe, item: Item) -> bool:
    """The world's adapted copy of each item is public: the item is listed as adapted
    exactly when the caller may read it."""
    return p.token(item) in _overview_text(p, "/en/overview/adaptations.csv")


@channel("item_usage_panel", action="view_statistics", needs="overview.dashboard")
def _item_usage_panel(p: Probe, item: Item) -> bool:
    response = p.get(f"/items/{item.id}")
    return response.status_code == 200 and 'class="item-usage"' in response.get_data(as_text=True)


# -- the tests ------------------------------------------------------------------------------

def _user(w: dict, name: str, role: str):
    owner = w["owners"][name]
    return w["users"][owner.id][role] if role.startswith("own_") else w["users"][role]


@pytest.fixture(scope="module")
def clients(world):
    """One signed-in client per user, reused by every case."""
    app, _w = world
    made: dict = {}

    def client_for(user):
        key = getattr(user, "id", None)
        if key not in made:
            client = app.test_client()
            if user is not None:
                g.pop("_login_user", None)
                assert sign_in(client, user).status_code in (302, 303)
                g.pop("_login_user", None)
                client.get("/")  # shows (and so clears) the welcome message
            made[key] = (client, {})
        return made[key]

    return client_for


@pytest.mark.parametrize("name", list(CASES))
def test_case_readers_as_designed(world, name):
    """The oracle itself: can() gives each case the readers and downloaders it was built for."""
    _app, w = world
    item = db.session.get(Item, w["items"][name].id)
    case = CASES[name]
    readers = {role for role in ROLES if can(_user(w, name, role), "read", item)}
    downloaders = {role for role in ROLES if can(_user(w, name, role), "download", item)}
    assert readers == case.readers
    assert downloaders == (case.downloaders if case.downloaders is not None else case.readers)


def _require_endpoint(app, endpoint: str | None) -> None:
    """A channel whose endpoint is missing fails: a skip would hide a channel that checks nothing."""
    assert endpoint is None or endpoint in app.view_functions, f"the endpoint {endpoint} does not exist"


@pytest.mark.parametrize("channel_name", list(CHANNELS))
def test_every_channel_endpoint_exists(world, channel_name):
    app, _w = world
    _require_endpoint(app, CHANNELS[channel_name].needs)


def test_a_missing_endpoint_fails_the_channel(world):
    app, _w = world
    with pytest.raises(AssertionError, match="no.such_endpoint"):
        _require_endpoint(app, "no.such_endpoint")


@pytest.mark.parametrize("channel_name", list(CHANNELS))
@pytest.mark.parametrize("name", list(CASES))
def test_channel_shows_exactly_what_can_allows(world, clients, name, channel_name):
    app, w = world
    chan = CHANNELS[channel_name]
    _require_endpoint(app, chan.needs)
    wrong = channel_mismatches(app, w, clients, chan, name)
    assert not wrong, f"{channel_name} / {name}: " + "; ".join(wrong)


def channel_mismatches(app, w, clients, chan, name) -> list[str]:
    """Every viewer for whom the channel shows the item other than `can()` allows."""
    item = db.session.get(Item, w["items"][name].id)
    wrong = []
    for role in ROLES:
        user = _user(w, name, role)
        client, cache = clients(user)
        probe = Probe(app, w, role, user, client, name, cache)
        if not chan.applies(probe, item):
            continue
        expected = can(user, chan.action, item)
        seen = chan.probe(probe, item)
        if seen != expected:
            wrong.append(f"{role}: visible={seen}, can({chan.action})={expected}")
    return wrong


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("files_on_request")])
def test_file_text_on_request_is_not_indexed(world, clients, name):
    """Readers of the description must not find (or see snippets of) files they may not have;
    the price: not even the owner finds such files by their text."""
    app, w = world
    _require_endpoint(app, "search.search_page")
    item = db.session.get(Item, w["items"][name].id)
    for role in ROLES:
        client, _cache = clients(_user(w, name, role))
        g.pop("_login_user", None)
        body = client.get(f"/search?q={w['file_tokens'][name]}").get_data(as_text=True)
        assert f"/items/{item.id}\"" not in body and "Handout" not in body, role


def test_every_role_is_both_allowed_and_refused_somewhere():
    """Guards the matrix itself: a role that every case lets in (or keeps out) would test nothing."""
    for role in ROLES:
        if role == "platform_admin" or role.startswith("own_"):  # the owner and the explicit bypass
            assert all(role in case.readers for case in CASES.values()), role
            continue
        assert any(role in case.readers for case in CASES.values()), role
        assert any(role not in case.readers for case in CASES.values()), role


def test_anonymous_probe_is_really_anonymous(world, clients):
    app, _w = world
    assert not can(AnonymousUserMixin(), "read", None)
    g.pop("_login_user", None)
    assert clients(None)[0].get("/shared-with-us").status_code in (302, 401)
