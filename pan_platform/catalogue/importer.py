"""Bulk import of a ZIP holding `manifest.json` or `manifest.csv` and the files it names.

Two phases: everything is checked first (every problem is reported with its entry or
line number, nothing is written); then the whole manifest is imported through the same
operations as the editor pages, in one transaction: all or nothing. Files stored for a
failed import are removed again. The schema is documented in docs/import-manifest.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from pan_platform.access import VISIBILITIES, can
from pan_platform.access.principals import INHERIT, PARTNER_SCOPES
from pan_platform.audit.models import record
from pan_platform.catalogue import operations
from pan_platform.catalogue.models import ALLOWED_PARENT, Item
from pan_platform.catalogue.vocabularies import CONTENT_LANGUAGES, PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import transaction
from pan_platform.organisations.models import Organisation
from pan_platform.storage.models import FILE_ROLE_CODES
from pan_platform.storage.validate import UploadRejected, safe_filename, sniff, stream_size

MAX_MANIFEST_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 5_000
MAX_ZIP_MEMBERS = 10_000
KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
LIST_FIELDS = ("priority_areas", "keywords", "shares", "learning_outcomes")
COLUMNS = (
    "key", "kind", "parent", "title", "summary", "learning_outcomes", "language", "priority_areas",
    "keywords", "audience", "level", "delivery_mode", "duration_hours", "licence", "resource_type",
    "external_url", "visibility", "partner_scope", "shares", "state", "file", "file_note", "files",
)
CSV_LIST_SEPARATOR = "|"
CSV_FILE_PART_SEPARATOR = ";"  # in the CSV `files` column: path;role;language
FILE_KEYS = ("file", "role", "language", "title", "note")


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class EntryFile:
    """One checked file of a material, spooled out of the archive."""

    spool: tempfile.SpooledTemporaryFile
    name: str
    role: str | None = None
    language: str | None = None
    title: str | None = None
    note: str | None = None


@dataclass
class Entry:
    where: str  # "entry 3" / "line 4", translated
    data: dict
    files: list[EntryFile] = field(default_factory=list)

    def close_files(self) -> None:
        for entry_file in self.files:
            entry_file.spool.close()


@dataclass
class Report:
    created: int = 0
    files: int = 0
    keys: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ reading

def _read_manifest(archive: zipfile.ZipFile) -> list[Entry]:
    names = set(archive.namelist())
    has_json, has_csv = "manifest.json" in names, "manifest.csv" in names
    if has_json == has_csv:
        raise ImportFailed([_("The archive must hold exactly one manifest: manifest.json or manifest.csv.")])
    name = "manifest.json" if has_json else "manifest.csv"
    if archive.getinfo(name).file_size > MAX_MANIFEST_BYTES:
        raise ImportFailed([_("The manifest is too large.")])
    try:
        text = archive.read(name).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([_("The manifest must be encoded in UTF-8.")]) from None
    return _parse_json(text) if has_json else _parse_csv(text)


def _parse_json(text: str) -> list[Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFailed([_("manifest.json is not valid JSON (line %(line)d): %(msg)s",
                              line=error.lineno, msg=error.msg)]) from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ImportFailed([_("manifest.json must be an object with a list named \"items\".")])
    entries = []
    for number, row in enumerate(items, start=1):
        where = _("entry %(number)d", number=number)
        entries.append(Entry(where, row if isinstance(row, dict) else {"__invalid__": True}))
    return entries


def _parse_csv(text: str) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if unknown:
        raise ImportFailed([_("line 1: unknown column %(name)s.", name=", ".join(unknown))])
    entries = []
    for row in reader:
        data = {k: v.strip() for k, v in row.items() if k is not None and v not in (None, "")}
        for name in LIST_FIELDS:
            if name in data:
                data[name] = [p.strip() for p in data[name].split(CSV_LIST_SEPARATOR) if p.strip()]
        if "files" in data:
            data["files"] = [_csv_file(p) for p in data["files"].split(CSV_LIST_SEPARATOR) if p.strip()]
        entries.append(Entry(_("line %(number)d", number=reader.line_num), data))
    return entries


def _csv_file(part: str) -> dict:
    """`path`, `path;role` or `path;role;language` of the CSV `files` column."""
    pieces = [p.strip() for p in part.split(CSV_FILE_PART_SEPARATOR)]
    return {key: value for key, value in zip(("file", "role", "language"), pieces, strict=False) if value}


# ------------------------------------------------------------------ field guide

def valid_values(name: str) -> list[str]:
    """The codes a manifest field accepts ([] for free text), read from the vocabularies
    themselves, so the guide and the error messages never drift from what is checked."""
    fixed = {
        "kind": list(ALLOWED_PARENT),
        "language": list(dict.fromkeys(CONTENT_LANGUAGES)),
        "priority_areas": list(PRIORITY_AREAS),
        "visibility": [*VISIBILITIES, INHERIT],
        "partner_scope": list(PARTNER_SCOPES),
        "state": ["draft", "published"],
        "role": list(FILE_ROLE_CODES),
    }
    if name in operations.CODE_FIELDS:
        return list(operations.CODE_FIELDS[name])
    return fixed.get(name, [])


REQUIRED = ("key", "kind", "title")


def field_guide() -> list[tuple[str, bool, list[str]]]:
    """(column, required, valid values) for each manifest column, for the import page."""
    return [(name, name in REQUIRED, valid_values(name)) for name in COLUMNS]


def csv_template() -> str:
    """A manifest.csv to fill in: every column, and one example row of each kind."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow({"key": "cur-1", "kind": "curriculum", "title": "Example curriculum", "language": "en",
                     "priority_areas": "cybercrime|police-reform", "level": "introductory"})
    writer.writerow({"key": "mod-1", "kind": "module", "parent": "cur-1", "title": "Example module"})
    writer.writerow({"key": "mat-1", "kind": "material", "parent": "mod-1", "title": "Example handbook",
                     "resource_type": "handbook", "file": "files/handbook.pdf"})
    return out.getvalue()


def _with_valid(problem: str, name: str) -> str:
    values = valid_values(name)
    if not values:
        return problem
    return _("%(problem)s (valid: %(values)s)", problem=problem.rstrip("."), values=", ".join(values))


# ------------------------------------------------------------------ checking

def _fields(data: dict) -> dict:
    outcomes = data.get("learning_outcomes")
    if isinstance(outcomes, list):
        outcomes = "\n".join(str(x) for x in outcomes)
    fields = {
        "title": data.get("title") or "", "summary": data.get("summary"), "learning_outcomes": outcomes,
        "language": data.get("language") or "en", "keywords": data.get("keywords") or [],
        "duration_hours": data.get("duration_hours"), "external_url": data.get("external_url"),
    }
    for name in operations.CODE_FIELDS:
        fields[name] = data.get(name) or None
    if data.get("priority_areas"):
        fields["area_codes"] = data["priority_areas"]
    return fields


def _check_entry(entry: Entry, keys: dict[str, Entry], partners: dict[str, Organisation],
                 archive: zipfile.ZipFile, existing: set[str]) -> list[str]:
    data, problems = entry.data, []
    if data.get("__invalid__"):
        return [_("not an object")]
    unknown = [k for k in data if k not in COLUMNS]
    if unknown:
        problems.append(_("unknown field %(name)s", name=", ".join(sorted(unknown))))
    key = str(data.get("key") or "")
    if not KEY_RE.fullmatch(key):
        problems.append(_("key: letters, digits, dots, hyphens and underscores only (1 to 120)"))
    elif key in existing:
        problems.append(_("key: an item with the key %(key)s already exists", key=key))
    kind = data.get("kind")
    if kind not in ALLOWED_PARENT:
        problems.append(_("kind: must be curriculum, module or material"))
    parent_key = data.get("parent")
    parent = keys.get(parent_key) if parent_key else None
    if parent_key and parent is None:
        problems.append(_("parent: no earlier entry has the key %(key)s", key=parent_key))
    elif (parent is not None and kind in ALLOWED_PARENT and parent.data.get("kind") in ALLOWED_PARENT
          and parent.data.get("kind") not in ALLOWED_PARENT[kind]):  # a bad parent kind is reported once, there
        problems.append(_("parent: a %(kind)s cannot be placed in a %(parent)s", kind=kind, parent=parent.data.get("kind")))
    for list_name in LIST_FIELDS:
        if list_name in data and not isinstance(data[list_name], list | str):
            problems.append(_("%(name)s: must be a list", name=list_name))
    try:
        fields = operations.clean_fields(_fields(data))
        if "area_codes" not in fields and not parent_key:
            problems.append(_("priority_areas: at least one priority area is needed"))
    except operations.InvalidInput as error:
        for name, message in error.errors.items():
            name = "priority_areas" if name == "area_codes" else name
            problems.append(_with_valid(f"{name}: {message}", name))
    problems += _check_sharing(data, parent_key, partners)
    if data.get("state", "draft") not in ("draft", "published"):
        problems.append(_("state: must be draft or published"))
    if data.get("file") and data.get("files"):
        problems.append(_("files: give either file or files, not both"))
    elif data.get("file"):
        problems += _check_file(entry, archive, kind, {"file": data["file"], "note": data.get("file_note")})
    elif "files" in data:
        problems += _check_files(entry, archive, kind, data.get("language") or "en")
    return problems


def _check_files(entry: Entry, archive: zipfile.ZipFile, kind, item_language: str) -> list[str]:
    listed = entry.data["files"]
    if not isinstance(listed, list):
        return [_("files: must be a list")]
    problems = []
    for spec in listed:
        spec = {"file": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not spec.get("file"):
            problems.append(_("files: each file needs at least its path in \"file\""))
            continue
        unknown = sorted(str(k) for k in spec if k not in FILE_KEYS)
        if unknown:
            problems.append(_("files: unknown field %(name)s", name=", ".join(unknown)))
        if any(not isinstance(spec.get(key, ""), str) for key in FILE_KEYS):
            problems.append(_("files: %(name)s: every value must be text", name=spec["file"]))
            continue
        if spec.get("role", "other") not in FILE_ROLE_CODES:
            problems.append(_with_valid(_("files: %(name)s: unknown role %(role)s", name=spec["file"],
                                          role=spec.get("role")), "role"))
        if spec.get("language", item_language) not in CONTENT_LANGUAGES:
            problems.append(_with_valid(_("files: %(name)s: unknown language %(language)s", name=spec["file"],
                                          language=spec.get("language")), "language"))
        problems += _check_file(entry, archive, kind, spec)
    return problems


def _check_sharing(data: dict, parent_key, partners: dict[str, Organisation]) -> list[str]:
    problems = []
    visibility = data.get("visibility") or (INHERIT if parent_key else "private")
    if visibility not in (*VISIBILITIES, INHERIT):
        problems.append(_with_valid(_("visibility: unknown value %(value)s", value=visibility), "visibility"))
    elif visibility == INHERIT and not parent_key:
        problems.append(_("visibility: only an item with a parent can inherit"))
    if (data.get("partner_scope") or "named") not in PARTNER_SCOPES:
        problems.append(_("partner_scope: must be named or all"))
    shares = data.get("shares") or []
    for slug in shares if isinstance(shares, list) else [shares]:
        if slug not in partners:
            problems.append(_("shares: no partner organisation %(slug)s", slug=slug))
    return problems


def _check_file(entry: Entry, archive: zipfile.ZipFile, kind, spec: dict) -> list[str]:
    """Check one named file and keep it spooled on the entry (with its role and language)."""
    name = str(spec["file"])
    if kind != "material":
        return [_("file: only materials carry a file")]
    try:
        info = archive.getinfo(name)
    except KeyError:
        return [_("file: %(name)s is not in the archive", name=name)]
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if info.file_size > limit:
        return [_("file: %(name)s is larger than the platform accepts", name=name)]
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    with archive.open(info) as member:
        while chunk := member.read(1024 * 1024):
            spool.write(chunk)
            if spool.tell() > limit:
                return [_("file: %(name)s is larger than the platform accepts", name=name)]
    file_name = safe_filename(name)
    try:
        sniff(spool, file_name, size=stream_size(spool))
    except UploadRejected as error:
        spool.close()
        return [_("file: %(name)s: %(reason)s", name=name, reason=str(error))]
    entry.files.append(EntryFile(spool, file_name, role=spec.get("role"), language=spec.get("language"),
                                 title=spec.get("title"), note=spec.get("note")))
    return []


def check(archive: zipfile.ZipFile) -> list[Entry]:
    """Every entry checked; raises ImportFailed listing every problem found."""
    if len(archive.infolist()) > MAX_ZIP_MEMBERS:
        raise ImportFailed([_("The archive holds too many files.")])
    entries = _read_manifest(archive)
    if not entries:
        raise ImportFailed([_("The manifest lists no items.")])
    if len(entries) > MAX_ENTRIES:
        raise ImportFailed([_("The manifest lists more than %(n)d items.", n=MAX_ENTRIES)])
    partners = {o.slug: o for o in db.session.scalars(select(Organisation).where(Organisation.kind == "partner"))}
    wanted_keys = [str(e.data.get("key")) for e in entries if isinstance(e.data.get("key"), str)]
    existing = set(db.session.scalars(select(Item.source_key).where(Item.source_key.in_(wanted_keys))))
    keys: dict[str, Entry] = {}
    errors = []
    for entry in entries:
        problems = _check_entry(entry, keys, partners, archive, existing)
        key = entry.data.get("key") if not entry.data.get("__invalid__") else None
        if isinstance(key, str) and key in keys:
            problems.append(_("key: %(key)s is used twice", key=key))
        elif isinstance(key, str):
            keys[key] = entry
        errors += [f"{entry.where}: {p}" for p in problems]
    if errors:
        for entry in entries:
            entry.close_files()
        raise ImportFailed(errors)
    return entries


# ------------------------------------------------------------------ importing

def _import_entry(user, owner: Organisation, entry: Entry, created: dict[str, Item],
                  partners: dict[str, Organisation], report: Report) -> Item:
    data = entry.data
    parent = created.get(data.get("parent")) if data.get("parent") else None
    fields = operations.clean_fields(_fields(data))
    item = operations.create_item(user, owner, data["kind"], fields, parent=parent, source_key=data["key"])
    shares = data.get("shares") or []
    shares = shares if isinstance(shares, list) else [shares]
    operations.set_sharing(
        user, item, data.get("visibility") or (INHERIT if parent else "private"),
        data.get("partner_scope") or "named", [partners[s].id for s in shares],
    )
    for entry_file in entry.files:
        entry_file.spool.seek(0)
        operations.add_file(user, item, entry_file.spool, entry_file.name, role=entry_file.role,
                            language=entry_file.language, title=entry_file.title, note=entry_file.note)
        report.files += 1
    created[data["key"]] = item
    report.created += 1
    report.keys.append(data["key"])
    return item


def import_archive(user, path_or_stream, progress: Callable[[int, int], None] | None = None,
                   source_name: str | None = None) -> Report:
    """Check, then import everything into the user's academy in one transaction.

    Raises ImportFailed (nothing imported, no file left behind) with every problem.
    """
    owner = user.organisation if getattr(user, "is_authenticated", False) else None
    if owner is None or not can(user, "create_item", owner):
        raise ImportFailed([_("Only editors of an academy can import items.")])
    try:
        archive = zipfile.ZipFile(path_or_stream)
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed([_("The file is not a ZIP archive.")]) from None
    with archive:
        entries = check(archive)
        partners = {o.slug: o for o in db.session.scalars(select(Organisation).where(Organisation.kind == "partner"))}
        report, created = Report(), {}
        try:
            with transaction():  # every entry or none: one commit at the end
                for number, entry in enumerate(entries, start=1):
                    _import_entry(user, owner, entry, created, partners, report)
                    if progress:
                        progress(number, len(entries))
                for entry in entries:
                    if entry.data.get("state") == "published":
                        operations.set_state(user, created[entry.data["key"]], "publish", with_children=False)
                record("import", user, None, source=source_name, items=report.created, files=report.files,
                       keys=report.keys[:50])
        except operations.InvalidInput as error:
            raise ImportFailed([f"{k}: {v}" for k, v in error.errors.items()]) from None
        finally:
            for entry in entries:
                entry.close_files()
    return report


def build_zip(directory: Path, target: Path) -> Path:
    """Zip a directory holding a manifest and its files (e.g. seed_data/example_import)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return target
