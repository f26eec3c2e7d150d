"""Demo country profiles from `seed_data/country_profiles.json` (idempotent: a country
that already has a version is left alone). Versions are listed in order per country."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from pan_platform.accounts.models import User
from pan_platform.countries.models import CountryProfileVersion
from pan_platform.extensions import db
from pan_platform.util import utcnow


def load_country_profiles(seed_dir: Path) -> int:
    path = seed_dir / "country_profiles.json"
    if not path.exists():
        return 0
    rows = json.loads(path.read_text(encoding="utf-8"))
    have = set(db.session.scalars(select(CountryProfileVersion.country_code)))
    users = {u.email: u.id for u in db.session.scalars(select(User))}
    numbers: dict[str, int] = {}
    added = 0
    for row in rows:
        code = row["country"]
        if code in have:
            continue
        numbers[code] = numbers.get(code, 0) + 1
        now = utcnow()
        state = row["state"]
        db.session.add(CountryProfileVersion(
            country_code=code, number=numbers[code], state=state, language=row["language"],
            descriptions=row["descriptions"], languages=row.get("languages", []), contacts=row.get("contacts"),
            created_by_id=users.get(row.get("writer", "")),
            submitted_at=now if state in ("submitted", "published") else None,
            submitted_by_id=users.get(row.get("writer", "")) if state in ("submitted", "published") else None,
            decided_at=now if state == "published" else None,
            decided_by_id=users.get(row.get("reviewer", "")) if state == "published" else None,
        ))
        added += 1
    return added
