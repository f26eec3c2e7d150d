"""The demo directory: at least 25 experts, 10 countries, every priority area, translations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from config import BASE_DIR
from pan_platform.access import can
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.experts.models import ExpertProfile
from pan_platform.extensions import db
from pan_platform.seeding import seed_all


def test_demo_experts_fill_the_directory(app):
    seed_all(Path(BASE_DIR / "seed_data"))
    profiles = db.session.scalars(select(ExpertProfile)).all()
    assert len(profiles) >= 25
    assert len({p.country_code for p in profiles}) >= 10
    assert {a for p in profiles for a in p.areas} == set(PRIORITY_AREAS)
    assert {lang for p in profiles for lang in p.translations} >= {"de", "fr", "es", "it", "ru", "ar"}
    assert all(p.consent_at and p.user.password_hash is None for p in profiles)
    assert any(p.credited_item_ids for p in profiles)
    public = [p for p in profiles if can(None, "read", p)]
    assert 0 < len(public) < len(profiles)
    page = app.test_client().get("/ar/experts")
    assert page.status_code == 200 and 'dir="rtl"' in page.get_data(as_text=True)
