"""Who may read an expert profile: the audience rules of access/audience.py (as events),
for can() (expert_read_principals) and for the directory's SQL listings (experts_readable_by)."""

from __future__ import annotations

from sqlalchemy import exists, select

from pan_platform.access.audience import VISIBILITIES, read_principals, readable_condition
from pan_platform.experts.models import ExpertProfile, ExpertShare

EXPERT_VISIBILITIES = VISIBILITIES


def expert_read_principals(profile) -> frozenset[str]:
    return read_principals(profile.organisation_id, profile.visibility, profile.partner_scope, profile.shared_with)


def experts_readable_by(user):
    """A SQL condition on ExpertProfile: readable by `user` now (platform administrators bypass)."""
    def shared_with(organisation_id: int):
        return exists(select(ExpertShare.profile_id).where(
            ExpertShare.profile_id == ExpertProfile.id, ExpertShare.organisation_id == organisation_id))

    return readable_condition(user, ExpertProfile.visibility, ExpertProfile.partner_scope,
                              ExpertProfile.organisation_id, shared_with)
