"""The one permission module. Every view, search, API call, feed and harvest asks here."""

from pan_platform.access.principals import (
    INHERIT,
    NETWORK,
    PARTNERS,
    PUBLIC,
    VISIBILITIES,
    org,
    read_principals,
    user_principals,
)
from pan_platform.access.readers import readable_by, refresh_readers
from pan_platform.access.rules import can

__all__ = [
    "INHERIT", "NETWORK", "PARTNERS", "PUBLIC", "VISIBILITIES",
    "can", "org", "read_principals", "readable_by", "refresh_readers", "user_principals",
]
