"""Small factories for tests: organisations, users and catalogue items."""

from __future__ import annotations

import itertools

from pan_platform.accounts.models import User
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import Country, Organisation
from pan_platform.sharing.models import ItemShare
from pan_platform.util import utcnow

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def ensure_country(code: str, kind: str = "participating") -> Country:
    country = db.session.get(Country, code)
    if country is None:
        country = Country(code=code, kind=kind)
        db.session.add(country)
    return country


def make_org(kind: str = "academy", slug: str | None = None, country: str | None = "AT", **kw) -> Organisation:
    n = next(_seq)
    if country:
        ensure_country(country)
    org = Organisation(
        kind=kind, slug=slug or f"{kind}-{n}", name=kw.pop("name", f"Test {kind} {n}"),
        country_code=country, **kw,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(org: Organisation, role: str = "trainer", email: str | None = None, password: str = PASSWORD) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.org", name=f"User {n}", organisation=org, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_item(
    owner: Organisation,
    kind: str = "material",
    parent: Item | None = None,
    visibility: str | None = None,
    state: str = "published",
    shares: tuple[Organisation, ...] = (),
    areas: tuple[str, ...] = ("organized-crime",),
    **kw,
) -> Item:
    n = next(_seq)
    item = Item(
        kind=kind, owner=owner, parent=parent, title=kw.pop("title", f"Test {kind} {n}"),
        state=state, visibility=visibility or ("inherit" if parent else "public"),
        language=kw.pop("language", "en"), published_at=utcnow() if state == "published" else None, **kw,
    )
    item.area_codes = list(areas)
    item.refresh_languages()
    for org in shares:
        item.shares.append(ItemShare(organisation=org))
    db.session.add(item)
    db.session.flush()
    return item
