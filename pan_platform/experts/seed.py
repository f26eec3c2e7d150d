"""Demo experts from `seed_data/experts.json` (idempotent). Each demo expert is a user of
their organisation without a password (they cannot sign in), who gave consent on seeding."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from pan_platform.accounts.models import User
from pan_platform.catalogue.models import Item
from pan_platform.experts.models import ExpertProfile, ExpertShare
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

TEXTS = ("headline", "bio", "training")


def _profile(row: dict, user: User, orgs: dict[str, Organisation]) -> ExpertProfile:
    visibility, _sep, scope = row.get("visibility", "network").partition("-")
    keys = row.get("credited", [])
    credited = sorted(db.session.scalars(select(Item.id).where(Item.source_key.in_(keys)))) if keys else []
    now = utcnow()
    return ExpertProfile(
        source_key=row["key"], user_id=user.id, organisation_id=user.organisation_id, name=row["name"],
        **{key: row.get(key) for key in TEXTS}, language=row.get("language", "en"),
        translations=row.get("translations", {}), country_code=row.get("country"), areas=row.get("areas", []),
        topics=row.get("topics", []), languages_spoken=row.get("languages_spoken", []),
        languages_taught=row.get("languages_taught", []), availability=row.get("availability", []),
        credited_item_ids=credited, visibility=visibility, partner_scope=scope or "named", consent_at=now,
        confirmed_at=now if row.get("confirmed") else None,
        shares=[ExpertShare(organisation_id=orgs[slug].id) for slug in row.get("shares", [])],
    )


def load_experts(seed_dir: Path) -> int:
    path = seed_dir / "experts.json"
    if not path.exists():
        return 0
    orgs = {o.slug: o for o in db.session.scalars(select(Organisation))}
    have = set(db.session.scalars(select(ExpertProfile.source_key)))
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8")):
        if row["key"] in have:
            continue
        email = row["email"].lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=row["name"], organisation=orgs[row["org"]], role="trainer",
                        locale=row.get("locale") or row.get("language"))
            db.session.add(user)
            db.session.flush()
        db.session.add(_profile(row, user, orgs))
        added += 1
    return added
