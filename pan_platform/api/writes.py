"""REST API v1: write endpoints for editors. Each one calls a catalogue operation, which
checks `can()` itself; the views only translate JSON to arguments and errors to JSON.

Writes need a personal token: a browser session cookie never authorises them (the API
is exempt from CSRF tokens, so a cookie alone would let another site act for the user).
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from pan_platform.api import serialize
from pan_platform.api.auth import resolve_caller, token_can_write, token_id
from pan_platform.api.errors import ApiError
from pan_platform.api.spec import (
    FILE_UPLOAD,
    FILE_VERSION,
    ITEM_CREATE,
    ITEM_DETAIL,
    ITEM_IDS,
    ITEM_UPDATE,
    SHARING_UPDATE,
    STATE_CHANGE,
    spec,
)
from pan_platform.api.v1 import bp
from pan_platform.catalogue import operations as ops
from pan_platform.catalogue import queries
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation
from pan_platform.storage.validate import UploadRejected

CREATED = 201


def token_user():
    """The token's user; 401 without a bearer token (anonymous or cookie-only),
    403 with a token that may only read."""
    user = resolve_caller()
    if token_id() is None:
        raise ApiError(401)
    if not token_can_write():
        raise ApiError(403, _("This token may only read. Create a token with read and write access to make changes."))
    return user


def _fields(payload: dict) -> dict:
    """API field names -> the operation's field names."""
    fields = dict(payload)
    fields.pop("kind", None)
    fields.pop("parent_id", None)
    if "priority_areas" in fields:
        fields["area_codes"] = fields.pop("priority_areas")
    if "learning_outcomes" in fields:
        fields["learning_outcomes"] = "\n".join(line.strip() for line in fields["learning_outcomes"] if line.strip())
    return fields


def _run(action):
    """Run an operation (it commits, or changes nothing); a refused file becomes the
    API's 422. A refused operation reaches the blueprint's OperationError handler."""
    try:
        return action()
    except UploadRejected as error:
        raise ApiError(422, str(error)) from error


def _editable_item(user, item_id: int):
    """The item if the caller may read it (else the same 404 as a missing one)."""
    return queries.get_readable(user, item_id)


@spec.operation(
    bp, "/items", "POST", summary="Create a draft curriculum, module or material", tag="Editing",
    body=ITEM_CREATE, responses={CREATED: ("The new draft", ITEM_DETAIL)}, auth_required=True,
    description="The item belongs to your academy. A module or material may name its parent.",
)
def items_create(query: dict, payload: dict):
    user = token_user()
    parent = _editable_item(user, payload["parent_id"]) if "parent_id" in payload else None
    item = _run(lambda: ops.create_item(user, user.organisation, payload["kind"], _fields(payload), parent=parent))
    return jsonify(serialize.item_detail(user, item)), CREATED


@spec.operation(
    bp, "/items/<int:item_id>", "PATCH", summary="Change an item's metadata", tag="Editing",
    body=ITEM_UPDATE, responses={200: ("The item", ITEM_DETAIL)}, auth_required=True,
)
def items_update(query: dict, payload: dict, item_id: int):
    user = token_user()
    item = _editable_item(user, item_id)
    _run(lambda: ops.update_item(user, item, _fields(payload)))
    return jsonify(serialize.item_detail(user, item))


@spec.operation(
    bp, "/items/<int:item_id>/state", "POST", summary="Publish, archive or return to draft", tag="Editing",
    body=STATE_CHANGE, responses={200: ("Items whose state changed", ITEM_IDS)}, auth_required=True,
)
def items_state(query: dict, payload: dict, item_id: int):
    user = token_user()
    item = _editable_item(user, item_id)
    changed = _run(lambda: ops.set_state(user, item, payload["action"], payload.get("with_children", True)))
    return jsonify({"changed": [node.id for node in changed]})


@spec.operation(
    bp, "/items/<int:item_id>/sharing", "PUT", summary="Set who may read an item", tag="Editing",
    body=SHARING_UPDATE, responses={200: ("The item", ITEM_DETAIL)}, auth_required=True,
    description="`shared_with` lists partner organisations by slug.",
)
def items_sharing(query: dict, payload: dict, item_id: int):
    user = token_user()
    item = _editable_item(user, item_id)
    slugs = list(dict.fromkeys(payload.get("shared_with", [])))
    orgs = {o.slug: o.id for o in db.session.scalars(select(Organisation).where(Organisation.slug.in_(slugs)))}
    unknown = [slug for slug in slugs if slug not in orgs]
    if unknown:
        raise ApiError(422, details={"shared_with": _("Unknown organisation %(slug)s.", slug=", ".join(unknown))})
    _run(lambda: ops.set_sharing(
        user, item, payload["visibility"], payload.get("partner_scope", "named"), [orgs[s] for s in slugs]
    ))
    return jsonify(serialize.item_detail(user, item))


@spec.operation(
    bp, "/materials/<int:item_id>/files", "POST", summary="Upload a file of a material, or a new version of one",
    tag="Editing", body=FILE_UPLOAD, body_media="multipart/form-data",
    responses={CREATED: ("The new version", FILE_VERSION)}, auth_required=True,
    description="With `file_id`: a new version of that file. With `role`, `language` or `title`: a new file "
                "at the end of the material's files. With neither: a new version of the material's first file.",
)
def materials_upload(query: dict, item_id: int):
    user = token_user()
    item = _editable_item(user, item_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(422, details={"file": _("Please choose a file to upload.")})
    note = request.form.get("note")
    if note is not None and len(note) > 1000:
        raise ApiError(422, details={"note": _("The note must be at most 1,000 characters long.")})
    details = {name: request.form.get(name) for name in ("role", "language", "title")}
    if details["title"] is not None and len(details["title"]) > 300:
        raise ApiError(422, details={"title": _("The title must be at most 300 characters long.")})
    file_id = _file_id(request.form.get("file_id"))
    if file_id is None and any(value is not None for value in details.values()):
        version = _run(lambda: ops.add_file(user, item, upload.stream, upload.filename, note=note, **details))
    else:
        version = _run(lambda: ops.add_file_version(user, item, upload.stream, upload.filename, note=note,
                                                    file_id=file_id))
    return jsonify(serialize.file_version(version)), CREATED


def _file_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ApiError(422, details={"file_id": _("This material has no such file.")})
    return int(value)
