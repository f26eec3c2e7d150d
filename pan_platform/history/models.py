"""The edit history of an item: one entry per item and unit of work, with who, when and
each changed field's old and new value.

Entries are written by the pipeline (`history/changes.py`, registered in
`pan_platform/pipeline.py`), never by an operation, so no operation can forget one.
The platform audit log (`audit/models.py`) stays as it is: it records actions for the
secretariat; this table records values, for the owner academy's editors.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.util import utcnow

# The fields a restore may put back: the texts an editor writes.
RESTORABLE_FIELDS = ("title", "summary", "learning_outcomes")


class ItemChange(db.Model):
    __tablename__ = "item_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # "created" for the first entry of an item, "changed" for every later one.
    kind: Mapped[str] = mapped_column(String(10), default="changed")
    # [{"field": name, "old": value, "new": value, "key": what it is about (a language,
    #   a file number, a partner), or absent}], in the order the changes were noted.
    changes: Mapped[list] = mapped_column(JSON, default=list)
    restored_from_id: Mapped[int | None] = mapped_column(ForeignKey("item_changes.id", ondelete="SET NULL"))

    user = relationship("User")

    def restorable(self) -> dict[str, str | None]:
        """The old values a restore would put back: {field: value} of the original's texts
        (not of translations). A first entry has no old values; a title is never empty."""
        if self.kind != "changed":
            return {}
        return {
            change["field"]: change["old"]
            for change in self.changes
            if change["field"] in RESTORABLE_FIELDS and "key" not in change
            and (change["old"] is not None or change["field"] != "title")
        }
