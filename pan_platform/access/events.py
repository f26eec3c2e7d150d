"""Who may read an event: the same vocabulary as items (network / partners, all or named /
public), decided here once for can() (event_read_principals) and for SQL listings
(events_readable_by). Both read the one table VISIBILITY_LABELS, so they cannot drift."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from pan_platform.access.principals import NETWORK, PARTNERS, PUBLIC, org, user_principals
from pan_platform.events.models import Event, EventShare

# (visibility, partner scope) -> labels that may read; None: any scope. An unknown
# visibility or scope leaves the owner alone (fail closed). Named partners (shares) count
# only while the event is shown to "the network and the named partners".
VISIBILITY_LABELS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("network", None): (NETWORK,),
    ("partners", "named"): (NETWORK,),
    ("partners", "all"): (NETWORK, PARTNERS),
    ("public", None): (PUBLIC,),
}
NAMED = ("partners", "named")
EVENT_VISIBILITIES = ("network", "partners", "public")


def _visibility_labels(visibility: str, scope: str) -> tuple[str, ...] | None:
    return VISIBILITY_LABELS.get((visibility, None), VISIBILITY_LABELS.get((visibility, scope)))


def event_read_principals(event) -> frozenset[str]:
    labels = {org(event.owner_id)}
    visibility = _visibility_labels(event.visibility, event.partner_scope)
    if visibility is not None:
        labels.update(visibility)
    if (event.visibility, event.partner_scope) == NAMED:
        labels.update(org(organisation_id) for organisation_id in event.shared_with)
    return frozenset(labels)


def _bypasses(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == "platform_admin")


def events_readable_by(user):
    """A SQL condition on Event: readable by `user` now (platform administrators bypass)."""
    if _bypasses(user):
        return True
    labels = user_principals(user)
    conditions = []
    for (visibility, scope), granted in VISIBILITY_LABELS.items():
        if labels & set(granted):
            rule = Event.visibility == visibility
            conditions.append(rule if scope is None else and_(rule, Event.partner_scope == scope))
    organisation_id = next((int(label[4:]) for label in labels if label.startswith("org:")), None)
    if organisation_id is not None:
        conditions.append(Event.owner_id == organisation_id)
        shared = exists(
            select(EventShare.event_id).where(
                EventShare.event_id == Event.id, EventShare.organisation_id == organisation_id
            )
        )
        conditions.append(and_(Event.visibility == NAMED[0], Event.partner_scope == NAMED[1], shared))
    return or_(*conditions) if conditions else false()
