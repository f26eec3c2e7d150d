"""Import every model once, so metadata (Alembic, create_all) knows all tables."""

from pan_platform.accounts.models import ApiToken, Invitation, LoginAttempt, PasswordReset, User
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.language_versions import ItemLanguageVersion
from pan_platform.catalogue.models import (
    Item,
    ItemArea,
    ItemLanguage,
    ItemTranslation,
    PriorityArea,
)
from pan_platform.catalogue.overrides import LabelOverride
from pan_platform.organisations.models import Country, Organisation, OrganisationApplication
from pan_platform.sharing.models import (
    AccessRequest,
    ItemPolicy,
    ItemReader,
    ItemShare,
    Notification,
    SharedVisit,
    SharingAgreement,
)
from pan_platform.storage.models import FileVersion, MaterialFile
from pan_platform.thesaurus.models import ThesaurusRevision, ThesaurusTerm

__all__ = [
    "Invitation", "LabelOverride", "LoginAttempt", "OrganisationApplication", "PasswordReset",
    "AccessRequest", "ItemPolicy", "Notification", "SharedVisit", "SharingAgreement",
    "ApiToken", "AuditEvent", "Country", "FileVersion", "Item", "ItemArea", "ItemLanguage", "ItemLanguageVersion",
    "ItemReader", "MaterialFile", "ItemShare", "ItemTranslation", "Organisation", "PriorityArea", "User",
    "ThesaurusRevision", "ThesaurusTerm",
]
