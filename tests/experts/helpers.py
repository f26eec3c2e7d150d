"""A small factory for expert profiles in tests."""

from __future__ import annotations

from pan_platform.experts.models import ExpertProfile, ExpertShare
from pan_platform.extensions import db
from pan_platform.util import utcnow


def make_profile(user, visibility: str = "network", scope: str = "named", shares=(), **kw) -> ExpertProfile:
    profile = ExpertProfile(
        user_id=user.id, organisation_id=user.organisation_id, name=kw.pop("name", user.name),
        headline=kw.pop("headline", "Trainer"), visibility=visibility, partner_scope=scope,
        areas=kw.pop("areas", ["cybercrime"]), languages_spoken=kw.pop("languages_spoken", ["en"]),
        languages_taught=kw.pop("languages_taught", ["en"]), country_code=kw.pop("country_code", "AT"),
        topics=kw.pop("topics", []), availability=kw.pop("availability", ["exchanges"]), consent_at=utcnow(), **kw,
    )
    profile.shares = [ExpertShare(organisation_id=o.id) for o in shares]
    db.session.add(profile)
    db.session.flush()
    return profile
