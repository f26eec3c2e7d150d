"""can(user, action, obj): the one function every channel asks.

Reading compares labels (see principals.py). Writing is decided by the user's role and
organisation. Platform administrators bypass, explicitly, here and nowhere else.
Any action this file does not know is refused.
"""

from __future__ import annotations

from pan_platform.access.collections import can_edit_collection, can_edit_saved_search, can_read_collection
from pan_platform.access.countries import COUNTRY_RULES
from pan_platform.access.events import event_read_principals
from pan_platform.access.experts import expert_read_principals
from pan_platform.access.principals import download_principals, read_principals, user_principals
from pan_platform.accounts.models import User
from pan_platform.alerts.models import SavedSearch
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.vocabularies import licence_terms
from pan_platform.collections.models import Collection
from pan_platform.events.models import Event
from pan_platform.experts.models import ContactMessage, ExpertProfile
from pan_platform.organisations.models import Country, Organisation

EDITING_ROLES = ("editor", "org_admin")


def _is_member(user, organisation_id: int | None) -> bool:
    return organisation_id is not None and user.organisation_id == organisation_id


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_read(user, item) -> bool:
    return bool(user_principals(user) & read_principals(item))


def can_download(user, item) -> bool:
    """Files follow the description, unless they are given on request (see principals)."""
    labels = user_principals(user)
    return bool(labels & read_principals(item)) and bool(labels & download_principals(item))


def can_request_access(user, item) -> bool:
    """A signed-in reader of another organisation who sees the description but not the files."""
    return (
        _signed_in(user)
        and not _is_member(user, item.owner_id)
        and can_read(user, item)
        and not can_download(user, item)
    )


def can_see_access(user, item) -> bool:
    """"Who can see this, and why" is shown to the owner academy's members."""
    return _signed_in(user) and _is_member(user, item.owner_id)


def can_edit(user, item) -> bool:
    return (
        _signed_in(user)
        and user.role in EDITING_ROLES
        and user.organisation.kind == "academy"
        and _is_member(user, item.owner_id)
    )


def can_view_history(user, item) -> bool:
    """An item's edit history (old values included) is for the editors of its owner academy:
    the same people who could change those values back."""
    return can_edit(user, item)


def can_view_statistics(user, item) -> bool:
    """An item's usage figures are for the editors of its owner academy."""
    return can_edit(user, item)


def can_create_in(user, organisation) -> bool:
    """May `user` create items owned by `organisation`?"""
    return (
        _signed_in(user)
        and organisation.kind == "academy"
        and user.role in EDITING_ROLES
        and _is_member(user, organisation.id)
    )


def adaptation_granted(user, item) -> bool:
    """The owner academy approved the user's academy's request to adapt `item` or an item
    holding it (a permission for a curriculum covers its modules and materials)."""
    for node in (item, *reversed(item.ancestors())):
        if any(r.organisation_id == user.organisation_id and r.status == "approved"
               for r in node.adaptation_requests):
            return True
    return False


def _licence_allows(user, item) -> bool:
    """The item's licence lets it be adapted, or its owner academy gave permission (the
    owner academy itself holds the rights: its own licence never stops it)."""
    return (
        licence_terms(item.licence).allows_adaptation
        or _is_member(user, item.owner_id)
        or adaptation_granted(user, item)
    )


def _adapting_editor(user, item) -> bool:
    """An editor of an academy, reading an item of another organisation's that may be copied."""
    return (
        item.kind in ("curriculum", "module")
        and can_read(user, item)
        and _signed_in(user)
        and user.role in EDITING_ROLES
        and user.organisation.kind == "academy"
    )


def can_adapt(user, item) -> bool:
    """Copy a visible curriculum or module into the user's own academy, as its licence
    allows (see vocabularies.LICENCE_TERMS) or with the owner academy's permission."""
    return _adapting_editor(user, item) and _licence_allows(user, item)


def can_copy_part(user, item) -> bool:
    """A part of an item being adapted goes into the copy: readable, and its own licence
    (or a permission for it or for what holds it) allows adaptation."""
    return can_read(user, item) and _signed_in(user) and _licence_allows(user, item)


def can_request_adaptation(user, item) -> bool:
    """Ask the owner academy for permission: its licence does not allow adapting it, and
    the user's academy (not the owner) has no permission yet."""
    return (
        _adapting_editor(user, item)
        and not _is_member(user, item.owner_id)
        and not _licence_allows(user, item)
    )


def can_decide_adaptation(user, item) -> bool:
    """Approve or refuse requests to adapt an item: the owner academy's editors and admins."""
    return can_edit(user, item)


def can_manage_organisation(user, organisation) -> bool:
    """Users, sharing agreements and audit of one organisation."""
    return _signed_in(user) and user.role == "org_admin" and _is_member(user, organisation.id)


def can_manage_user(user, target) -> bool:
    """Change the role of, deactivate or reactivate `target`: an admin of the target's own
    organisation; platform administrators are managed by the secretariat console only."""
    return (
        _signed_in(user)
        and user.role == "org_admin"
        and _is_member(user, target.organisation_id)
        and target.role != "platform_admin"
    )


def can_read_event(user, event) -> bool:
    return bool(user_principals(user) & event_read_principals(event))


def can_edit_event(user, event) -> bool:
    """Edit, cancel and decide on applications: editors and admins of the organiser."""
    return _signed_in(user) and user.role in EDITING_ROLES and _is_member(user, event.owner_id)


def can_apply_to_event(user, event) -> bool:
    """A signed-in reader of another organisation (an organiser does not apply to its own event)."""
    return _signed_in(user) and not _is_member(user, event.owner_id) and can_read_event(user, event)


def can_nominate_to_event(user, event) -> bool:
    """Admins and editors of another organisation nominate users of their organisation."""
    return can_apply_to_event(user, event) and user.role in EDITING_ROLES


def can_create_event_in(user, organisation) -> bool:
    """Academies and partners announce events; their editors and admins write them."""
    return (
        _signed_in(user)
        and organisation.kind in ("academy", "partner")
        and user.role in EDITING_ROLES
        and _is_member(user, organisation.id)
    )


def can_read_expert(user, profile) -> bool:
    return bool(user_principals(user) & expert_read_principals(profile))


def can_manage_expert(user, profile) -> bool:
    """Edit, export and delete a profile: only the person it belongs to."""
    return _signed_in(user) and user.id == profile.user_id


def can_confirm_expert(user, profile) -> bool:
    """Mark a profile as confirmed by the academy: admins of the person's organisation."""
    return _signed_in(user) and user.role == "org_admin" and _is_member(user, profile.organisation_id)


def can_contact_expert(user, profile) -> bool:
    """A signed-in reader of the profile who is not the person themselves."""
    return _signed_in(user) and user.id != profile.user_id and can_read_expert(user, profile)


def can_contact_owner(user, item) -> bool:
    """A signed-in reader of an item may write to its owner academy."""
    return _signed_in(user) and can_read(user, item)


def can_create_expert_profile(user, organisation) -> bool:
    """Anyone signed in makes their own profile, in their own organisation."""
    return _signed_in(user) and _is_member(user, organisation.id)


def can_read_message(user, message) -> bool:
    return _signed_in(user) and user.id in (message.sender_id, message.recipient_id)


def can_reply_message(user, message) -> bool:
    return _signed_in(user) and user.id == message.recipient_id


_EXPERT_RULES = {
    "read": can_read_expert,
    "edit": can_manage_expert,
    "export": can_manage_expert,
    "delete": can_manage_expert,
    "confirm": can_confirm_expert,
    "contact": can_contact_expert,
}

# Messages are personal: no platform bypass (see can()).
_MESSAGE_RULES = {
    "read": can_read_message,
    "reply": can_reply_message,
}

_EVENT_RULES = {
    "read": can_read_event,
    "edit": can_edit_event,
    "cancel": can_edit_event,
    "decide": can_edit_event,
    "apply": can_apply_to_event,
    "nominate": can_nominate_to_event,
}

_ITEM_RULES = {
    "read": can_read,
    "download": can_download,
    "request_access": can_request_access,
    "see_access": can_see_access,
    "edit": can_edit,
    "publish": can_edit,
    "archive": can_edit,
    "share": can_edit,
    "preview": can_edit,
    "view_history": can_view_history,
    "view_statistics": can_view_statistics,
    "adapt": can_adapt,
    "copy_part": can_copy_part,
    "request_adaptation": can_request_adaptation,
    "decide_adaptation": can_decide_adaptation,
    "contact_owner": can_contact_owner,
}

_ORG_RULES = {
    "create_item": can_create_in,
    "create_event": can_create_event_in,
    "create_expert_profile": can_create_expert_profile,
    "manage_users": can_manage_organisation,
    "manage_sharing": can_manage_organisation,
    "view_audit": can_manage_organisation,
    "decide_requests": can_manage_organisation,
}


_USER_RULES = {
    "manage_user": can_manage_user,
}

_COLLECTION_RULES = {
    "read": can_read_collection,
    "edit": can_edit_collection,
}

_SAVED_SEARCH_RULES = {
    "read": can_edit_saved_search,
    "edit": can_edit_saved_search,
}


# The rules of each kind of object, looked up by the object's type.
_RULES_BY_TYPE = (
    (Item, _ITEM_RULES), (Event, _EVENT_RULES), (ExpertProfile, _EXPERT_RULES),
    (Organisation, _ORG_RULES), (User, _USER_RULES), (Country, COUNTRY_RULES),
    (Collection, _COLLECTION_RULES), (SavedSearch, _SAVED_SEARCH_RULES),
)


def _rule_for(action: str, obj):
    for kind, rules in _RULES_BY_TYPE:
        if isinstance(obj, kind):
            return rules.get(action)
    return None


def can(user, action: str, obj=None) -> bool:
    """True when `user` (None or anonymous allowed) may do `action` on `obj`."""
    is_admin = _signed_in(user) and user.role == "platform_admin"
    if action == "administer":
        return is_admin
    if isinstance(obj, ContactMessage):
        rule = _MESSAGE_RULES.get(action)
        return bool(rule is not None and rule(user, obj))
    rule = _rule_for(action, obj)
    if rule is None:
        return False
    if is_admin:  # the explicit bypass
        return True
    return bool(rule(user, obj))
