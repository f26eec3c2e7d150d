"""Import every model once, so metadata (Alembic, create_all) knows all tables."""

from pan_platform.accounts.models import ApiToken, Invitation, LoginAttempt, PasswordReset, User
from pan_platform.alerts.models import SavedSearch
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.language_versions import ItemLanguageVersion
from pan_platform.catalogue.models import (
    CountsGeneration,
    Item,
    ItemArea,
    ItemLanguage,
    ItemTranslation,
    PriorityArea,
)
from pan_platform.catalogue.overrides import LabelOverride
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.countries.models import CountryProfileVersion
from pan_platform.events.models import CalendarToken, Event, EventApplication, EventShare
from pan_platform.experts.models import ContactMessage, ExpertProfile, ExpertShare
from pan_platform.history.models import ItemChange
from pan_platform.organisations.models import Country, Organisation, OrganisationApplication
from pan_platform.overview.models import ItemUsage
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
from pan_platform.syllabus.models import OfflinePackage
from pan_platform.thesaurus.models import ThesaurusRevision, ThesaurusTerm

__all__ = [
    "CalendarToken", "CountryProfileVersion", "Event", "EventApplication", "EventShare",
    "ContactMessage", "ExpertProfile", "ExpertShare",
    "Collection", "CollectionEntry", "SavedSearch",
    "CalendarToken", "Event", "EventApplication", "EventShare",
    "Invitation", "LabelOverride", "LoginAttempt", "OrganisationApplication", "PasswordReset",
    "AccessRequest", "ItemPolicy", "Notification", "SharedVisit", "SharingAgreement",
    "ApiToken", "AuditEvent", "CountsGeneration", "Country", "FileVersion", "Item", "ItemArea", "ItemChange",
    "ItemLanguage", "ItemLanguageVersion", "ItemUsage", "ItemReader", "ItemShare", "ItemTranslation", "MaterialFile",
    "OfflinePackage", "Organisation", "PriorityArea", "User",
    "ThesaurusRevision", "ThesaurusTerm",
]
