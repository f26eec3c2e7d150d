"""Usage statistics: views and downloads of an item per month, nothing about anyone.

A row is an aggregate: (item, month, country of the viewers' academy) -> views,
downloads. No user, address, browser or time of day is kept; the short-lived key that
tells a double click from a new request lives only in memory or Redis (usage.py).
`country` is the country of the viewing academy, or "" for everyone else (visitors,
partner organisations, the secretariat): an empty string, not NULL, so that the
primary key (and with it the one-statement upsert) works alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.extensions import db

NO_COUNTRY = ""


class ItemUsage(db.Model):
    __tablename__ = "item_usage"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)  # "YYYY-MM"
    country: Mapped[str] = mapped_column(String(2), primary_key=True, default=NO_COUNTRY)
    views: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
