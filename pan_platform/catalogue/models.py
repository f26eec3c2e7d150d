"""Curricula, modules and materials: one `Item` table, told apart by `kind`.

One table keeps every channel (pages, search, API, feeds, harvesting) on one code path
and lets the access module treat all three kinds alike. A curriculum holds ordered
modules, a module holds ordered materials; modules and materials may stand alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation

if TYPE_CHECKING:
    from pan_platform.sharing.models import ItemReader, ItemShare
from pan_platform.util import utcnow

# Which kind of parent each kind may have (None: may stand alone).
ALLOWED_PARENT = {"curriculum": (), "module": ("curriculum",), "material": ("module",)}


class PriorityArea(db.Model):
    """The eight areas; labels live in vocabularies.PRIORITY_AREAS (translated)."""

    __tablename__ = "priority_areas"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int]


class CountsGeneration(db.Model):
    """A counter bumped after every commit that may change the cached reader counts
    (catalogue/counts.py), so that every worker process drops its copies at once."""

    __tablename__ = "counts_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class ItemArea(db.Model):
    __tablename__ = "item_areas"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("priority_areas.code"), primary_key=True, index=True)


class ItemLanguage(db.Model):
    """Languages the item is available in (its original and its translations)."""

    __tablename__ = "item_languages"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class ItemDownloads(db.Model):
    """How many times the files of an item were downloaded (the catalogue's "most
    downloaded" order). Each download is also an audit event; this counter is kept beside
    it so that the order is one indexed column, not a count over the audit log per page."""

    __tablename__ = "item_downloads"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(default=0, index=True)


def count_download(item_id: int) -> None:
    """Add one download of the item to the session; the caller's commit stores it with the
    download's audit event. One atomic upsert: parallel downloads are all counted, and no
    Item row is written (its updated_at and the counts cache stay as they are)."""
    table = ItemDownloads.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(item_id=item_id, count=1).on_conflict_do_update(
        index_elements=[table.c.item_id], set_={"count": table.c.count + 1}
    )
    db.session.execute(stmt)


class ItemTranslation(db.Model):
    __tablename__ = "item_translations"
    __table_args__ = (UniqueConstraint("item_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    learning_outcomes: Mapped[str | None] = mapped_column(Text)


class Item(db.Model):
    __tablename__ = "items"
    # The newest published items first (home page, catalogue, feeds): one walk of this index
    # that stops after a page. With the single-column indexes alone SQLite, which keeps no
    # statistics unless ANALYZE runs, filtered by `state` and sorted every published item.
    __table_args__ = (Index("ix_items_state_published", "state", "published_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # Stable key from a seed file or an import manifest; lets loaders run twice.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    learning_outcomes: Mapped[str | None] = mapped_column(Text)  # one outcome per line
    language: Mapped[str] = mapped_column(String(8), default="en")  # original language
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    audience: Mapped[str | None] = mapped_column(String(40), index=True)
    level: Mapped[str | None] = mapped_column(String(40), index=True)
    delivery_mode: Mapped[str | None] = mapped_column(String(40))
    duration_hours: Mapped[float | None]
    licence: Mapped[str | None] = mapped_column(String(40))
    resource_type: Mapped[str | None] = mapped_column(String(40), index=True)
    external_url: Mapped[str | None] = mapped_column(String(500))

    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    visibility: Mapped[str] = mapped_column(String(20), default="private")
    partner_scope: Mapped[str] = mapped_column(String(10), default="named")

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adapted_from_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)

    owner: Mapped[Organisation] = relationship()
    parent: Mapped[Item | None] = relationship(
        remote_side="Item.id", back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list[Item]] = relationship(
        back_populates="parent", order_by="Item.position", foreign_keys=[parent_id]
    )
    adapted_from: Mapped[Item | None] = relationship(remote_side="Item.id", foreign_keys=[adapted_from_id])
    area_rows: Mapped[list[ItemArea]] = relationship(cascade="all, delete-orphan")
    language_rows: Mapped[list[ItemLanguage]] = relationship(cascade="all, delete-orphan")
    translations: Mapped[list[ItemTranslation]] = relationship(
        cascade="all, delete-orphan", order_by="ItemTranslation.language"
    )
    shares: Mapped[list[ItemShare]] = relationship(back_populates="item", cascade="all, delete-orphan")
    reader_rows: Mapped[list[ItemReader]] = relationship(cascade="all, delete-orphan")

    # -- convenience views over the association rows ------------------------------
    @property
    def area_codes(self) -> list[str]:
        return sorted(row.area_code for row in self.area_rows)

    @area_codes.setter
    def area_codes(self, codes: list[str]) -> None:
        wanted = set(codes)
        self.area_rows = [r for r in self.area_rows if r.area_code in wanted]
        have = {r.area_code for r in self.area_rows}
        self.area_rows.extend(ItemArea(area_code=c) for c in sorted(wanted - have))

    @property
    def languages(self) -> list[str]:
        return sorted(row.language for row in self.language_rows)

    def refresh_languages(self) -> None:
        """Available languages = the original plus every translation."""
        wanted = {self.language} | {t.language for t in self.translations}
        self.language_rows = [r for r in self.language_rows if r.language in wanted]
        have = {r.language for r in self.language_rows}
        self.language_rows.extend(ItemLanguage(language=code) for code in sorted(wanted - have))

    @property
    def outcomes(self) -> list[str]:
        return [line for line in (self.learning_outcomes or "").splitlines() if line.strip()]

    def translation(self, language: str) -> ItemTranslation | None:
        return next((t for t in self.translations if t.language == language), None)

    def localized(self, language: str) -> dict:
        """Title, summary and outcomes in `language` when translated, else the original."""
        tr = self.translation(language) if language != self.language else None
        if tr is None:
            return {
                "language": self.language,
                "title": self.title,
                "summary": self.summary or "",
                "outcomes": self.outcomes,
                "is_original": True,
            }
        return {
            "language": tr.language,
            "title": tr.title,
            "summary": tr.summary or "",
            "outcomes": [x for x in (tr.learning_outcomes or "").splitlines() if x.strip()],
            "is_original": False,
        }

    def ancestors(self) -> list[Item]:
        chain, node, seen = [], self.parent, {self.id}
        while node is not None and node.id not in seen:  # a cycle must not hang a page
            chain.append(node)
            seen.add(node.id)
            node = node.parent
        return list(reversed(chain))

    def descendants(self) -> list[Item]:
        out: list[Item] = []
        stack = list(self.children)
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.children)
        return out

    @property
    def current_file(self):
        """The first file's current version (for callers that show one file)."""
        return self.files[0].current if self.files else None

    @property
    def current_files(self) -> list:
        """The current version of every file, in the material's order."""
        return [f.current for f in self.files if f.current is not None]

    def __repr__(self) -> str:
        return f"<Item {self.kind} {self.id} {self.title[:30]!r}>"


# Back-reference declared here so the storage package need not import the catalogue.
from pan_platform.storage.models import FileVersion, MaterialFile  # noqa: E402

# Every version of every file, in upload order (the files and their histories: Item.files).
Item.file_versions = relationship(
    FileVersion, back_populates="item", order_by=FileVersion.id, cascade="all, delete-orphan"
)
Item.files = relationship(
    MaterialFile, back_populates="item", order_by=(MaterialFile.position, MaterialFile.id),
    cascade="all, delete-orphan"
)
