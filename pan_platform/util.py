"""Small helpers with no better home."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    # Naive UTC: SQLite does not keep time zones, and both engines must agree.
    return datetime.now(UTC).replace(tzinfo=None)
