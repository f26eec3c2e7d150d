"""Who may read an object shown to an audience: events and expert profiles use the same
vocabulary as items (network / partners, all or named / public), decided here once for
can() (`read_principals`) and for SQL listings (`readable_condition`). Both read the one
table VISIBILITY_LABELS, so they cannot drift."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import and_, false, or_

from pan_platform.access.principals import NETWORK, PARTNERS, PUBLIC, org, user_principals

# (visibility, partner scope) -> labels that may read; None: any scope. An unknown
# visibility or scope leaves the owner alone (fail closed). Named partners (shares) count
# only while the object is shown to "the network and the named partners".
VISIBILITY_LABELS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("network", None): (NETWORK,),
    ("partners", "named"): (NETWORK,),
    ("partners", "all"): (NETWORK, PARTNERS),
    ("public", None): (PUBLIC,),
}
NAMED = ("partners", "named")
VISIBILITIES = ("network", "partners", "public")


def _visibility_labels(visibility: str, scope: str) -> tuple[str, ...] | None:
    return VISIBILITY_LABELS.get((visibility, None), VISIBILITY_LABELS.get((visibility, scope)))


def read_principals(owner_id: int, visibility: str, scope: str, shared_with: Iterable[int]) -> frozenset[str]:
    """The labels that may read an object of `owner_id` shown to this audience."""
    labels = {org(owner_id)}
    granted = _visibility_labels(visibility, scope)
    if granted is not None:
        labels.update(granted)
    if (visibility, scope) == NAMED:
        labels.update(org(organisation_id) for organisation_id in shared_with)
    return frozenset(labels)


def _bypasses(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == "platform_admin")


def readable_condition(user, visibility_column, scope_column, owner_column, shared_with: Callable):
    """A SQL condition: an object (of the columns' table) readable by `user` now. `shared_with`
    makes the condition "named partner `organisation_id` is among the shares" (an EXISTS).
    Platform administrators bypass."""
    if _bypasses(user):
        return True
    labels = user_principals(user)
    conditions = []
    for (visibility, scope), granted in VISIBILITY_LABELS.items():
        if labels & set(granted):
            rule = visibility_column == visibility
            conditions.append(rule if scope is None else and_(rule, scope_column == scope))
    organisation_id = next((int(label[4:]) for label in labels if label.startswith("org:")), None)
    if organisation_id is not None:
        conditions.append(owner_column == organisation_id)
        conditions.append(and_(visibility_column == NAMED[0], scope_column == NAMED[1], shared_with(organisation_id)))
    return or_(*conditions) if conditions else false()
