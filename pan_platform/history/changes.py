"""Keep the item history: note what each flush changes, write the entries before the commit.

The pipeline (`pan_platform/pipeline.py`) runs `collect_changes` before every flush, while
the session still holds each attribute's old value, and `write_entries` just before the
commit: by then the operation has recorded its audit event, which names the acting user
(`audit.models.ACTOR_KEY`). One unit of work gives one entry per item, however many
flushes it took (an import, a create followed by an upload): a field's old value is the
one before the first flush, its new value the one after the last, and a field changed
back to where it was is left out.

What is noted, per item: its metadata and state (ITEM_FIELDS), priority areas and
languages, each translation's texts, its sharing (visibility, partner scope, named
partners, handling marking and files on request, standing agreements that cover it,
decisions on requests for its files) and its file versions (added, removed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from pan_platform.audit.models import ACTOR_KEY
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.history.models import ItemChange
from pan_platform.sharing.models import AccessRequest, ItemPolicy, SharingAgreement
from pan_platform.storage.models import FileVersion

PENDING_KEY = "pan_history_pending"  # {item: {"created": bool, "changes": {(field, key): change}}}
RESTORE_KEY = "pan_history_restore"  # {item id: id of the entry a restore puts back}

ITEM_FIELDS = (
    "title", "summary", "learning_outcomes", "language", "keywords", "audience", "level",
    "delivery_mode", "duration_hours", "licence", "resource_type", "external_url", "state",
    "visibility", "partner_scope", "parent_id",
)
TRANSLATION_FIELDS = ("title", "summary", "learning_outcomes")
POLICY_DEFAULTS = {"marking": None, "files_access": "same"}


def _plain(value):
    """A value as JSON can hold it."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _note(session: Session, item: Item, field: str, old, new, key: str | None = None) -> None:
    entry = session.info.setdefault(PENDING_KEY, {}).setdefault(item, {"created": False, "changes": {}})
    slot = entry["changes"].get((field, key))
    if slot is None:
        slot = entry["changes"][(field, key)] = {"field": field, "old": _plain(old)}
        if key is not None:
            slot["key"] = key
    slot["new"] = _plain(new)


def _old_value(session: Session, obj, name: str):
    """The value before this flush. An attribute set without being read first (an expired
    object) has no old value in memory: it is read from the database."""
    state = inspect(obj)
    old = state.committed_state.get(name, NO_VALUE)
    if old is NO_VALUE and obj.id is not None:
        column = getattr(type(obj), name)
        old = session.execute(select(column).where(type(obj).id == obj.id)).scalar()
    return None if old is NO_VALUE else old


def _changed(obj, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _file(version: FileVersion) -> dict:
    return {"name": version.original_name, "size": version.size, "mime_type": version.mime_type}


def _partner(share) -> str:
    organisation = share.organisation
    return organisation.display_name if organisation is not None else str(share.organisation_id)


# -- one kind of object each -------------------------------------------------------------

def _created(session: Session, item: Item) -> None:
    session.info.setdefault(PENDING_KEY, {}).setdefault(item, {"created": False, "changes": {}})["created"] = True
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        if value not in (None, "", []):
            _note(session, item, name, None, value)
    _note(session, item, "area_codes", [], item.area_codes)
    _note(session, item, "languages", [], item.languages)
    if item.shares:
        _note(session, item, "shares", [], sorted(_partner(s) for s in item.shares))
    for translation in item.translations:
        _translation_added(session, item, translation)
    for version in item.file_versions:
        _note(session, item, "file", None, _file(version), key=str(version.number))


def _collection(obj, name: str) -> tuple[list, list]:
    """(before, after) of a collection changed in this flush."""
    history = inspect(obj).attrs[name].history
    unchanged = list(history.unchanged or ())
    return unchanged + list(history.deleted or ()), unchanged + list(history.added or ())


def _edited(session: Session, item: Item) -> None:
    for name in ITEM_FIELDS:
        if _changed(item, name):
            _note(session, item, name, _old_value(session, item, name), getattr(item, name))
    if _changed(item, "area_rows"):
        before, after = _collection(item, "area_rows")
        _note(session, item, "area_codes", sorted(r.area_code for r in before), sorted(r.area_code for r in after))
    if _changed(item, "language_rows"):
        before, after = _collection(item, "language_rows")
        _note(session, item, "languages", sorted(r.language for r in before), sorted(r.language for r in after))
    if _changed(item, "shares"):
        before, after = _collection(item, "shares")
        _note(session, item, "shares", sorted(map(_partner, before)), sorted(map(_partner, after)))
    history = inspect(item).attrs.translations.history
    for translation in history.added or ():
        _translation_added(session, item, translation)
    for translation in history.deleted or ():
        for name in TRANSLATION_FIELDS:
            _note(session, item, name, getattr(translation, name), None, key=translation.language)
    history = inspect(item).attrs.file_versions.history
    for version in history.added or ():
        _note(session, item, "file", None, _file(version), key=str(version.number))
    for version in history.deleted or ():
        _note(session, item, "file", _file(version), None, key=str(version.number))


def _translation_added(session: Session, item: Item, translation: ItemTranslation) -> None:
    for name in TRANSLATION_FIELDS:
        _note(session, item, name, None, getattr(translation, name), key=translation.language)


def _translation_edited(session: Session, translation: ItemTranslation) -> None:
    item = session.get(Item, translation.item_id)
    if item is None:
        return
    language = _old_value(session, translation, "language") if _changed(translation, "language") else None
    for name in TRANSLATION_FIELDS:
        if _changed(translation, name):
            _note(session, item, name, _old_value(session, translation, name), getattr(translation, name),
                  key=language or translation.language)


def _policy(session: Session, policy: ItemPolicy, new: bool) -> None:
    item = policy.item or session.get(Item, policy.item_id)
    if item is None:
        return
    for name, default in POLICY_DEFAULTS.items():
        if new:
            _note(session, item, name, default, getattr(policy, name))
        elif _changed(policy, name):
            _note(session, item, name, _old_value(session, policy, name), getattr(policy, name))


def _agreement_terms(agreement: SharingAgreement) -> dict:
    return {"areas": list(agreement.areas or []), "until": _plain(agreement.valid_until)}


def _agreement(session: Session, agreement: SharingAgreement, new: bool) -> None:
    """A standing agreement made or revoked: noted on every published item it covers."""
    if not new and not _changed(agreement, "revoked_at"):
        return
    partner = agreement.partner.display_name if agreement.partner is not None else ""
    terms = _agreement_terms(agreement)
    owner_id = agreement.owner_id if agreement.owner_id is not None else agreement.owner.id
    items = session.scalars(select(Item).where(Item.owner_id == owner_id, Item.state == "published"))
    for item in items:
        if agreement.covers(item.area_codes):
            old, new_terms = (None, terms) if new else (terms, None)
            _note(session, item, "agreement", old, new_terms, key=partner)


def _request_decided(session: Session, request: AccessRequest) -> None:
    if _changed(request, "status") and request.item is not None:
        _note(session, request.item, "file_access", _old_value(session, request, "status"), request.status,
              key=request.organisation.display_name)


# -- the pipeline's steps ---------------------------------------------------------------------

def collect_changes(session: Session) -> None:
    """Before a flush: note what it will write to items and what belongs to them."""
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, Item):
                _created(session, obj)
            elif isinstance(obj, FileVersion) and obj.item is not None and obj.item not in session.new:
                _note(session, obj.item, "file", None, _file(obj), key=str(obj.number))
            elif isinstance(obj, ItemPolicy):
                _policy(session, obj, new=True)
            elif isinstance(obj, SharingAgreement):
                _agreement(session, obj, new=True)
        for obj in list(session.dirty):
            if isinstance(obj, Item) and obj not in session.deleted:
                _edited(session, obj)
            elif isinstance(obj, ItemTranslation):
                _translation_edited(session, obj)
            elif isinstance(obj, ItemPolicy):
                _policy(session, obj, new=False)
            elif isinstance(obj, SharingAgreement):
                _agreement(session, obj, new=False)
            elif isinstance(obj, AccessRequest):
                _request_decided(session, obj)
        for obj in list(session.deleted):
            if isinstance(obj, FileVersion):
                item = session.get(Item, obj.item_id)
                if item is not None and item not in session.deleted:
                    _note(session, item, "file", _file(obj), None, key=str(obj.number))


def write_entries(session: Session) -> None:
    """Before the commit: one entry per changed item, by the unit of work's acting user.

    Flushes first, so that the last changes are noted; the entries go out with the
    commit's own flush."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending = session.info.pop(PENDING_KEY, {})
    restores = session.info.pop(RESTORE_KEY, {})
    actor = session.info.get(ACTOR_KEY)
    for item, entry in pending.items():
        if item.id is None or inspect(item).deleted or inspect(item).detached:
            continue  # an item deleted in this unit of work takes its history with it
        changes = [c for c in entry["changes"].values() if entry["created"] or c["old"] != c["new"]]
        if not changes:
            continue
        session.add(ItemChange(
            item_id=item.id, user_id=actor, kind="created" if entry["created"] else "changed",
            changes=changes, restored_from_id=restores.get(item.id),
        ))


def forget(session: Session) -> None:
    """After a commit or a rollback: the next unit of work starts with nothing noted."""
    session.info.pop(PENDING_KEY, None)
    session.info.pop(RESTORE_KEY, None)
    session.info.pop(ACTOR_KEY, None)
