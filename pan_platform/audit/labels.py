"""Human names of the audit log's action codes, in one place.

Every code given to `record()` has a translated label here; tests/admin/test_audit_labels.py
reads the code for `record(` calls and fails on a code without one.
"""

from __future__ import annotations

from pan_platform.i18n import _, _l

ACTION_LABELS = {
    # Catalogue
    "create": _l("Item created"),
    "edit": _l("Item edited"),
    "move": _l("Item moved"),
    "attach": _l("Module added to a curriculum"),
    "detach": _l("Module taken out of a curriculum"),
    "publish": _l("Item published"),
    "archive": _l("Item archived"),
    "draft": _l("Item returned to draft"),
    "share": _l("Visibility changed"),
    "upload": _l("File uploaded"),
    "file_update": _l("File details changed"),
    "file_move": _l("File moved"),
    "file_remove": _l("File removed"),
    "download": _l("File downloaded"),
    "adapt": _l("Adaptation created"),
    "translate": _l("Translation changed"),
    "link_language_version": _l("Language version linked"),
    "unlink_language_version": _l("Language version unlinked"),
    "import": _l("Bulk import"),
    "taxonomy.labels": _l("Taxonomy labels changed"),
    "thesaurus.import": _l("Thesaurus replaced"),
    # Organisations
    "organisation.apply": _l("Membership application received"),
    "organisation.approve": _l("Application approved"),
    "organisation.refuse": _l("Application refused"),
    "organisation.suspend": _l("Organisation suspended"),
    "organisation.reactivate": _l("Organisation reactivated"),
    # People and accounts
    "user.invite": _l("Person invited"),
    "user.invite_revoke": _l("Invitation withdrawn"),
    "user.join": _l("Invitation accepted"),
    "user.create": _l("Account created"),
    "user.role": _l("Role changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "account.sign_in": _l("Signed in"),
    "account.sign_out": _l("Signed out"),
    "account.sign_out_everywhere": _l("Signed out everywhere"),
    "account.reset_request": _l("Password reset requested"),
    "account.reset_done": _l("Password reset"),
    "account.password_change": _l("Password changed"),
    "account.token_create": _l("API token created"),
    "account.token_revoke": _l("API token revoked"),
    "account.2fa_enable": _l("Two-factor enabled"),
    "account.2fa_disable": _l("Two-factor disabled"),
    "account.2fa_recovery_regenerate": _l("Recovery codes renewed"),
    "account.2fa_recovery_code_used": _l("Recovery code used"),
    # Sharing
    "sharing.policy_changed": _l("Marking or file access changed"),
    "sharing.agreement_created": _l("Sharing agreement made"),
    "sharing.agreement_revoked": _l("Sharing agreement revoked"),
    "sharing.access_requested": _l("Access requested"),
    "sharing.access_approved": _l("Access request approved"),
    "sharing.access_refused": _l("Access request refused"),
    "sharing.access_withdrawn": _l("Access withdrawn"),
    "sharing.adaptation_requested": _l("Adaptation requested"),
    "sharing.adaptation_approved": _l("Adaptation request approved"),
    "sharing.adaptation_refused": _l("Adaptation request refused"),
    # Events
    "events.created": _l("Event announced"),
    "events.updated": _l("Event changed"),
    "events.cancelled": _l("Event cancelled"),
    "events.applied": _l("Application to an event"),
    "events.decided": _l("Event application decided"),
    # Country profiles
    "countries.profile_saved": _l("Country profile draft saved"),
    "countries.profile_submitted": _l("Country profile submitted for review"),
    "countries.profile_published": _l("Country profile published"),
    "countries.profile_returned": _l("Country profile sent back"),
    # Experts and contact
    "experts.created": _l("Expert profile created"),
    "experts.updated": _l("Expert profile changed"),
    "experts.deleted": _l("Expert profile deleted"),
    "experts.confirmed": _l("Expert profile confirmed by the academy"),
    "experts.unconfirmed": _l("Academy confirmation of an expert profile withdrawn"),
    "experts.contacted": _l("Expert contacted through the platform"),
    "experts.owner_contacted": _l("Owner academy contacted through the platform"),
    "experts.replied": _l("Reply to a relayed message"),
}


def action_label(code: str) -> str:
    """The translated name of an action; an unknown code (an old event) shows as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def event_summary(event) -> str:
    """One readable line for events whose details say it best; "" for the others."""
    details = event.details or {}
    if event.action == "upload" and details.get("version") and details.get("name"):
        return _("File version %(version)s uploaded: %(name)s", version=details["version"], name=details["name"])
    if event.action == "download" and details.get("version"):
        return _("File version %(version)s downloaded", version=details["version"])
    if event.action == "user.role" and details.get("new"):
        return _("Role changed from %(old)s to %(new)s", old=details.get("old") or "—", new=details["new"])
    return ""
