"""Principal labels: who may read an item, and which labels a user holds.

The index and the `item_readers` table store an item's labels; every listing, count
and search is filtered by the user's labels. This file is the only place that turns
visibility, inheritance, state and shares into labels.
"""

from __future__ import annotations

import logging

PUBLIC = "public"
NETWORK = "network"  # every member of an academy (and the secretariat)
PARTNERS = "partners"  # every member of a partner organisation

VISIBILITIES = ("private", "network", "partners", "public")
INHERIT = "inherit"
PARTNER_SCOPES = ("named", "all")

log = logging.getLogger(__name__)


def org(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def user_principals(user) -> frozenset[str]:
    """The labels a user holds. Anonymous visitors hold only `public`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset({PUBLIC})
    labels = {PUBLIC, org(user.organisation_id)}
    kind = user.organisation.kind
    if kind in ("academy", "secretariat"):
        labels.add(NETWORK)
    elif kind == "partner":
        labels.add(PARTNERS)
    return frozenset(labels)


def _rule_source(item):
    """The item whose visibility and shares apply: itself, or the nearest non-inheriting ancestor."""
    node, seen = item, set()
    while node.visibility == INHERIT:
        if node.parent is None or id(node) in seen:
            return None  # inherits from nothing: fail closed
        seen.add(id(node))
        node = node.parent
    return node


def _shared_with(item) -> set[str]:
    return {org(share.organisation_id) for share in item.shares}


def read_principals(item) -> frozenset[str]:
    """Labels that may read `item` (its description and its files).

    - the owner academy always reads its own items, whatever their state;
    - drafts and archived items: the owner academy only;
    - otherwise the visibility of the item, or of the ancestor it inherits from, plus
      that item's explicit shares; an inherited rule counts only while the ancestor it
      comes from (and every ancestor between) is published;
    - an unknown visibility, state or scope grants nothing beyond the owner (fail closed).
    """
    owner = frozenset({org(item.owner_id)})
    if item.state != "published":
        return owner
    source = _rule_source(item)
    if source is None:
        return owner
    node = item
    while node is not source:  # every ancestor the rule passes through must be published
        node = node.parent
        if node.state != "published":
            return owner
    labels = set(owner) | _shared_with(source)
    visibility = source.visibility
    if visibility == "private":
        pass
    elif visibility == "network":
        labels.add(NETWORK)
    elif visibility == "partners":
        labels.add(NETWORK)
        if source.partner_scope == "all":
            labels.add(PARTNERS)
        elif source.partner_scope != "named":
            log.warning("item %s: unknown partner scope %r", source.id, source.partner_scope)
            return owner
    elif visibility == "public":
        labels.add(PUBLIC)
    else:
        log.warning("item %s: unknown visibility %r", source.id, visibility)
        return owner
    return frozenset(labels)


def visibility_reason(item) -> str:
    """'own' when the item sets its own rule, 'inherited' when it takes its parent's."""
    return "inherited" if item.visibility == INHERIT else "own"
