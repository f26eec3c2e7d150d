"""A small network for the overview's tests: what each viewer may read differs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pan_platform.access import can
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.extensions import db
from pan_platform.overview import usage
from pan_platform.util import utcnow
from tests.factories import make_item, make_org, make_user


def build_world() -> dict:
    """Academies in four countries, a partner and the secretariat; items of every kind of
    sharing, with usage and a lineage of adapted copies (some private)."""
    at = make_org("academy", slug="academy-at", country="AT")
    de = make_org("academy", slug="academy-de", country="DE")
    fr = make_org("academy", slug="academy-fr", country="FR")
    cepol = make_org("partner", slug="cepol", country=None)
    make_org("academy", slug="academy-mt", country="MT")  # an academy with nothing shared yet
    secretariat = make_org("secretariat", slug="osce", country=None)
    items = {
        "public": make_item(at, title="Public handbook", level="intermediate", areas=("organized-crime",)),
        "network": make_item(at, kind="module", visibility="network", level="advanced", language="de",
                             areas=("terrorism", "cybercrime")),
        "private": make_item(at, visibility="private", level="specialist", areas=("cybercrime",)),
        "for_cepol": make_item(de, visibility="partners", shares=(cepol,), level="introductory", language="fr",
                               areas=("human-trafficking",)),
        "draft": make_item(de, state="draft", level="advanced", areas=("illicit-drugs",)),
        "old": make_item(de, level="advanced", areas=("police-reform",)),
    }
    items["old"].published_at = utcnow() - timedelta(days=400)
    items["public"].translations.append(ItemTranslation(language="ru", title="Открытое пособие"))
    items["public"].refresh_languages()
    items["copy"] = make_item(de, title="Adapted handbook", adapted_from_id=items["public"].id, level="intermediate")
    items["copy_of_copy"] = make_item(fr, adapted_from_id=items["copy"].id, visibility="network")
    items["private_copy"] = make_item(fr, visibility="private", adapted_from_id=items["public"].id)
    items["own_copy"] = make_item(at, adapted_from_id=items["public"].id)  # not an adoption
    items["copy_of_private"] = make_item(de, adapted_from_id=items["private"].id)
    for n, item in enumerate(items.values(), start=1):
        usage.add(item.id, views=10 * n, downloads=n, country="DE")
        usage.add(item.id, views=n, country="")
    usage.add(items["private"].id, views=7, downloads=500, country="FR", month="2020-01")
    users = {
        "anonymous": None,
        "at_trainer": make_user(at, "trainer"),
        "de_editor": make_user(de, "editor"),
        "cepol_user": make_user(cepol, "trainer"),
        "fr_trainer": make_user(fr, "trainer"),
        "admin": make_user(secretariat, "platform_admin"),
    }
    db.session.commit()
    return {"items": items, "users": users}


def readable(user) -> list[Item]:
    return [i for i in db.session.scalars(select(Item)) if i.state == "published" and can(user, "read", i)]
