"""The History page of an item (/workspace/items/<id>/history) and its restore button:
thin views over history.operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pan_platform.catalogue import operations as catalogue
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.forms import ActionForm
from pan_platform.history import operations
from pan_platform.history.models import ItemChange
from pan_platform.i18n import _, _l
from pan_platform.operations import OperationError, flash_error
from pan_platform.paging import page_number
from pan_platform.sharing.markings import MARKINGS
from pan_platform.sharing.vocab import REQUEST_STATES
from pan_platform.web.templating import language_name

bp = Blueprint("history", __name__, url_prefix="/workspace")

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "learning_outcomes": _l("Learning outcomes"),
    "language": _l("Original language"),
    "keywords": _l("Keywords"),
    "audience": _l("Target audience"),
    "level": _l("Level"),
    "delivery_mode": _l("Delivery mode"),
    "duration_hours": _l("Duration (hours)"),
    "licence": _l("Licence"),
    "resource_type": _l("Type of material"),
    "external_url": _l("Link to an external resource (e.g. a video)"),
    "state": _l("Publication"),
    "visibility": _l("Who may see it"),
    "partner_scope": _l("Partner organisations"),
    "parent_id": _l("Part of"),
    "area_codes": _l("Priority areas"),
    "languages": _l("Languages"),
    "shares": _l("Share with these partner organisations"),
    "marking": _l("Handling marking"),
    "files_access": _l("Files"),
    "agreement": _l("Sharing agreement"),
    "file_access": _l("Request for the files"),
    "file": _l("File"),
}
VISIBILITIES = {
    "private": _l("My academy only"),
    "network": _l("All academies of the network"),
    "partners": _l("Academies and partner organisations"),
    "public": _l("Everyone (public)"),
    "inherit": _l("As its parent (inherit)"),
}
PARTNER_SCOPES = {"named": _l("Only the partners ticked below"), "all": _l("All partner organisations")}
FILES_ACCESS = {
    "same": _l("Whoever can read the description can download the files"),
    "request": _l("Description visible, files on request"),
}
CODES = {
    "audience": vocab.AUDIENCES, "level": vocab.LEVELS, "delivery_mode": vocab.DELIVERY_MODES,
    "licence": vocab.LICENCES, "resource_type": vocab.RESOURCE_TYPES, "state": vocab.STATES,
    "visibility": VISIBILITIES, "partner_scope": PARTNER_SCOPES, "files_access": FILES_ACCESS,
    "marking": MARKINGS, "file_access": REQUEST_STATES,
}


@dataclass
class Line:
    """One changed field as the page shows it."""

    label: str
    old: str
    new: str
    lang: str | None = None  # the language of written content (titles, texts, keywords)


def _areas(codes) -> str:
    return ", ".join(vocab.label(vocab.PRIORITY_AREAS, code) for code in codes or [])


def _file(value: dict) -> str:
    return f"{value['name']} ({value['mime_type']}, {value['size']:,} B)"


def _agreement(value: dict) -> str:
    areas = _areas(value.get("areas")) or _("all priority areas")
    until = value.get("until")
    return _("%(areas)s, until %(date)s", areas=areas, date=until[:10]) if until else areas


SHOW: dict[str, Callable] = {
    "language": language_name,
    "languages": lambda codes: ", ".join(map(language_name, codes)),
    "keywords": ", ".join,
    "area_codes": _areas,
    "shares": ", ".join,
    "file": _file,
    "agreement": _agreement,
}


def _show(field: str, value) -> str:
    """A stored value as text in the reader's language; an empty value as a dash."""
    if value in (None, "", []):
        return "—"
    if field in CODES:
        return vocab.label(CODES[field], value)
    if field in SHOW:
        return SHOW[field](value)
    return str(value)


def _label(change: dict) -> str:
    label = str(FIELD_LABELS.get(change["field"], change["field"]))
    key = change.get("key")
    if key is None:
        return label
    if change["field"] in ("title", "summary", "learning_outcomes"):
        return _("%(field)s (translation, %(language)s)", field=label, language=language_name(key))
    if change["field"] == "agreement" and not key:
        return _("%(field)s: %(detail)s", field=label, detail=_("all partner organisations"))
    if change["field"] == "file":
        return _("%(field)s: %(detail)s", field=label, detail=_("version %(number)s", number=key))
    return _("%(field)s: %(detail)s", field=label, detail=key)


CONTENT_FIELDS = ("title", "summary", "learning_outcomes", "keywords")


def lines(entry: ItemChange, language: str) -> list[Line]:
    """The entry's changes as the page shows them; `language` is the item's original one."""
    return [
        Line(_label(c), _show(c["field"], c["old"]), _show(c["field"], c["new"]),
             (c.get("key") or language) if c["field"] in CONTENT_FIELDS else None)
        for c in entry.changes
    ]


def restorable_labels(entry: ItemChange) -> str:
    return ", ".join(str(FIELD_LABELS[name]) for name in entry.restorable())


@bp.route("/items/<int:item_id>/history")
@login_required
def item_history(item_id: int):
    item = catalogue.get_item(item_id)
    page = operations.history_page(current_user, item, page_number(request.args.get("page")))
    return render_template("history/item_history.html", item=item, page=page, lines=lines,
                           restorable_labels=restorable_labels, form=ActionForm())


@bp.route("/items/<int:item_id>/history/<int:entry_id>/restore", methods=["POST"])
@login_required
def restore(item_id: int, entry_id: int):
    item = catalogue.get_item(item_id)
    catalogue.require(current_user, "view_history", item)  # before anything tells items apart
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        changed = operations.restore(current_user, item, entry_id)
    except OperationError as error:  # nothing to restore, or a value no longer valid
        flash_error(error)
    else:
        if changed:
            flash(_("Earlier values restored: %(fields)s.",
                    fields=", ".join(str(FIELD_LABELS[name]) for name in changed)), "success")
        else:
            flash(_("These values are already the current ones."), "info")
    return redirect(url_for("history.item_history", item_id=item.id))
