"""Business actions on curricula, modules and materials.

Every operation takes the acting user and plain arguments (no request or form objects, so
the editor pages, the bulk importer and the API share them), asks `can()` first, records
an audit event and commits (the rule of `pan_platform/operations.py`; the importer groups
many operations in one `transaction()`).

Hidden items raise NotFound (the same as a missing id); visible but not editable ones
raise Forbidden; bad values raise InvalidInput with one translated message per field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from pan_platform.access import VISIBILITIES, can
from pan_platform.access.principals import INHERIT, PARTNER_SCOPES
from pan_platform.audit.models import record
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.models import ALLOWED_PARENT, Item, ItemTranslation
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.operations import commit as commit
from pan_platform.operations import rollback as rollback
from pan_platform.organisations.models import Organisation
from pan_platform.sharing.models import AdaptationRequest, ItemPolicy, ItemShare
from pan_platform.storage import files
from pan_platform.storage.models import FILE_ROLE_CODES, FileVersion, MaterialFile
from pan_platform.util import utcnow

TEXT_FIELDS = ("title", "summary", "learning_outcomes", "language", "external_url")
CODE_FIELDS = {
    "audience": vocab.AUDIENCES,
    "level": vocab.LEVELS,
    "delivery_mode": vocab.DELIVERY_MODES,
    "licence": vocab.LICENCES,
    "resource_type": vocab.RESOURCE_TYPES,
}
EDITABLE_FIELDS = (*TEXT_FIELDS, *CODE_FIELDS, "keywords", "duration_hours", "area_codes")
STATE_ACTIONS = {"publish": "published", "archive": "archived", "draft": "draft"}


class InvalidInput(OperationError):
    """Values that cannot be saved: {field: translated message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors=errors)


class AdaptRefused(OperationError):
    """The item's licence does not allow adapting it and its owner gave no permission."""

    status = 403


class AlreadyAdapted(OperationError):
    """The user's academy already holds a copy of the item: a second one would only duplicate it."""

    status = 409


# ------------------------------------------------------------------ checks

def require(user, action: str, obj) -> None:
    """NotFound when `user` may not even see `obj`, Forbidden when they see it but may not act."""
    if can(user, action, obj):
        return
    if isinstance(obj, Item) and not can(user, "read", obj):
        raise NotFound()
    raise Forbidden()


def get_item(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None:
        raise NotFound()
    return item


def _https_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc) and " " not in value


def clean_fields(fields: dict) -> dict:
    """Normalise and check metadata values; raises InvalidInput listing every problem."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({name: _("This field cannot be set.") for name in sorted(unknown)})
    out, errors = {}, {}
    for name in TEXT_FIELDS:
        if name in fields:
            value = (fields[name] or "").strip()
            out[name] = value or None
    if "title" in fields:
        out["title"] = " ".join((fields["title"] or "").split())
        if not out["title"]:
            errors["title"] = _("Please enter a title.")
        elif len(out["title"]) > 300:
            errors["title"] = _("The title must be at most 300 characters long.")
    if "language" in fields and out.get("language") not in vocab.CONTENT_LANGUAGES:
        errors["language"] = _("Please choose a language from the list.")
    if out.get("external_url") and not _https_url(out["external_url"]):
        errors["external_url"] = _("Please enter a full link starting with https://.")
    if out.get("external_url") and len(out["external_url"]) > 500:
        errors["external_url"] = _("The link must be at most 500 characters long.")
    for name, vocabulary in CODE_FIELDS.items():
        if name in fields:
            value = fields[name] or None
            if value is not None and value not in vocabulary:
                errors[name] = _("Unknown value %(value)s.", value=value)
            out[name] = value
    if "keywords" in fields:
        raw = fields["keywords"] or []
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        out["keywords"] = list(dict.fromkeys(k.strip()[:80] for k in items if k and k.strip()))[:30]
    if "duration_hours" in fields:
        value = fields["duration_hours"]
        try:
            out["duration_hours"] = None if value in (None, "") else float(value)
        except (TypeError, ValueError):
            errors["duration_hours"] = _("Please enter a number of hours.")
        else:
            hours = out["duration_hours"]
            if hours is not None and hours < vocab.MIN_HOURS:
                errors["duration_hours"] = _("Please enter at least a quarter of an hour (0.25).")
            elif hours is not None and hours > vocab.MAX_HOURS:
                errors["duration_hours"] = _("Please enter at most 10,000 hours.")
    if "area_codes" in fields:
        codes = list(dict.fromkeys(fields["area_codes"] or []))
        bad = [c for c in codes if c not in vocab.PRIORITY_AREAS]
        if bad:
            errors["area_codes"] = _("Unknown priority area %(code)s.", code=", ".join(bad))
        elif not codes:
            errors["area_codes"] = _("Please choose at least one priority area.")
        out["area_codes"] = codes
    if errors:
        raise InvalidInput(errors)
    return out


def _check_parent(kind: str, parent: Item | None, owner: Organisation) -> None:
    if kind not in ALLOWED_PARENT:
        raise InvalidInput({"kind": _("Unknown kind of item.")})
    if parent is None:
        return
    if parent.kind not in ALLOWED_PARENT[kind] or parent.owner_id != owner.id:
        raise InvalidInput({"parent": _("This item cannot be placed there.")})


def _next_position(parent: Item | None) -> int:
    return max((c.position for c in parent.children), default=-1) + 1 if parent else 0


# ------------------------------------------------------------------ create / edit

@operation
def create_item(user, owner: Organisation, kind: str, fields: dict, parent: Item | None = None,
                source_key: str | None = None) -> Item:
    """A new draft owned by `owner`; private when standalone, inheriting under a parent."""
    require(user, "create_item", owner)
    if parent is not None:
        require(user, "edit", parent)
    _check_parent(kind, parent, owner)
    values = clean_fields({"language": "en", **fields})
    if "title" not in values:
        raise InvalidInput({"title": _("Please enter a title.")})
    areas = values.pop("area_codes", None)
    if areas is None:
        if parent is None:
            raise InvalidInput({"area_codes": _("Please choose at least one priority area.")})
        areas = parent.area_codes
    item = Item(
        kind=kind, owner=owner, parent=parent, position=_next_position(parent), state="draft",
        visibility=INHERIT if parent else "private", partner_scope="named",
        created_by_id=getattr(user, "id", None), source_key=source_key, **values,
    )
    item.area_codes = areas
    item.refresh_languages()
    db.session.add(item)
    db.session.flush()
    record("create", user, item, kind=kind, title=item.title)
    return item


def _check_kept_licence(item: Item, values: dict) -> None:
    """A copy whose licence travels with the work (share-alike, non-commercial, network
    terms, or a permission) cannot be given another licence by its editors."""
    if "licence" not in values or values["licence"] == item.licence or item.adapted_from_id is None:
        return
    if vocab.licence_terms(item.licence).copy_keeps_licence:
        raise InvalidInput({"licence": _(
            "This adaptation keeps the licence of the original (%(licence)s): it cannot be changed.",
            licence=vocab.label(vocab.LICENCES, item.licence))})


@operation
def create_item_with_files(user, owner: Organisation, kind: str, fields: dict, parent: Item | None = None,
                           uploads: list[tuple[BinaryIO, str]] = ()) -> Item:
    """A new item and, for a material, its first files: all saved, or nothing."""
    item = create_item(user, owner, kind, fields, parent=parent)
    if uploads:
        add_files(user, item, list(uploads))
    return item


@operation
def update_item(user, item: Item, fields: dict) -> Item:
    require(user, "edit", item)
    values = clean_fields(fields)
    _check_kept_licence(item, values)
    changed = []
    if "area_codes" in values:
        areas = values.pop("area_codes")
        if areas != item.area_codes:
            item.area_codes = areas
            changed.append("area_codes")
    for name, value in values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    if "language" in changed:
        # A translation in the new original language would duplicate it.
        item.translations = [t for t in item.translations if t.language != item.language]
        item.refresh_languages()
    if changed:
        item.updated_at = utcnow()
        record("edit", user, item, fields=sorted(changed))
    return item


# ------------------------------------------------------------------ structure

@operation
def move(user, item: Item, direction: str) -> Item:
    """Swap the item with its previous ("up") or next ("down") sibling."""
    require(user, "edit", item)
    if item.parent is None or direction not in ("up", "down"):
        return item
    siblings = list(item.parent.children)
    for position, child in enumerate(siblings):  # repair gaps and duplicates first
        child.position = position
    index = siblings.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = other, index
        record("move", user, item, direction=direction)
    return item


@operation
def attach_module(user, curriculum: Item, module: Item) -> Item:
    """Put an existing module of the academy at the end of `curriculum` (moving it if needed)."""
    require(user, "edit", curriculum)
    require(user, "edit", module)
    if curriculum.kind != "curriculum" or module.kind != "module" or module.owner_id != curriculum.owner_id:
        raise InvalidInput({"module": _("Only a module of your academy can be attached to a curriculum.")})
    if module.parent_id == curriculum.id:
        return module
    previous = module.parent_id
    module.parent = curriculum
    module.position = _next_position(curriculum)
    record("attach", user, module, curriculum_id=curriculum.id, previous_parent_id=previous)
    return module


@operation
def detach(user, item: Item) -> Item:
    """Make a module or material stand alone again (it keeps its own copy of the rule)."""
    require(user, "edit", item)
    if item.parent is None:
        return item
    previous = item.parent_id
    if item.visibility == INHERIT:
        item.visibility = "private"
    item.parent = None
    item.position = 0
    record("detach", user, item, previous_parent_id=previous)
    return item


# ------------------------------------------------------------------ life cycle

@operation
def set_state(user, item: Item, action: str, with_children: bool = True) -> list[Item]:
    """publish / archive / draft. Publishing takes the item's draft contents along, so a
    curriculum goes online in one step; archiving and back-to-draft touch the item only
    (what inherits from it disappears with it)."""
    if action not in STATE_ACTIONS:
        raise InvalidInput({"action": _("Unknown action.")})
    require(user, "publish" if action == "publish" else "archive", item)
    if action == "archive" and item.state == "draft":
        # A draft is seen by its academy only: archiving it would hide nothing, and it would
        # leave the catalogue's "archived" list with items that were never published.
        raise InvalidInput({"action": _("A draft cannot be archived: only a published item can.")})
    target = STATE_ACTIONS[action]
    nodes = [item]
    if action == "publish" and with_children:
        nodes += [n for n in item.descendants() if n.state == "draft" and can(user, "publish", n)]
    changed = []
    for node in nodes:
        if node.state == target:
            continue
        node.state = target
        if target == "published":
            node.published_at = node.published_at or utcnow()
        node.updated_at = utcnow()
        changed.append(node)
        record(action, user, node, state=target)
    return changed


@operation
def set_sharing(user, item: Item, visibility: str, partner_scope: str = "named",
                shares: Iterable[int] = ()) -> Item:
    """Who may read the item: its visibility, the partner scope and named partner organisations."""
    require(user, "share", item)
    errors = {}
    if visibility not in (*VISIBILITIES, INHERIT):
        errors["visibility"] = _("Unknown visibility.")
    elif visibility == INHERIT and item.parent is None:
        errors["visibility"] = _("An item without a parent cannot inherit its sharing.")
    if partner_scope not in PARTNER_SCOPES:
        errors["partner_scope"] = _("Unknown partner scope.")
    wanted = set(shares)
    partners = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(wanted)))}
    if any(pid not in partners or partners[pid].kind != "partner" for pid in wanted):
        errors["shares"] = _("Items can only be shared with partner organisations.")
    if errors:
        raise InvalidInput(errors)
    before = (item.visibility, item.partner_scope, sorted(s.organisation_id for s in item.shares))
    item.visibility, item.partner_scope = visibility, partner_scope
    item.shares = [s for s in item.shares if s.organisation_id in wanted]
    have = {s.organisation_id for s in item.shares}
    item.shares.extend(ItemShare(organisation=partners[pid]) for pid in sorted(wanted - have))
    after = (visibility, partner_scope, sorted(wanted))
    if before != after:
        item.updated_at = utcnow()
        record("share", user, item, visibility=visibility, partner_scope=partner_scope,
               shares=sorted(wanted), previous={"visibility": before[0], "partner_scope": before[1],
                                                "shares": before[2]})
    return item


# ------------------------------------------------------------------ files

def _material(user, item: Item) -> None:
    require(user, "edit", item)
    if item.kind != "material":
        raise InvalidInput({"file": _("Files can only be added to materials.")})


def _file_of(item: Item, file_id: int | None) -> MaterialFile:
    """One of the material's files; a file of another item is as missing as none."""
    found = next((f for f in item.files if f.id == file_id), None)
    if found is None:
        raise InvalidInput({"file_id": _("This material has no such file.")})
    return found


def clean_file_fields(item: Item, role: str | None, language: str | None, title: str | None = None) -> dict:
    """Role, language and title of a file: defaults "other" and the material's language."""
    role = (role or "").strip() or "other"
    language = (language or "").strip() or item.language
    errors = {}
    if role not in FILE_ROLE_CODES:
        errors["role"] = _("Unknown file role.")
    if language not in vocab.CONTENT_LANGUAGES:
        errors["language"] = _("Unknown language.")
    if errors:
        raise InvalidInput(errors)
    return {"role": role, "language": language, "title": (title or "").strip()[:300] or None}


def _upload(user, item: Item, stream: BinaryIO, filename: str, note: str | None,
            material_file: MaterialFile) -> FileVersion:
    note = (note or "").strip()[:1000] or None
    version = files.add_checked_version(item, stream, filename, user=user, note=note, material_file=material_file)
    item.updated_at = utcnow()
    db.session.flush()  # a failure here rolls back the rows and the stored blob (@operation)
    record("upload", user, item, file=material_file.id, role=material_file.role, version=version.number,
           sha256=version.sha256, size=version.size, mime_type=version.mime_type, name=version.original_name)
    return version


@operation
def add_file_version(user, item: Item, stream: BinaryIO, filename: str, note: str | None = None,
                     file_id: int | None = None) -> FileVersion:
    """A new current version of one file of a material (default: its first file, made when
    the material has none); earlier versions stay downloadable.

    Raises validate.UploadRejected (nothing written) for a refused file.
    """
    _material(user, item)
    material_file = _file_of(item, file_id) if file_id is not None else None
    if material_file is None:
        material_file = item.files[0] if item.files else files.new_file(item)
    return _upload(user, item, stream, filename, note, material_file)


@operation
def add_file(user, item: Item, stream: BinaryIO, filename: str, role: str | None = None,
             language: str | None = None, title: str | None = None, note: str | None = None) -> FileVersion:
    """A new file at the end of the material's files, with its first version."""
    _material(user, item)
    fields = clean_file_fields(item, role, language, title)
    return _upload(user, item, stream, filename, note, files.new_file(item, **fields))


@operation
def add_files(user, item: Item, uploads: list[tuple[BinaryIO, str]]) -> list[FileVersion]:
    """Several new files at once (role "other", the material's language): all or none."""
    return [add_file(user, item, stream, name) for stream, name in uploads]


@operation
def update_file(user, item: Item, file_id: int, role: str | None, language: str | None,
                title: str | None = None) -> MaterialFile:
    """Change what a file is for, its language and its title."""
    _material(user, item)
    material_file = _file_of(item, file_id)
    fields = clean_file_fields(item, role, language, title)
    before = {"role": material_file.role, "language": material_file.language, "title": material_file.title}
    if before != fields:
        material_file.role, material_file.language = fields["role"], fields["language"]
        material_file.title = fields["title"]
        item.updated_at = utcnow()
        record("file_update", user, item, file=material_file.id, previous=before, **fields)
    return material_file


@operation
def move_file(user, item: Item, file_id: int, direction: str) -> MaterialFile:
    """Swap a file with the previous ("up") or next ("down") one."""
    _material(user, item)
    material_file = _file_of(item, file_id)
    ordered = list(item.files)
    for position, each in enumerate(ordered):  # repair gaps and duplicates first
        each.position = position
    index = ordered.index(material_file)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else index
    if other != index and 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = other, index
        item.updated_at = utcnow()
        record("file_move", user, item, file=material_file.id, direction=direction)
    return material_file


@operation
def remove_file(user, item: Item, file_id: int) -> None:
    """Take a file and its versions off the material. Its stored blobs stay in the file
    store: blobs are content-addressed and may be shared with copies and backups."""
    _material(user, item)
    material_file = _file_of(item, file_id)
    names = [v.original_name for v in material_file.versions]
    for version in material_file.versions:
        if version in item.file_versions:
            item.file_versions.remove(version)
    item.files.remove(material_file)
    for position, each in enumerate(item.files):
        each.position = position
    item.updated_at = utcnow()
    record("file_remove", user, item, file=file_id, role=material_file.role, names=names)


# ------------------------------------------------------------------ adapt

def _copy_policy(node: Item, copy: Item) -> None:
    """The handling marking and "files on request" travel with the copy, so a copy's
    files are never more open than the original's."""
    policy = node.policy
    if policy is not None:
        copy.policy = ItemPolicy(marking=policy.marking, files_access=policy.files_access)


def _copyable_files(user, node: Item) -> list[MaterialFile]:
    """The files `user` may download: the same rule as the download route."""
    return [f for f in node.files if f.versions and can(user, "download", node)]


def _copy_node(user, node: Item, owner: Organisation, parent: Item | None, position: int,
               left_out: list[Item]) -> Item:
    copy = Item(
        kind=node.kind, owner=owner, parent=parent, position=position, title=node.title,
        summary=node.summary, learning_outcomes=node.learning_outcomes, language=node.language,
        keywords=list(node.keywords or []), audience=node.audience, level=node.level,
        delivery_mode=node.delivery_mode, duration_hours=node.duration_hours, licence=node.licence,
        resource_type=node.resource_type, external_url=node.external_url, state="draft",
        visibility="private" if parent is None else INHERIT, partner_scope="named",
        created_by_id=getattr(user, "id", None), adapted_from=node,
    )
    db.session.add(copy)
    copy.area_codes = node.area_codes
    for tr in node.translations:
        copy.translations.append(ItemTranslation(
            language=tr.language, title=tr.title, summary=tr.summary, learning_outcomes=tr.learning_outcomes))
    copy.refresh_languages()
    _copy_policy(node, copy)
    # Files the adapting user may not download stay with the original: the copy's page
    # says where they can be requested (workspace.withheld_original).
    for material_file in _copyable_files(user, node):
        files.copy_file(material_file, copy)
    # Only what the adapting user may read is copied: hidden parts stay hidden. A readable
    # part whose own licence forbids adapting it stays with the original too.
    readable = [child for child in node.children if can(user, "read", child)]
    left_out.extend(child for child in readable if not can(user, "copy_part", child))
    copied = [child for child in readable if can(user, "copy_part", child)]
    for child_position, child in enumerate(copied):
        _copy_node(user, child, owner, copy, child_position, left_out)
    return copy


def existing_copy(organisation_id: int | None, item: Item) -> Item | None:
    """The copy of `item` that `organisation_id` already holds (an adaptation of it, or
    the copy of it inside an adaptation of what holds it), if any."""
    if organisation_id is None:
        return None
    return db.session.scalar(
        select(Item).where(Item.adapted_from_id == item.id, Item.owner_id == organisation_id)
        .order_by(Item.id).limit(1)
    )


def working_title(title: str) -> str:
    """The copy's title until its editors change it, so the two are told apart."""
    room = 300 - len(_("%(title)s (adaptation)", title=""))
    return _("%(title)s (adaptation)", title=title[: max(1, room)])


def _permission_for(user, item: Item) -> AdaptationRequest | None:
    """The approved request under which the user's academy adapts `item` (its own or one
    for what holds it), to be recorded in the copy's lineage."""
    for node in (item, *reversed(item.ancestors())):
        for request in node.adaptation_requests:
            if request.organisation_id == user.organisation_id and request.status == "approved":
                return request
    return None


def _refuse_adapt(user, item: Item) -> None:
    """Say why an item cannot be adapted: its licence (ask the owner), else not found / forbidden."""
    if can(user, "request_adaptation", item):
        raise AdaptRefused(_(
            "The licence of this item (%(licence)s) does not allow adapting it. "
            "Ask the owner academy for permission.",
            licence=vocab.label(vocab.LICENCES, item.licence)))
    require(user, "adapt", item)


@operation
def adapt_item(user, item: Item) -> Item:
    """Copy a readable curriculum or module into the user's academy as a private draft.

    Only as the licence allows (or with the owner academy's permission), and once per
    academy. File versions point at the same stored blobs: nothing is duplicated on disk.
    Files the user may not download are left out; markings, "files on request" and the
    licence are kept (the attribution block on the copy's page comes from the lineage).
    """
    if not can(user, "adapt", item):
        _refuse_adapt(user, item)
    owner = user.organisation
    require(user, "create_item", owner)
    earlier = existing_copy(owner.id, item)
    if earlier is not None:
        raise AlreadyAdapted(_("Your academy has already adapted this item: “%(title)s”. "
                               "Edit that adaptation instead of making another copy.", title=earlier.title))
    left_out: list[Item] = []
    with db.session.no_autoflush:  # copy the whole tree before anything is written
        copy = _copy_node(user, item, owner, None, 0, left_out)
        copy.title = working_title(item.title)
    db.session.flush()
    permission = _permission_for(user, item)
    if permission is not None and permission.copy_id is None:
        permission.copy_id = copy.id
    withheld = sorted(part.adapted_from_id for part in withheld_parts(copy))
    record("adapt", user, copy, original_id=item.id, original_owner_id=item.owner_id,
           items=1 + len(copy.descendants()), files_withheld=withheld, licence=item.licence,
           permission=permission.id if permission is not None else None,
           parts_left_out=sorted(part.id for part in left_out))
    return copy


def withheld_parts(copy: Item) -> list[Item]:
    """The parts of a fresh copy whose original's files were left out."""
    return [part for part in (copy, *copy.descendants())
            if not part.file_versions and part.adapted_from is not None and part.adapted_from.file_versions]


def parts_left_out(user, copy: Item) -> list[Item]:
    """Readable parts of the original that a fresh copy lacks because their own licence
    does not allow adapting them."""
    out: list[Item] = []
    for part in (copy, *copy.descendants()):
        original = part.adapted_from
        if original is not None:
            out.extend(child for child in original.children
                       if can(user, "read", child) and not can(user, "copy_part", child))
    return out
