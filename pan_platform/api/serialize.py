"""Items, organisations and files as JSON. Only what the caller may read is passed in here;
children and parents are filtered through the access module before they are listed."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from pan_platform.access import can
from pan_platform.catalogue import queries
from pan_platform.catalogue.models import Item
from pan_platform.organisations.models import Organisation
from pan_platform.storage import previews

KIND_PATHS = {"curriculum": "curricula", "module": "modules", "material": "materials"}


def timestamp(value: datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def org_ref(org: Organisation) -> dict:
    return {"id": org.id, "slug": org.slug, "name": org.name, "kind": org.kind, "country": org.country_code}


def organisation(org: Organisation) -> dict:
    return {
        **org_ref(org),
        "acronym": org.acronym,
        "website": org.website,
        "description": org.description,
        "web_url": url_for("organisations.detail", slug=org.slug, _external=True),
    }


def item_summary(item: Item, language: str | None = None) -> dict:
    text = item.localized(language) if language else None
    return {
        "id": item.id,
        "kind": item.kind,
        "title": text["title"] if text else item.title,
        "summary": (text["summary"] if text else item.summary) or "",
        "language": item.language,
        "languages": item.languages,
        "priority_areas": item.area_codes,
        "resource_type": item.resource_type,
        "audience": item.audience,
        "level": item.level,
        "owner": org_ref(item.owner),
        "state": item.state,
        "published_at": timestamp(item.published_at),
        "updated_at": timestamp(item.updated_at),
        "web_url": url_for("catalogue.detail", item_id=item.id, _external=True),
        "api_url": url_for(f"api.{KIND_PATHS[item.kind]}_detail", item_id=item.id, _external=True),
    }


def file_version(version) -> dict:
    return {
        "id": version.id,
        "file_id": version.file_id,
        "number": version.number,
        "original_name": version.original_name,
        "mime_type": version.mime_type,
        "size": version.size,
        "sha256": version.sha256,
        "uploaded_at": timestamp(version.uploaded_at),
        "download_url": url_for("storage.download", version_id=version.id, _external=True),
        "thumbnail_url": _thumbnail_url(version.id) if version.preview and version.preview.status == "done" else None,
    }


def _thumbnail_url(version_id: int) -> str:
    return url_for("storage.thumbnail", version_id=version_id, _external=True)


def material_file(entry) -> dict:
    """One file of a material: what it is for, its language, its place and its versions."""
    return {
        "id": entry.id,
        "role": entry.role,
        "language": entry.language,
        "position": entry.position,
        "title": entry.title,
        "version_count": len(entry.versions),
        "current": file_version(entry.current) if entry.current is not None else None,
        "versions": [file_version(v) for v in entry.versions],
    }


def _files(user, item: Item) -> dict:
    """Files and their versions for those who may download them (the rule of the download
    route); others learn only that files exist and are given on request. `files` lists
    every version (as before several files per material); `material_files` the files in order;
    `thumbnail_url` the first file's thumbnail once made, for those who may download only
    (the rule of the thumbnail route and the item page)."""
    if can(user, "download", item):
        thumbnail = previews.thumbnail_version(user, item)
        return {
            "files": [file_version(v) for v in item.file_versions],
            "material_files": [material_file(f) for f in item.files if f.versions],
            "files_on_request": False,
            "thumbnail_url": _thumbnail_url(thumbnail) if thumbnail is not None else None,
        }
    return {"files": [], "material_files": [], "files_on_request": bool(item.file_versions), "thumbnail_url": None}


def item_detail(user, item: Item) -> dict:
    parent = item.parent
    sharing = None
    if can(user, "share", item):  # who it is shared with is the owner's business only
        sharing = {
            "visibility": item.visibility,
            "partner_scope": item.partner_scope,
            "shared_with": sorted(share.organisation.slug for share in item.shares),
        }
    return {
        **item_summary(item),
        "summary": item.summary or "",
        "learning_outcomes": item.outcomes,
        "keywords": list(item.keywords or []),
        "delivery_mode": item.delivery_mode,
        "duration_hours": item.duration_hours,
        "licence": item.licence,
        "external_url": item.external_url,
        "parent_id": parent.id if parent is not None and can(user, "read", parent) else None,
        "children": [child.id for child in queries.readable_children(user, item)],
        "translations": [
            {
                "language": tr.language,
                "title": tr.title,
                "summary": tr.summary,
                "learning_outcomes": [x for x in (tr.learning_outcomes or "").splitlines() if x.strip()],
            }
            for tr in item.translations
        ],
        **_files(user, item),
        "sharing": sharing,
    }
