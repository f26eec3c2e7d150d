"""A small factory for country profile versions in tests."""

from __future__ import annotations

from pan_platform.countries.models import CountryProfileVersion
from pan_platform.extensions import db


def make_version(code: str, state: str = "published", number: int = 1, language: str = "en", **texts) -> CountryProfileVersion:
    version = CountryProfileVersion(
        country_code=code, number=number, state=state, language=language,
        descriptions=texts or {language: f"Profile text {code} {number}"}, languages=["en"], contacts="desk@example.org",
    )
    db.session.add(version)
    db.session.flush()
    return version
