"""Who may write and review a country profile. A published profile is public; drafts,
versions in review and the history are for the people below.

- the country's academy admins (role org_admin of an academy whose country it is) edit
  the open version and submit it for review;
- the secretariat (its editors and admins) publishes a submitted version or sends it back;
- both see the history; platform administrators bypass in can(), as everywhere.
"""

from __future__ import annotations

REVIEWING_ROLES = ("editor", "org_admin")


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_edit_profile(user, country) -> bool:
    """Write and submit the profile: an admin of an academy of that country."""
    if not _signed_in(user) or user.role != "org_admin":
        return False
    organisation = user.organisation
    return organisation.kind == "academy" and organisation.active and organisation.country_code == country.code


def can_review_profile(user, country) -> bool:
    """Publish or send back a submitted profile: the secretariat's editors and admins."""
    return _signed_in(user) and user.role in REVIEWING_ROLES and user.organisation.kind == "secretariat"


def can_view_profile_history(user, country) -> bool:
    """Drafts, versions in review and earlier versions: the writers and the reviewers."""
    return can_edit_profile(user, country) or can_review_profile(user, country)


COUNTRY_RULES = {
    "edit_profile": can_edit_profile,
    "submit_profile": can_edit_profile,
    "review_profile": can_review_profile,
    "view_profile_history": can_view_profile_history,
}
