"""Labels of the sharing pages (codes are stored; labels translate)."""

from __future__ import annotations

from pan_platform.i18n import _l

REQUEST_STATES = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}

SHARING_ACTIONS = {
    "sharing.agreement_created": _l("Agreement made"),
    "sharing.agreement_revoked": _l("Agreement revoked"),
    "sharing.policy_changed": _l("Handling settings changed"),
    "sharing.access_requested": _l("Access to files requested"),
    "sharing.access_approved": _l("Access request approved"),
    "sharing.access_refused": _l("Access request refused"),
    "sharing.access_withdrawn": _l("Access to files withdrawn"),
    "sharing.adaptation_requested": _l("Permission to adapt requested"),
    "sharing.adaptation_approved": _l("Permission to adapt given"),
    "sharing.adaptation_refused": _l("Permission to adapt refused"),
}
