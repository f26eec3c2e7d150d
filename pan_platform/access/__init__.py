"""The one permission module. Every view, search, API call, feed and harvest asks here."""

from pan_platform.access.collections import (
    COLLECTION_VISIBILITY_CODES,
    collection_read_principals,
    collections_readable_by,
)
from pan_platform.access.events import EVENT_VISIBILITIES, event_read_principals, events_readable_by
from pan_platform.access.experts import EXPERT_VISIBILITIES, expert_read_principals, experts_readable_by
from pan_platform.access.expiry import expire_due
from pan_platform.access.principals import (
    FILES_ACCESS,
    INHERIT,
    NETWORK,
    PARTNERS,
    PUBLIC,
    VISIBILITIES,
    Grant,
    download_grants,
    download_principals,
    files_follow_description,
    load_agreements,
    org,
    read_grants,
    read_loads,
    read_principals,
    user_principals,
)
from pan_platform.access.readers import next_expiry, readable_by, reader_key, refresh_readers
from pan_platform.access.rules import can

__all__ = [
    "COLLECTION_VISIBILITY_CODES", "collection_read_principals", "collections_readable_by",
    "EVENT_VISIBILITIES", "event_read_principals", "events_readable_by",
    "EXPERT_VISIBILITIES", "expert_read_principals", "experts_readable_by",
    "FILES_ACCESS", "INHERIT", "NETWORK", "PARTNERS", "PUBLIC", "VISIBILITIES", "Grant",
    "can", "download_grants", "download_principals", "expire_due", "files_follow_description", "load_agreements", "next_expiry", "org",
    "read_grants", "read_loads", "read_principals", "readable_by", "reader_key", "refresh_readers", "user_principals",
]
