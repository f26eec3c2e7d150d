"""Who may read an expert profile: the same vocabulary as items and events (network /
partners, all or named / public), decided here once for can() (expert_read_principals)
and for SQL listings (experts_readable_by), both from the one table of access/events.py."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from pan_platform.access.events import NAMED, VISIBILITY_LABELS, _visibility_labels
from pan_platform.access.principals import org, user_principals
from pan_platform.experts.models import ExpertProfile, ExpertShare

EXPERT_VISIBILITIES = ("network", "partners", "public")


def expert_read_principals(profile) -> frozenset[str]:
    labels = {org(profile.organisation_id)}
    visibility = _visibility_labels(profile.visibility, profile.partner_scope)
    if visibility is not None:
        labels.update(visibility)
    if (profile.visibility, profile.partner_scope) == NAMED:
        labels.update(org(organisation_id) for organisation_id in profile.shared_with)
    return frozenset(labels)


def _bypasses(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == "platform_admin")


def experts_readable_by(user):
    """A SQL condition on ExpertProfile: readable by `user` now (platform administrators bypass)."""
    if _bypasses(user):
        return True
    labels = user_principals(user)
    conditions = []
    for (visibility, scope), granted in VISIBILITY_LABELS.items():
        if labels & set(granted):
            rule = ExpertProfile.visibility == visibility
            conditions.append(rule if scope is None else and_(rule, ExpertProfile.partner_scope == scope))
    organisation_id = next((int(label[4:]) for label in labels if label.startswith("org:")), None)
    if organisation_id is not None:
        conditions.append(ExpertProfile.organisation_id == organisation_id)
        shared = exists(
            select(ExpertShare.profile_id).where(
                ExpertShare.profile_id == ExpertProfile.id, ExpertShare.organisation_id == organisation_id
            )
        )
        conditions.append(and_(ExpertProfile.visibility == NAMED[0], ExpertProfile.partner_scope == NAMED[1], shared))
    return or_(*conditions) if conditions else false()
